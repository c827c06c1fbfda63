/* ReservedFlagsTest: RFC 9293 3.1 (Rsrvd): the reserved bits of the header must be zero
 * in generated segments and ignored in received ones (no MUST-n id: the requirement is in
 * the header description). A SYN and the handshake-completing ACK carry the third reserved bit
 * (0b0100 of the nibble; the lowest bit is left alone because RFC 3540/AccECN give it a
 * meaning): the SYN must open a connection, the ACK must be accepted like any other, and
 * nothing the host sends may carry a reserved bit.
 *
 * As the original tcpreq: the SYN is the traced probe (TTL in every field) with a plain retry
 * (and a control SYN without the bit); the ACK is repeated up to twice when the host did not
 * take it, the repeats carrying an application request when an ALP serves the port (Linux's
 * TCP_DEFER_ACCEPT ignores empty ACKs by design).
 *
 * Whether an ACK was taken is asked, not guessed from silence: after each one the state
 * probe (testcase/connection.h) draws a RST from a host still in SYN-RECEIVED and an ACK from an
 * established one; a repeated SYN-ACK says the same as the RST. The verdict waits for the
 * probe's quotes, because a path that changed the reserved bits decides first (UNK, never
 * the host's fault). */
#include <stdio.h>
#include <string.h>

#include "alp/alp.h"
#include "testcase/connection.h"
#include "testcase/syn_probe.h"
#include "tracebox/quote_view.h"
#include "tracebox/ttl_code.h"

#define RF_STAGE 1
/* The bit we set, and the bits a reply must have clear. The lowest reserved bit (RFC 3540
 * ECN nonce, AccECN's AE) is someone else's business in both directions. */
#define RSRVD_PROBE 0x4
#define RSRVD_CHECKED 0xe
#define RSRVD_BITS 4
#define RETRY_SYN_WINDOW 4096
#define ACK_WINDOW 1024
/* The ACK is sent at most 1 + ACK_REPEATS times (the original's three rounds). */
#define ACK_REPEATS 2
/* Request size asked of the ALP, and the most that fits one segment next to no options
 * (the original's 500 and 1460). */
#define REQ_LENGTH_HINT 500
#define REQ_MAX 1460
#define REQ_PULL_CAP 2048
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)

#define SUFFIX " with reserved flag"
#define REASON_SYNACK_RSRVD                                                                        \
    "Reserved flags not zeroed in reply to SYN during handshake with reserved flag"
#define REASON_REPLY_RSRVD "Reserved flags not zeroed in reply to ACK with reserved flag"
#define REASON_RST "RST in reply to ACK with reserved flag"
#define REASON_IGNORED "ACK with reserved flag ignored"
#define REASON_EMPTY_IGNORED "Empty ACK with reserved flag ignored"
#define REASON_NO_ANSWER                                                                           \
    "No answer to the state probe after the ACK with reserved flag: cannot tell whether it "       \
    "was taken"

enum rf_phase {
    RF_HANDSHAKE, /* the traced SYN, its retry, the control */
    RF_ROUNDS,    /* an ACK with the reserved bit and the state probe are out */
};

struct rf_state {
    enum rf_phase phase;
    struct syn_probe probe;
    struct tc_conn conn;
    unsigned round;   /* ACKs repeated so far */
    tc_time round_at; /* when this round's ACK left */
    bool asked_again; /* this round's state probe was repeated once */
    size_t req_len;   /* ALP request riding on repeated ACKs, 0 = none */
    uint8_t req[REQ_MAX];
};

/* The original's _quote_diff: the checked reserved bits must arrive as sent. A quote
 * that stops before them does not show them. */
static bool rsrvd_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                       char *seen, size_t seen_cap)
{
    (void)ctx;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_offset)
        return false;
    unsigned rsrvd = v.reserved & RSRVD_CHECKED;
    if (rsrvd == RSRVD_PROBE)
        return false;
    /* Python's f"{x:#06b}": "0b" and four binary digits */
    char bits[RSRVD_BITS + 1];
    for (unsigned i = 0; i < RSRVD_BITS; i++)
        bits[i] = (rsrvd >> (RSRVD_BITS - 1 - i)) & 1 ? '1' : '0';
    bits[RSRVD_BITS] = '\0';
    snprintf(exp, exp_cap, "0b0100");
    snprintf(seen, seen_cap, "0b%s", bits);
    return true;
}

