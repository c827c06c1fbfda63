/* Per-direction sequence analysis (semantics in seqan.h). */
#include "analyze/seqan.h"

#include <string.h>

#include "tcp/mss_rule.h"
#include "tcp/options.h"

/* Wireshark's reordering threshold without a handshake RTT, and its fast-retransmission
 * window after the last duplicate ACK (packet-tcp.c). */
#define OOO_DEFAULT_THRESHOLD (3 * AN_USEC_PER_MSEC)
#define FAST_RETRANS_WINDOW (20 * AN_USEC_PER_MSEC)
#define FAST_RETRANS_DUPACKS 2
/* RFC 7323 2.3: a shift count above 14 is used as 14. */
#define WSCALE_MAX 14
#define WSCALE_UNKNOWN (-1)
#define WSCALE_OPT_LEN 3
#define NO_SCALE 0

static const char *const flag_names[SV_FLAG_COUNT] = {
    "new",
    "retransmission",
    "fast-retransmission",
    "spurious-retransmission",
    "partial",
    "out-of-order",
    "fills-gap",
    "prev-not-captured",
    "conflict",
    "dup-ack",
    "zero-window",
    "zero-window-probe",
    "zero-window-probe-ack",
    "window-update",
    "window-full",
    "keep-alive",
    "keep-alive-ack",
    "acked-unseen",
    "shrinking-window",
    "untracked",
    "duplicate",
};

const char *seg_flag_name(uint32_t bit)
{
    for (unsigned i = 0; i < SV_FLAG_COUNT; i++)
        if (bit == 1u << i)
            return flag_names[i];
    return "?";
}

void seqan_init(struct seq_dir *d)
{
    memset(d, 0, sizeof(*d));
    d->wscale = WSCALE_UNKNOWN;
}

void seqan_free(struct seq_dir *d)
{
    if (d->rs_ready)
        reasm_free(&d->rs);
    d->rs_ready = false;
}

int seqan_scale(const struct seq_dir *d, const struct seq_dir *peer)
{
    if (!d->syn_seen || !peer->syn_seen)
        return WSCALE_UNKNOWN;
    /* RFC 7323 2.2: scaling is in effect only when both SYNs carried the option. */
    if (d->wscale < 0 || peer->wscale < 0)
        return NO_SCALE;
    return d->wscale;
}

static bool seq_gt(uint32_t a, uint32_t b)
{
    return seq_lt(b, a);
}

static void note_syn_options(struct seq_dir *d, const struct tcp_seg *seg)
{
    d->syn_seen = true;
    /* the last MSS option, as the live MSS tests take it (tcp/mss_rule.h) */
    d->mss = mss_announced(&seg->opts, 0, &d->mss_present);
    const struct tcp_opt *ws = tcp_opts_find(&seg->opts, TCP_OPT_KIND_WSCALE);
    d->wscale = WSCALE_UNKNOWN;
    if (ws != NULL && ws->type == TCP_OPT_SIZED && ws->len == WSCALE_OPT_LEN)
        d->wscale = ws->bytes[0] > WSCALE_MAX ? WSCALE_MAX : ws->bytes[0];
    d->sack_perm = tcp_opts_find(&seg->opts, TCP_OPT_KIND_SACK_PERM) != NULL;
}

static void remember_gap(struct seq_dir *d, uint32_t rel_start, uint64_t frame)
{
    d->gaps[d->next_gap] = (struct gap_opener){.rel_start = rel_start, .frame = frame};
    d->next_gap = (d->next_gap + 1) % SEQ_GAP_OPENERS;
    if (d->n_gaps < SEQ_GAP_OPENERS)
        d->n_gaps++;
}

/* Wireshark's checks on segments carrying no new sequence space, and on window edges:
 * everything that does not depend on the retransmission decision. Returns false when a
 * zero-window probe or keep-alive ACK ends the checks early (as Wireshark's finished_fwd). */
