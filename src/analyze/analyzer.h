/* `tcpreq analyze` without I/O: frames in (from whatever reads the capture), completed flows
 * and per-segment verdicts out through callbacks. Decoding (decode.h), the flow table
 * (table.h), the connections (conn.h) and capture-wide totals. */
#ifndef TCPREQ_ANALYZE_ANALYZER_H
#define TCPREQ_ANALYZE_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/conn.h"
#include "analyze/decode.h"
#include "analyze/finding.h"
#include "analyze/select.h"
#include "analyze/table.h"

/* One segment of a selected flow, for the per-segment listing. */
struct an_seg_line {
    uint64_t frame;
    an_time ts;
    enum conn_side side; /* sender */
    uint8_t tcp_flags;
    const struct seg_verdict *v;
};

struct analyzer_sink {
    /* A completed flow matching the selection (every flow without -Y). */
    void (*flow)(void *ctx, struct an_conn *c);
    /* A segment of a selected flow; only called when a selection is given. */
    void (*segment)(void *ctx, struct an_conn *c, const struct an_seg_line *line);
    void *ctx;
};

/* Totals over the capture, bounded by the catalogue's size. */
#define AN_FLOWS_NAMED 8
struct finding_total {
    uint64_t flows, occurrences;
    uint64_t first_flows[AN_FLOWS_NAMED];
};

struct analyzer_stats {
    uint64_t frames, wire_bytes, tcp_segments, icmp_errors, icmp_unmatched;
    uint64_t skipped[AN_SKIP_COUNT];
    uint64_t flows, flows_v4, flows_v6, flows_selected;
    size_t peak_flows;      /* connections open at once, at most */
    uint64_t flows_evicted; /* completed early: max_flows were open (oldest idle first) */
    an_time first_ts, last_ts;
    struct finding_total findings[FIND_COUNT];
};

struct analyzer {
    struct flow_select sel;
    struct analyzer_sink sink;
    struct an_table table;
    struct analyzer_stats st;
    struct an_pkt pkt; /* scratch: large (options), kept off the stack */
    bool table_open;
};

/* sel NULL = every flow; max_flows: open at once (0 = AN_MAX_FLOWS_DEFAULT). 0 or
 * TCPREQ_ENOMEM. */
int analyzer_init(struct analyzer *a, const struct flow_select *sel,
                  const struct analyzer_sink *sink, size_t keep_bytes, size_t max_flows);
void analyzer_frame(struct analyzer *a, const struct an_frame *f);
/* Complete every open flow and fill a->st.peak_flows. Call once, also after a read error
 * (the findings gathered so far are reported). */
void analyzer_finish(struct analyzer *a);

#endif
