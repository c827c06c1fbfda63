#include "testcase/syn_probe.h"

#include <stdio.h>

#include "tracebox/ttl_code.h"

/* The control SYN starts this far beyond the SYN under test: outside any window a
 * connection the first SYN might have opened could have, so such a connection answers it
 * with an ACK for the first SYN instead of taking it (RFC 9293 3.10.7.4). */
#define CONTROL_SEQ_OFFSET 0x20000u
#define CONTROL_WINDOW 4096
#define DETAIL_CONTROL_ANSWERED "; a SYN without it was answered"
#define DETAIL_CONTROL_SILENT "; no answer to a SYN without it either"
#define DETAIL_CONTROL_REFUSED "; a SYN without it was refused too"
#define DETAIL_LATE "; answered only after a SYN without it"
#define REASON_LATE_SYNACK "SYN-ACK only after the retransmission timeout"
#define REASON_LATE_RST "RST only after the retransmission timeout"

static void arm_syn_wait(struct tc *t, struct syn_probe *p, tc_time now)
{
    tc_time wait = tc_wait_synack(t, SYN_PROBE_ORIGINAL_WAIT);
    /* RFC 6298 (5.5): each retransmission waits twice as long while no RTT is known. */
    if (!t->env.timing->original && t->rtt == 0 && t->env.rtt_hint == 0 && p->phase != SP_BURST &&
        p->phase != SP_SINGLE)
        wait *= 2;
    tc_set_timer(t, now + wait);
}

void syn_probe_start(struct tc *t, struct syn_probe *p, tc_time now)
{
    if (p->burst) {
        tc_send_probe(t, &p->syn, p->fields, NULL, NULL);
        p->phase = SP_BURST;
    } else {
        tc_send(t, &p->syn, 0, 0);
        p->phase = SP_SINGLE;
    }
    p->first_sent_at = now;
    arm_syn_wait(t, p, now);
}

bool syn_probe_active(const struct syn_probe *p)
{
    return p->phase == SP_BURST || p->phase == SP_RETRY || p->phase == SP_SINGLE ||
           p->phase == SP_CONTROL;
}

/* The traced probe drew silence or a RST: the same SYN once more without encoding (the
 * original's "retry synchronization without encoding/segment burst"). */
static void retry_plain(struct tc *t, struct syn_probe *p, tc_time now)
{
    struct tcp_seg syn = p->syn;
    syn.window = p->retry_window;
    tc_send(t, &syn, 0, 0);
    p->phase = SP_RETRY;
    p->retried = true;
    arm_syn_wait(t, p, now);
}

static enum syn_probe_outcome failed(struct syn_probe *p, enum tc_status st, const char *reason,
                                     const char *detail, enum syn_probe_control control,
                                     struct syn_probe_failure *fail)
{
    p->phase = SP_DONE;
    fail->status = st;
    fail->reason = reason;
    fail->detail = detail;
    fail->by_silence = p->failure_timeout;
    fail->control = control;
    return SP_FAILED;
}

static const char *failure_reason(const struct syn_probe *p)
{
    return p->failure_timeout ? TC_REASON_HS_TIMEOUT : tc_handshake_reason(p->failure);
}

/* The SYN under test failed for good (timeout or RST): without a control the failure is
 * unknown in origin; with one, a plain SYN decides. */
static enum syn_probe_outcome probe_failed(struct tc *t, struct syn_probe *p, bool timeout,
                                           enum tc_handshake hs, tc_time now,
                                           struct syn_probe_failure *fail)
{
    p->failure_timeout = timeout;
    p->failure = hs;
    if (!p->control)
        return failed(p, TC_UNK, failure_reason(p), "", SP_CONTROL_NONE, fail);
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    p->control_seq = p->syn.seq + CONTROL_SEQ_OFFSET;
    syn.seq = p->control_seq;
    syn.flags = TCP_FLAG_SYN;
    syn.window = CONTROL_WINDOW;
    tc_send(t, &syn, 0, 0);
    p->phase = SP_CONTROL;
    arm_syn_wait(t, p, now);
    return SP_PENDING;
}

