/* OutOfOrderQueueTest: RFC 9293 SHLD-31 (3.10.7.4, "seventh, process the segment text"):
 * segments with higher beginning sequence numbers than RCV.NXT SHOULD be held for later
 * processing. The request is sent in two parts, the second first (a hole before it), the
 * first TC_ORDER_GAP later (the fill). A host that queued the second part answers the fill
 * with one cumulative ACK covering both; one that dropped it acknowledges only the first.
 *
 * We never resend either part, so an acknowledgment beyond the first part can only come
 * from the queued second part (PASS). Silence, or an ACK of the first part only, is asked
 * about after the delayed-ACK bound (MUST-40): the alive probe draws the host's RCV.NXT. At
 * the first part's end it is a FAIL only if the host showed that the second part reached
 * it, with the duplicate ACK an out-of-order segment draws (RFC 5681 4.2) before the fill;
 * without one, the path may have lost the second part (UNK). It is a SHOULD: the FAIL is
 * for a host that clearly threw the queued data away. */
#include <stdio.h>

#include "tcp/mss_rule.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define OOQ_STAGE 1
#define OOQ_STAGE_NO_REQUEST 0
#define OOQ_WINDOW 0xffff
#define OOQ_REQ_MAX 2048
#define OOQ_PARTS 2
/* RFC 9293 3.8.6.3 (MUST-40): an ACK may be delayed, by less than 0.5 s. */
#define ACK_DELAY_MAX (500 * TC_MSEC)
#define ORIGINAL_WAIT (10 * TC_SEC)

#define REASON_DROPPED                                                                             \
    "Out-of-order segment not queued: after the fill the host acknowledges only the first part"
#define REASON_UNSEEN                                                                              \
    "Only the first part acknowledged, and no duplicate ACK showed that the second reached "       \
    "the host"
#define REASON_NONE_TAKEN "Neither part acknowledged"
#define REASON_RST "RST in reply to the out-of-order segment"
#define REASON_GONE "Connection gone after the out-of-order segment"
#define REASON_NO_ANSWER "No acknowledgment, and no answer to the alive probe"

enum ooq_phase {
    OOQ_FILLED, /* both parts are out: the ACKs are watched */
    OOQ_ASKING, /* the alive probe is out */
};

struct ooq_state {
    enum ooq_phase phase;
    uint32_t start, mid, end; /* the first part is [start, mid), the second [mid, end) */
    bool dup_ack;             /* the host acknowledged start again: the hole was seen */
    uint8_t req[OOQ_REQ_MAX];
};

static json_t *ooq_custom(const struct ooq_state *s)
{
    return json_pack("{s:b,s:I,s:I}", "duplicate_ack", s->dup_ack, "first_part",
                     (json_int_t)(s->mid - s->start), "second_part", (json_int_t)(s->end - s->mid));
}

static void ooq_finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    const struct ooq_state *s = t->state;
    const struct tc_conn *c = tc_connection(t);
    if (!c->peer_rst)
        tc_conn_send_close(t, c);
    tc_finish(t, st, st == TC_PASS ? -1 : OOQ_STAGE, reason, ooq_custom(s), now);
}

/* One part at seq from the request. */
static void send_part(struct tc *t, uint32_t seq, const uint8_t *data, size_t len, uint8_t flags,
                      tc_time delay)
{
    struct tcp_seg seg;
    tc_conn_seg(t, tc_connection(t), (uint8_t)(TCP_FLAG_ACK | flags), &seg);
    seg.seq = seq;
    seg.payload = data;
    seg.payload_len = len;
    tc_send_after(t, &seg, 0, 0, delay);
}

