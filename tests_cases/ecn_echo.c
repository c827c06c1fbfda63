/* EcnEchoTest: RFC 3168 6.1.3 and 6.1.4 on a connection that negotiated ECN. A data
 * segment that arrives with CE set makes the receiver set ECE "in all the ACK packets it
 * sends ... until it receives a CWR packet"; after that, acknowledgments of non-CE data do
 * not have ECE set. And "pure acknowledgement packets ... MUST be sent with the not-ECT
 * codepoint".
 *
 * The framework opens the connection with an ECN-setup SYN; a plain SYN-ACK (the host or
 * the path took no ECN) is UNK "ECN not negotiated". The port's ALP request then goes out in
 * four pieces, each sent once its predecessor is acknowledged (so every ACK in between
 * is the host's answer to what it had so far):
 *   A  ECT(0), the traced probe: a router that bleaches ECT (or clears ECE/CWR) is UNK at
 *      its hop, path first;
 *   B  CE, as a congested router marks it: the ACKs covering B must carry ECE;
 *   C  ECT(0): its ACKs must still carry ECE (no CWR yet);
 *   D  CWR, not-ECT so that no router can mark it CE on the way (the ACK of D itself may
 *      still carry ECE: the rule is about "subsequent non-CE data packets");
 *   E  ECT(0), after D's acknowledgment: the ACKs covering E must not carry ECE.
 * Every pure ACK the host sends must be not-ECT; if none came, the alive probe draws one.
 * A piece not acknowledged within the RTT wait plus MUST-40's 0.5 s delayed-ACK bound is
 * asked about with the alive probe (testcase/connection.h); no answer is UNK, never FAIL. */
#include <stdio.h>
#include <string.h>

#include "alp/alp.h"
#include "testcase/connection.h"
#include "testcase/ecn.h"
#include "tracebox/ttl_code.h"

#define STAGE_SETUP 1
#define STAGE_ECHO 2
#define ECHO_WINDOW 0xffff
/* The request size asked of the ALP and the most one segment of it may carry. */
#define REQ_LENGTH_HINT 400
#define REQ_MAX 1460
#define REQ_PULL_CAP 2048
#define PIECES 5
/* The traced piece's TTL code: the IP ID and the options, never the flags or the TOS. */
#define ECHO_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_OPTS)
/* ACKs sent for the host's data at most (its reply; a retransmitted SYN-ACK). */
#define ECHO_ACK_CAP 16
/* RFC 9293 3.8.6.3 (MUST-40): an ACK may be delayed, by less than 0.5 s. */
#define ACK_DELAY_MAX (500 * TC_MSEC)
#define ORIGINAL_WAIT (10 * TC_SEC)

#define REASON_NOT_NEGOTIATED "ECN not negotiated"
#define REASON_NO_ALP "Missing ALP module for port %u"
#define REASON_NO_DATA "ALP data unavailable"
#define REASON_PURE_ACK_ECT "Pure ACK sent ECN-capable (%s)"
#define REASON_NOT_ECHOED "ACK of CE-marked data without ECE"
#define REASON_NOT_REPEATED "ECE not repeated until CWR"
#define REASON_AFTER_CWR "ECE still set after CWR"
#define REASON_RST "RST during the exchange"

enum echo_phase {
    ECHO_CE,    /* A and B out: waiting for B's acknowledgment */
    ECHO_HOLD,  /* C out */
    ECHO_CWR,   /* D out */
    ECHO_AFTER, /* E out */
    ECHO_PURE,  /* every piece acknowledged, no pure ACK yet: the alive probe draws one */
};

/* The piece whose acknowledgment each phase waits for, and the reason when none comes. */
static const unsigned awaited_piece[] = {
    [ECHO_CE] = 1, [ECHO_HOLD] = 2, [ECHO_CWR] = 3, [ECHO_AFTER] = 4, [ECHO_PURE] = 4};
static const char *const reason_silent[] = {
    [ECHO_CE] = "No acknowledgment of the CE-marked data",
    [ECHO_HOLD] = "No acknowledgment of the data after the CE-marked data",
    [ECHO_CWR] = "No acknowledgment of the data with CWR",
    [ECHO_AFTER] = "No acknowledgment of the data after CWR",
    [ECHO_PURE] = "No pure ACK from the host: the alive probe went unanswered",
};

struct echo_state {
    enum echo_phase phase;
    bool asked; /* the alive probe went out in this phase */
    uint8_t req[REQ_MAX];
    size_t req_len;
    /* The pieces' ends: A [start, end[0]), B to end[1] (CE), C to end[2], D to end[3] (CWR),
     * E to end[4]. */
    uint32_t start, end[PIECES];
    unsigned pure_acks; /* pure ACKs from the host, each judged (6.1.4) */
    unsigned acks_sent;
    uint8_t data_ecn; /* bit c: the host's data arrived with ECN codepoint c */
};

