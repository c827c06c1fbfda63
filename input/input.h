/* Target-list readers: JSON Lines (--json) and ZMap CSV (--zmap), streamed line by line, and
 * Nmap XML (--nmap), streamed element by element, so memory stays flat in the input's size.
 * A bad line is reported once on the diagnostics stream as "tcpreq: FILE:LINE: reason",
 * counted and skipped; reading goes on (XML that is not well-formed ends its file, keeping
 * what was read). Pure logic over a FILE*: the readers never touch the network.
 *
 * Each format is one file exporting one struct input_format and one line in
 * input/registry.c; the command line and --help take the option and its help from there. */
#ifndef TCPREQ_INPUT_H
#define TCPREQ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/target.h"

/* Longest line kept; the rest of a longer one is skipped without being buffered. */
#define INPUT_LINE_MAX 65536
/* Bytes read from a file at a time. */
#define INPUT_CHUNK 65536
/* Bytes one input_next call may go through without finding a target before it hands the
 * loop back (INPUT_YIELD): a long run of bad lines, or XML without an open port, must not
 * keep timers, the capture and signals waiting. */
#define INPUT_YIELD_BYTES (1u << 20)

/* input_next and the formats' next: no target yet, and none can be read without waiting.
 * r->wait_fd >= 0: wait until it is readable (a pipe with nothing in it now); -1: just let
 * the loop run once (the work budget is spent) and ask again. */
#define INPUT_AGAIN 2

struct input_reader;

/* Read one line of a line-based format: line is NUL-terminated, without its line end, and
 * not blank; the parser may modify it in place. 1 = *out filled (out->record is the
 * caller's), 0 = the line yields no target (reported with input_bad_line, or counted),
 * negative = allocation failure. Setting r->failed ends the file. */
typedef int (*input_parse_line_fn)(struct input_reader *r, char *line, size_t len,
                                   struct target *out);
/* Read the next target of a format that reads its bytes itself (XML, through input_chunk):
 * 1 = *out filled, 0 = end of the file (or r->failed), INPUT_AGAIN, negative = allocation
 * failure. */
typedef int (*input_next_fn)(struct input_reader *r, struct target *out);
/* Free the format's r->state (NULL when it was never made). */
typedef void (*input_close_fn)(struct input_reader *r);

struct input_format {
    const char *name;               /* "jsonl", "zmap", "nmap" */
    const char *option;             /* the long option naming a file of this format: "--json" */
    const char *help;               /* --help text; '\n' starts an indented continuation line */
    input_parse_line_fn parse_line; /* exactly one of parse_line and next is set */
    input_next_fn next;
    input_close_fn close; /* NULL = the format keeps no state */
};

/* The registry (input/registry.c), in --help order. */
extern const struct input_format *const input_formats[];
extern const size_t input_format_count;
/* The format whose option is name ("--json"), or NULL. */
const struct input_format *input_format_by_option(const char *name);

struct input_stats {
    uint64_t targets;     /* targets returned */
    uint64_t bad_lines;   /* reported and skipped */
    uint64_t not_success; /* ZMap rows with success != 1 (skipped quietly) */
};

struct input_reader {
    const struct input_format *format;
    const char *name; /* for messages: the path, or "<stdin>" */
    FILE *in;         /* read through its descriptor (read(2), never stdio) */
    FILE *diag;       /* NULL = no messages */
    unsigned long line;
    char *buf;   /* INPUT_LINE_MAX + 1 bytes, for line-based formats */
    bool failed; /* a file-level error (e.g. no ZMap header): nothing more is read */
    void *state; /* the format's own (ZMap's header columns, Nmap's XML parser) */
    struct input_stats stats;
    /* Reading without blocking: what was read and not used yet, the line being assembled
     * (it may span reads and calls), the end of the file, what input_next waits for. */
    char *chunk; /* INPUT_CHUNK bytes */
    size_t chunk_len, chunk_pos;
    size_t line_len;
    bool line_too_long, eof;
    int wait_fd;        /* with INPUT_AGAIN: the descriptor to wait for, or -1 */
    size_t budget_used; /* bytes gone through in this input_next call */
};

/* Read from an open stream (the caller opens it before privileges are dropped, and closes
 * it; input_close does not); name is for messages. */
void input_open_stream(struct input_reader *r, const struct input_format *format, FILE *in,
                       const char *name, FILE *diag);
/* The next target: 1 with *out (its record is the caller's), 0 at the end, INPUT_AGAIN
 * (see there: r->wait_fd), negative on an allocation failure. Never blocks: a descriptor is
 * read only when poll(2) says it is readable. */
int input_next(struct input_reader *r, struct target *out);
/* For formats that read bytes themselves: the next bytes of the file, at most max (*data,
 * *len; valid until the next call), 1; 0 at the end; INPUT_AGAIN (wait_fd set); or a
 * negative errno on a read error. Counts against the call's budget. */
int input_chunk(struct input_reader *r, size_t max, const char **data, size_t *len);
void input_close(struct input_reader *r);

/* Report a bad line: "tcpreq: FILE:LINE: reason", counted. */
void input_bad_line(struct input_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One CSV line split in place per RFC 4180 (quoted fields, doubled quotes); fields point
 * into line. Returns the field count, or -1 for an unterminated quote or more than cap. */
int input_csv_split(char *line, char **fields, int cap);

#endif