static enum syn_probe_outcome control_segment(struct tc *t, struct syn_probe *p,
                                              const struct tcp_seg *seg,
                                              struct syn_probe_failure *fail)
{
    if ((seg->flags & TCP_FLAG_ACK) && seg->ack == p->syn.seq + 1) {
        /* The SYN under test was answered after all (a slow host, a lost SYN-ACK): it
         * cannot be told apart from the control any more. */
        bool rst = (seg->flags & TCP_FLAG_RST) != 0;
        if (!rst)
            tc_send_reset(t, seg);
        failed(p, TC_UNK, rst ? REASON_LATE_RST : REASON_LATE_SYNACK, DETAIL_LATE, SP_CONTROL_LATE,
               fail);
        fail->by_silence = false; /* the host did answer: the path did not drop it */
        return SP_FAILED;
    }
    enum tc_handshake hs = tc_handshake_classify(seg, p->control_seq);
    if (hs == TC_HS_SYNACK) {
        /* The host answers SYNs, only not this one: its failure is positive evidence. */
        tc_send_reset(t, seg);
        return failed(p, TC_FAIL, failure_reason(p), DETAIL_CONTROL_ANSWERED, SP_CONTROL_ANSWERED,
                      fail);
    }
    if (hs == TC_HS_RST)
        return failed(p, TC_UNK, failure_reason(p), DETAIL_CONTROL_REFUSED, SP_CONTROL_REFUSED,
                      fail);
    return SP_PENDING; /* not an answer to the control */
}

enum syn_probe_outcome syn_probe_segment(struct tc *t, struct syn_probe *p,
                                         const struct tcp_seg *seg, tc_time now,
                                         struct syn_probe_failure *fail)
{
    if (p->phase == SP_CONTROL)
        return control_segment(t, p, seg, fail);
    enum tc_handshake hs = tc_handshake_classify(seg, p->syn.seq);
    if (hs == TC_HS_RST) {
        if (p->phase == SP_BURST) {
            retry_plain(t, p, now);
            return SP_PENDING;
        }
        return probe_failed(t, p, false, hs, now, fail);
    }
    if (hs != TC_HS_SYNACK) {
        /* Reset the connection "to be sure" (the original's _synchronize); never a RST in
         * reply to a RST (RFC 9293 3.10.7). */
        if (!(seg->flags & TCP_FLAG_RST))
            tc_send_reset(t, seg);
        p->failure_timeout = false;
        return failed(p, TC_FAIL, tc_handshake_reason(hs), "", SP_CONTROL_NONE, fail);
    }
    /* Karn: the retry repeats the probe's sequence number, so a SYN-ACK after it may
     * answer either; only an answer to the first transmission is an RTT sample. */
    if (p->phase != SP_RETRY)
        t->rtt = now - p->first_sent_at;
    p->phase = SP_DONE;
    tc_cancel_timer(t);
    return SP_ESTABLISHED;
}

bool syn_probe_retried(const struct syn_probe *p)
{
    return p->retried;
}

enum syn_probe_outcome syn_probe_timer(struct tc *t, struct syn_probe *p, tc_time now,
                                       struct syn_probe_failure *fail)
{
    switch (p->phase) {
    case SP_BURST:
        retry_plain(t, p, now);
        return SP_PENDING;
    case SP_RETRY:
    case SP_SINGLE:
        return probe_failed(t, p, true, TC_HS_SYNACK, now, fail);
    case SP_CONTROL:
        return failed(p, TC_UNK, failure_reason(p), DETAIL_CONTROL_SILENT, SP_CONTROL_SILENT, fail);
    case SP_IDLE:
    case SP_DONE:
        break;
    }
    return SP_PENDING;
}

void syn_probe_failure_reason(const struct syn_probe_failure *f, const char *suffix, char *buf,
                              size_t cap)
{
    snprintf(buf, cap, "%s%s%s", f->reason, suffix != NULL ? suffix : "",
             f->detail != NULL ? f->detail : "");
}
