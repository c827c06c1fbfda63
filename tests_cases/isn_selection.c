/* IsnTest: RFC 9293 3.4.1: the ISN generator MUST be clock-driven (MUST-8), SHOULD follow
 * RFC 6528, ISN = M + F(4-tuple, secret) with M a timer (SHLD-1), and its F MUST NOT be
 * computable from outside (MUST-9). A verdict from two kinds of samples:
 * - on one 4-tuple (stage 1, MUST-8): ISN_OWN_CONNS connections of the test's own, one after
 *   the other, each SYN-ACK reset, with gaps alternating short and four times as long. On
 *   one 4-tuple F is fixed, so the steps between ISNs are M's: a clock steps in proportion to
 *   the time between (one rate); a counter steps by the same amount however long the gap (or
 *   by multiples of it when other connections come between), or repeats an ISN: FAIL. SYN
 *   cookies (RFC 4987) take the client's ISN into theirs: UNK, as are steps that follow
 *   neither time nor a count (random ISNs);
 * - across 4-tuples (stage 2, SHLD-1, MUST-9): the target's SYN-ACKs in its earlier tests
 *   (tc_env.prior_isns, each SYN-ACK once; every test runs on a source port of its own), one
 *   per test, then ours, in time order. With RFC 6528 each 4-tuple has its own F, so a step
 *   between two of them is as good as random over 2^32. A step is predicted when it is small
 *   (a global counter's) or on the clock measured in stage 1, which a random step rarely is:
 *   when most steps are predicted, the next ISN of a stranger's connection is too, which is
 *   what RFC 6528 is about: FAIL (a SHOULD clearly not met).
 * Too few samples of either kind is UNK. The statistics are in custom.
 *
 * Run it after the target's other tests (it is the registry's last). A host's IPv4 and IPv6
 * addresses are two targets to tcpreq, judged apart: a counter they share shows in each
 * family's samples as steps that are multiples of its step, still small. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "testcase/tc.h"

#define STAGE_OWN 1
#define STAGE_CROSS 2
#define SYN_WINDOW 4096
/* Own connections, and the fewest answered that judge a generator (two steps). */
#define ISN_OWN_CONNS 5
#define ISN_OWN_MIN 3
/* The short gap between our connections (the long one is ISN_LONG_GAPS of it): long against
 * the path's jitter, so the time between ISNs is known to a few percent. */
#define ISN_GAP_MIN (100 * TC_MSEC)
#define ISN_GAP_RTTS 2
#define ISN_LONG_GAPS 4
/* One clock: every step's rate within 3/2 of every other's (a counter's differ by about
 * ISN_LONG_GAPS). */
#define RATE_SPREAD_NUM 3
#define RATE_SPREAD_DEN 2
/* A small step: within 2^24 of the last ISN. A random 32-bit step lands there once in 128; a
 * per-connection counter (lwIP: +1 to 7, 4.4BSD: +64000) or an RFC 793 global clock (4 us:
 * 2^24 in 67 s) stays there. */
#define ISN_NEAR ((int64_t)1 << 24)
/* A step on the clock measured in stage 1: off by less than ISN_NEAR plus this fraction of
 * the time's worth (the rate is measured over a second to a few percent). */
#define CLOCK_ERR_DEN 10
/* Across 4-tuples: at least 3 steps; predictable when 3 in 4 are predicted, unpredictable
 * when at most 1 in 4 (a random offset's share is at most about 1 in 64 for tests seconds
 * apart). */
#define ISN_CROSS_MIN 3
#define PREDICTED_NUM 3
#define UNPREDICTED_NUM 1
#define SHARE_DEN 4
/* The sequence space, for distances on the clock (RFC 9293 3.4: modulo 2^32). */
#define SEQ_SPACE 4294967296.0
/* SYN cookies (RFC 4987) put a coarse time counter into the ISN: Linux's ticks once a
 * minute (tcp_cookie_time), far longer than this test's connections take, so at most one
 * step between them sees it tick. */
#define COOKIE_TICKS_MAX 1
#define STRAY_RESETS_MAX 4
#define ORIGINAL_WAIT (10 * TC_SEC)

