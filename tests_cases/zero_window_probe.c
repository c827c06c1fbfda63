/* ZeroWindowProbeTest: RFC 9293 MUST-35/MUST-36 (3.8.6.1): a sender whose peer offers a
 * zero window must probe it, or a lost window update would hang the connection for good;
 * SHLD-30 (RFC 1122 4.2.2.17): the intervals between probes grow exponentially. SHLD-29, the
 * first probe once the zero window has lasted a retransmission timeout, is reported
 * (custom.first_probe_ms), not judged: the host's RTO is not seen from outside, and its
 * timer's tick can take a third off a first timeout of three ticks (lwIP's persist timer:
 * 1.0 to 1.5 s, then 3 s, 6 s), so no line drawn from the later intervals holds.
 *
 * The framework opens the connection offering window 0 (in the SYN and the ACK, so no
 * window-update rule of the host's can keep an earlier, open window), then the request of
 * the port's ALP goes out: the host has a reply it may not send. A probe is a segment that
 * draws our ACK with the window in it: one octet of new data at RCV.NXT (BSD, lwIP), or an
 * old sequence number, RCV.NXT - 1 without data (Linux). Each is acknowledged, the window
 * still 0, and its time kept (testcase/backoff.h judges the intervals). After ZWP_PROBES_MAX
 * probes, ZWP_OBSERVE_MAX, or once a doubling timer would have probed again, the window
 * opens and the reply must come.
 *
 * Verdicts: no probe within ZWP_FIRST_PROBE_MAX plus 4 RTTs asks the alive probe; a
 * connection that is there and took the request then gets the window: a reply at once (within
 * the RTT-derived in-flight wait) shows the data was held, and the silence is the host's (FAIL,
 * stage 1; what remains possible is an application that made its reply only just before the
 * window opened). Probes that did not back off are FAIL at stage 2 (a SHOULD, on the probes'
 * own times). No data once the window opened is UNK (stage 3).
 *
 * custom: intervals_ms, duplicates and not_grown_index (testcase/backoff.h), probes,
 * probe_bytes (the most data a probe carried), and first_probe_ms (from the request to the
 * first probe) or, when none came, probe_wait_ms (how long the first was waited for). */
#include <stdio.h>

#include "testcase/backoff.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define STAGE_PROBE 1
#define STAGE_TIMING 2
#define STAGE_REOPEN 3
/* The window the request leaves the host, and the one that opens it. */
#define ZWP_ZERO_WINDOW 0
#define ZWP_OPEN_WINDOW 65535
/* The request: the port's whole first flight, in segments within the host's MSS. */
#define ZWP_REQ_MAX 4096
#define ZWP_REQ_SEGS_MAX 8
/* Four probes: three intervals, two comparisons (3 s on Linux; lwIP's third probe comes
 * after 10 s, its fourth beyond the watch's cap). */
#define ZWP_PROBES_MAX 4
#define ZWP_ACKS_MAX 8
#define ZWP_OBSERVE_MAX (20 * TC_SEC)
/* The slowest first probe of a conforming host: BSD's persist timer has a floor of 5 s
 * (TCPTV_PERSMIN) on a 500 ms tick; RFC 6298's RTO after one RTT sample is 3 RTTs, and the
 * request and the probe travel one more (the RTTs are added to this). */
#define ZWP_FIRST_PROBE_MAX (5500 * TC_MSEC)
#define ZWP_FIRST_PROBE_RTTS 4
#define ORIGINAL_WAIT (10 * TC_SEC)
/* Reasons are fixed texts (datasets group by them); the times are in custom (see the top). */
#define REASON_NO_PROBE "No zero-window probe; the reply was held until the window opened"
#define REASON_NO_PROBE_NO_DATA "No zero-window probe, and no data at once when the window opened"
#define REASON_RESET_EARLY "Connection reset before any zero-window probe"
#define REASON_NOT_TAKEN "Request not acknowledged: the host has nothing to send"
#define REASON_NO_ANSWER "No answer to the alive probe"
#define REASON_NOT_BACKED_OFF "Zero-window probes not backed off"
#define REASON_NO_REPLY "No data once the window opened"

enum zwp_phase { ZWP_ZERO, ZWP_ASK_ALIVE, ZWP_OPEN };

