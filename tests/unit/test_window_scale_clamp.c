/* WindowScaleClampTest (RFC 7323 2.3): the SYN announces shift 15 (window 32768 unscaled,
 * MSS 1460); the SYN-ACK must carry a Window Scale option (else UNK); the request; the reply in
 * rounds, each ended by 2 RTTs of silence (at least 20 ms) and closed by one ACK: window
 * field 2 (32768 at shift 14) while the host's rounds are no larger than 16384 + a segment,
 * then field 1 (16384). Beyond our last ACK + field << 14: FAIL at once. A field-1 round that
 * stops within a segment of 16384, then data past that edge after our ACK: PASS. The reply's
 * end, a RST, no resumption, too many rounds: UNK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tcp/ext_options.h"
#include "tests_cases/registry.h"

#define THEIR_ISN 0x7ffff000u
#define THEIR_TSVAL 0x00abcdefu /* the reply wraps sequence space: 2^31 is crossed */
#define RTT (80 * TC_MSEC)
#define QUIET (2 * RTT)
#define RETRANS (3 * TC_SEC + 2 * RTT)
#define SYN_WINDOW 32768
#define CAL 2 /* calibration window field */
#define CLAMPED 1
#define CLAMP 16384u
#define SEG 1460u
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
/* MSS 1460, WS 15, TSopt <TSval, 0>, three bytes of padding */
#define SYN_OPTS_FMT "020405b403030f080a%08x00000000000000"
#define ROUNDS_MAX 12
/* One text per outcome; the octets are in custom. */
#define REASON_BEYOND                                                                              \
    "Sent beyond our last ACK plus the window at shift 14 (shift 15 not taken as 14)"
#define REASON_TOO_SMALL                                                                           \
    "Reply too small to tell: it ended before a round reached the clamped window"

static uint8_t filler[SEG];

struct wsc {
    struct fe f;
    uint32_t iss;
    uint32_t next; /* our SND.NXT after the request */
    uint32_t rel;  /* the host's next relative sequence number */
    tc_time rtt;
    bool ts;        /* the SYN-ACK echoed TSopt: our segments carry it */
    uint32_t tsval; /* our SYN's */
};

static void host_seg(struct wsc *x, uint8_t flags, uint32_t rel, size_t len)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + rel, x->next);
    seg.payload = filler;
    seg.payload_len = len;
    if (x->ts)
        tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, x->tsval);
    fe_deliver_seg(&x->f, &seg, false);
}

/* The host sends n octets in segments of SEG (the last one shorter). */
static void host_sends(struct wsc *x, uint32_t n)
{
    while (n > 0) {
        uint32_t len = n < SEG ? n : SEG;
        host_seg(x, TCP_FLAG_ACK, x->rel, len);
        x->rel += len;
        n -= len;
        assert_false(x->f.t.done);
        assert_int_equal(fe_n_out(&x->f), 0); /* no ACK within a round */
    }
}

/* t.out[i]: these fields, no payload, TSopt (echoing the host's) only when negotiated. */
static void expect_seg(const struct wsc *x, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                       uint16_t window)
{
    fe_expect_pkt(&x->f, i, flags, seq, ack, window, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(&x->f, i, &p);
    assert_int_equal(p.seg.payload_len, 0);
    uint32_t v, e;
    assert_int_equal(tcp_opts_get_timestamp(&p.seg.opts, &v, &e), x->ts);
    if (x->ts)
        assert_int_equal(e, THEIR_TSVAL);
    else
        assert_string_equal(p.opts_hex, "");
}

/* The round ends after its quiet time: our ACK of everything with window field `field`, the
 * next round awaited the in-flight wait. */
static void round_ends(struct wsc *x, tc_time quiet, uint16_t field)
{
    assert_int_equal(fe_fire(&x->f), quiet);
    assert_int_equal(fe_n_out(&x->f), 1);
    expect_seg(x, 0, TCP_FLAG_ACK, x->next, THEIR_ISN + x->rel, field);
    /* 4 RTTs, at least 200 ms */
    assert_int_equal(fe_timer_in(&x->f), x->rtt > 50 * TC_MSEC ? 4 * x->rtt : 200 * TC_MSEC);
}

/* SYN; SYN-ACK (with WS 7 unless !scaled, TSopt if ts) after rtt: the ACK and the request,
 * window field 2. */
static void wsc_open_ts(struct wsc *x, enum fe_family fam, tc_time rtt, bool scaled, bool ts)
{
    fe_init(&x->f, "WindowScaleClampTest", fam, &tc_timing_default);
    fe_start(&x->f);
    struct fe_pkt p;
    fe_pkt(&x->f, 0, &p);
    x->iss = p.seg.seq;
    fe_expect_pkt(&x->f, 0, TCP_FLAG_SYN, x->iss, 0, SYN_WINDOW, IP_DEFAULT_TTL, 0);
    uint32_t tsecr;
    assert_true(tcp_opts_get_timestamp(&p.seg.opts, &x->tsval, &tsecr));
    char want[2 * TCP_OPTS_MAX_BYTES + 1];
    snprintf(want, sizeof(want), SYN_OPTS_FMT, (unsigned)x->tsval);
    assert_string_equal(p.opts_hex, want);
    x->ts = ts;
    fe_advance(&x->f, rtt);
    x->rtt = rtt;
    struct tcp_seg seg;
    fe_target_seg(&seg, SA, THEIR_ISN, x->iss + 1);
    tcp_opts_add_mss(&seg.opts, SEG);
    if (scaled)
        tcp_opts_add_wscale(&seg.opts, 7);
    if (ts)
        tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, x->tsval);
    fe_deliver_seg(&x->f, &seg, false);
    x->rel = 1;
    expect_seg(x, 0, TCP_FLAG_ACK, x->iss + 1, THEIR_ISN + 1, CAL);
    if (!scaled)
        return;
    assert_int_equal(fe_n_out(&x->f), 2);
    fe_pkt(&x->f, 1, &p);
    fe_expect_pkt(&x->f, 1, TCP_FLAG_ACK, x->iss + 1, THEIR_ISN + 1, CAL, IP_DEFAULT_TTL, 0);
    assert_true(p.seg.payload_len > 0 && p.seg.payload_len <= 536);
    x->next = x->iss + 1 + (uint32_t)p.seg.payload_len;
    assert_int_equal(fe_timer_in(&x->f), 3 * TC_SEC + 2 * rtt);
}

