/* SynChallengeAckTest: RFC 5961 4.2, in RFC 9293 3.10.7.4 ("fourth, check the SYN bit"): in
 * a synchronized state a SYN, whatever its sequence number, is answered with a challenge ACK
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and dropped; the connection survives. RFC 793 reset the
 * connection for a SYN in the window instead, so the SYN goes at exactly RCV.NXT, where the
 * two rules differ (out of the window both answer with an ACK).
 *
 * After the challenge ACK the alive check asks whether the connection is still there (PASS),
 * or gone (FAIL). A RST for the SYN, or a SYN-ACK as if it opened a new connection, is a
 * FAIL. Silence: the alive check tells a reset connection (FAIL) from one still there, whose
 * challenge ACK may have been throttled (RFC 5961 7: UNK). */
#include "testcase/alive_check.h"

#define SCA_STAGE 1
#define WINDOW 4096
#define ORIGINAL_WAIT (10 * TC_SEC)
#define REASON_RESET "SYN reset the connection"
#define REASON_RESET_AFTER "Connection gone after the challenge ACK"
#define REASON_SYNACK "SYN answered with a SYN-ACK"
#define REASON_NO_CHALLENGE "SYN ignored without a challenge ACK (throttled?)"

enum sca_phase { SCA_SYN, SCA_CHALLENGED, SCA_SILENT };

struct sca_state {
    enum sca_phase phase;
    struct alive_check alive;
};

/* The SYN at RCV.NXT, behind our ACK: overtaking it, it would meet SYN-RECEIVED, where a
 * passively opened connection takes a SYN back to LISTEN (3.10.7.4). */
static void sca_on_open(struct tc *t, tc_time now)
{
    struct tcp_seg syn;
    tc_conn_seg(t, tc_connection(t), TCP_FLAG_SYN, &syn);
    tc_send_after(t, &syn, 0, 0, TC_ORDER_GAP);
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_inflight(t, ORIGINAL_WAIT));
}

static void finish(struct tc *t, enum tc_status st, const char *reason, bool close, tc_time now)
{
    if (close)
        tc_conn_send_close(t, tc_connection(t));
    tc_finish(t, st, st == TC_PASS ? -1 : SCA_STAGE, reason, NULL, now);
}

static void alive_answer(struct tc *t, enum alive_check_outcome o, tc_time now)
{
    struct sca_state *s = t->state;
    bool challenged = s->phase == SCA_CHALLENGED;
    switch (o) {
    case AC_ALIVE:
        finish(t, challenged ? TC_PASS : TC_UNK, challenged ? NULL : REASON_NO_CHALLENGE, true,
               now);
        break;
    case AC_GONE:
        finish(t, TC_FAIL, challenged ? REASON_RESET_AFTER : REASON_RESET, false, now);
        break;
    case AC_SILENT:
        finish(t, TC_UNK, ALIVE_CHECK_REASON_SILENT, true, now);
        break;
    case AC_PENDING:
        break;
    }
}

static void answer_to_syn(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct sca_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (tc_conn_challenge_ack(c, seg)) {
        s->phase = SCA_CHALLENGED;
        alive_check_start(t, c, &s->alive, 0, now);
    } else if (seg->flags & TCP_FLAG_RST) {
        finish(t, TC_FAIL, REASON_RESET, false, now);
    } else if ((seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
               seg->ack == c->snd_nxt + 1) {
        /* Our SYN taken for a new connection's: reset that one and ours. */
        tc_send_reset(t, seg);
        finish(t, TC_FAIL, REASON_SYNACK, true, now);
    }
}

static void sca_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct sca_state *s = t->state;
    if (s->phase == SCA_SYN)
        answer_to_syn(t, seg, now);
    else
        alive_answer(t, alive_check_segment(tc_connection(t), &s->alive, seg), now);
}

static void sca_on_timer(struct tc *t, tc_time now)
{
    struct sca_state *s = t->state;
    if (s->phase == SCA_SYN) { /* no answer to the SYN: is the connection still there? */
        s->phase = SCA_SILENT;
        alive_check_start(t, tc_connection(t), &s->alive, 0, now);
    } else {
        alive_answer(t, alive_check_timer(t, tc_connection(t), &s->alive, now), now);
    }
}

const struct test_case syn_challenge_ack_test = {
    .name = "SynChallengeAckTest",
    .req = {.rfc = "RFC 5961",
            .id = "4.2",
            .text = "A SYN in a synchronized state draws a challenge ACK; the connection survives"},
    .checks =
        "SYN at RCV.NXT on an established connection: challenge ACK, connection kept (alive probe)",
    .default_on = false,
    .needs_alp = false,
    /* SYN, ACK, the SYN, two alive probes, a close, the reset of a SYN-ACK */
    .packet_budget = 7,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct sca_state),
    /* confirm: a SYN meeting SYN-RECEIVED (our ACK lost) is answered differently */
    .open = {.window = WINDOW, .stage = SCA_STAGE, .confirm = true},
    .on_open = sca_on_open,
    .on_segment = sca_on_segment,
    .on_timer = sca_on_timer,
};
