/* RstChallengeAckTest: RFC 5961 3.2, in RFC 9293 3.10.7.4 ("second, check the RST bit"): in
 * a synchronized state a RST whose sequence number is in the receive window but not exactly
 * RCV.NXT must not reset the connection; it is answered with a challenge ACK
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. A RST at exactly RCV.NXT resets it.
 *
 * Stage 1: a RST one octet past RCV.NXT. A challenge ACK is the answer; without one, the
 * alive check asks whether the connection is still there (gone: FAIL; there: the challenge
 * ACK may have been throttled, RFC 5961 7, and stage 1 stays unknown). Stage 2: the RST at
 * RCV.NXT, traced (reset_probe.h), then the alive check: a RST for it (the connection is
 * gone) passes, an ACK from the connection fails, unless the path lost the RST. */
#include "testcase/reset_probe.h"

#define STAGE_IN_WINDOW 1
#define STAGE_EXACT 2
#define WINDOW 4096
#define IN_WINDOW_OFFSET 1 /* octets past RCV.NXT: inside any window, never exact */
#define ORIGINAL_WAIT (10 * TC_SEC)
#define REASON_RESET "In-window RST not at RCV.NXT reset the connection"
#define REASON_NO_CHALLENGE "In-window RST ignored without a challenge ACK (throttled?)"
#define REASON_EXACT_IGNORED "RST at RCV.NXT ignored"

enum rca_phase { RCA_CHALLENGE, RCA_ASKED, RCA_EXACT };

struct rca_state {
    enum rca_phase phase;
    bool challenged;          /* stage 1 drew its challenge ACK */
    struct alive_check asked; /* stage 1 without a challenge ACK */
    struct reset_probe exact; /* stage 2 */
};

static bool rca_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                     char *seen, size_t seen_cap)
{
    const struct tc *t = ctx;
    const struct rca_state *s = t->state;
    return reset_probe_quote_diff(&s->exact, q, exp, exp_cap, seen, seen_cap);
}

/* Stage 1 once the connection is open: the RST one octet past RCV.NXT, behind our ACK. */
static void rca_on_open(struct tc *t, tc_time now)
{
    struct tcp_seg rst;
    tc_conn_seg(t, tc_connection(t), TCP_FLAG_RST, &rst);
    rst.seq += IN_WINDOW_OFFSET;
    rst.window = 0;
    tc_send_after(t, &rst, 0, 0, TC_ORDER_GAP);
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_inflight(t, ORIGINAL_WAIT));
}

/* Stage 2: the RST at RCV.NXT and the alive check asking whether it took. */
static void send_exact(struct tc *t, tc_time now)
{
    struct rca_state *s = t->state;
    s->phase = RCA_EXACT;
    reset_probe_send(t, tc_connection(t), &s->exact, NULL, 0, now);
}

static void exact_answer(struct tc *t, enum alive_check_outcome o, tc_time now)
{
    struct rca_state *s = t->state;
    if (o == AC_GONE && !s->challenged)
        tc_conclude(t, TC_UNK, STAGE_IN_WINDOW, REASON_NO_CHALLENGE, false, now);
    else
        reset_probe_conclude(t, o, STAGE_EXACT, REASON_EXACT_IGNORED, now);
}

static void rca_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rca_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    switch (s->phase) {
    case RCA_CHALLENGE:
        if (tc_conn_challenge_ack(c, seg)) {
            s->challenged = true;
            send_exact(t, now);
        }
        break;
    case RCA_ASKED:
        switch (alive_check_segment(c, &s->asked, seg)) {
        case AC_GONE:
            tc_finish(t, TC_FAIL, STAGE_IN_WINDOW, REASON_RESET, NULL, now);
            break;
        case AC_ALIVE: /* still there: on to stage 2 */
            send_exact(t, now);
            break;
        case AC_SILENT:
        case AC_PENDING:
            break;
        }
        break;
    case RCA_EXACT:
        exact_answer(t, alive_check_segment(c, &s->exact.alive, seg), now);
        break;
    }
}

static void rca_on_timer(struct tc *t, tc_time now)
{
    struct rca_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    switch (s->phase) {
    case RCA_CHALLENGE: /* no challenge ACK: is the connection still there? */
        s->phase = RCA_ASKED;
        alive_check_start(t, c, &s->asked, 0, now);
        break;
    case RCA_ASKED:
        if (alive_check_timer(t, c, &s->asked, now) == AC_SILENT) {
            tc_conn_send_close(t, c);
            tc_finish(t, TC_UNK, STAGE_IN_WINDOW, ALIVE_CHECK_REASON_SILENT, NULL, now);
        }
        break;
    case RCA_EXACT:
        exact_answer(t, alive_check_timer(t, c, &s->exact.alive, now), now);
        break;
    }
}

const struct test_case rst_challenge_ack_test = {
    .name = "RstChallengeAckTest",
    .req = {.rfc = "RFC 5961",
            .id = "3.2",
            .text = "An in-window RST not at RCV.NXT draws a challenge ACK; one at RCV.NXT resets"},
    .checks = "RST one octet past RCV.NXT: challenge ACK, connection kept; RST at RCV.NXT: gone",
    .default_on = false,
    .needs_alp = false,
    /* SYN, ACK, the in-window RST, two alive probes, the traced RST (a copy per hop at
     * most), two alive probes, a close */
    .packet_budget = HOP_LIMIT + 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rca_state),
    .mbox = {.fields = RESET_PROBE_FIELDS,
             .diff = rca_diff,
             .info = "RST modified",
             .stage = STAGE_EXACT},
    /* confirm: a RST meeting SYN-RECEIVED (our ACK lost) would reset it there */
    .open = {.window = WINDOW, .stage = STAGE_IN_WINDOW, .confirm = true},
    .on_open = rca_on_open,
    .on_segment = rca_on_segment,
    .on_timer = rca_on_timer,
};
