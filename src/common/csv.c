#include "common/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QUOTE '"'

bool csv_write_field(FILE *out, const char *text, size_t len, bool first)
{
    if (!first && putc(',', out) == EOF)
        return false;
    /* RFC 4180 2.6: fields containing line breaks, double quotes or commas are quoted */
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = text[i] == ',' || text[i] == QUOTE || text[i] == '\r' || text[i] == '\n';
    if (!quote)
        return fwrite(text, 1, len, out) == len;
    if (putc(QUOTE, out) == EOF)
        return false;
    for (size_t i = 0; i < len; i++) {
        /* RFC 4180 2.7: a double quote inside is escaped by another one */
        if (text[i] == QUOTE && putc(QUOTE, out) == EOF)
            return false;
        if (putc(text[i], out) == EOF)
            return false;
    }
    return putc(QUOTE, out) != EOF;
}

bool csv_write_str(FILE *out, const char *text, bool first)
{
    return csv_write_field(out, text != NULL ? text : "", text != NULL ? strlen(text) : 0, first);
}

bool csv_end_record(FILE *out)
{
    return fputs(CSV_EOL, out) != EOF;
}

void csv_reader_init(struct csv_reader *r, FILE *in)
{
    memset(r, 0, sizeof(*r));
    r->in = in;
}

void csv_reader_free(struct csv_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

/* Append one byte to the record; false once it is too long (the record is then bad) or
 * memory ran out (r->oom). */
static bool keep(struct csv_reader *r, char c)
{
    if (r->len >= CSV_RECORD_MAX)
        return false;
    if (r->len == r->cap) {
        size_t cap = r->cap != 0 ? 2 * r->cap : 256;
        char *grown = realloc(r->buf, cap);
        if (grown == NULL) {
            r->oom = true;
            return false;
        }
        r->buf = grown;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return true;
}

/* End the current field; false when there are too many. */
static bool end_field(struct csv_reader *r, bool *bad)
{
    if (!keep(r, '\0')) {
        *bad = true;
        return false;
    }
    if (r->n_fields + 1 >= CSV_FIELDS_MAX) {
        *bad = true;
        return false;
    }
    r->field_start[++r->n_fields] = r->len;
    return true;
}

enum csv_read csv_read_record(struct csv_reader *r)
{
    enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED } st = FIELD_START;
    bool bad = false, any = false;
    r->oom = false;
    r->len = 0;
    r->n_fields = 0;
    r->field_start[0] = 0;
    int c;
    while ((c = getc(r->in)) != EOF) {
        r->offset++;
        any = true;
        if (st == QUOTED) {
            if (c == QUOTE)
                st = QUOTE_IN_QUOTED;
            else if (!bad && !keep(r, (char)c))
                bad = true;
            continue;
        }
        if (st == QUOTE_IN_QUOTED && c == QUOTE) { /* a doubled quote: one quote */
            st = QUOTED;
            if (!bad && !keep(r, QUOTE))
                bad = true;
            continue;
        }
        if (c == '\n' || c == ',') {
            /* a CR right before the line end belongs to CRLF, not to the field */
            if (c == '\n' && st == UNQUOTED && r->len > r->field_start[r->n_fields] &&
                r->buf[r->len - 1] == '\r')
                r->len--;
            if (!bad && c == ',' && !end_field(r, &bad))
                continue;
            if (c == ',') {
                st = FIELD_START;
                continue;
            }
            if (!bad && !keep(r, '\0'))
                bad = true;
            if (r->oom) {
                errno = ENOMEM;
                return CSV_ERROR;
            }
            if (!bad)
                r->n_fields++;
            return bad ? CSV_BAD : CSV_RECORD;
        }
        if (st == QUOTE_IN_QUOTED) {
            /* only a separator may follow a closing quote (CR of CRLF aside) */
            if (c != '\r')
                bad = true;
            continue;
        }
        if (c == QUOTE) {
            if (st == FIELD_START)
                st = QUOTED;
            else
                bad = true; /* RFC 4180 2.5: a quote inside an unquoted field */
            continue;
        }
        st = UNQUOTED;
        if (!bad && !keep(r, (char)c))
            bad = true;
    }
    if (ferror(r->in) || r->oom)
        return CSV_ERROR;
    return any ? CSV_PARTIAL : CSV_END;
}