static void conclude(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    struct rf_state *s = t->state;
    tc_conn_free(&s->conn);
    tc_conclude(t, st, st == TC_PASS ? -1 : RF_STAGE, reason, false, now);
}

static void rf_start(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.reserved = RSRVD_PROBE;
    /* No field of the SYN is under test but the reserved bits: the TTL goes everywhere. */
    p->fields = TTL_ENC_ALL;
    p->burst = true;
    p->retry_window = RETRY_SYN_WINDOW;
    p->control = true;
    tc_conn_init(&s->conn, p->syn.seq, ACK_WINDOW);
    s->phase = RF_HANDSHAKE;
    syn_probe_start(t, p, now);
}

/* The ALP request for the repeated ACKs (the original's counter to TCP_DEFER_ACCEPT):
 * only when it fits one segment. */
static void pull_request(struct tc *t)
{
    struct rf_state *s = t->state;
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL)
        return;
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    if (sess == NULL)
        return;
    uint8_t buf[REQ_PULL_CAP];
    ssize_t n = alp->pull(sess, REQ_LENGTH_HINT, buf, sizeof(buf));
    alp->close(sess);
    if (n > 0 && (size_t)n <= REQ_MAX) {
        memcpy(s->req, buf, (size_t)n);
        s->req_len = (size_t)n;
    }
}

/* The round's ACK (the handshake's third segment, with the reserved bit and, when repeated,
 * the request), then the state probe. Every ACK starts at the ISS + 1: the host took none
 * before, so the request is new to it each time. */
static void send_round(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    struct tcp_seg ack;
    s->conn.snd_nxt = s->conn.synack.ack;
    tc_conn_seg(t, &s->conn, TCP_FLAG_ACK, &ack);
    ack.reserved = RSRVD_PROBE;
    ack.payload = s->req_len > 0 ? s->req : NULL;
    ack.payload_len = s->req_len;
    tc_send(t, &ack, 0, 0);
    tc_conn_sent(&s->conn, (uint32_t)s->req_len);
    tc_conn_send_state_probe(t, &s->conn, TC_ORDER_GAP);
    s->round_at = now;
    s->asked_again = false;
    s->phase = RF_ROUNDS;
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_inflight(t, ORIGINAL_REPLY_WAIT));
}

static void on_established(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct rf_state *s = t->state;
    if (tc_conn_established(&s->conn, synack, 0) != 0) {
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_ERR, -1, TC_REASON_NO_MEMORY, NULL, now);
        return;
    }
    if (synack->reserved & RSRVD_CHECKED) {
        tc_conn_send_close(t, &s->conn);
        conclude(t, TC_FAIL, REASON_SYNACK_RSRVD, now);
        return;
    }
    s->round = 0;
    send_round(t, now);
}

/* The host is still in SYN-RECEIVED: this round's ACK was not taken. */
static void not_taken(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    if (s->round == 0)
        pull_request(t);
    if (s->round < ACK_REPEATS) {
        s->round++;
        send_round(t, now);
        return;
    }
    /* Reset the embryonic connection where it expects us: at the ISS + 1. */
    s->conn.snd_nxt = s->conn.synack.ack;
    tc_conn_send_close(t, &s->conn);
    /* TCP_DEFER_ACCEPT ignores empty ACKs on purpose: only an ignored request is
     * conclusive. */
    if (s->req_len > 0)
        conclude(t, TC_FAIL, REASON_IGNORED, now);
    else
        conclude(t, TC_UNK, REASON_EMPTY_IGNORED, now);
}

