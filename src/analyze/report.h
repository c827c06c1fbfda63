/* Output of `tcpreq analyze`: a readable report (flows as they complete, each with its
 * findings by severity, then capture-wide totals by severity) or JSON Lines (one object per
 * flow, jansson), and the per-segment listing of a -Y selection. Flows are written as they
 * complete, so nothing grows with the capture. */
#ifndef TCPREQ_ANALYZE_REPORT_H
#define TCPREQ_ANALYZE_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "analyze/analyzer.h"

struct report {
    FILE *out;
    bool json;
    bool listing; /* a selection was given: per-segment listing */
    int error;    /* 0, or the first write error (TCPREQ_ESYS) */
};

void report_init(struct report *r, FILE *out, bool json, bool listing);
/* The analyzer callbacks writing to r. */
struct analyzer_sink report_sink(struct report *r);
/* Capture-wide totals after the last flow (text only; JSON Lines stays one object per flow). */
void report_summary(struct report *r, const char *path, const struct analyzer_stats *st);

/* The pieces, for tests and other writers. */
json_t *report_flow_json(const struct an_conn *c);
json_t *report_segment_json(const struct an_conn *c, const struct an_seg_line *line);
void report_flow_text(FILE *out, const struct an_conn *c);
void report_segment_text(FILE *out, const struct an_conn *c, const struct an_seg_line *line);
/* "retransmission,fills-gap" into buf; "-" when no flag is set. */
const char *report_verdict_text(uint32_t flags, unsigned dupack_num, char *buf, size_t cap);
/* "SA", "FPA", ... (TCP flags, tcpdump's letters; "." for a bare ACK) */
const char *report_tcp_flags(uint8_t flags, char *buf, size_t cap);

#endif
