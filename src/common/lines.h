/* Reading a file line by line with a bound on a line's length, never holding more: a longer
 * line is read to its end without being kept (a 100 MB line took 281 MB as a blocklist and
 * 597 MB as a --resume file). For the files read before the loop starts: -b, @FILE,
 * --resume. (Target lists are read without blocking by input/.) */
#ifndef TCPREQ_LINES_H
#define TCPREQ_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum line_result {
    LINE_END = 0,      /* no more lines */
    LINE_OK = 1,       /* a line in buf */
    LINE_TOO_LONG = 2, /* a line longer than max, read to its end and dropped */
    LINE_ERROR = -1,   /* a read error (errno) */
};

struct line_reader {
    FILE *in;
    char *buf; /* max + 1 bytes: the line, NUL-terminated, without its '\n' */
    size_t max;
    unsigned long number; /* of the line just read, from 1 */
    size_t consumed;      /* bytes of the file it took, its '\n' included */
    bool newline;         /* it ended with '\n' (not the end of the file) */
};

/* 0, or -1 when out of memory. */
int line_reader_init(struct line_reader *r, FILE *in, size_t max);
void line_reader_free(struct line_reader *r);
/* The next line: LINE_OK with *len (a NUL inside the line is kept and counted), or
 * LINE_TOO_LONG, LINE_END, LINE_ERROR. */
enum line_result line_next(struct line_reader *r, size_t *len);

#endif