static void on_round_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    if (seg->reserved & RSRVD_CHECKED) {
        tc_conn_send_close(t, &s->conn);
        conclude(t, TC_FAIL, REASON_REPLY_RSRVD, now);
        return;
    }
    enum conn_state_answer a = tc_conn_state_answer(&s->conn, seg);
    /* A SYN-ACK sooner than one RTT after the ACK cannot answer it: it crossed it. */
    bool early_synack = (seg->flags & TCP_FLAG_SYN) && now < s->round_at + tc_rtt_estimate(t);
    switch (a) {
    case CONN_STATE_ESTABLISHED:
        /* The ACK with the reserved bit completed the handshake. */
        tc_conn_send_close(t, &s->conn);
        conclude(t, TC_PASS, NULL, now);
        return;
    case CONN_STATE_NOT_SYNCED:
        if (!early_synack)
            not_taken(t, now);
        return;
    case CONN_STATE_NONE:
        break;
    }
    /* The host refused the ACK itself: a RST in the window we offered (RFC 9293 3.10.7.4,
     * SYN-RECEIVED's <SEQ=SEG.ACK> included). One beyond it is a late answer to an earlier
     * state probe, whose numbers lie past RCV.NXT + our window: no refusal. */
    uint32_t rst_off = seg->seq - tc_conn_rcv_nxt(&s->conn);
    if ((seg->flags & TCP_FLAG_RST) && !(seg->flags & TCP_FLAG_SYN) && rst_off < s->conn.window)
        conclude(t, TC_FAIL, REASON_RST, now);
}

static void on_handshake(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    struct syn_probe_failure f;
    enum syn_probe_outcome o = seg != NULL ? syn_probe_segment(t, &s->probe, seg, now, &f)
                                           : syn_probe_timer(t, &s->probe, now, &f);
    if (o == SP_ESTABLISHED) {
        on_established(t, seg, now);
    } else if (o == SP_FAILED) {
        char reason[sizeof(t->result.reason)];
        syn_probe_failure_reason(&f, SUFFIX, reason, sizeof(reason));
        tc_conclude(t, f.status, RF_STAGE, reason, f.by_silence, now);
    }
}

static void rf_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    if (s->phase == RF_HANDSHAKE && syn_probe_active(&s->probe))
        on_handshake(t, seg, now);
    else if (s->phase == RF_ROUNDS)
        on_round_segment(t, seg, now);
}

static void rf_on_timer(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    switch (s->phase) {
    case RF_HANDSHAKE:
        on_handshake(t, NULL, now);
        break;
    case RF_ROUNDS:
        if (!s->asked_again) {
            /* The state probe or its answer may have been lost: ask once more. */
            s->asked_again = true;
            tc_conn_send_state_probe(t, &s->conn, 0);
            tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_REPLY_WAIT));
        } else if (s->round < ACK_REPEATS && alp_for_port(t->env.dport) != NULL) {
            /* Silence, e.g. a stack that does not answer an ACK for unsent data in
             * ESTABLISHED: a request gets an answer from an established connection. */
            not_taken(t, now);
        } else {
            tc_conn_send_close(t, &s->conn);
            conclude(t, TC_UNK, REASON_NO_ANSWER, now);
        }
        break;
    }
}

static void rf_cleanup(struct tc *t)
{
    struct rf_state *s = t->state;
    tc_conn_free(&s->conn);
}

const struct test_case reserved_flags_test = {
    .name = "ReservedFlagsTest",
    .req = {.rfc = "RFC 9293",
            .id = "3.1",
            .text =
                "Reserved bits must be zero in generated segments and ignored in received ones"},
    .checks = "reserved bits zero in replies; a SYN and ACK with one set still work",
    .default_on = true,
    .needs_alp = false,
    /* the traced SYN, retry, control and their resets, three rounds of an ACK and two state
     * probes, the final reset */
    .packet_budget = HOP_LIMIT + 16,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rf_state),
    .mbox = {.fields = TTL_ENC_ALL,
             .diff = rsrvd_diff,
             .info = "reserved flags reset",
             .stage = RF_STAGE},
    .start = rf_start,
    .on_segment = rf_on_segment,
    .on_timer = rf_on_timer,
    .cleanup = rf_cleanup,
};