#define REASON_REFUSED "RST in reply to SYN during handshake"
#define REASON_FEW_OWN "Too few SYN-ACKs on one 4-tuple"
#define REASON_COOKIES "ISNs follow our SYNs' sequence numbers (SYN cookies?)"
#define REASON_REPEATED "ISN repeated for a new connection on the same 4-tuple"
/* Reasons are fixed texts (datasets group by them); the counts and steps are in custom:
 * own.samples, own.steps, others.samples, others.steps, others.predicted. */
#define REASON_COUNTER "ISN steps small and not following the time between connections (a counter)"
#define REASON_RANDOM "ISNs on one 4-tuple follow neither the clock nor a counter (random?)"
#define REASON_PREDICTABLE                                                                         \
    "ISNs of other connections predictable from the last one (3 in 4 steps or more)"
#define REASON_FEW_CROSS "Too few ISNs of other connections (run it after other tests)"
#define REASON_MIXED "ISNs of other connections partly predictable"

struct isn_sample {
    tc_time at;
    uint32_t isn;
    uint32_t ours; /* our SYN's sequence number */
};

struct isn_state {
    unsigned syns; /* own SYNs sent */
    bool waiting;  /* for the SYN-ACK of the latest */
    uint32_t syn_seq;
    tc_time syn_at;
    struct isn_sample own[ISN_OWN_CONNS];
    size_t n_own;
    unsigned stray_resets;
};

/* What the samples on one 4-tuple show. */
enum isn_model {
    MODEL_TOO_FEW,
    MODEL_COOKIE,
    MODEL_REPEATED,
    MODEL_CLOCK,
    MODEL_COUNTER,
    MODEL_RANDOM
};

static const char *const model_names[] = {"too few", "cookie",  "repeated",
                                          "clock",   "counter", "random"};

struct isn_stats {
    enum isn_model model;
    double rate;               /* ISN per second on one 4-tuple, first to last */
    double rate_min, rate_max; /* of the steps */
    int64_t step_min, step_max;
    size_t others; /* earlier tests with an ISN (4-tuples other than ours) */
    size_t cross_steps, predicted;
};

static void send_syn(struct tc *t, tc_time now)
{
    struct isn_state *s = t->state;
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    s->syn_seq = tc_random32(t);
    syn.seq = s->syn_seq;
    syn.flags = TCP_FLAG_SYN;
    syn.window = SYN_WINDOW;
    tc_send(t, &syn, 0, 0);
    s->syns++;
    s->waiting = true;
    s->syn_at = now;
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_WAIT));
}

static void isn_start(struct tc *t, tc_time now)
{
    send_syn(t, now);
}

/* Step i on our 4-tuple, as a signed distance (RFC 9293 3.4's arithmetic modulo 2^32). */
static int64_t own_step(const struct isn_state *s, size_t i)
{
    return (int32_t)(s->own[i + 1].isn - s->own[i].isn);
}

static double own_rate(const struct isn_state *s, size_t i)
{
    return (double)(uint32_t)(s->own[i + 1].isn - s->own[i].isn) /
           ((double)(s->own[i + 1].at - s->own[i].at) / TC_SEC);
}

static enum isn_model own_model(const struct isn_state *s, struct isn_stats *st)
{
    if (s->n_own < ISN_OWN_MIN)
        return MODEL_TOO_FEW;
    bool forward = true, small = true, repeated = false;
    size_t offset_kept = 0, offset_changed = 0;
    double rmin = INFINITY, rmax = 0; /* backward steps count as huge forward ones here */
    st->step_min = INT64_MAX;
    st->step_max = INT64_MIN;
    for (size_t i = 0; i + 1 < s->n_own; i++) {
        int64_t step = own_step(s, i);
        double r = own_rate(s, i);
        if (s->own[i + 1].isn - s->own[i + 1].ours == s->own[i].isn - s->own[i].ours)
            offset_kept++;
        else
            offset_changed++;
        repeated |= step == 0;
        forward &= step > 0;
        small &= step >= 0 && step < ISN_NEAR;
        rmin = fmin(rmin, r);
        rmax = fmax(rmax, r);
        st->step_min = step < st->step_min ? step : st->step_min;
        st->step_max = step > st->step_max ? step : st->step_max;
    }
    st->rate_min = rmin;
    st->rate_max = rmax;
    st->rate = (double)(uint32_t)(s->own[s->n_own - 1].isn - s->own[0].isn) /
               ((double)(s->own[s->n_own - 1].at - s->own[0].at) / TC_SEC);
    /* Our SYNs' sequence numbers are random, so an ISN keeping its distance to them by chance
     * is a 2^-32 event; a cookie's time counter (Linux: one tick a minute) may tick once
     * while the test runs, which changes the distance at one step. */
    if (offset_kept > 0 && offset_changed <= COOKIE_TICKS_MAX)
        return MODEL_COOKIE;
    if (repeated)
        return MODEL_REPEATED;
    if (forward && RATE_SPREAD_DEN * rmax <= RATE_SPREAD_NUM * rmin)
        return MODEL_CLOCK;
    return small ? MODEL_COUNTER : MODEL_RANDOM;
}

