/* RSTACKTest: a RST-ACK with an acceptable sequence number answering a SYN-ACK must reset
 * the connection in SYN-RECEIVED. RFC 9293 3.10.7.4 (SYN-RECEIVED, "second, check the RST
 * bit"): a passively opened connection returns to LISTEN, which is MUST-11 ("SYN-RECEIVED
 * remembers last state"). A target that ignored the RST goes on retransmitting its
 * SYN-ACK. */
#include "testcase/tc.h"

#define RSTACK_STAGE 1
#define RSTACK_SYN_WINDOW 1024
#define ORIGINAL_SYN_WAIT (30 * TC_SEC)
#define ORIGINAL_IGNORE_WAIT (60 * TC_SEC)
#define REASON_RSTACK_IGNORED "RST-ACK ignored"

enum rstack_phase { RS_HANDSHAKE, RS_AFTER_RSTACK };

struct rstack_state {
    enum rstack_phase phase;
    uint32_t isn;
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
        struct tcp_seg rst;
        tc_seg_reset(t, seg, &rst);
        tc_send(t, &rst, 0, 0);
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
    /* A stack that ignored the RST-ACK shows it by retransmitting its SYN-ACK after its
     * initial RTO; silence until then means the connection was reset. */
    tc_set_timer(t, now + tc_wait_retrans(t, ORIGINAL_IGNORE_WAIT));
}

static void rstack_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rstack_state *s = t->state;
    if (s->phase == RS_HANDSHAKE) {
        on_handshake_reply(t, seg, now);
        return;
    }
    /* As the original: a RST at the sequence number our RST-ACK acknowledged means the
     * target tore the connection down itself; not a sign of ignoring ours. */
    if ((seg->flags & TCP_FLAG_RST) && seg->seq == s->rstack_ack) {
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        return;
    }
    /* The connection survived: tear it down with a plain RST and report. */
    struct tcp_seg rst;
    tc_seg_reset(t, &s->synack, &rst);
    tc_send(t, &rst, 0, 0);
    tc_finish(t, TC_FAIL, RSTACK_STAGE, REASON_RSTACK_IGNORED, NULL, now);
}

static void rstack_on_timer(struct tc *t, tc_time now)
{
    struct rstack_state *s = t->state;
    if (s->phase == RS_HANDSHAKE)
        tc_finish(t, TC_UNK, RSTACK_STAGE, TC_REASON_HS_TIMEOUT, NULL, now);
    else
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
}

const struct test_case rstack_test = {
    .name = "RSTACKTest",
    .rfc_req = "MUST-11",
    .rfc_text = "RST-ACK in SYN-RECEIVED resets the connection (3.10.7.4)",
    .default_on = false,
    .needs_alp = false,
    .packet_budget = 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rstack_state),
    .start = rstack_start,
    .on_segment = rstack_on_segment,
    .on_timer = rstack_on_timer,
};