static void window_checks(struct seq_dir *fwd, const struct seq_dir *rev, uint8_t flags,
                          uint32_t seq, uint32_t ack, uint32_t window, size_t seglen,
                          struct seg_verdict *v)
{
    bool control = (flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST)) != 0;
    bool at_next = fwd->have_next && seq == fwd->next_hi;
    bool same_ack = ack == fwd->last_ack;
    bool same_window = fwd->have_window && window == fwd->window;

    if (window == 0 && !control)
        v->flags |= SV_ZERO_WINDOW;
    if (fwd->have_next && seq_gt(seq, fwd->next_hi) && !(flags & TCP_FLAG_RST))
        v->flags |= SV_PREV_NOT_CAPTURED;
    /* RFC 9293 3.8.4: a keep-alive carries SND.NXT - 1 and zero or one garbage byte */
    if (seglen <= 1 && fwd->have_next && seq == fwd->next_hi - 1 && !control)
        v->flags |= SV_KEEP_ALIVE;
    if (seglen == 0 && window != 0 && fwd->have_window && window != fwd->window && at_next &&
        same_ack && !control)
        v->flags |= SV_WINDOW_UPDATE;
    int rev_scale = seqan_scale(rev, fwd);
    if (seglen > 0 && rev_scale >= 0 && rev->have_window && rev->last_ack != 0 && !control &&
        seq + (uint32_t)seglen == rev->last_ack + rev->window)
        v->flags |= SV_WINDOW_FULL;
    if (seglen == 0 && window != 0 && same_window && at_next && same_ack &&
        (rev->last_flags & SV_KEEP_ALIVE) && !control) {
        v->flags |= SV_KEEP_ALIVE_ACK;
        return;
    }
    if (seglen == 0 && window == 0 && same_window && at_next && same_ack &&
        (rev->last_flags & SV_ZERO_WINDOW_PROBE) && !control) {
        v->flags |= SV_ZERO_WINDOW_PROBE_ACK;
        return;
    }
    if (seglen == 0 && window != 0 && same_window && at_next && fwd->seen && same_ack && !control) {
        fwd->dupacks++;
        v->flags |= SV_DUP_ACK;
        v->dupack_num = fwd->dupacks;
    }
}

/* RFC 9293 3.8.6 (SHLD-14): the right edge of the window (ACK + window) should not move
 * left. Older ACKs (reordered on the way to the capture point) are not compared, and a move
 * smaller than one scale unit is the rounding RFC 7323 2.3 allows. */
static void shrink_check(struct seq_dir *fwd, int scale, uint32_t ack, uint32_t window,
                         struct seg_verdict *v)
{
    uint32_t edge = ack + window;
    if (fwd->have_edge && seq_leq(fwd->edge_ack, ack) && seq_lt(edge, fwd->right_edge) &&
        fwd->right_edge - edge >= (1u << scale)) {
        v->flags |= SV_SHRINK;
        v->shrink = fwd->right_edge - edge;
    }
    if (!fwd->have_edge || seq_leq(fwd->edge_ack, ack)) {
        fwd->have_edge = true;
        fwd->right_edge = edge;
        fwd->edge_ack = ack;
    }
}

static void retransmission_checks(struct seq_dir *fwd, const struct seq_dir *rev,
                                  const struct seq_conn *conn, uint8_t flags, uint32_t seq,
                                  size_t seglen, an_time now, struct seg_verdict *v)
{
    if (v->flags & SV_KEEP_ALIVE)
        return;
    uint32_t syn_fin = (flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) ? 1 : 0;
    bool not_advanced = fwd->have_next && seq_lt(seq, fwd->next_hi);
    /* the byte after a zero-window probe, sent again with more: not a retransmission */
    if (seglen > 1 && fwd->have_next && fwd->next_hi - 1 == seq)
        not_advanced = false;
    if (seglen > 0 && rev->last_ack != 0 && seq_leq(seq + (uint32_t)seglen, rev->last_ack)) {
        v->flags |= SV_RETRANSMISSION | SV_SPURIOUS;
        return;
    }
    if (!not_advanced)
        return;
    if (rev->dupacks >= FAST_RETRANS_DUPACKS && rev->last_ack == seq &&
        now - rev->last_ack_time < FAST_RETRANS_WINDOW && now >= rev->last_ack_time) {
        v->flags |= SV_RETRANSMISSION | SV_FAST_RETRANS;
        return;
    }
    an_time threshold = conn->first_rtt > 0 ? conn->first_rtt : OOO_DEFAULT_THRESHOLD;
    an_time since_highest = now - fwd->next_hi_time;
    if (since_highest >= 0 && since_highest < threshold &&
        fwd->next_hi != seq + (uint32_t)seglen + syn_fin) {
        v->flags |= SV_OUT_OF_ORDER;
        return;
    }
    v->flags |= SV_RETRANSMISSION;
}

