#include "testcase/syn_probe.h"

#include "tracebox/ttl_code.h"

static void arm_syn_wait(struct tc *t, tc_time now)
{
    tc_set_timer(t, now + tc_wait_synack(t, SYN_PROBE_ORIGINAL_WAIT));
}

void syn_probe_start(struct tc *t, struct syn_probe *p, tc_time now)
{
    if (p->burst) {
        for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++)
            tc_send_traced(t, &p->syn, ttl, p->fields);
        p->phase = SP_BURST;
    } else {
        tc_send(t, &p->syn, 0, 0);
        p->phase = SP_SINGLE;
    }
    p->first_sent_at = now;
    arm_syn_wait(t, now);
}

bool syn_probe_active(const struct syn_probe *p)
{
    return p->phase == SP_BURST || p->phase == SP_RETRY || p->phase == SP_SINGLE;
}

/* The burst drew silence or a RST: one plain SYN with the same sequence number, without
 * encoding (the original's "retry synchronization without encoding/segment burst"). */
static void retry_plain(struct tc *t, struct syn_probe *p, tc_time now)
{
    struct tcp_seg syn = p->syn;
    syn.window = p->retry_window;
    tc_send(t, &syn, 0, 0);
    p->phase = SP_RETRY;
    arm_syn_wait(t, now);
}

static enum syn_probe_outcome failed(struct syn_probe *p, enum tc_status st, const char *reason,
                                     bool settled, struct syn_probe_failure *fail)
{
    /* A retry sent because the burst's SYN wait ran out went out long after the burst:
     * its quotes are in. */
    fail->quotes_settled = settled || (p->phase == SP_RETRY && p->burst_timed_out);
    p->phase = SP_DONE;
    fail->status = st;
    fail->reason = reason;
    return SP_FAILED;
}

enum syn_probe_outcome syn_probe_segment(struct tc *t, struct syn_probe *p,
                                         const struct tcp_seg *seg, tc_time now,
                                         struct syn_probe_failure *fail)
{
    enum tc_handshake hs = tc_handshake_classify(seg, p->syn.seq);
    if (hs == TC_HS_RST) {
        if (p->phase == SP_BURST) {
            retry_plain(t, p, now);
            return SP_PENDING;
        }
        return failed(p, TC_UNK, tc_handshake_reason(hs), false, fail);
    }
    if (hs != TC_HS_SYNACK) {
        /* Reset the connection "to be sure" (the original's _synchronize). */
        struct tcp_seg rst;
        tc_seg_reset(t, seg, &rst);
        tc_send(t, &rst, 0, 0);
        return failed(p, TC_FAIL, tc_handshake_reason(hs), false, fail);
    }
    /* Karn: the retry repeats the burst's sequence number, so a SYN-ACK after it may
     * answer either; only an answer to the first transmission is an RTT sample. */
    if (p->phase != SP_RETRY)
        t->rtt = now - p->first_sent_at;
    p->phase = SP_DONE;
    tc_cancel_timer(t);
    return SP_ESTABLISHED;
}

enum syn_probe_outcome syn_probe_timer(struct tc *t, struct syn_probe *p, tc_time now,
                                       struct syn_probe_failure *fail)
{
    if (p->phase == SP_BURST) {
        p->burst_timed_out = true;
        retry_plain(t, p, now);
        return SP_PENDING;
    }
    /* A single SYN's quotes: it carries no TTL code, so there are none to wait for. */
    return failed(p, TC_UNK, TC_REASON_HS_TIMEOUT, p->phase == SP_SINGLE, fail);
}

bool tc_check_path(struct tc *t, const struct mbox_check *mc, tc_time now)
{
    return tc_check_mboxes(t, mc->fields, mc->diff, mc->ctx, mc->info, mc->stage, now);
}

void tc_finish_unless_mbox(struct tc *t, const struct mbox_check *mc, enum tc_status st,
                           int stage, const char *reason, tc_time now)
{
    if (!tc_check_path(t, mc, now))
        tc_finish(t, st, stage, reason, NULL, now);
}
