/* --resume OUT: the targets an earlier run already finished, read from its JSON Lines output.
 * A line is complete when it ends in a newline and parses as a record with "ip", "port" and
 * "results" (with "_status" DISC/FLTR or without: tested): the writer prints the newline after the
 * object, so a run killed mid-write leaves at most one partial last line, which does not count and
 * is cut off before new records are appended. */
#ifndef TCPREQ_RESUME_H
#define TCPREQ_RESUME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "target_set.h"

/* The filter's target-set flags byte. An earlier run's tested record makes a target DONE;
 * its DISC/FLTR records are counted (a duplicate listed n times has n-1 FLTR records), and
 * each such record spares this run one DISC/FLTR write of that target, so a resumed dataset
 * equals an uninterrupted one, even when the earlier run wrote a duplicate's FLTR while the
 * first occurrence was still being tested. */
#define TARGET_RESUMED_DONE 0x01 /* tested by an earlier run: skip, never send again */
#define TARGET_SEEN 0x02         /* occurred in this run's list already (duplicates) */
#define TARGET_WRITTEN_SHIFT 2   /* bits 2..7: earlier DISC/FLTR records not yet matched */
#define TARGET_WRITTEN_MAX 63
#define TARGET_WRITTEN_COUNT(flags) ((unsigned)(flags) >> TARGET_WRITTEN_SHIFT)

struct resume_scan {
    uint64_t records;   /* complete records read */
    uint64_t bad_lines; /* whole lines that are not such a record (kept, not resumed) */
    off_t valid_len;    /* bytes up to and including the last newline */
    bool partial_tail;  /* bytes after the last newline (a write cut short) */
};

/* Read in streaming (memory grows only with distinct targets) into set. 0 or an error. */
int resume_load(FILE *in, struct target_set *set, struct resume_scan *scan);

/* resume_load on the file at path; a file that does not exist yet resumes nothing (so a
 * job can always pass --resume, also on its first attempt). */
int resume_load_file(const char *path, struct target_set *set, struct resume_scan *scan);

/* Open -o PATH for the dataset: if it is the --resume file (same inode), cut it to
 * valid_len and append; otherwise truncate as usual. 0 or TCPREQ_ESYS (errno set). */
int resume_open_output(const char *out_path, const char *resume_path, off_t valid_len, FILE **out);

#endif
