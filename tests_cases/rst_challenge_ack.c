/* RstChallengeAckTest: RFC 5961 3.2, in RFC 9293 3.10.7.4 ("second, check the RST bit"): in
 * a synchronized state a RST whose sequence number is in the receive window but not exactly
 * RCV.NXT must not reset the connection; it is answered with a challenge ACK
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. A RST at exactly RCV.NXT resets it.
 *
 * Stage 1: a RST one octet past RCV.NXT. A challenge ACK is the answer; without one, the
 * alive probe asks whether the connection is still there (gone: FAIL; there: the challenge
 * ACK may have been throttled, RFC 5961 7, and stage 1 stays unknown). Stage 2: the RST at
 * RCV.NXT, then the alive probe: a RST for it (the connection is gone) passes, an ACK from
 * the connection fails. */
#include "testcase/connection.h"

#define STAGE_IN_WINDOW 1
#define STAGE_EXACT 2
#define WINDOW 4096
#define IN_WINDOW_OFFSET 1 /* octets past RCV.NXT: inside any window, never exact */
#define ORIGINAL_WAIT (10 * TC_SEC)
#define REASON_RESET "In-window RST not at RCV.NXT reset the connection"
#define REASON_NO_CHALLENGE "In-window RST ignored without a challenge ACK (throttled?)"
#define REASON_EXACT_IGNORED "RST at RCV.NXT ignored"
#define REASON_NO_ANSWER "No answer to the alive probe"

enum rca_phase { RCA_OPENING, RCA_CHALLENGE, RCA_ASKED, RCA_EXACT };

struct rca_state {
    enum rca_phase phase;
    struct tc_conn conn;
    bool challenged; /* stage 1 drew its challenge ACK */
};

static void send_rst(struct tc *t, const struct tc_conn *c, uint32_t past_rcv_nxt)
{
    struct tcp_seg rst;
    tc_conn_seg(t, c, TCP_FLAG_RST, &rst);
    rst.seq += past_rcv_nxt;
    rst.window = 0;
    tc_send(t, &rst, 0, 0);
}

static void await(struct tc *t, enum rca_phase phase, tc_time now)
{
    struct rca_state *s = t->state;
    s->phase = phase;
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_WAIT));
}

static void rca_start(struct tc *t, tc_time now)
{
    struct rca_state *s = t->state;
    tc_conn_open(t, &s->conn, WINDOW, 0, now);
    s->phase = RCA_OPENING;
}

/* Stage 2: the RST at RCV.NXT, then the alive probe asking whether it took. */
static void send_exact(struct tc *t, tc_time now)
{
    struct rca_state *s = t->state;
    send_rst(t, &s->conn, 0);
    tc_conn_send_alive_probe(t, &s->conn, TC_ORDER_GAP);
    await(t, RCA_EXACT, now);
}

static void opened(struct tc *t, enum tc_conn_open_outcome o, const struct syn_probe_failure *f,
                   tc_time now)
{
    struct rca_state *s = t->state;
    if (o == CONN_OPEN_FAILED) {
        tc_finish(t, f->status, STAGE_IN_WINDOW, f->reason, NULL, now);
    } else if (o == CONN_OPEN_DONE) {
        send_rst(t, &s->conn, IN_WINDOW_OFFSET);
        await(t, RCA_CHALLENGE, now);
    }
}

static void rca_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rca_state *s = t->state;
    struct syn_probe_failure f;
    struct conn_rx rx;
    uint32_t acked;
    switch (s->phase) {
    case RCA_OPENING:
        opened(t, tc_conn_open_event(t, &s->conn, seg, now, &f), &f, now);
        break;
    case RCA_CHALLENGE:
        tc_conn_receive(&s->conn, seg, &rx);
        if ((rx.kind == CONN_RX_DUP_ACK || rx.kind == CONN_RX_ACK) &&
            seg->ack == s->conn.snd_nxt) {
            s->challenged = true; /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
            send_exact(t, now);
        }
        break;
    case RCA_ASKED:
        switch (tc_conn_alive_answer(&s->conn, seg, &acked)) {
        case CONN_ALIVE_GONE: tc_finish(t, TC_FAIL, STAGE_IN_WINDOW, REASON_RESET, NULL, now); break;
        case CONN_ALIVE_YES: send_exact(t, now); break; /* still there: on to stage 2 */
        case CONN_ALIVE_NONE: break;
        }
        break;
    case RCA_EXACT:
        switch (tc_conn_alive_answer(&s->conn, seg, &acked)) {
        case CONN_ALIVE_GONE:
            if (s->challenged)
                tc_finish(t, TC_PASS, -1, NULL, NULL, now);
            else
                tc_finish(t, TC_UNK, STAGE_IN_WINDOW, REASON_NO_CHALLENGE, NULL, now);
            break;
        case CONN_ALIVE_YES:
            tc_conn_send_close(t, &s->conn); /* may be ignored again; the test ends */
            tc_finish(t, TC_FAIL, STAGE_EXACT, REASON_EXACT_IGNORED, NULL, now);
            break;
        case CONN_ALIVE_NONE:
            break;
        }
        break;
    }
}

static void rca_on_timer(struct tc *t, tc_time now)
{
    struct rca_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case RCA_OPENING:
        opened(t, tc_conn_open_event(t, &s->conn, NULL, now, &f), &f, now);
        break;
    case RCA_CHALLENGE: /* no challenge ACK: is the connection still there? */
        tc_conn_send_alive_probe(t, &s->conn, 0);
        await(t, RCA_ASKED, now);
        break;
    case RCA_ASKED:
    case RCA_EXACT:
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_UNK, s->phase == RCA_ASKED ? STAGE_IN_WINDOW : STAGE_EXACT,
                  REASON_NO_ANSWER, NULL, now);
        break;
    }
}

static void rca_cleanup(struct tc *t)
{
    struct rca_state *s = t->state;
    tc_conn_free(&s->conn);
}

const struct test_case rst_challenge_ack_test = {
    .name = "RstChallengeAckTest",
    .req = {.rfc = "RFC 5961", .id = "3.2",
            .text = "An in-window RST not at RCV.NXT draws a challenge ACK; one at RCV.NXT resets"},
    .checks = "RST one octet past RCV.NXT: challenge ACK, connection kept; RST at RCV.NXT: gone",
    .default_on = false,
    .needs_alp = false,
    /* SYN, ACK, two RSTs, two alive probes, a close */
    .packet_budget = 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rca_state),
    .start = rca_start,
    .on_segment = rca_on_segment,
    .on_timer = rca_on_timer,
    .cleanup = rca_cleanup,
};