static void ooq_on_open(struct tc *t, tc_time now)
{
    struct ooq_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    char why[sizeof(t->result.reason)] = ALP_REQUEST_NO_DATA; /* also when it is too short */
    size_t len = alp_request_pull(t, 0, s->req, sizeof(s->req), why, sizeof(why));
    if (len < OOQ_PARTS) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, OOQ_STAGE_NO_REQUEST, why, NULL, now);
        return;
    }
    /* Each part one segment within the host's MSS (MUST-15 binds us too). */
    size_t seg_max = mss_announced(&c->synack.opts, t->env.dst.family, NULL);
    size_t first = len / OOQ_PARTS < seg_max ? len / OOQ_PARTS : seg_max;
    size_t second = len - first < seg_max ? len - first : seg_max;
    s->start = c->snd_nxt;
    s->mid = s->start + (uint32_t)first;
    s->end = s->mid + (uint32_t)second;
    send_part(t, s->mid, s->req + first, second, TCP_FLAG_PSH, 0);
    send_part(t, s->start, s->req, first, 0, TC_ORDER_GAP);
    tc_conn_sent(c, (uint32_t)(first + second));
    s->phase = OOQ_FILLED;
    tc_time wait = tc_wait_inflight(t, ORIGINAL_WAIT);
    tc_set_timer(t, now + TC_ORDER_GAP + wait + (t->env.timing->original ? 0 : ACK_DELAY_MAX));
}

/* An acknowledgment beyond the first part: the second was queued. */
static bool covers_second(const struct ooq_state *s, uint32_t ack)
{
    return seq_lt(s->mid, ack) && seq_leq(ack, s->end);
}

/* The host's RCV.NXT, as the alive probe's answer gave it. */
static void judge_rcv_nxt(struct tc *t, uint32_t rcv_nxt, tc_time now)
{
    const struct ooq_state *s = t->state;
    if (covers_second(s, rcv_nxt))
        ooq_finish(t, TC_PASS, NULL, now);
    else if (rcv_nxt == s->mid)
        ooq_finish(t, s->dup_ack ? TC_FAIL : TC_UNK, s->dup_ack ? REASON_DROPPED : REASON_UNSEEN,
                   now);
    else
        ooq_finish(t, TC_UNK, REASON_NONE_TAKEN, now);
}

static void ooq_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct ooq_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    uint32_t rcv_nxt;
    if (seg->flags & TCP_FLAG_RST) {
        c->peer_rst = true;
        ooq_finish(t, TC_UNK, s->phase == OOQ_ASKING ? REASON_GONE : REASON_RST, now);
        return;
    }
    if (!(seg->flags & TCP_FLAG_ACK) || (seg->flags & TCP_FLAG_SYN))
        return;
    if (covers_second(s, seg->ack)) {
        ooq_finish(t, TC_PASS, NULL, now); /* with or without data: the ACK is what counts */
        return;
    }
    switch (s->phase) {
    case OOQ_FILLED:
        if (seg->ack == s->start && seg->payload_len == 0)
            s->dup_ack = true; /* only the second part, out of order, can have drawn it */
        break;
    case OOQ_ASKING:
        if (tc_conn_alive_answer(c, seg, &rcv_nxt) == CONN_ALIVE_YES)
            judge_rcv_nxt(t, rcv_nxt, now);
        break;
    }
}

static void ooq_on_timer(struct tc *t, tc_time now)
{
    struct ooq_state *s = t->state;
    switch (s->phase) {
    case OOQ_FILLED:
        tc_conn_send_alive_probe(t, tc_connection(t), 0);
        s->phase = OOQ_ASKING;
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_WAIT));
        break;
    case OOQ_ASKING:
        ooq_finish(t, TC_UNK, REASON_NO_ANSWER, now);
        break;
    }
}

const struct test_case out_of_order_queue_test = {
    .name = "OutOfOrderQueueTest",
    .req = {.rfc = "RFC 9293", .id = "SHLD-31", .text = "Queue out-of-order segments (a SHOULD)"},
    .checks = "the request's second part first, then the first: one cumulative ACK covers both",
    .default_on = false,
    .needs_alp = true,
    /* SYN (or the reset of a wrong reply to it), ACK, the two parts, the alive probe, the
     * close */
    .packet_budget = 7,
    .deadline = 120 * TC_SEC,
    .state_size = sizeof(struct ooq_state),
    .open = {.window = OOQ_WINDOW, .stage = OOQ_STAGE},
    .on_open = ooq_on_open,
    .on_segment = ooq_on_segment,
    .on_timer = ooq_on_timer,
};
