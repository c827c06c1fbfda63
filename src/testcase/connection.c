/* The connection sub-machine (see connection.h). */
#include "testcase/connection.h"

#include <string.h>

#include "common/err.h"
#include "tcp/ext_options.h"
#include "tcp/mss_rule.h"

/* The alive probe lies this far before SND.NXT: behind the peer's RCV.NXT, so outside any
 * receive window it can offer us (windows start at RCV.NXT and stay below 2^30, RFC 7323
 * 2.3). */
#define ALIVE_PROBE_BEHIND 0x20000u
/* The state probe acknowledges this much more than the peer can have sent: beyond RCV.NXT
 * plus our whole window, which bounds what it may have in flight (RFC 9293 3.8.6). */
#define STATE_PROBE_AHEAD 1000u

void tc_conn_open(struct tc *t, struct tc_conn *c, const struct tc_open_spec *spec, tc_time now)
{
    tc_conn_init(c, tc_random32(t), spec->window);
    c->rx_keep = spec->rx_keep;
    struct syn_probe *p = &c->opener;
    tc_seg_new(t, &p->syn);
    p->syn.seq = c->iss;
    p->syn.flags = (uint8_t)(TCP_FLAG_SYN | spec->syn_flags);
    p->syn.window = spec->window;
    if (spec->prepare_syn != NULL)
        spec->prepare_syn(t, &p->syn);
    if (spec->timestamps) {
        /* RFC 7323 3.2: TSecr is zero when ACK is clear. */
        c->ts_offered = true;
        c->ts_base = tc_random32(t);
        c->ts_epoch = now;
        tcp_opts_add_timestamp(&p->syn.opts, c->ts_base, 0);
    }
    p->burst = false;
    syn_probe_start(t, p, now);
}

bool tc_conn_opening(const struct tc_conn *c)
{
    return syn_probe_active(&c->opener);
}

enum tc_conn_open_outcome tc_conn_open_event(struct tc *t, struct tc_conn *c,
                                             const struct tcp_seg *seg, tc_time now,
                                             struct syn_probe_failure *fail)
{
    enum syn_probe_outcome o = seg != NULL ? syn_probe_segment(t, &c->opener, seg, now, fail)
                                           : syn_probe_timer(t, &c->opener, now, fail);
    if (o == SP_FAILED)
        return CONN_OPEN_FAILED;
    if (o != SP_ESTABLISHED)
        return CONN_OPEN_PENDING;
    if (tc_conn_established(c, seg, c->rx_keep) != 0) {
        tc_conn_send_close(t, c);
        *fail = (struct syn_probe_failure){
            .status = TC_ERR, .reason = TC_REASON_NO_MEMORY, .detail = ""};
        return CONN_OPEN_FAILED;
    }
    tc_conn_send_ack(t, c);
    return CONN_OPEN_DONE;
}

void tc_conn_init(struct tc_conn *c, uint32_t iss, uint16_t window)
{
    memset(c, 0, sizeof(*c));
    c->iss = iss;
    c->snd_una = iss;
    c->snd_nxt = iss + 1; /* the SYN */
    c->window = window;
}

int tc_conn_established(struct tc_conn *c, const struct tcp_seg *synack, size_t rx_keep)
{
    tc_conn_free(c);
    c->synack = *synack;
    c->synack.payload = NULL;
    c->synack.payload_len = 0;
    c->irs = synack->seq;
    c->snd_nxt = synack->ack;
    c->snd_una = synack->ack;
    c->last_ack = synack->ack;
    c->peer_window = synack->window;
    uint32_t tsecr;
    c->ts_on = c->ts_offered && tcp_opts_get_timestamp(&synack->opts, &c->ts_recent, &tsecr);
    if (reasm_init(&c->rx, rx_keep) != 0)
        return TCPREQ_ENOMEM;
    c->established = true;
    reasm_add(&c->rx, synack->seq, true, false, synack->payload, synack->payload_len, NULL);
    return TCPREQ_OK;
}

void tc_conn_free(struct tc_conn *c)
{
    if (c->established) {
        reasm_free(&c->rx);
        c->established = false;
    }
}

uint32_t tc_conn_rcv_nxt(const struct tc_conn *c)
{
    return c->established ? c->rx.next : 0;
}

const uint8_t *tc_conn_rx_data(const struct tc_conn *c, size_t *len)
{
    if (!c->established) {
        *len = 0;
        return NULL;
    }
    return reasm_data(&c->rx, len);
}

/* RFC 7323 3.2: once negotiated, the Timestamps option on every segment we send (5.4: a
 * clock ticking once a millisecond). */
static void add_timestamp(const struct tc *t, const struct tc_conn *c, struct tcp_seg *seg)
{
    if (!c->ts_on)
        return;
    uint32_t tsval = c->ts_base + (uint32_t)((t->event_at - c->ts_epoch) / TC_MSEC);
    tcp_opts_add_timestamp(&seg->opts, tsval, c->ts_recent);
}

