/* The connection sub-machine (see connection.h). */
#include "testcase/connection.h"

#include <string.h>

#include "common/err.h"

/* The alive probe lies this far before SND.NXT: outside any receive window the peer can
 * offer us (at most 65535: we never send a window scale option, RFC 7323 2.2). */
#define ALIVE_PROBE_BEHIND 0x20000u
/* The state probe acknowledges this much more than the peer can have sent: beyond RCV.NXT
 * plus our whole window, which bounds what it may have in flight (RFC 9293 3.8.6). */
#define STATE_PROBE_AHEAD 1000u

#define REASON_NO_MEMORY "Out of memory"

void tc_conn_open(struct tc *t, struct tc_conn *c, uint16_t window, size_t rx_keep, tc_time now)
{
    tc_conn_open_with(t, c, window, rx_keep, NULL, now);
}

void tc_conn_open_with(struct tc *t, struct tc_conn *c, uint16_t window, size_t rx_keep,
                       const struct tcp_opts *syn_opts, tc_time now)
{
    tc_conn_init(c, tc_random32(t), window);
    c->rx_keep = rx_keep;
    struct syn_probe *p = &c->opener;
    tc_seg_new(t, &p->syn);
    p->syn.seq = c->iss;
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = window;
    if (syn_opts != NULL)
        p->syn.opts = *syn_opts;
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
        *fail = (struct syn_probe_failure){.status = TC_ERR, .reason = REASON_NO_MEMORY, .detail = ""};
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

void tc_conn_seg(const struct tc *t, const struct tc_conn *c, uint8_t flags, struct tcp_seg *out)
{
    tc_seg_new(t, out);
    out->seq = c->snd_nxt;
    out->ack = (flags & TCP_FLAG_ACK) ? tc_conn_rcv_nxt(c) : 0;
    out->flags = flags;
    out->window = c->window;
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
    struct tcp_seg seg;
    tc_conn_seg(t, c, (uint8_t)(TCP_FLAG_ACK | flags), &seg);
    seg.payload = data;
    seg.payload_len = len;
    tc_send(t, &seg, 0, 0);
    tc_conn_sent(c, (uint32_t)len);
}

void tc_conn_send_close(struct tc *t, const struct tc_conn *c)
{
    struct tcp_seg rst;
    tc_seg_new(t, &rst);
    rst.seq = c->snd_nxt;
    rst.flags = TCP_FLAG_RST;
    tc_send(t, &rst, 0, 0);
}

static bool is_pure_ack(const struct tcp_seg *seg)
{
    const uint8_t control = TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST;
    return (seg->flags & control) == TCP_FLAG_ACK && seg->payload_len == 0;
}

static bool is_synack_again(const struct tc_conn *c, const struct tcp_seg *seg)
{
    return c->established && (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
                                 (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
           seg->seq == c->irs;
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
    bool new_ack = seq_lt(c->last_ack, seg->ack) && seq_leq(seg->ack, c->snd_nxt);
    if (new_ack) {
        c->last_ack = seg->ack;
        c->snd_una = seg->ack;
    }
    if (is_pure_ack(seg)) {
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

void tc_conn_send_state_probe(struct tc *t, struct tc_conn *c, tc_time delay)
{
    struct tcp_seg probe;
    tc_conn_seg(t, c, TCP_FLAG_ACK, &probe);
    probe.ack = tc_conn_rcv_nxt(c) + c->window + STATE_PROBE_AHEAD + c->state_probes++;
    c->state_probe_ack = probe.ack;
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
    if (!is_pure_ack(seg) || !seq_lt(c->iss, seg->ack) || !seq_leq(seg->ack, c->snd_nxt))
        return CONN_ALIVE_NONE;
    *their_rcv_nxt = seg->ack;
    return CONN_ALIVE_YES;
}