static bool echo_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                      char *seen, size_t seen_cap)
{
    (void)ctx;
    /* Piece A: ACK and PSH, neither ECE nor CWR, ECT(0). */
    return ecn_quote_diff(q, TCP_FLAG_ACK | TCP_FLAG_PSH, IP_ECN_ECT0, exp, exp_cap, seen,
                          seen_cap);
}

static json_t *data_ecn_list(uint8_t seen)
{
    json_t *list = json_array();
    for (uint8_t c = IP_ECN_NOT_ECT; c <= IP_ECN_CE; c++)
        if (seen & (1u << c))
            json_array_append_new(list, json_string(ecn_codepoint_name(c)));
    return list;
}

/* The verdict, path first (tc_conclude: the traced piece's quotes decide first). */
static void conclude(struct tc *t, enum tc_status st, const char *reason, bool by_silence,
                     tc_time now)
{
    struct echo_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (!c->peer_rst)
        tc_conn_send_close(t, c);
    json_t *custom = json_pack("{s:i,s:o}", "pure_acks", (int)s->pure_acks, "data_ecn",
                               data_ecn_list(s->data_ecn));
    tc_conclude_custom(t, st, st == TC_PASS ? -1 : STAGE_ECHO, reason, custom, by_silence, now);
}

/* Piece i with the given TOS and flags (besides ACK and PSH); A as the traced probe. What
 * follows it is not-ECT again: our pure ACKs must be (6.1.4). */
static void send_piece(struct tc *t, unsigned i, uint8_t tos, uint8_t flags)
{
    struct echo_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    uint32_t from = i == 0 ? s->start : s->end[i - 1];
    struct tcp_seg seg;
    tc_conn_seg(t, c, (uint8_t)(TCP_FLAG_ACK | TCP_FLAG_PSH | flags), &seg);
    seg.payload = s->req + (from - s->start);
    seg.payload_len = s->end[i] - from;
    tc_set_tos(t, tos);
    if (i == 0)
        tc_send_probe(t, &seg, ECHO_TTL_FIELDS, NULL, NULL);
    else /* B follows A at once, never overtaking it; C and D follow an ACK */
        tc_send_after(t, &seg, 0, 0, i == 1 ? TC_ORDER_GAP : 0);
    tc_set_tos(t, IP_ECN_NOT_ECT);
    tc_conn_sent(c, (uint32_t)seg.payload_len);
}

static void await(struct tc *t, enum echo_phase phase, tc_time now)
{
    struct echo_state *s = t->state;
    s->phase = phase;
    s->asked = false;
    tc_time wait = tc_wait_inflight(t, ORIGINAL_WAIT);
    if (!t->env.timing->original)
        wait += ACK_DELAY_MAX;
    tc_set_timer(t, now + wait);
}

static void ask(struct tc *t, tc_time now)
{
    struct echo_state *s = t->state;
    s->asked = true;
    tc_conn_send_alive_probe(t, tc_connection(t), 0);
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_WAIT));
}

/* The request from the port's ALP into s->req; false (the reason in reason) if none. */
static bool take_request(struct tc *t, char *reason, size_t cap)
{
    struct echo_state *s = t->state;
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL) {
        snprintf(reason, cap, REASON_NO_ALP, (unsigned)t->env.dport);
        return false;
    }
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    uint8_t buf[REQ_PULL_CAP];
    ssize_t n = sess != NULL ? alp->pull(sess, REQ_LENGTH_HINT, buf, sizeof(buf)) : -1;
    if (sess != NULL)
        alp->close(sess);
    if (n < PIECES || (size_t)n > sizeof(s->req)) {
        snprintf(reason, cap, "%s", REASON_NO_DATA);
        return false;
    }
    memcpy(s->req, buf, (size_t)n);
    s->req_len = (size_t)n;
    return true;
}

static void echo_on_open(struct tc *t, tc_time now)
{
    struct echo_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (!ecn_setup_synack(c->synack.flags)) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, STAGE_SETUP, REASON_NOT_NEGOTIATED,
                  json_pack("{s:s}", "synack_flags", ecn_flags_name(c->synack.flags)), now);
        return;
    }
    char reason[sizeof(t->result.reason)];
    if (!take_request(t, reason, sizeof(reason))) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, STAGE_ECHO, reason, NULL, now);
        return;
    }
    s->start = c->snd_nxt;
    for (unsigned i = 0; i < PIECES; i++)
        s->end[i] =
            s->start + (uint32_t)(i + 1 < PIECES ? (i + 1) * (s->req_len / PIECES) : s->req_len);
    send_piece(t, 0, IP_ECN_ECT0, 0);
    send_piece(t, 1, IP_ECN_CE, 0);
    await(t, ECHO_CE, now);
}

