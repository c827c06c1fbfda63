/* SynAckBackoffTest: RFC 9293 MUST-19 (3.8.1: exponential backoff of the retransmission
 * timer) and RFC 6298 5.5 (RTO <- RTO * 2 at each expiry), seen on the SYN-ACK: the
 * handshake's third segment is withheld, so a host in SYN-RECEIVED retransmits its SYN-ACK
 * on its retransmission timer, and the intervals between the copies must grow. They are
 * judged by testcase/backoff.h: only an interval that did not grow (beyond the timer's
 * granularity and the path's jitter) is FAIL.
 *
 * Bounded: the watch ends after SAB_RETRANS_MAX retransmissions (three intervals, two
 * comparisons), or SAB_OBSERVE_MAX after the first SYN-ACK, or once a doubling timer would
 * have fired again (the host has given up). Then the half-open connection is reset. A host
 * that never retransmits (SYN cookies, tcp_synack_retries=0) or retransmits once gives
 * nothing to compare: UNK, never FAIL. */
#include "testcase/backoff.h"
#include "testcase/syn_probe.h"

#define STAGE 1
#define SYN_WINDOW 4096
/* Three retransmissions: two comparisons, 7 s on a host with RFC 6298's 1 s initial RTO. */
#define SAB_RETRANS_MAX 3
/* The watch's cap: a host whose first SYN-ACK retransmission comes after 6 s (the slowest
 * seen: a BSD-derived stack's initial RTO without an RTT sample) still shows its second one,
 * 12 s later, with the timer tolerance to spare. */
#define SAB_OBSERVE_MAX (20 * TC_SEC)
/* The slowest first retransmission waited for (as above). */
#define SAB_FIRST_RTO_MAX (6 * TC_SEC)
/* Reasons are fixed texts (datasets group by them); the times and counts are in custom:
 * intervals_ms and not_grown_index (testcase/backoff.h), retransmissions, and watched_ms, how
 * long after the first SYN-ACK the watch ended (the wait for a first retransmission follows
 * the RTT). */
#define REASON_NOT_BACKED_OFF "SYN-ACK retransmission timer not backed off"
#define REASON_NONE "No SYN-ACK retransmission within the wait (SYN cookies or no retries?)"
#define REASON_ONE "Only one SYN-ACK retransmission: no interval to compare"
#define REASON_RESET "Host reset the connection before a second SYN-ACK retransmission"

enum sab_phase { SAB_HANDSHAKE, SAB_OBSERVE };

struct sab_state {
    enum sab_phase phase;
    struct syn_probe probe;
    struct tcp_seg synack; /* the first SYN-ACK, payload dropped */
    struct backoff arrivals;
    tc_time observe_until;
};

static void sab_start(struct tc *t, tc_time now)
{
    struct sab_state *s = t->state;
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = SYN_WINDOW;
    p->burst = false; /* nothing under test in the SYN itself */
    s->phase = SAB_HANDSHAKE;
    syn_probe_start(t, p, now);
}

static void arm(struct tc *t)
{
    struct sab_state *s = t->state;
    tc_time due = backoff_next_due(&s->arrivals, SAB_FIRST_RTO_MAX);
    tc_set_timer(t, due < s->observe_until ? due : s->observe_until);
}

static void observe(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct sab_state *s = t->state;
    s->synack = *synack;
    s->synack.payload = NULL;
    s->synack.payload_len = 0;
    backoff_init(&s->arrivals, backoff_jitter(t));
    backoff_add(&s->arrivals, now);
    s->observe_until = now + SAB_OBSERVE_MAX;
    s->phase = SAB_OBSERVE;
    arm(t);
}

/* The verdict on what arrived so far; the half-open connection is reset first unless the
 * host reset it. */
static void conclude(struct tc *t, bool host_reset, tc_time now)
{
    struct sab_state *s = t->state;
    const struct backoff *b = &s->arrivals;
    if (!host_reset)
        tc_send_reset(t, &s->synack);
    size_t bad;
    json_t *custom = backoff_json(b);
    json_object_set_new(custom, "retransmissions", json_integer((json_int_t)b->n - 1));
    json_object_set_new(custom, "watched_ms",
                        json_integer((json_int_t)((now - b->at[0]) / TC_MSEC)));
    switch (backoff_judge(b, &bad)) {
    case BACKOFF_BACKED_OFF:
        tc_finish(t, TC_PASS, -1, NULL, custom, now);
        return;
    case BACKOFF_NOT_BACKED_OFF:
        tc_finish(t, TC_FAIL, STAGE, REASON_NOT_BACKED_OFF, custom, now);
        return;
    case BACKOFF_TOO_FEW:
        if (host_reset)
            tc_finish(t, TC_UNK, STAGE, REASON_RESET, custom, now);
        else
            tc_finish(t, TC_UNK, STAGE, b->n == 1 ? REASON_NONE : REASON_ONE, custom, now);
        return;
    }
}

static bool is_retransmission(const struct sab_state *s, const struct tcp_seg *seg)
{
    return (seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
               (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
           seg->seq == s->synack.seq && seg->ack == s->synack.ack;
}

static void sab_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct sab_state *s = t->state;
    struct syn_probe_failure f;
    char reason[sizeof(t->result.reason)];
    if (s->phase == SAB_HANDSHAKE) {
        switch (syn_probe_segment(t, &s->probe, seg, now, &f)) {
        case SP_ESTABLISHED:
            observe(t, seg, now);
            break;
        case SP_FAILED:
            syn_probe_failure_reason(&f, NULL, reason, sizeof(reason));
            tc_finish(t, f.status, STAGE, reason, NULL, now);
            break;
        case SP_PENDING:
            break;
        }
        return;
    }
    if (seg->flags & TCP_FLAG_RST) {
        conclude(t, true, now); /* the host gave up on the connection */
        return;
    }
    if (!is_retransmission(s, seg) || !backoff_add(&s->arrivals, now))
        return;
    size_t bad;
    if (s->arrivals.n == SAB_RETRANS_MAX + 1 ||
        backoff_judge(&s->arrivals, &bad) == BACKOFF_NOT_BACKED_OFF)
        conclude(t, false, now);
    else
        arm(t);
}

static void sab_on_timer(struct tc *t, tc_time now)
{
    struct sab_state *s = t->state;
    struct syn_probe_failure f;
    char reason[sizeof(t->result.reason)];
    if (s->phase == SAB_OBSERVE) {
        conclude(t, false, now);
        return;
    }
    if (syn_probe_timer(t, &s->probe, now, &f) == SP_FAILED) {
        syn_probe_failure_reason(&f, NULL, reason, sizeof(reason));
        tc_finish(t, f.status, STAGE, reason, NULL, now);
    }
}

const struct test_case synack_backoff_test = {
    .name = "SynAckBackoffTest",
    .req =
        {.rfc = "RFC 9293",
         .id = "MUST-19",
         .text =
             "Back off the retransmission timer exponentially (RFC 6298 5.5), seen on the SYN-ACK"},
    .checks =
        "handshake's ACK withheld: the SYN-ACK's retransmission intervals grow (up to 3, 20 s)",
    /* Off: it holds a half-open connection on the host for up to 20 s. */
    .default_on = false,
    .needs_alp = false,
    /* the SYN, a reset of a wrong reply, the final reset */
    .packet_budget = 3,
    .deadline = 60 * TC_SEC,
    .state_size = sizeof(struct sab_state),
    .start = sab_start,
    .on_segment = sab_on_segment,
    .on_timer = sab_on_timer,
};