struct zwp_state {
    enum zwp_phase phase;
    tc_time request_at;
    tc_time observe_until;
    tc_time probe_wait; /* how long the first probe was waited for */
    struct backoff probes;
    size_t probe_bytes; /* the most data a probe carried */
    unsigned acks;      /* probes acknowledged */
    /* The verdict on the probes, held until the window opened (custom unused; none while no
     * probe came). */
    struct tc_result held;
};

static json_t *custom_of(const struct tc *t)
{
    const struct zwp_state *s = t->state;
    const struct backoff *b = &s->probes;
    json_t *c = backoff_json(b);
    json_object_set_new(c, "probes", json_integer((json_int_t)b->n));
    json_object_set_new(c, "probe_bytes", json_integer((json_int_t)s->probe_bytes));
    if (b->n > 0)
        json_object_set_new(c, "first_probe_ms",
                            json_integer((json_int_t)((b->at[0] - s->request_at) / TC_MSEC)));
    else
        json_object_set_new(c, "probe_wait_ms",
                            json_integer((json_int_t)(s->probe_wait / TC_MSEC)));
    return c;
}

static void finish(struct tc *t, enum tc_status st, int stage, const char *reason, tc_time now)
{
    tc_conn_send_close(t, tc_connection(t));
    tc_finish(t, st, st == TC_PASS ? -1 : stage, reason, custom_of(t), now);
}

static void zwp_on_open(struct tc *t, tc_time now)
{
    struct zwp_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    uint8_t req[ZWP_REQ_MAX];
    size_t len = tc_conn_alp_request(t, c, 0, req, sizeof(req), STAGE_PROBE, now);
    if (len == 0)
        return; /* finished UNK: no request for the port */
    tc_conn_send_pieces(t, c, req, len, ZWP_REQ_SEGS_MAX, TCP_FLAG_PSH);
    s->phase = ZWP_ZERO;
    s->request_at = now;
    s->observe_until = now + ZWP_OBSERVE_MAX;
    backoff_init(&s->probes, backoff_jitter(t));
    s->probe_wait = ZWP_FIRST_PROBE_MAX + ZWP_FIRST_PROBE_RTTS * tc_rtt_estimate(t);
    tc_set_timer(t, now + s->probe_wait);
}

/* Whether seg probes our zero window (see above). */
static bool is_probe(const struct tc_conn *c, const struct tcp_seg *seg)
{
    if ((seg->flags & (TCP_FLAG_SYN | TCP_FLAG_RST | TCP_FLAG_ACK)) != TCP_FLAG_ACK)
        return false;
    uint32_t rcv_nxt = tc_conn_rcv_nxt(c);
    return seg->payload_len > 0 ? seg->seq == rcv_nxt : seg->seq == rcv_nxt - 1;
}

/* The window opens: the reply must follow. After probes, a lost window update is recovered
 * by the host's next probe, so the reply may take a timeout. Without probes, only a reply
 * at once (in flight within the RTT-derived wait) shows that it was held all along; a later
 * one may have been made late (a slow application). */
static void open_window(struct tc *t, tc_time now)
{
    struct zwp_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    c->window = ZWP_OPEN_WINDOW;
    tc_conn_send_ack(t, c);
    s->phase = ZWP_OPEN;
    tc_time wait =
        s->probes.n > 0 ? tc_wait_retrans(t, ORIGINAL_WAIT) : tc_wait_inflight(t, ORIGINAL_WAIT);
    tc_set_timer(t, now + wait);
}

/* The verdict on the probes (at least one came), held while the window opens. */
static void judge_probes(struct tc *t)
{
    struct zwp_state *s = t->state;
    const struct backoff *b = &s->probes;
    size_t bad;
    s->held.status = TC_PASS;
    if (backoff_judge(b, &bad) == BACKOFF_NOT_BACKED_OFF) {
        s->held.status = TC_FAIL;
        snprintf(s->held.reason, sizeof(s->held.reason), "%s", REASON_NOT_BACKED_OFF);
    }
    s->held.stage = STAGE_TIMING;
}

