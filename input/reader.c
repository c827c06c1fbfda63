/* Line reading shared by the target-list readers: bounded lines, numbered for messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

void input_open_stream(struct input_reader *r, const struct input_format *format, FILE *in,
                       const char *name, FILE *diag)
{
    memset(r, 0, sizeof(*r));
    r->format = format;
    r->in = in;
    r->name = name;
    r->diag = diag;
}

void input_close(struct input_reader *r)
{
    if (r->format != NULL && r->format->close != NULL)
        r->format->close(r);
    r->state = NULL;
    free(r->buf);
    r->in = NULL;
    r->buf = NULL;
}

void input_bad_line(struct input_reader *r, const char *fmt, ...)
{
    r->stats.bad_lines++;
    if (r->diag == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(r->diag, "tcpreq: %s:%lu: ", r->name, r->line);
    vfprintf(r->diag, fmt, ap);
    fputc('\n', r->diag);
    va_end(ap);
}

/* The next line into r->buf without its line end: its length, or -1 at the end of input.
 * A line longer than INPUT_LINE_MAX is reported and skipped to its end, never buffered
 * whole (a file without newlines must not exhaust memory). */
static long read_line(struct input_reader *r)
{
    for (;;) {
        size_t len = 0;
        bool too_long = false;
        int c;
        while ((c = getc(r->in)) != EOF && c != '\n') {
            if (len < INPUT_LINE_MAX)
                r->buf[len++] = (char)c;
            else
                too_long = true;
        }
        if (c == EOF && len == 0 && !too_long)
            return -1;
        r->line++;
        if (too_long) {
            input_bad_line(r, "line longer than %d bytes, skipped", INPUT_LINE_MAX);
            if (c == EOF)
                return -1;
            continue;
        }
        if (len > 0 && r->buf[len - 1] == '\r')
            len--;
        r->buf[len] = '\0';
        return (long)len;
    }
}

int input_next(struct input_reader *r, struct target *out)
{
    if (r->failed || r->in == NULL)
        return 0;
    if (r->format->next != NULL) {
        int rc = r->format->next(r, out);
        if (rc > 0)
            r->stats.targets++;
        return rc;
    }
    if (r->buf == NULL && (r->buf = malloc(INPUT_LINE_MAX + 1)) == NULL)
        return -ENOMEM;
    long len;
    while ((len = read_line(r)) >= 0) {
        if (memchr(r->buf, '\0', (size_t)len) != NULL) {
            input_bad_line(r, "NUL byte in line");
            continue;
        }
        if (r->buf[strspn(r->buf, " \t")] == '\0')
            continue; /* blank lines separate nothing; skipped quietly */
        int rc = r->format->parse_line(r, r->buf, (size_t)len, out);
        if (rc != 0) {
            if (rc > 0)
                r->stats.targets++;
            return rc;
        }
        if (r->failed)
            return 0;
    }
    if (ferror(r->in)) {
        input_bad_line(r, "read error: %s", strerror(errno));
        r->failed = true;
    }
    return 0;
}