static void count(struct seq_dir *fwd, const struct seg_verdict *v)
{
    struct seq_counters *c = &fwd->c;
    c->segments++;
    c->payload_bytes += v->len;
    c->new_bytes += v->new_bytes;
    if (v->flags & SV_RETRANSMISSION) {
        c->retransmissions++;
        c->retrans_bytes += v->len;
    }
    c->fast_retrans += !!(v->flags & SV_FAST_RETRANS);
    c->spurious += !!(v->flags & SV_SPURIOUS);
    c->partial += !!(v->flags & SV_PARTIAL);
    c->duplicates += !!(v->flags & SV_DUPLICATE);
    c->out_of_order += !!(v->flags & SV_OUT_OF_ORDER);
    c->fills_gap += !!(v->flags & SV_FILLS_GAP);
    c->prev_not_captured += !!(v->flags & SV_PREV_NOT_CAPTURED);
    c->conflicts += !!(v->flags & SV_CONFLICT);
    c->untracked += !!(v->flags & SV_UNTRACKED);
    c->dup_acks += !!(v->flags & SV_DUP_ACK);
    c->zero_windows += !!(v->flags & SV_ZERO_WINDOW);
    c->zero_window_probes += !!(v->flags & SV_ZERO_WINDOW_PROBE);
    c->window_updates += !!(v->flags & SV_WINDOW_UPDATE);
    c->window_full += !!(v->flags & SV_WINDOW_FULL);
    c->keep_alives += !!(v->flags & SV_KEEP_ALIVE);
    c->acked_unseen += !!(v->flags & SV_ACKED_UNSEEN);
    c->shrinks += !!(v->flags & SV_SHRINK);
}

static uint32_t relative_ack(struct seq_dir *fwd, const struct seq_dir *rev, uint32_t ack)
{
    if (rev->rs_ready && rev->rs.started)
        return ack - rev->rs.isn;
    if (!fwd->have_ack_base) {
        /* as Wireshark: the peer's ISN guessed as ack - 1 until its stream is seen */
        fwd->have_ack_base = true;
        fwd->ack_base = ack - 1;
    }
    return ack - fwd->ack_base;
}

