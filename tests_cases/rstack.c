/* RSTACKTest: a RST-ACK with an acceptable sequence number answering a SYN-ACK must reset
 * the connection in SYN-RECEIVED. RFC 9293 3.10.7.4 (SYN-RECEIVED, "second, check the RST
 * bit"): a passively opened connection returns to LISTEN, which is MUST-11 ("SYN-RECEIVED
 * remembers last state").
 *
 * The original took silence after the RST-ACK for a reset and only a retransmitted SYN-ACK
 * for the RST-ACK being ignored, so every host that never retransmits passed. Here a new SYN
 * on the same 4-tuple, far outside the first connection's window, asks: a listener answers it
 * with a SYN-ACK for the new SYN (the RST-ACK took the connection back to LISTEN: PASS), a
 * surviving SYN-RECEIVED connection with its SYN-ACK again or an ACK for the first SYN
 * (3.10.7.4, an unacceptable segment is answered with an ACK: FAIL). Whichever comes first
 * decides; no answer at all is UNK. */
#include "testcase/tc.h"

#define RSTACK_STAGE 1
#define RSTACK_SYN_WINDOW 1024
/* The new SYN lies this far beyond the first: outside any window the first connection can
 * have (we offered no window scaling), so a surviving connection cannot take it as data. */
#define NEW_SYN_OFFSET 0x20000u
#define ORIGINAL_SYN_WAIT (30 * TC_SEC)
#define ORIGINAL_IGNORE_WAIT (60 * TC_SEC)
#define REASON_RSTACK_IGNORED "RST-ACK ignored"
#define REASON_NEW_SYN_RST "RST in reply to a new SYN after the RST-ACK"
#define REASON_NO_ANSWER "No answer to a new SYN after the RST-ACK"

enum rstack_phase { RS_HANDSHAKE, RS_AFTER_RSTACK };

struct rstack_state {
    enum rstack_phase phase;
    uint32_t isn;
    uint32_t new_isn; /* the SYN asking whether the host listens again */
    tc_time syn_sent_at;
    uint32_t rstack_ack; /* acknowledgment number our RST-ACK carried */
    struct tcp_seg synack;
};

static void rstack_start(struct tc *t, tc_time now)
{
    struct rstack_state *s = t->state;
    struct tcp_seg syn;
    s->isn = tc_random32(t);
    tc_seg_new(t, &syn);
    syn.seq = s->isn;
    syn.window = RSTACK_SYN_WINDOW;
    syn.flags = TCP_FLAG_SYN;
    tc_send(t, &syn, 0, 0);
    s->syn_sent_at = now;
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_SYN_WAIT));
}

static void on_handshake_reply(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rstack_state *s = t->state;
    enum tc_handshake hs = tc_handshake_classify(seg, s->isn);
    if (hs == TC_HS_RST) {
        tc_finish(t, TC_UNK, RSTACK_STAGE, tc_handshake_reason(hs), NULL, now);
        return;
    }
    if (hs != TC_HS_SYNACK) {
        tc_send_reset(t, seg);
        tc_finish(t, TC_FAIL, RSTACK_STAGE, tc_handshake_reason(hs), NULL, now);
        return;
    }
    t->rtt = now - s->syn_sent_at;
    s->synack = *seg;
    s->synack.payload = NULL;
    s->synack.payload_len = 0;
    struct tcp_seg rstack;
    tc_seg_reply(t, seg, TCP_FLAG_RST | TCP_FLAG_ACK, 0, &rstack);
    s->rstack_ack = rstack.ack;
    tc_send(t, &rstack, 0, 0);
    s->phase = RS_AFTER_RSTACK;
    if (t->env.timing->original) {
        /* The original: a retransmitted SYN-ACK within 60 s, else the RST-ACK worked. */
        tc_set_timer(t, now + tc_wait_retrans(t, ORIGINAL_IGNORE_WAIT));
        return;
    }
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    s->new_isn = s->isn + NEW_SYN_OFFSET;
    syn.seq = s->new_isn;
    syn.window = RSTACK_SYN_WINDOW;
    syn.flags = TCP_FLAG_SYN;
    tc_send_after(t, &syn, 0, 0, TC_ORDER_GAP);
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_synack(t, ORIGINAL_SYN_WAIT));
}

static void survived(struct tc *t, tc_time now)
{
    struct rstack_state *s = t->state;
    tc_send_reset(t, &s->synack); /* tear it down with a plain RST */
    tc_finish(t, TC_FAIL, RSTACK_STAGE, REASON_RSTACK_IGNORED, NULL, now);
}

static void after_rstack(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rstack_state *s = t->state;
    bool acks_first = (seg->flags & TCP_FLAG_ACK) && seg->ack == s->isn + 1;
    bool acks_new = (seg->flags & TCP_FLAG_ACK) && seg->ack == s->new_isn + 1;
    if (seg->flags & TCP_FLAG_RST) {
        /* As the original: a RST at the sequence number our RST-ACK acknowledged is the
         * target tearing the connection down itself, not a sign of ignoring ours. */
        if (seg->seq == s->rstack_ack)
            tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        else if (acks_new && !t->env.timing->original)
            tc_finish(t, TC_UNK, RSTACK_STAGE, REASON_NEW_SYN_RST, NULL, now);
        return;
    }
    if (acks_first) {
        /* The first connection answered (its SYN-ACK again, or an ACK for the new SYN
         * it could not take): it survived the RST-ACK. */
        survived(t, now);
    } else if (acks_new && (seg->flags & TCP_FLAG_SYN)) {
        /* A listener answered the new SYN: the RST-ACK had closed the first connection. */
        tc_send_reset(t, seg);
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
    }
}

static void rstack_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rstack_state *s = t->state;
    if (s->phase == RS_HANDSHAKE)
        on_handshake_reply(t, seg, now);
    else
        after_rstack(t, seg, now);
}

static void rstack_on_timer(struct tc *t, tc_time now)
{
    struct rstack_state *s = t->state;
    if (s->phase == RS_HANDSHAKE)
        tc_finish(t, TC_UNK, RSTACK_STAGE, TC_REASON_HS_TIMEOUT, NULL, now);
    else if (t->env.timing->original)
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
    else
        tc_finish(t, TC_UNK, RSTACK_STAGE, REASON_NO_ANSWER, NULL, now);
}

const struct test_case rstack_test = {
    .name = "RSTACKTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-11",
            .text = "RST-ACK in SYN-RECEIVED resets the connection (3.10.7.4)"},
    .checks = "RST-ACK in SYN-RECEIVED resets the connection (a new SYN is answered from LISTEN)",
    .default_on = false,
    .needs_alp = false,
    .packet_budget = 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rstack_state),
    .start = rstack_start,
    .on_segment = rstack_on_segment,
    .on_timer = rstack_on_timer,
};