/* The window opened and the reply came (or not). */
static void reopened(struct tc *t, bool reply, tc_time now)
{
    struct zwp_state *s = t->state;
    if (s->probes.n == 0) {
        if (reply)
            finish(t, TC_FAIL, STAGE_PROBE, REASON_NO_PROBE, now);
        else
            finish(t, TC_UNK, STAGE_PROBE, REASON_NO_PROBE_NO_DATA, now);
        return;
    }
    /* A FAIL rests on the probes' times, whatever followed. */
    if (s->held.status == TC_FAIL || reply)
        finish(t, s->held.status, s->held.stage, s->held.reason, now);
    else
        finish(t, TC_UNK, STAGE_REOPEN, REASON_NO_REPLY, now);
}

static void probe_came(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct zwp_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (s->acks < ZWP_ACKS_MAX) {
        s->acks++;
        tc_conn_send_ack(t, c); /* RCV.NXT unchanged: the probe's octet is not taken */
    }
    if (seg->payload_len > s->probe_bytes)
        s->probe_bytes = seg->payload_len;
    if (!backoff_add(&s->probes, now))
        return;          /* a copy of the probe before */
    s->phase = ZWP_ZERO; /* a probe after the alive probe went out: late, but a probe */
    if (s->probes.n == ZWP_PROBES_MAX) {
        judge_probes(t);
        open_window(t, now);
        return;
    }
    tc_time due = backoff_next_due(&s->probes, ZWP_FIRST_PROBE_MAX);
    tc_set_timer(t, due < s->observe_until ? due : s->observe_until);
}

static void zwp_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct zwp_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    uint32_t acked;
    if (s->phase == ZWP_OPEN) {
        struct conn_rx rx;
        tc_conn_receive(c, seg, &rx);
        if (rx.kind == CONN_RX_RST)
            reopened(t, false, now);
        else if (rx.reasm.new_bytes > 0)
            reopened(t, true, now);
        return;
    }
    if (seg->flags & TCP_FLAG_RST) { /* nothing to close; the probes so far are judged */
        if (s->probes.n == 0) {
            tc_finish(t, TC_UNK, STAGE_PROBE, REASON_RESET_EARLY, custom_of(t), now);
        } else {
            judge_probes(t);
            tc_finish(t, s->held.status, s->held.status == TC_PASS ? -1 : s->held.stage,
                      s->held.reason, custom_of(t), now);
        }
        return;
    }
    if (is_probe(c, seg)) {
        probe_came(t, seg, now);
        return;
    }
    if (s->phase != ZWP_ASK_ALIVE || tc_conn_alive_answer(c, seg, &acked) != CONN_ALIVE_YES)
        return;
    if (acked == c->snd_nxt)
        open_window(t, now); /* there, with our request: its reply must be held */
    else
        finish(t, TC_UNK, STAGE_PROBE, REASON_NOT_TAKEN, now);
}

static void zwp_on_timer(struct tc *t, tc_time now)
{
    struct zwp_state *s = t->state;
    switch (s->phase) {
    case ZWP_ZERO:
        if (s->probes.n > 0) {
            judge_probes(t);
            open_window(t, now);
            return;
        }
        /* No probe: is the connection still there, with our request? */
        tc_conn_send_alive_probe(t, tc_connection(t), 0);
        s->phase = ZWP_ASK_ALIVE;
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_WAIT));
        break;
    case ZWP_ASK_ALIVE:
        finish(t, TC_UNK, STAGE_PROBE, REASON_NO_ANSWER, now);
        break;
    case ZWP_OPEN:
        reopened(t, false, now);
        break;
    }
}

const struct test_case zero_window_probe_test = {
    .name = "ZeroWindowProbeTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-36",
            .text = "Probe a zero window (MUST-35/36), backing off the probes (SHLD-30, a SHOULD)"},
    .checks = "request sent offering window 0: zero-window probes come, their intervals grow; the "
              "reply once the window opens",
    /* Off: it holds the host's reply for up to 20 s. */
    .default_on = false,
    .needs_alp = true,
    /* SYN, a reset of a wrong reply, ACK, the request, the probes' ACKs, the alive probe,
     * the window update, the close */
    .packet_budget = 3 + ZWP_REQ_SEGS_MAX + ZWP_ACKS_MAX + 3,
    .deadline = 120 * TC_SEC,
    .state_size = sizeof(struct zwp_state),
    .open = {.window = ZWP_ZERO_WINDOW, .stage = STAGE_PROBE},
    .on_open = zwp_on_open,
    .on_segment = zwp_on_segment,
    .on_timer = zwp_on_timer,
};