/* Whether the step from a to b is what the last ISN predicts: small, or on the clock. */
static bool predicted(const struct isn_stats *st, const struct tc_prior_isn *a, uint32_t isn_b,
                      tc_time at_b)
{
    int64_t step = (int32_t)(isn_b - a->isn);
    if (llabs(step) < ISN_NEAR)
        return true;
    if (st->model != MODEL_CLOCK)
        return false;
    double on_clock = st->rate * ((double)(at_b - a->at) / TC_SEC);
    double off = fabs(remainder((double)(uint32_t)(isn_b - a->isn) - on_clock, SEQ_SPACE));
    return off < (double)ISN_NEAR + on_clock / CLOCK_ERR_DEN;
}

/* The steps between the target's 4-tuples: its earlier tests' first ISNs, then ours. */
static void cross_steps(const struct tc *t, struct isn_stats *st)
{
    const struct isn_state *s = t->state;
    const struct tc_prior_isn *prev = NULL;
    const struct tc_prior_isn *v = t->env.prior_isns;
    for (size_t i = 0; i < t->env.n_prior_isns; i++) {
        if (i > 0 && v[i].test == v[i - 1].test)
            continue; /* another connection on that test's 4-tuple */
        st->others++;
        if (prev != NULL) {
            st->cross_steps++;
            st->predicted += predicted(st, prev, v[i].isn, v[i].at);
        }
        prev = &v[i];
    }
    if (prev != NULL && s->n_own > 0) {
        st->cross_steps++;
        st->predicted += predicted(st, prev, s->own[0].isn, s->own[0].at);
    }
}

static json_t *stats_json(const struct isn_state *s, const struct isn_stats *st)
{
    json_t *isns = json_array(), *steps = json_array(), *gaps = json_array();
    for (size_t i = 0; i < s->n_own; i++) {
        json_array_append_new(isns, json_integer(s->own[i].isn));
        if (i + 1 < s->n_own) {
            json_array_append_new(steps, json_integer(own_step(s, i)));
            json_array_append_new(
                gaps, json_integer((json_int_t)((s->own[i + 1].at - s->own[i].at) / TC_MSEC)));
        }
    }
    json_t *own = json_pack("{s:i,s:i,s:o,s:o,s:o}", "samples", (int)s->n_own, "connections",
                            ISN_OWN_CONNS, "isns", isns, "steps", steps, "gaps_ms", gaps);
    if (st->model != MODEL_TOO_FEW) {
        json_object_set_new(own, "rate_per_s", json_integer((json_int_t)llround(st->rate)));
        json_object_set_new(own, "rate_min_per_s", json_integer((json_int_t)llround(st->rate_min)));
        json_object_set_new(own, "rate_max_per_s", json_integer((json_int_t)llround(st->rate_max)));
    }
    return json_pack("{s:s,s:o,s:{s:i,s:i,s:i}}", "model", model_names[st->model], "own", own,
                     "others", "samples", (int)st->others, "steps", (int)st->cross_steps,
                     "predicted", (int)st->predicted);
}

