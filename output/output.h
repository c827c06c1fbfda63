/* Output writers. A target's record is one JSON object in the original tcpreq's schema:
 * the input object's keys (ip, port, host, anything else) plus "results", a list with one
 * object per test run in run order: test, timestamp, src {ip, port, host}, path, isns,
 * status, stage, reason, custom. Filtered targets carry "_status" (DISC/FLTR) and no results. */
#ifndef TCPREQ_OUTPUT_H
#define TCPREQ_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct output_writer {
    const char *name;
    /* Write one finished target's record and flush: results are streamed per target so an
     * interrupted run loses nothing already measured. 0 or negative error. */
    int (*write_target)(FILE *out, const json_t *record);
};

extern const struct output_writer output_jsonl;
extern const struct output_writer output_console;
/* The single-host report for implementors: per test the requirement, verdict, reason, path
 * and the segments that decided it (needs results carrying "evidence"). */
extern const struct output_writer output_explain;

/* Writer for an -o path by extension (.json, .jsonl: JSON Lines; JSON Lines is the default
 * for anything else, as in the original). */
const struct output_writer *output_for_path(const char *path);

#endif
