/* Output writers, one file each (as zmap's output modules): a struct output_module with a
 * lifecycle (open, write a finished target, close), what --resume needs to find the
 * targets an earlier output of the module already holds, and one line in the registry
 * (output/registry.c); `-o FILE` picks one by its extension.
 *
 * A writer sees only records: one JSON object per target in the original tcpreq's schema,
 * the input object's keys (ip, port, host, anything else) plus "results", a list with one
 * object per test run in run order: test, timestamp, src {ip, port, host}, path, isns,
 * status, stage, reason, custom. Filtered targets carry "_status" (DISC/FLTR) and no
 * results. Records reach a writer whole, one target at a time, as each target finishes. */
#ifndef TCPREQ_OUTPUT_H
#define TCPREQ_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/addr.h"
#include "common/target.h"

struct output_module;

/* One open output. */
struct output_writer {
    const struct output_module *module;
    FILE *out;
    /* out already holds this module's output (--resume appending to it): no header again */
    bool continuing;
};

/* --resume: called once per complete target record of an earlier output; filtered = a
 * DISC or FLTR record. 0, or negative to stop the scan with that error. */
typedef int (*output_resume_fn)(void *ctx, const struct ip_addr *ip, uint16_t port, bool filtered);

/* What a resume scan found. */
struct output_scan {
    uint64_t records;  /* complete target records */
    uint64_t bad;      /* whole lines or rows that are no such record (kept, not resumed) */
    off_t valid_len;   /* bytes to keep when appending: up to the last whole record */
    bool partial_tail; /* bytes after valid_len (a write cut short): cut off */
    const char *error; /* with TCPREQ_EPROTO: why the file is not this module's output */
    uint64_t bad_long; /* of bad: lines too long to be a record (not read whole) */
    unsigned long first_long_line; /* the first of them, for the FILE:LINE warning */
};

/* Start the output (a header, say); w->out and w->continuing are set. 0 or negative. */
typedef int (*output_open_fn)(struct output_writer *w);
/* Write one finished target's record and flush it, so an interrupted run loses nothing
 * already measured and leaves at most one record cut short. 0 or negative. */
typedef int (*output_write_fn)(struct output_writer *w, const json_t *record);
/* Finish the output (it stays open: the caller closes the stream). 0 or negative. */
typedef int (*output_close_fn)(struct output_writer *w);
/* Read an earlier output of this module from in, calling done for each complete target
 * record, and fill scan. 0; TCPREQ_EPROTO with scan->error when in is not this module's
 * output; TCPREQ_ESYS (errno) on a read error; or done's error. */
typedef int (*output_resume_scan_fn)(FILE *in, output_resume_fn done, void *ctx,
                                     struct output_scan *scan);

struct output_module {
    const char *name;
    /* -o FILE picks the module by these (".jsonl"; compared case-insensitively); NULL =
     * never picked by extension (--explain's report). */
    const char *const *extensions;
    const char *description; /* one line, for --help and the man page */
    output_open_fn open;     /* NULL = nothing to do */
    output_write_fn write_target;
    output_close_fn close; /* NULL = nothing to do */
    /* NULL = this output cannot be resumed (it does not show when a target is whole) */
    output_resume_scan_fn resume_scan;
};

/* The registry, in --help order. */
extern const struct output_module *const output_modules[];
extern const size_t output_module_count;
/* By name ("jsonl", "csv", "console", "explain"), or NULL. */
const struct output_module *output_module_by_name(const char *name);
/* The module for an -o path: by its extension; a path without one is JSON Lines (the
 * original's format). NULL for an unknown extension, with a message naming the known ones
 * in err. */
const struct output_module *output_module_for_path(const char *path, char *err, size_t cap);

int output_open(struct output_writer *w, const struct output_module *module, FILE *out,
                bool continuing);
int output_write(struct output_writer *w, const json_t *record);
int output_close(struct output_writer *w);
/* The writer as a sink for the engine and the target filter. */
struct target_sink output_sink(struct output_writer *w);

/* Scan the earlier output at path with module's resume_scan; a file that does not exist yet
 * resumes nothing (so a job can always pass --resume, also on its first attempt). */
int output_resume_file(const struct output_module *module, const char *path, output_resume_fn done,
                       void *ctx, struct output_scan *scan);
/* Open -o PATH for the dataset: if it is the --resume file (the same inode), cut it to
 * valid_len and append (*continuing when something is kept); otherwise truncate it.
 * 0 or TCPREQ_ESYS (errno set). */
int output_open_file(const char *path, const char *resume_path, off_t valid_len, FILE **out,
                     bool *continuing);
/* Flush, fsync and close a file output_open_file opened: at the end of a run, a signalled
 * one included. 0 or TCPREQ_ESYS (errno set). */
int output_close_file(FILE *out);

#endif
