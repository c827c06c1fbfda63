/* Target-list readers: JSON Lines (--json) and ZMap CSV (--zmap), streamed line by line, and
 * Nmap XML (--nmap), streamed element by element, so memory stays flat in the input's size.
 * A bad line is reported once on the diagnostics stream as "tcpreq: FILE:LINE: reason",
 * counted and skipped; reading goes on (XML that is not well-formed ends its file, keeping
 * what was read). Pure logic over a FILE*: the readers never touch the network. */
#ifndef TCPREQ_INPUT_H
#define TCPREQ_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"

/* Longest line kept; the rest of a longer one is skipped without being buffered. */
#define INPUT_LINE_MAX 65536

enum input_format { INPUT_JSONL, INPUT_ZMAP, INPUT_NMAP };

struct input_stats {
    uint64_t targets;     /* targets returned */
    uint64_t bad_lines;   /* reported and skipped */
    uint64_t not_success; /* ZMap rows with success != 1 (skipped quietly) */
};

struct nmap_state;

struct input_reader {
    enum input_format format;
    const char *name; /* for messages: the path, or "<stdin>" */
    FILE *in;
    FILE *diag; /* NULL = no messages */
    unsigned long line;
    char *buf;   /* INPUT_LINE_MAX + 1 bytes */
    bool failed; /* a file-level error (e.g. no ZMap header): nothing more is read */
    /* ZMap: column indexes from the header (-1 before it was read) */
    int col_saddr, col_sport, col_success;
    struct nmap_state *nmap; /* Nmap: the XML reader, created at the first read */
    struct input_stats stats;
};

/* Read from an open stream (the caller opens it before privileges are dropped, and closes
 * it; input_close does not); name is for messages. */
void input_open_stream(struct input_reader *r, enum input_format format, FILE *in, const char *name,
                       FILE *diag);
/* The next target: 1 with *ip, *port and *record (the input object; the caller owns it),
 * 0 at the end, negative on an allocation failure. */
int input_next(struct input_reader *r, struct ip_addr *ip, uint16_t *port, json_t **record);
void input_close(struct input_reader *r);

/* One CSV line split in place per RFC 4180 (quoted fields, doubled quotes); fields point
 * into line. Returns the field count, or -1 for an unterminated quote or more than cap. */
int input_csv_split(char *line, char **fields, int cap);

#endif
