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

enum rca_phase { RCA_CHALLENGE, RCA_ASKED, RCA_EXACT };

struct rca_state {
    enum rca_phase phase;
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

/* Stage 1 once the connection is open: the RST one octet past RCV.NXT. */
static void rca_on_open(struct tc *t, tc_time now)
{
    send_rst(t, tc_connection(t), IN_WINDOW_OFFSET);
    await(t, RCA_CHALLENGE, now);
}

/* Stage 2: the RST at RCV.NXT, then the alive probe asking whether it took. */
static void send_exact(struct tc *t, tc_time now)
{
    send_rst(t, tc_connection(t), 0);
    tc_conn_send_alive_probe(t, tc_connection(t), TC_ORDER_GAP);
    await(t, RCA_EXACT, now);
}

static void rca_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rca_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    struct conn_rx rx;
    uint32_t acked;
    switch (s->phase) {
    case RCA_CHALLENGE:
        tc_conn_receive(c, seg, &rx);
        if ((rx.kind == CONN_RX_DUP_ACK || rx.kind == CONN_RX_ACK) && seg->ack == c->snd_nxt) {
            s->challenged = true; /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
            send_exact(t, now);
        }
        break;
    case RCA_ASKED:
        switch (tc_conn_alive_answer(c, seg, &acked)) {
        case CONN_ALIVE_GONE: tc_finish(t, TC_FAIL, STAGE_IN_WINDOW, REASON_RESET, NULL, now); break;
        case CONN_ALIVE_YES: send_exact(t, now); break; /* still there: on to stage 2 */
        case CONN_ALIVE_NONE: break;
        }
        break;
    case RCA_EXACT:
        switch (tc_conn_alive_answer(c, seg, &acked)) {
        case CONN_ALIVE_GONE:
            if (s->challenged)
                tc_finish(t, TC_PASS, -1, NULL, NULL, now);
            else
                tc_finish(t, TC_UNK, STAGE_IN_WINDOW, REASON_NO_CHALLENGE, NULL, now);
            break;
        case CONN_ALIVE_YES:
            tc_conn_send_close(t, c); /* may be ignored again; the test ends */
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
    switch (s->phase) {
    case RCA_CHALLENGE: /* no challenge ACK: is the connection still there? */
        tc_conn_send_alive_probe(t, tc_connection(t), 0);
        await(t, RCA_ASKED, now);
        break;
    case RCA_ASKED:
    case RCA_EXACT:
        tc_conn_send_close(t, tc_connection(t));
        tc_finish(t, TC_UNK, s->phase == RCA_ASKED ? STAGE_IN_WINDOW : STAGE_EXACT,
                  REASON_NO_ANSWER, NULL, now);
        break;
    }
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
    .open = {.window = WINDOW, .stage = STAGE_IN_WINDOW},
    .on_open = rca_on_open,
    .on_segment = rca_on_segment,
    .on_timer = rca_on_timer,
};
