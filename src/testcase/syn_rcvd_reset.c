/* The reset in SYN-RECEIVED (see syn_rcvd_reset.h). */
#include "testcase/syn_rcvd_reset.h"

#include <stdio.h>

#define SRR_STAGE 1
#define SRR_SYN_WINDOW 1024
/* The new SYN lies this far beyond the first: outside any window the first connection can
 * have (we offered no window scaling), so a surviving connection cannot take it as data. */
#define NEW_SYN_OFFSET 0x20000u
#define ORIGINAL_SYN_WAIT (30 * TC_SEC)
#define ORIGINAL_IGNORE_WAIT (60 * TC_SEC)

static const struct syn_rcvd_reset_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

static bool original_verdicts(const struct tc *t)
{
    return t->env.timing->original && params_of(t)->original_verdicts;
}

/* The verdict, with a reason naming the reset (fmt holds one %s). */
static void finish_named(struct tc *t, enum tc_status st, const char *fmt, tc_time now)
{
    char reason[sizeof(t->result.reason)];
    snprintf(reason, sizeof(reason), fmt, params_of(t)->reset_name);
    tc_finish(t, st, SRR_STAGE, reason, NULL, now);
}

void syn_rcvd_reset_start(struct tc *t, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    struct syn_probe *p = &s->opener;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = SRR_SYN_WINDOW;
    p->burst = false;
    syn_probe_start(t, p, now);
}

static void send_new_syn(struct tc *t, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    s->new_isn = s->opener.syn.seq + NEW_SYN_OFFSET;
    syn.seq = s->new_isn;
    syn.window = SRR_SYN_WINDOW;
    syn.flags = TCP_FLAG_SYN;
    /* It must not overtake the reset whose effect it asks about. */
    tc_send_after(t, &syn, 0, 0, TC_ORDER_GAP);
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_synack(t, ORIGINAL_SYN_WAIT));
}

/* The SYN-ACK: answer it with the reset under test, then ask. */
static void reset_synack(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    uint8_t flags = params_of(t)->reset_flags;
    s->synack = *synack;
    s->synack.payload = NULL;
    s->synack.payload_len = 0;
    struct tcp_seg rst;
    tc_seg_reply(t, synack, flags, 0, &rst);
    s->reset_ack = rst.ack;
    if (!(flags & TCP_FLAG_ACK))
        rst.ack = 0;
    tc_send(t, &rst, 0, 0);
    s->phase = SRR_AFTER_RESET;
    if (original_verdicts(t)) {
        /* The original: a retransmitted SYN-ACK within 60 s, else the reset worked. */
        tc_set_timer(t, now + tc_wait_retrans(t, ORIGINAL_IGNORE_WAIT));
        return;
    }
    send_new_syn(t, now);
}

static void survived(struct tc *t, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    tc_send_reset(t, &s->synack); /* tear it down with a plain RST */
    finish_named(t, TC_FAIL, "%s ignored", now);
}

static void after_reset(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    uint32_t first_isn = s->opener.syn.seq;
    bool acks_first = (seg->flags & TCP_FLAG_ACK) && seg->ack == first_isn + 1;
    bool acks_new = (seg->flags & TCP_FLAG_ACK) && seg->ack == s->new_isn + 1;
    if (seg->flags & TCP_FLAG_RST) {
        /* As the original: a RST at the sequence number after the SYN-ACK's SYN is the
         * target tearing the connection down itself, not a sign of ignoring ours. */
        if (seg->seq == s->reset_ack)
            tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        else if (acks_new && !original_verdicts(t))
            finish_named(t, TC_UNK, "RST in reply to a new SYN after the %s", now);
        return;
    }
    if (acks_first) {
        /* The first connection answered (its SYN-ACK again, or an ACK for the new SYN
         * it could not take): it survived the reset. */
        survived(t, now);
    } else if (acks_new && (seg->flags & TCP_FLAG_SYN)) {
        /* A listener answered the new SYN: the reset had closed the first connection. */
        tc_send_reset(t, seg);
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
    }
}

static void handshake_failed(struct tc *t, const struct syn_probe_failure *f, tc_time now)
{
    char reason[sizeof(t->result.reason)];
    syn_probe_failure_reason(f, NULL, reason, sizeof(reason));
    tc_finish(t, f->status, SRR_STAGE, reason, NULL, now);
}

void syn_rcvd_reset_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    if (s->phase == SRR_AFTER_RESET) {
        after_reset(t, seg, now);
        return;
    }
    struct syn_probe_failure f;
    switch (syn_probe_segment(t, &s->opener, seg, now, &f)) {
    case SP_ESTABLISHED:
        reset_synack(t, seg, now);
        break;
    case SP_FAILED:
        handshake_failed(t, &f, now);
        break;
    case SP_PENDING:
        break;
    }
}

void syn_rcvd_reset_on_timer(struct tc *t, tc_time now)
{
    struct syn_rcvd_reset_state *s = t->state;
    if (s->phase == SRR_HANDSHAKE) {
        struct syn_probe_failure f;
        if (syn_probe_timer(t, &s->opener, now, &f) == SP_FAILED)
            handshake_failed(t, &f, now);
    } else if (original_verdicts(t)) {
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
    } else {
        finish_named(t, TC_UNK, "No answer to a new SYN after the %s", now);
    }
}