/* RFC 3168 6.1.3 and 6.1.4 on one segment from the host; true if it decided the test. */
static bool judge(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct echo_state *s = t->state;
    char reason[sizeof(t->result.reason)];
    if (tc_seg_pure_ack(seg)) {
        s->pure_acks++;
        if (ecn_capable(t->rx_tos)) {
            snprintf(reason, sizeof(reason), REASON_PURE_ACK_ECT, ecn_codepoint_name(t->rx_tos));
            conclude(t, TC_FAIL, reason, false, now);
            return true;
        }
    }
    if (!(seg->flags & TCP_FLAG_ACK) || (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_RST)))
        return false;
    bool ece = (seg->flags & TCP_FLAG_ECE) != 0;
    /* The host has B (its ACK covers it) and not D (it does not): ECE on every ACK. */
    bool between = seq_leq(s->end[1], seg->ack) && seq_lt(seg->ack, s->end[3]);
    if (between && !ece) {
        conclude(t, TC_FAIL, seq_lt(seg->ack, s->end[2]) ? REASON_NOT_ECHOED : REASON_NOT_REPEATED,
                 false, now);
        return true;
    }
    /* An ACK covering E, the non-CE data after the CWR: no ECE any more. */
    if (s->phase >= ECHO_AFTER && seq_leq(s->end[4], seg->ack) && ece) {
        conclude(t, TC_FAIL, REASON_AFTER_CWR, false, now);
        return true;
    }
    return false;
}

/* The phase's piece is acknowledged: the next one, the pure-ACK probe, or the verdict. */
static void advance(struct tc *t, tc_time now)
{
    struct echo_state *s = t->state;
    switch (s->phase) {
    case ECHO_CE:
        send_piece(t, 2, IP_ECN_ECT0, 0);
        await(t, ECHO_HOLD, now);
        break;
    case ECHO_HOLD:
        send_piece(t, 3, IP_ECN_NOT_ECT, TCP_FLAG_CWR);
        await(t, ECHO_CWR, now);
        break;
    case ECHO_CWR:
        send_piece(t, 4, IP_ECN_ECT0, 0);
        await(t, ECHO_AFTER, now);
        break;
    case ECHO_AFTER:
        if (s->pure_acks > 0) {
            conclude(t, TC_PASS, NULL, false, now);
        } else {
            s->phase = ECHO_PURE;
            ask(t, now);
        }
        break;
    case ECHO_PURE:
        if (s->pure_acks > 0)
            conclude(t, TC_PASS, NULL, false, now);
        break;
    }
}

static void echo_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct echo_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    struct conn_rx rx;
    tc_conn_receive(c, seg, &rx);
    if (rx.kind == CONN_RX_RST) {
        conclude(t, TC_UNK, REASON_RST, false, now);
        return;
    }
    if (judge(t, seg, now))
        return;
    if (seg->payload_len > 0)
        s->data_ecn |= (uint8_t)(1u << (t->rx_tos & IP_ECN_MASK));
    bool data_or_fin = rx.kind == CONN_RX_DATA || rx.kind == CONN_RX_RETRANS;
    if ((data_or_fin || rx.kind == CONN_RX_SYNACK) && s->acks_sent < ECHO_ACK_CAP) {
        s->acks_sent++;
        tc_conn_send_ack(t, c); /* not-ECT: a pure ACK (6.1.4) */
    }
    if ((seg->flags & TCP_FLAG_ACK) && seq_leq(s->end[awaited_piece[s->phase]], seg->ack))
        advance(t, now);
}

static void echo_on_timer(struct tc *t, tc_time now)
{
    struct echo_state *s = t->state;
    if (!s->asked) {
        ask(t, now);
        return;
    }
    /* By silence: if the path lost the traced piece, tc_conclude blames the path. */
    conclude(t, TC_UNK, reason_silent[s->phase], true, now);
}

const struct test_case ecn_echo_test = {
    .name = "EcnEchoTest",
    .req = {.rfc = "RFC 3168",
            .id = "6.1.3",
            .text = "CE-marked data is echoed with ECE until CWR; pure ACKs are not-ECT (6.1.4)"},
    .checks = "request in pieces on an ECN connection: ECT(0) traced, CE, ECT(0), CWR, ECT(0); "
              "ECE on the ACKs in between only; no ECT pure ACK",
    /* Off: the default set stays the original tcpreq's. */
    .default_on = false,
    .needs_alp = true,
    /* SYN, ACK, piece A traced, B-D, an alive probe per phase, ACKs of the reply, the close */
    .packet_budget = HOP_LIMIT + 10 + ECHO_ACK_CAP,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct echo_state),
    .mbox = {.fields = ECHO_TTL_FIELDS,
             .diff = echo_diff,
             .info = "ECT bleached or ECN flags modified",
             .stage = STAGE_ECHO},
    .open = {.window = ECHO_WINDOW, .stage = STAGE_SETUP, .syn_flags = ECN_SETUP_SYN_FLAGS},
    .on_open = echo_on_open,
    .on_segment = echo_on_segment,
    .on_timer = echo_on_timer,
};
