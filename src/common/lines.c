#include "common/lines.h"

#include <stdlib.h>

int line_reader_init(struct line_reader *r, FILE *in, size_t max)
{
    r->in = in;
    r->max = max;
    r->number = 0;
    r->consumed = 0;
    r->newline = false;
    r->buf = malloc(max + 1);
    return r->buf != NULL ? 0 : -1;
}

void line_reader_free(struct line_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

enum line_result line_next(struct line_reader *r, size_t *len)
{
    size_t n = 0;
    bool too_long = false;
    int c;
    r->consumed = 0;
    r->newline = false;
    while ((c = getc(r->in)) != EOF) {
        r->consumed++;
        if (c == '\n') {
            r->newline = true;
            break;
        }
        if (n < r->max)
            r->buf[n++] = (char)c;
        else
            too_long = true;
    }
    if (c == EOF && ferror(r->in))
        return LINE_ERROR;
    if (r->consumed == 0)
        return LINE_END;
    r->number++;
    r->buf[n] = '\0';
    *len = n;
    return too_long ? LINE_TOO_LONG : LINE_OK;
}
