/* CSV as RFC 4180 writes and reads it: fields separated by commas, records ended by CRLF; a
 * field holding a comma, a double quote, CR or LF is enclosed in double quotes, each double
 * quote inside doubled. Used by the CSV dataset writer (and its --resume) and by
 * `tcpreq summary --csv`. */
#ifndef TCPREQ_CSV_H
#define TCPREQ_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* RFC 4180 2.1: each record ends in CRLF. */
#define CSV_EOL "\r\n"

/* Write one field of len bytes, quoted when it must be; first = no comma before it. Returns
 * false on a write error. */
bool csv_write_field(FILE *out, const char *text, size_t len, bool first);
/* csv_write_field for a NUL-terminated string (NULL = an empty field). */
bool csv_write_str(FILE *out, const char *text, bool first);
/* End the record. */
bool csv_end_record(FILE *out);

/* Streaming reader: one record at a time, quoted fields may span lines. Memory is bounded:
 * a record longer than CSV_RECORD_MAX bytes or with more than CSV_FIELDS_MAX fields is
 * read to its end and reported as bad, not kept. */
#define CSV_RECORD_MAX (1u << 20)
#define CSV_FIELDS_MAX 64

enum csv_read {
    CSV_RECORD,  /* a whole record, ended by LF or CRLF */
    CSV_BAD,     /* a whole record that is no valid CSV (stray quote, too long, too wide) */
    CSV_PARTIAL, /* the input ends inside a record (no line end): a write cut short */
    CSV_END,     /* the input ends where a record would start */
    CSV_ERROR,   /* a read error or no memory (errno) */
};

struct csv_reader {
    FILE *in;
    off_t offset; /* bytes consumed: where the next record starts */
    char *buf;    /* the record's fields, each NUL-terminated */
    size_t len, cap;
    size_t field_start[CSV_FIELDS_MAX];
    size_t n_fields;
    bool oom;
};

void csv_reader_init(struct csv_reader *r, FILE *in);
enum csv_read csv_read_record(struct csv_reader *r);
/* Field i of the record just read (NUL-terminated; i < r->n_fields). */
static inline const char *csv_field(const struct csv_reader *r, size_t i)
{
    return r->buf + r->field_start[i];
}
void csv_reader_free(struct csv_reader *r);

#endif
