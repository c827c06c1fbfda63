/* A dataset line read as far as `tcpreq summary` needs it, without building a tree: the
 * target (ip, port), its "_status", and per result its test, status and reason. The whole
 * line is still checked to be one JSON object (strings, escapes, numbers, literals,
 * nesting), so a torn or hostile line is a bad line, never half a record. About ten times
 * faster than parsing the line with jansson, which matters at tens of millions of results. */
#ifndef TCPREQ_JSCAN_H
#define TCPREQ_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Values nested deeper than this are refused (a line of brackets cannot recurse away). */
#define JSCAN_DEPTH_MAX 64
/* Results kept per record; a record with more is refused. tcpreq runs about 30 at most. */
#define JSCAN_RESULTS_MAX 4096

struct jscan_result {
    const char *test;   /* NULL when absent or not a string */
    const char *status; /* NULL when absent or not a string */
    const char *reason; /* NULL when null or absent */
};

struct jscan_record {
    const char *ip;     /* NULL when absent or not a string */
    long port;          /* -1 when absent or not an integer in 1..65535 */
    const char *status; /* "_status", NULL when absent */
    bool has_results;   /* "results" is an array */
    struct jscan_result *results;
    size_t n_results;
    /* storage: decoded strings (never longer than the line), the results, and the string
     * offsets the parser collects before the text is complete */
    char *text;
    size_t text_cap;
    void *offsets;
};

void jscan_init(struct jscan_record *r);
void jscan_free(struct jscan_record *r);
/* Parse one line (without its newline). 0, or -1 with *why naming the first problem. The
 * strings point into r and stay valid until the next call. Strings kept are valid UTF-8. */
int jscan_parse(struct jscan_record *r, const char *line, size_t len, const char **why);

#endif