void seqan_segment(struct seq_dir *fwd, struct seq_dir *rev, const struct seq_conn *conn,
                   const struct an_pkt *p, an_time now, uint64_t frame, struct seg_verdict *v)
{
    const struct tcp_seg *seg = &p->seg;
    uint8_t flags = seg->flags;
    uint32_t seq = seg->seq, ack = seg->ack;
    size_t seglen = p->payload_wire_len;
    memset(v, 0, sizeof(*v));
    v->len = seglen;
    v->kind = REASM_EMPTY;

    if (!fwd->rs_ready) {
        if (reasm_init(&fwd->rs, conn->keep_bytes) != 0)
            (void)reasm_init(&fwd->rs, 0); /* no memory for conflict checks: go on without */
        fwd->rs_ready = true;
    }
    if ((flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_RST))
        note_syn_options(fwd, seg);
    int scale = seqan_scale(fwd, rev);
    v->window = (flags & TCP_FLAG_SYN) || scale < 0 ? seg->window : (uint32_t)seg->window << scale;

    /* RFC 9293 3.5.3: a RST's payload is diagnostic text, not stream data */
    struct reasm_result r = {.kind = REASM_EMPTY};
    if (!(flags & TCP_FLAG_RST)) {
        /* bytes cut by the snap length are passed as unknown (NULL) */
        const uint8_t *payload = seg->payload_len >= seglen ? seg->payload : NULL;
        reasm_add(&fwd->rs, seq, flags & TCP_FLAG_SYN, flags & TCP_FLAG_FIN, payload, seglen, &r);
        v->kind = r.kind;
        v->rel_seq = r.rel_seq;
        v->new_bytes = r.new_bytes;
    } else if (fwd->rs.started) {
        v->rel_seq = seq - fwd->rs.isn;
    }
    uint32_t space =
        (uint32_t)seglen + ((flags & TCP_FLAG_SYN) ? 1 : 0) + ((flags & TCP_FLAG_FIN) ? 1 : 0);
    v->rel_next = v->rel_seq + space;
    if (flags & TCP_FLAG_ACK)
        v->rel_ack = relative_ack(fwd, rev, ack);

    /* zero-window probe: one byte at the next sequence number into a closed window */
    bool probe = seglen == 1 && fwd->have_next && seq == fwd->next_hi && rev->have_window &&
                 rev->window == 0;
    if (probe)
        v->flags |= SV_ZERO_WINDOW_PROBE;
    else
        window_checks(fwd, rev, flags, seq, ack, v->window, seglen, v);
    if (!fwd->seen || ack != fwd->last_ack)
        fwd->dupacks = 0;
    /* ACK beyond anything the peer was seen sending (once per such ACK edge) */
    if ((flags & TCP_FLAG_ACK) && rev->have_next && seq_gt(ack, rev->next_hi) &&
        (!fwd->have_unseen_mark || seq_gt(ack, fwd->unseen_mark))) {
        v->flags |= SV_ACKED_UNSEEN;
        fwd->have_unseen_mark = true;
        fwd->unseen_mark = ack;
    }
    if ((seglen > 0 || (flags & (TCP_FLAG_SYN | TCP_FLAG_FIN))) && !(flags & TCP_FLAG_RST))
        retransmission_checks(fwd, rev, conn, flags, seq, seglen, now, v);
    if ((flags & TCP_FLAG_ACK) && !(flags & (TCP_FLAG_SYN | TCP_FLAG_RST)) && scale >= 0)
        shrink_check(fwd, scale, ack, v->window, v);

    if (r.kind == REASM_RETRANSMISSION)
        v->flags |= SV_DUPLICATE;
    if (r.kind == REASM_PARTIAL_RETRANSMISSION)
        v->flags |= SV_PARTIAL;
    if (r.kind == REASM_FILLS_GAP)
        v->flags |= SV_FILLS_GAP;
    if (r.conflict)
        v->flags |= SV_CONFLICT;
    if (r.untracked)
        v->flags |= SV_UNTRACKED;
    if (r.opens_gap)
        remember_gap(fwd, r.rel_seq, frame);
    if (r.new_bytes > 0 && !(v->flags & (SV_RETRANSMISSION | SV_OUT_OF_ORDER)))
        v->flags |= SV_NEW;

    uint32_t end = seq + space;
    if (!probe && (!fwd->have_next || seq_gt(end, fwd->next_hi))) {
        fwd->have_next = true;
        fwd->next_hi = end;
        fwd->next_hi_time = now;
    }
    fwd->seen = true;
    fwd->have_window = true;
    fwd->window = v->window;
    fwd->last_ack = ack;
    fwd->last_ack_time = now;
    fwd->last_flags = v->flags;
    count(fwd, v);
}

bool seqan_hole(const struct seq_dir *d, unsigned i, struct seq_hole *h)
{
    if (!d->rs_ready || !d->rs.started || i >= d->rs.ooo.n)
        return false;
    int64_t start = i == 0 ? d->rs.next_pos : d->rs.ooo.r[i - 1].end;
    int64_t end = d->rs.ooo.r[i].start;
    /* positions count from the ISN, so a position is a relative sequence number mod 2^32 */
    h->rel_start = (uint32_t)start;
    h->rel_end = (uint32_t)end;
    h->bytes = (uint64_t)(end - start);
    h->frame = 0;
    for (unsigned g = 0; g < d->n_gaps; g++)
        if (d->gaps[g].rel_start == h->rel_end)
            h->frame = d->gaps[g].frame;
    return true;
}
