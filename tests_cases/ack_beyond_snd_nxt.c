/* AckBeyondSndNxtTest: RFC 9293 3.10.7.4 ("fifth, check the ACK field", ESTABLISHED): "If the
 * ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the segment, and
 * return"; RFC 5961 5.2 makes that ACK a challenge ACK. The probe is the connection's state
 * probe (connection.h), traced: an ACK at SND.NXT acknowledging 1000 octets beyond anything
 * the host can have sent.
 *
 * The host's ACK <SEQ=SND.NXT><ACK=RCV.NXT> passes. A RST fails, except the first RST
 * <SEQ=SEG.ACK> or SYN-ACK: that is SYN-RECEIVED's answer (3.10.7.3), a host that never got
 * the handshake's ACK, so the ACK goes again and the question once more. Silence: the alive
 * check asks whether the connection is still there (gone: FAIL). A live connection may have
 * throttled its ACK (RFC 5961 7), so after its per-connection limit (TC_ACK_THROTTLE, counted
 * from the alive probe's answer, the host's latest ACK) the ACK beyond SND.NXT goes once
 * more. Silence again is FAIL: a throttle limits how often a host answers, and this host,
 * alive and answering the alive probe, answered neither ACK beyond SND.NXT though the second
 * came after the longest per-connection limit known (Linux's 500 ms); unless the path dropped
 * the traced probe (tc_conclude by silence). */
#include <stdio.h>

#include "testcase/alive_check.h"
#include "tracebox/quote_view.h"
#include "tracebox/ttl_code.h"

#define ABS_STAGE 1
#define WINDOW 4096
/* The TTL goes into fields the host does not judge the probe by (the ACK field is the test). */
#define ABS_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_WIN | TTL_ENC_URG)
#define ORIGINAL_WAIT (10 * TC_SEC)
#define REASON_RST "RST in reply to an ACK beyond SND.NXT"
#define REASON_GONE "Connection gone after an ACK beyond SND.NXT"
#define REASON_IGNORED "ACK beyond SND.NXT unanswered twice by a live connection"
#define REASON_NOT_SYNCED "Not established: the SYN-ACK again after our ACK was repeated"

enum abs_phase {
    ABS_ASK,       /* the traced probe is out */
    ABS_ASK_AGAIN, /* SYN-RECEIVED's answer: our ACK and a plain probe again */
    ABS_ALIVE,     /* no answer: the alive check */
    ABS_HOLD,      /* the connection is there: waiting out its ACK throttle */
    ABS_REPEAT,    /* the probe once more */
};

struct abs_state {
    enum abs_phase phase;
    uint32_t probe_seq, probe_ack; /* the traced probe as sent */
    struct alive_check alive;
};

static bool abs_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                     char *seen, size_t seen_cap)
{
    const struct tc *t = ctx;
    const struct abs_state *s = t->state;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_ack || !v.has_flags)
        return false; /* too little quoted to tell */
    if (v.flags == TCP_FLAG_ACK && v.seq == s->probe_seq && v.ack == s->probe_ack)
        return false;
    snprintf(exp, exp_cap, "0x%02x,%08x,%08x", (unsigned)TCP_FLAG_ACK, (unsigned)s->probe_seq,
             (unsigned)s->probe_ack);
    snprintf(seen, seen_cap, "0x%02x,%08x,%08x", (unsigned)v.flags, (unsigned)v.seq,
             (unsigned)v.ack);
    return true;
}

static void await(struct tc *t, enum abs_phase phase, tc_time at)
{
    struct abs_state *s = t->state;
    s->phase = phase;
    tc_set_timer(t, at + tc_wait_inflight(t, ORIGINAL_WAIT));
}

static void abs_on_open(struct tc *t, tc_time now)
{
    struct abs_state *s = t->state;
    struct tcp_seg probe;
    tc_conn_state_probe_seg(t, tc_connection(t), &probe);
    s->probe_seq = probe.seq;
    s->probe_ack = probe.ack;
    tc_send_probe(t, &probe, ABS_TTL_FIELDS, NULL, NULL);
    await(t, ABS_ASK, now);
}