static void wsc_open(struct wsc *x, enum fe_family fam, tc_time rtt, bool scaled)
{
    wsc_open_ts(x, fam, rtt, scaled, false);
}

/* Up to the field-1 round: 10 segments (IW10: a calibration round again), 20 (more than
 * 16384 + a segment: measure). */
static void to_measuring(struct wsc *x, enum fe_family fam, bool ts)
{
    wsc_open_ts(x, fam, RTT, true, ts);
    host_sends(x, 10 * SEG);
    round_ends(x, QUIET, CAL);
    host_sends(x, 20 * SEG);
    round_ends(x, QUIET, CLAMPED);
}

/* Our close: RST at our SND.NXT. */
static void expect_close(const struct wsc *x, size_t i)
{
    expect_seg(x, i, TCP_FLAG_RST, x->next, 0, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("WindowScaleClampTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 7323");
    assert_string_equal(k->req.id, "2.3");
    assert_false(k->default_on);
    assert_true(k->needs_alp);
    assert_int_equal(k->packet_budget, 3 + 8 + ROUNDS_MAX); /* SYN, ACK, close; request; rounds */
}

/* Linux: the field-1 round fills 16384 exactly (11 segments and 324 octets), then data past
 * that edge after our ACK: PASS. */
static void pass(enum fe_family fam, bool ts)
{
    struct wsc x;
    to_measuring(&x, fam, ts);
    host_sends(&x, CLAMP);
    round_ends(&x, QUIET, CLAMPED);
    /* a tail loss probe's retransmission is no resumption */
    host_seg(&x, TCP_FLAG_ACK, x.rel - 324, 324);
    assert_false(x.f.t.done);
    host_seg(&x, TCP_FLAG_ACK, x.rel, SEG);
    assert_int_equal(fe_n_out(&x.f), 1);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    assert_true(fe_n_sent(&x.f) <= x.f.t.kind->packet_budget);
    fe_free(&x.f);
}

static void test_pass_v4(void **state)
{
    (void)state;
    pass(FE_V4, false);
}

static void test_pass_v6(void **state)
{
    (void)state;
    pass(FE_V6, false);
}

/* The host echoed TSopt: every ACK and the close carry it too (RFC 7323 3.2). */
static void test_pass_timestamps(void **state)
{
    (void)state;
    pass(FE_V4, true);
    pass(FE_V6, true);
}

/* Stopping within a segment of the edge counts as held (11 full segments, 324 octets left);
 * with a 1 ms RTT the rounds end after 20 ms of silence. */
static void test_pass_full_segments_short_rtt(void **state)
{
    (void)state;
    struct wsc x;
    wsc_open(&x, FE_V4, 1 * TC_MSEC, true);
    host_sends(&x, 22 * SEG); /* a host with a large initial window: measure at once */
    round_ends(&x, 20 * TC_MSEC, CLAMPED);
    host_sends(&x, 11 * SEG);
    round_ends(&x, 20 * TC_MSEC, CLAMPED);
    host_seg(&x, TCP_FLAG_ACK, x.rel, 325); /* one octet past the old edge needed our ACK */
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);
}

/* A host that took shift 15 sends past our ACK + 16384 in the field-1 round: FAIL at once. */
static void fail_beyond(enum fe_family fam)
{
    struct wsc x;
    to_measuring(&x, fam, false);
    host_sends(&x, 11 * SEG);
    host_seg(&x, TCP_FLAG_ACK, x.rel, SEG);
    assert_int_equal(fe_n_out(&x.f), 1);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_FAIL, STAGE, REASON_BEYOND,
                     "{\"octets_beyond_ack\":17520,\"window_field\":1,\"window_octets\":16384}");
    fe_free(&x.f);
}