void tc_conn_seg(const struct tc *t, const struct tc_conn *c, uint8_t flags, struct tcp_seg *out)
{
    tc_seg_new(t, out);
    out->seq = c->snd_nxt;
    out->ack = (flags & TCP_FLAG_ACK) ? tc_conn_rcv_nxt(c) : 0;
    out->flags = flags;
    out->window = c->window;
    add_timestamp(t, c, out);
}

void tc_conn_sent(struct tc_conn *c, uint32_t len)
{
    c->snd_nxt += len;
}

void tc_conn_send_ack(struct tc *t, struct tc_conn *c)
{
    struct tcp_seg ack;
    tc_conn_seg(t, c, TCP_FLAG_ACK, &ack);
    tc_send(t, &ack, 0, 0);
}

void tc_conn_send_data(struct tc *t, struct tc_conn *c, const uint8_t *data, size_t len,
                       uint8_t flags)
{
    tc_conn_send_at(t, c, c->snd_nxt, data, len, flags);
}

size_t tc_conn_payload_max(const struct tc *t, const struct tc_conn *c)
{
    struct tcp_seg seg;
    tc_conn_seg(t, c, TCP_FLAG_ACK, &seg);
    uint8_t opts[TCP_OPTS_MAX_BYTES];
    size_t opts_len = 0;
    tcp_opts_encode(&seg.opts, opts, sizeof(opts), &opts_len);
    uint16_t mss = mss_announced(&c->synack.opts, t->env.dst.family, NULL);
    return mss > opts_len ? mss - opts_len : 1; /* a hostile MSS of 0 still leaves one */
}

void tc_conn_send_pieces(struct tc *t, struct tc_conn *c, const uint8_t *data, size_t len,
                         size_t segs_max, uint8_t flags)
{
    size_t piece = tc_conn_payload_max(t, c);
    size_t fewest = (len + segs_max - 1) / segs_max; /* a piece this large keeps to segs_max */
    if (piece < fewest)
        piece = fewest;
    for (size_t off = 0; off < len; off += piece)
        tc_conn_send_data(t, c, data + off, len - off < piece ? len - off : piece, flags);
}

void tc_conn_send_at(struct tc *t, struct tc_conn *c, uint32_t seq, const uint8_t *data, size_t len,
                     uint8_t flags)
{
    struct tcp_seg seg;
    tc_conn_seg(t, c, (uint8_t)(TCP_FLAG_ACK | flags), &seg);
    seg.seq = seq;
    seg.payload = data;
    seg.payload_len = len;
    tc_send(t, &seg, 0, 0);
    uint32_t end = seq + (uint32_t)len;
    if (seq_lt(c->snd_nxt, end))
        c->snd_nxt = end;
}

void tc_piece_bounds(const struct tc_pieces *p, unsigned k, uint32_t *left, uint32_t *right)
{
    *left = p->start + (uint32_t)(p->len * k / p->n);
    *right = p->start + (uint32_t)(p->len * (k + 1) / p->n);
}

void tc_conn_send_piece(struct tc *t, struct tc_conn *c, const struct tc_pieces *p, unsigned k)
{
    uint32_t left, right;
    tc_piece_bounds(p, k, &left, &right);
    tc_conn_send_at(t, c, left, p->data + (left - p->start), right - left, 0);
}

tc_time tc_conn_ack_wait(const struct tc *t, tc_time original_wait)
{
    tc_time wait = tc_wait_inflight(t, original_wait);
    return t->env.timing->original ? wait : wait + TC_ACK_DELAY_MAX;
}

void tc_conn_send_close(struct tc *t, const struct tc_conn *c)
{
    struct tcp_seg rst;
    tc_seg_new(t, &rst);
    rst.seq = c->snd_nxt;
    rst.flags = TCP_FLAG_RST;
    add_timestamp(t, c, &rst);
    tc_send(t, &rst, 0, 0);
}

bool tc_seg_pure_ack(const struct tcp_seg *seg)
{
    const uint8_t control = TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST;
    return (seg->flags & control) == TCP_FLAG_ACK && seg->payload_len == 0;
}