/* The verdict (see the top), its stage and reason (NULL for PASS). */
static enum tc_status verdict(const struct isn_stats *st, int *stage, const char **reason)
{
    *stage = STAGE_OWN;
    switch (st->model) {
    case MODEL_COOKIE:
        *reason = REASON_COOKIES;
        return TC_UNK;
    case MODEL_REPEATED:
        *reason = REASON_REPEATED;
        return TC_FAIL;
    case MODEL_COUNTER:
        *reason = REASON_COUNTER;
        return TC_FAIL;
    case MODEL_TOO_FEW:
    case MODEL_RANDOM:
    case MODEL_CLOCK:
        break;
    }
    bool enough = st->cross_steps >= ISN_CROSS_MIN;
    if (enough && SHARE_DEN * st->predicted >= PREDICTED_NUM * st->cross_steps) {
        *stage = STAGE_CROSS; /* whatever our own 4-tuple showed */
        *reason = REASON_PREDICTABLE;
        return TC_FAIL;
    }
    if (st->model == MODEL_TOO_FEW) {
        *reason = REASON_FEW_OWN;
        return TC_UNK;
    }
    if (st->model == MODEL_RANDOM) {
        *reason = REASON_RANDOM;
        return TC_UNK;
    }
    *stage = STAGE_CROSS;
    if (!enough) {
        *reason = REASON_FEW_CROSS;
        return TC_UNK;
    }
    if (SHARE_DEN * st->predicted > UNPREDICTED_NUM * st->cross_steps) {
        *reason = REASON_MIXED;
        return TC_UNK;
    }
    *stage = -1;
    *reason = NULL;
    return TC_PASS;
}

static void judge(struct tc *t, tc_time now)
{
    struct isn_state *s = t->state;
    struct isn_stats st = {0};
    const char *reason;
    int stage;
    st.model = own_model(s, &st);
    if (st.model != MODEL_COOKIE)
        cross_steps(t, &st); /* cookies follow our SYNs: nothing to predict */
    enum tc_status status = verdict(&st, &stage, &reason);
    tc_finish(t, status, stage, reason, stats_json(s, &st), now);
}

/* The latest connection is done (answered or not): the next one after its gap, or the end. */
static void next(struct tc *t, tc_time now)
{
    struct isn_state *s = t->state;
    s->waiting = false;
    if (s->syns == ISN_OWN_CONNS) {
        judge(t, now);
        return;
    }
    /* short, long, short, long: a clock's steps follow the gaps, a counter's do not */
    tc_time gap = ISN_GAP_RTTS * tc_rtt_estimate(t);
    gap = gap > ISN_GAP_MIN ? gap : ISN_GAP_MIN;
    tc_set_timer(t, now + (s->syns % 2 == 0 ? ISN_LONG_GAPS * gap : gap));
}

static void isn_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct isn_state *s = t->state;
    bool ours = (seg->flags & TCP_FLAG_ACK) && seg->ack == s->syn_seq + 1 && s->waiting;
    if (ours && (seg->flags & TCP_FLAG_RST)) {
        tc_finish(t, TC_UNK, STAGE_OWN, REASON_REFUSED, NULL, now);
        return;
    }
    if ((seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) !=
        (TCP_FLAG_SYN | TCP_FLAG_ACK))
        return;
    if (!ours) {
        /* an earlier connection's SYN-ACK again (our RST was lost): reset it once more */
        if (s->stray_resets++ < STRAY_RESETS_MAX)
            tc_send_reset(t, seg);
        return;
    }
    s->own[s->n_own++] = (struct isn_sample){.at = now, .isn = seg->seq, .ours = s->syn_seq};
    t->rtt = now - s->syn_at; /* each SYN is sent once: a clean sample */
    tc_send_reset(t, seg);
    next(t, now);
}

static void isn_on_timer(struct tc *t, tc_time now)
{
    struct isn_state *s = t->state;
    if (s->waiting)
        next(t, now); /* no SYN-ACK: one sample fewer */
    else
        send_syn(t, now);
}

const struct test_case isn_test = {
    .name = "IsnTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-8, SHLD-1",
            .text = "Clock-driven ISNs (MUST-8), unpredictable across connections (SHLD-1, a "
                    "SHOULD; MUST-9)"},
    .checks = "5 connections on one 4-tuple step with the clock, not a counter; the target's other "
              "connections' ISNs are not predictable",
    /* Off: its verdict across connections needs the target's other tests before it. */
    .default_on = false,
    .needs_alp = false,
    .uses_prior_isns = true,
    /* a SYN and a reset per connection, resets of stray SYN-ACKs */
    .packet_budget = 2 * ISN_OWN_CONNS + STRAY_RESETS_MAX,
    .deadline = 120 * TC_SEC,
    .state_size = sizeof(struct isn_state),
    .start = isn_start,
    .on_segment = isn_on_segment,
    .on_timer = isn_on_timer,
};
