/* `tcpreq summary`: counts over one or many JSON Lines datasets (the shards of one scan),
 * read line by line, so memory stays flat in their size: per test the statuses, the most
 * common reasons and the hops where middleboxes were found; per target whether it passed
 * every test it ran; DISC and FLTR; and the targets met a second time (reported, not
 * counted again). Only the duplicate check grows, with the distinct targets (seen.h).
 * Pure logic over FILE*s; the renderers are in report.c and svg.c. */
#ifndef TCPREQ_SUMMARY_H
#define TCPREQ_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "summary/jscan.h"
#include "summary/seen.h"
#include "summary/topk.h"

/* Lines longer than this are reported and skipped unread (a record of tcpreq's is a few
 * KB; a file without newlines must not be read into memory whole). */
#define SUMMARY_LINE_MAX (16u << 20)
/* Distinct test names counted one by one; more (a file that is no dataset of ours) go
 * into one "(other tests)" row. */
#define SUMMARY_TESTS_MAX 256
#define SUMMARY_NAME_MAX 128
/* Reasons tracked per test (topk.h), and the length kept of each. */
#define SUMMARY_REASONS_TRACKED 64
#define SUMMARY_REASON_MAX 512
/* Middlebox hops: 1..SUMMARY_HOP_MAX-1 one by one, then "SUMMARY_HOP_MAX or more"; 0 for
 * "at unknown hop". */
#define SUMMARY_HOP_MAX 64
/* Examples kept of duplicates and of bad lines. */
#define SUMMARY_EXAMPLES 10

enum sum_status { SUM_PASS, SUM_UNK, SUM_FAIL, SUM_ERR, SUM_OTHER, SUM_STATUSES };
extern const char *const sum_status_names[SUM_STATUSES];

struct sum_test {
    char name[SUMMARY_NAME_MAX];
    uint64_t runs;
    uint64_t counts[SUM_STATUSES];
    struct topk reasons;                /* "STATUS\treason" */
    uint64_t middlebox;                 /* results blaming a middlebox */
    uint64_t hops[SUMMARY_HOP_MAX + 1]; /* by hop, [0] = unknown hop */
};

/* Targets that were tested (records without _status), by outcome; the five add up. */
struct sum_targets {
    uint64_t tested;
    uint64_t all_pass;    /* at least one result, every one PASS */
    uint64_t with_fail;   /* some FAIL */
    uint64_t unk_no_fail; /* some UNK, no FAIL */
    uint64_t err_other;   /* some ERR (or another status), no FAIL, no UNK */
    uint64_t no_results;  /* tested, but no result (an interrupted run) */
};

struct sum_duplicate {
    char ip[IP_ADDR_STRLEN];
    uint16_t port;
    uint32_t file, first_file;
    uint64_t line;
};

struct summary {
    FILE *diag;         /* bad lines are reported here (the first SUMMARY_EXAMPLES), or NULL */
    const char **files; /* names, in the order read */
    size_t n_files;
    uint64_t lines, records, results, disc, fltr;
    uint64_t bad_lines, partial_lines, duplicates, duplicate_results;
    struct sum_targets targets;
    struct sum_test *tests; /* in order of first appearance */
    size_t n_tests;
    struct sum_test other_tests; /* beyond SUMMARY_TESTS_MAX names */
    struct sum_duplicate dup_examples[SUMMARY_EXAMPLES];
    struct seen_set seen;
    struct jscan_record rec;
    char *line;
    size_t line_cap;
};

int summary_init(struct summary *s, const uint8_t seen_key[SEEN_KEY_LEN], FILE *diag);
void summary_free(struct summary *s);
/* Read one dataset (name for messages, kept by pointer). 0, or TCPREQ_ESYS on a read error
 * (errno), TCPREQ_ENOMEM. Bad lines are counted, reported and skipped. */
int summary_read(struct summary *s, FILE *in, const char *name);
/* The rows to report: the named tests in order of first appearance, then "(other tests)"
 * when it counted anything. */
size_t summary_rows(const struct summary *s);
struct sum_test *summary_row(struct summary *s, size_t i);

/* The renderers (report.c, svg.c). Each returns 0 or TCPREQ_ESYS. */
int summary_print_text(struct summary *s, FILE *out, size_t reasons_shown);
int summary_print_json(struct summary *s, FILE *out, size_t reasons_shown);
int summary_print_csv(struct summary *s, FILE *out);
int summary_print_svg(struct summary *s, FILE *out);

#endif