static void conclude(struct tc *t, enum tc_status st, const char *reason, bool close,
                     bool by_silence, tc_time now)
{
    if (close)
        tc_conn_send_close(t, tc_connection(t));
    tc_conclude(t, st, st == TC_PASS ? -1 : ABS_STAGE, reason, by_silence, now);
}

/* An answer to the probe (or its repeat). */
static void probe_answer(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct abs_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    enum conn_state_answer state = tc_conn_state_answer(c, seg);
    if (tc_conn_challenge_ack(c, seg)) {
        conclude(t, TC_PASS, NULL, true, false, now);
    } else if (state == CONN_STATE_NOT_SYNCED && s->phase == ABS_ASK) {
        /* SYN-RECEIVED: the handshake's ACK again, then the probe, behind it. */
        tc_conn_send_ack(t, c);
        tc_conn_send_state_probe(t, c, TC_ORDER_GAP);
        await(t, ABS_ASK_AGAIN, now + TC_ORDER_GAP);
    } else if (seg->flags & TCP_FLAG_RST) {
        conclude(t, TC_FAIL, REASON_RST, false, false, now);
    } else if (state == CONN_STATE_NOT_SYNCED) { /* the SYN-ACK, once more */
        conclude(t, TC_UNK, REASON_NOT_SYNCED, true, false, now);
    }
}

static void abs_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct abs_state *s = t->state;
    switch (s->phase) {
    case ABS_ASK:
    case ABS_ASK_AGAIN:
    case ABS_REPEAT:
        probe_answer(t, seg, now);
        break;
    case ABS_ALIVE:
        switch (alive_check_segment(tc_connection(t), &s->alive, seg)) {
        case AC_ALIVE: /* its answer was its latest ACK: the repeat waits out the throttle */
            s->phase = ABS_HOLD;
            tc_set_timer(t, now + TC_ACK_THROTTLE);
            break;
        case AC_GONE:
            conclude(t, TC_FAIL, REASON_GONE, false, false, now);
            break;
        case AC_SILENT:
        case AC_PENDING:
            break;
        }
        break;
    case ABS_HOLD: /* a late answer to an alive probe would look like the one awaited */
        break;
    }
}

static void abs_on_timer(struct tc *t, tc_time now)
{
    struct abs_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    switch (s->phase) {
    case ABS_ASK:
    case ABS_ASK_AGAIN: /* no answer: is the connection still there? */
        s->phase = ABS_ALIVE;
        alive_check_start(t, c, &s->alive, 0, now);
        break;
    case ABS_ALIVE:
        if (alive_check_timer(t, c, &s->alive, now) == AC_SILENT)
            conclude(t, TC_UNK, ALIVE_CHECK_REASON_SILENT, true, false, now);
        break;
    case ABS_HOLD:
        tc_conn_send_state_probe(t, c, 0);
        await(t, ABS_REPEAT, now);
        break;
    case ABS_REPEAT:
        conclude(t, TC_FAIL, REASON_IGNORED, true, true, now);
        break;
    }
}

const struct test_case ack_beyond_snd_nxt_test = {
    .name = "AckBeyondSndNxtTest",
    .req = {.rfc = "RFC 9293",
            .id = "3.10.7.4",
            .text = "An ACK of data not yet sent (SEG.ACK > SND.NXT) is answered with an ACK and "
                    "dropped (RFC 5961 5.2)"},
    .checks =
        "ACK beyond SND.NXT on an established connection: answered with an ACK, connection kept",
    .default_on = false,
    .needs_alp = false,
    /* SYN, ACK, the traced probe (a copy per hop at most), the ACK and probe again, two
     * alive probes, the repeat, a close */
    .packet_budget = HOP_LIMIT + 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct abs_state),
    .mbox = {.fields = ABS_TTL_FIELDS,
             .diff = abs_diff,
             .info = "ACK beyond SND.NXT modified",
             .stage = ABS_STAGE},
    .open = {.window = WINDOW, .stage = ABS_STAGE},
    .on_open = abs_on_open,
    .on_segment = abs_on_segment,
    .on_timer = abs_on_timer,
};