static bool is_synack_again(const struct tc_conn *c, const struct tcp_seg *seg)
{
    return c->established &&
           (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
               (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
           seg->seq == c->irs;
}

/* RFC 7323 4.3 (2): TS.Recent takes SEG.TSval when it does not go back and the segment does
 * not start beyond RCV.NXT (our ACKs acknowledge RCV.NXT: it stands for Last.ACK.sent). */
static void update_ts_recent(struct tc_conn *c, const struct tcp_seg *seg)
{
    uint32_t tsval, tsecr;
    if (c->ts_on && tcp_opts_get_timestamp(&seg->opts, &tsval, &tsecr) &&
        seq_leq(c->ts_recent, tsval) && seq_leq(seg->seq, c->rx.next))
        c->ts_recent = tsval;
}

void tc_conn_receive(struct tc_conn *c, const struct tcp_seg *seg, struct conn_rx *rx)
{
    memset(rx, 0, sizeof(*rx));
    if (seg->flags & TCP_FLAG_RST) {
        c->peer_rst = true;
        rx->kind = CONN_RX_RST;
        return;
    }
    if (is_synack_again(c, seg)) {
        rx->kind = CONN_RX_SYNACK;
        return;
    }
    if (!(seg->flags & TCP_FLAG_ACK) || (seg->flags & TCP_FLAG_SYN) || !c->established)
        return; /* CONN_RX_OTHER */
    c->peer_window = seg->window;
    update_ts_recent(c, seg);
    bool new_ack = seq_lt(c->last_ack, seg->ack) && seq_leq(seg->ack, c->snd_nxt);
    if (new_ack) {
        c->last_ack = seg->ack;
        c->snd_una = seg->ack;
    }
    if (tc_seg_pure_ack(seg)) {
        if (new_ack) {
            c->dup_acks = 0;
            rx->kind = CONN_RX_ACK;
        } else if (seg->ack == c->last_ack) {
            c->dup_acks++;
            rx->kind = CONN_RX_DUP_ACK;
        }
        return;
    }
    bool fin = (seg->flags & TCP_FLAG_FIN) != 0;
    reasm_add(&c->rx, seg->seq, false, fin, seg->payload, seg->payload_len, &rx->reasm);
    bool fresh = rx->reasm.new_bytes > 0 ||
                 (fin && rx->reasm.kind != REASM_RETRANSMISSION && rx->reasm.kind != REASM_EMPTY);
    rx->kind = fresh ? CONN_RX_DATA : CONN_RX_RETRANS;
    rx->fin = c->rx.fin_seen && seq_lt(c->rx.fin_seq, c->rx.next);
}

void tc_conn_state_probe_seg(const struct tc *t, struct tc_conn *c, struct tcp_seg *out)
{
    tc_conn_seg(t, c, TCP_FLAG_ACK, out);
    out->ack = tc_conn_rcv_nxt(c) + c->window + STATE_PROBE_AHEAD + c->state_probes++;
    c->state_probe_ack = out->ack;
}

void tc_conn_send_state_probe(struct tc *t, struct tc_conn *c, tc_time delay)
{
    struct tcp_seg probe;
    tc_conn_state_probe_seg(t, c, &probe);
    tc_send_after(t, &probe, 0, 0, delay);
}

enum conn_state_answer tc_conn_state_answer(const struct tc_conn *c, const struct tcp_seg *seg)
{
    if (seg->flags & TCP_FLAG_RST) /* before the first probe, state_probe_ack is no number */
        return c->state_probes > 0 && seg->seq == c->state_probe_ack ? CONN_STATE_NOT_SYNCED
                                                                     : CONN_STATE_NONE;
    if (is_synack_again(c, seg))
        return CONN_STATE_NOT_SYNCED;
    if (!(seg->flags & TCP_FLAG_ACK) || (seg->flags & TCP_FLAG_SYN))
        return CONN_STATE_NONE;
    /* Only a synchronized connection sends data or a FIN; its ACK acknowledges at most
     * what we sent, never the state probe's number. */
    if (seg->payload_len > 0 || (seg->flags & TCP_FLAG_FIN))
        return CONN_STATE_ESTABLISHED;
    bool acks_ours = seq_lt(c->iss, seg->ack) && seq_leq(seg->ack, c->snd_nxt);
    return acks_ours ? CONN_STATE_ESTABLISHED : CONN_STATE_NONE;
}

void tc_conn_send_alive_probe(struct tc *t, const struct tc_conn *c, tc_time delay)
{
    struct tcp_seg probe;
    tc_conn_seg(t, c, TCP_FLAG_ACK, &probe);
    probe.seq = c->snd_nxt - ALIVE_PROBE_BEHIND;
    tc_send_after(t, &probe, 0, 0, delay);
}

enum conn_alive_answer tc_conn_alive_answer(const struct tc_conn *c, const struct tcp_seg *seg,
                                            uint32_t *their_rcv_nxt)
{
    if (seg->flags & TCP_FLAG_RST)
        return CONN_ALIVE_GONE;
    if (!tc_seg_pure_ack(seg) || !seq_lt(c->iss, seg->ack) || !seq_leq(seg->ack, c->snd_nxt))
        return CONN_ALIVE_NONE;
    *their_rcv_nxt = seg->ack;
    return CONN_ALIVE_YES;
}

bool tc_conn_challenge_ack(const struct tc_conn *c, const struct tcp_seg *seg)
{
    return c->established && tc_seg_pure_ack(seg) && seg->ack == c->snd_nxt;
}
