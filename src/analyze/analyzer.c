/* Frames to flows to callbacks (see analyzer.h). */
#include "analyzer.h"

#include <string.h>

#include "common/err.h"

static void count_findings(struct analyzer_stats *st, const struct an_conn *c)
{
    for (unsigned i = 0; i < c->findings.n; i++) {
        const struct finding *f = &c->findings.items[i];
        struct finding_total *t = &st->findings[f->id];
        if (t->flows < AN_FLOWS_NAMED)
            t->first_flows[t->flows] = c->index;
        t->flows++;
        t->occurrences += f->count;
    }
}

/* A flow's first packet: counted; selected for the listing (a -Y selection) or not. */
static bool on_new(void *ctx, uint64_t index, const struct an_pkt *p)
{
    struct analyzer *a = ctx;
    a->st.flows++;
    if (p->ip.src.family == IP_FAMILY_V6)
        a->st.flows_v6++;
    else
        a->st.flows_v4++;
    bool match =
        flow_select_match_ends(&a->sel, index, &p->ip.src, p->seg.sport, &p->ip.dst, p->seg.dport);
    if (match)
        a->st.flows_selected++;
    return match && a->sel.kind != SELECT_ALL;
}

static void on_done(void *ctx, struct an_conn *c)
{
    struct analyzer *a = ctx;
    if (a->sel.kind != SELECT_ALL && !c->selected)
        return;
    count_findings(&a->st, c);
    if (a->sink.flow != NULL)
        a->sink.flow(a->sink.ctx, c);
}

int analyzer_init(struct analyzer *a, const struct flow_select *sel,
                  const struct analyzer_sink *sink, size_t keep_bytes, size_t max_flows)
{
    memset(a, 0, sizeof(*a));
    if (sel != NULL)
        a->sel = *sel;
    a->sink = *sink;
    struct an_table_config cfg = {
        .keep_bytes = keep_bytes,
        .max_flows = max_flows,
        .on_done = on_done,
        .on_new = on_new,
        .ctx = a,
    };
    if (an_table_init(&a->table, &cfg) != TCPREQ_OK)
        return TCPREQ_ENOMEM;
    a->table_open = true;
    return TCPREQ_OK;
}

static void tcp_frame(struct analyzer *a, const struct an_frame *f, const struct an_pkt *p)
{
    a->st.tcp_segments++;
    struct an_flow *fl = an_table_for_segment(&a->table, p);
    if (fl == NULL)
        return; /* out of memory: the segment is lost to the analysis, not the program */
    struct seg_verdict v;
    struct an_conn *c = an_table_segment(&a->table, fl, f, p, &v);
    /* a selected flow is analysed in full from its first segment */
    if (c != NULL && c->selected && a->sink.segment != NULL) {
        struct an_seg_line line = {
            .frame = f->number,
            .ts = f->ts,
            .side = conn_side_of(c, &p->ip.src, p->seg.sport),
            .tcp_flags = p->seg.flags,
            .v = &v,
        };
        a->sink.segment(a->sink.ctx, c, &line);
    }
    an_table_touch(&a->table, fl, f->ts); /* may complete (and free) the flow */
}

void analyzer_frame(struct analyzer *a, const struct an_frame *frame)
{
    struct an_frame clamped = *frame;
    if (clamped.ts < 0)
        clamped.ts = 0;
    else if (clamped.ts > AN_TIME_MAX)
        clamped.ts = AN_TIME_MAX;
    const struct an_frame *f = &clamped;
    struct analyzer_stats *st = &a->st;
    if (st->frames++ == 0 || f->ts < st->first_ts)
        st->first_ts = f->ts;
    if (f->ts > st->last_ts)
        st->last_ts = f->ts;
    st->wire_bytes += f->wirelen;
    an_table_advance(&a->table, f->ts);
    struct an_pkt *p = &a->pkt;
    an_decode(f, p);
    switch (p->kind) {
    case AN_PKT_TCP:
        tcp_frame(a, f, p);
        break;
    case AN_PKT_ICMP_ERROR: {
        st->icmp_errors++;
        struct an_flow *fl;
        struct an_conn *c = an_table_for_quote(&a->table, p, &fl);
        if (c == NULL) {
            st->icmp_unmatched++;
            break;
        }
        conn_icmp(c, f, p);
        an_table_touch(&a->table, fl, f->ts);
        break;
    }
    case AN_PKT_SKIP:
        st->skipped[p->skip]++;
        break;
    }
}

void analyzer_finish(struct analyzer *a)
{
    if (!a->table_open)
        return;
    a->st.peak_flows = a->table.peak_active;
    a->st.flows_evicted = a->table.evicted;
    an_table_finish(&a->table);
    a->table_open = false;
}