static void test_fail_beyond_v4(void **state)
{
    (void)state;
    fail_beyond(FE_V4);
}

static void test_fail_beyond_v6(void **state)
{
    (void)state;
    fail_beyond(FE_V6);
}

/* Beyond the calibration window (field 2: 32768) is a FAIL just the same. */
static void test_fail_beyond_calibration(void **state)
{
    (void)state;
    struct wsc x;
    wsc_open(&x, FE_V6, RTT, true);
    host_sends(&x, 32768);
    host_seg(&x, TCP_FLAG_ACK, x.rel, 1);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_FAIL, STAGE, REASON_BEYOND,
                     "{\"octets_beyond_ack\":32769,\"window_field\":2,\"window_octets\":32768}");
    fe_free(&x.f);
}

/* No Window Scale option on the SYN-ACK: no scaling on either side, nothing to tell: UNK. */
static void test_not_scaled(void **state)
{
    (void)state;
    struct wsc x;
    wsc_open(&x, FE_V4, RTT, false);
    assert_int_equal(fe_n_out(&x.f), 2);
    x.next = x.iss + 1;
    expect_close(&x, 1);
    fe_expect_result(&x.f, TC_UNK, STAGE,
                     "Window scaling not in use (no Window Scale option on the SYN-ACK)", NULL);
    fe_free(&x.f);
}

/* A reply that ends (FIN) before a round was large enough: UNK with the largest round. */
static void test_too_small(void **state)
{
    (void)state;
    struct wsc x;
    wsc_open(&x, FE_V4, RTT, true);
    host_sends(&x, 10 * SEG);
    round_ends(&x, QUIET, CAL);
    host_sends(&x, 5000);
    host_seg(&x, TCP_FLAG_ACK | TCP_FLAG_FIN, x.rel, 100);
    assert_int_equal(fe_fire(&x.f), QUIET);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, REASON_TOO_SMALL, "{\"largest_round_octets\":14600}");
    fe_free(&x.f);

    /* nothing at all after the request: the server's think time, then the same */
    wsc_open(&x, FE_V6, RTT, true);
    assert_int_equal(fe_fire(&x.f), RETRANS);
    fe_expect_result(&x.f, TC_UNK, STAGE, REASON_TOO_SMALL, "{\"largest_round_octets\":0}");
    fe_free(&x.f);
}

/* Stopped at the clamped window, then nothing new (or only data that fitted the old edge)
 * after our ACK: it was not shown to be held by the window: UNK. */
static void test_no_resume(void **state)
{
    (void)state;
    struct wsc x;
    to_measuring(&x, FE_V4, false);
    host_sends(&x, 11 * SEG);
    round_ends(&x, QUIET, CLAMPED);
    host_seg(&x, TCP_FLAG_ACK, x.rel, 100); /* sent before our ACK arrived: within the edge */
    x.rel += 100;
    assert_false(x.f.t.done);
    assert_int_equal(fe_fire(&x.f), QUIET);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE,
                     "Stopped at the clamped window but sent nothing more after our ACK", NULL);
    fe_free(&x.f);
}

/* A field-1 round that stops well short of the edge (its congestion window shrank): back to
 * calibration; rounds are bounded. */
static void test_short_round_and_rounds_max(void **state)
{
    (void)state;
    struct wsc x;
    to_measuring(&x, FE_V6, false);
    unsigned rounds = 2;
    host_sends(&x, 8 * SEG);
    round_ends(&x, QUIET, CAL);
    rounds++;
    while (rounds < ROUNDS_MAX) {
        host_sends(&x, 5 * SEG);
        round_ends(&x, QUIET, CAL);
        rounds++;
    }
    host_sends(&x, 5 * SEG);
    assert_int_equal(fe_fire(&x.f), QUIET);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Not held by the clamped window within 12 rounds", NULL);
    assert_true(fe_n_sent(&x.f) <= x.f.t.kind->packet_budget);
    fe_free(&x.f);
}

/* A RST from the host: nothing to close, UNK. */
static void test_reset(void **state)
{
    (void)state;
    struct wsc x;
    to_measuring(&x, FE_V4, false);
    host_seg(&x, TCP_FLAG_RST | TCP_FLAG_ACK, x.rel, 0);
    assert_int_equal(fe_n_out(&x.f), 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Connection reset before the clamped window was tested",
                     NULL);
    fe_free(&x.f);
}

int main(void)
{
    for (size_t i = 0; i < sizeof(filler); i++)
        filler[i] = (uint8_t)('A' + i % 26);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_v4),
        cmocka_unit_test(test_pass_v6),
        cmocka_unit_test(test_pass_timestamps),
        cmocka_unit_test(test_pass_full_segments_short_rtt),
        cmocka_unit_test(test_fail_beyond_v4),
        cmocka_unit_test(test_fail_beyond_v6),
        cmocka_unit_test(test_fail_beyond_calibration),
        cmocka_unit_test(test_not_scaled),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_no_resume),
        cmocka_unit_test(test_short_round_and_rounds_max),
        cmocka_unit_test(test_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
