/* SynAckBackoffTest (RFC 9293 MUST-19, RFC 6298 5.5): the handshake's ACK withheld, the
 * SYN-ACK's retransmissions must come at growing intervals. Every verdict path with the fake
 * clock: doubling (PASS), a constant or shrinking timer (FAIL), none or one retransmission
 * (UNK), the host's RST, the handshake's failure, copies and stray segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"

#define THEIR_ISN 0x7a7a0000u
#define RTT (40 * TC_MSEC)
#define JITTER (2 * RTT)
#define SYN_WINDOW 4096
#define STAGE 1
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define OBSERVE_MAX (20 * TC_SEC)
#define REASON_NONE "No SYN-ACK retransmission within the wait (SYN cookies or no retries?)"
#define REASON_NOT_BACKED_OFF "SYN-ACK retransmission timer not backed off"
#define REASON_ONE "Only one SYN-ACK retransmission: no interval to compare"

/* Start, check the plain SYN (window 4096, no options), answer it after an RTT; returns our
 * ISS. Nothing is sent back: the handshake's ACK is withheld. */
static uint32_t start(struct fe *f, enum fe_family fam)
{
    fe_init(f, "SynAckBackoffTest", fam, &tc_timing_default);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, SYN_WINDOW);
    assert_int_equal(fe_timer_in(f), 1 * TC_SEC);
    fe_advance(f, RTT);
    fe_deliver(f, SYNACK, THEIR_ISN, p.seg.seq + 1);
    assert_int_equal(fe_n_out(f), 0);
    assert_false(f->t.done);
    return p.seg.seq;
}

/* The SYN-ACK again, dt after the previous event. */
static void again(struct fe *f, uint32_t iss, tc_time dt)
{
    fe_advance(f, dt);
    fe_deliver(f, SYNACK, THEIR_ISN, iss + 1);
}

/* The test ended with the reset of the half-open connection <SEQ=SEG.ACK><CTL=RST>. */
static void expect_reset(const struct fe *f, uint32_t iss)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, iss + 1, 0, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("SynAckBackoffTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 9293");
    assert_string_equal(k->req.id, "MUST-19");
    assert_false(k->default_on);
    assert_false(k->needs_alp);
    assert_int_equal(k->packet_budget, 3);
}

/* Linux: 1, 2, 4 s. The third retransmission ends the watch. */
static void pass_doubling(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = start(&f, fam);
    /* the first retransmission is awaited up to 6 s (+1/6) plus the jitter */
    assert_int_equal(fe_timer_in(&f), 7 * TC_SEC + JITTER);
    again(&f, iss, 1 * TC_SEC);
    assert_int_equal(fe_timer_in(&f), 2800 * TC_MSEC + JITTER);
    again(&f, iss, 2 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    again(&f, iss, 4 * TC_SEC);
    expect_reset(&f, iss);
    fe_expect_result(&f, TC_PASS, -1, "",
                     "{\"duplicates\":0,\"intervals_ms\":[1000,2000,4000],"
                     "\"retransmissions\":3,\"watched_ms\":7000}");
    assert_int_equal(f.t.n_isns, 4);
    fe_free(&f);
}

static void test_pass_doubling_v4(void **state)
{
    (void)state;
    pass_doubling(FE_V4);
}

static void test_pass_doubling_v6(void **state)
{
    (void)state;
    pass_doubling(FE_V6);
}

/* A constant 1 s timer: FAIL at once on the second retransmission. */
static void fail_constant(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = start(&f, fam);
    again(&f, iss, 1 * TC_SEC);
    again(&f, iss, 1 * TC_SEC);
    expect_reset(&f, iss);
    /* interval 1 (1000 ms) did not grow beyond interval 0 (1000 ms) */
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_NOT_BACKED_OFF,
                     "{\"duplicates\":0,\"intervals_ms\":[1000,1000],\"not_grown_index\":1,"
                     "\"retransmissions\":2,\"watched_ms\":2000}");
    fe_free(&f);
}

static void test_fail_constant_v4(void **state)
{
    (void)state;
    fail_constant(FE_V4);
}

static void test_fail_constant_v6(void **state)
{
    (void)state;
    fail_constant(FE_V6);
}

/* Doubled once, then shorter: the second comparison fails. */
static void test_fail_second_comparison(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = start(&f, FE_V4);
    again(&f, iss, 3 * TC_SEC);
    again(&f, iss, 6 * TC_SEC);
    again(&f, iss, 4 * TC_SEC);
    expect_reset(&f, iss);
    /* interval 2 (4000 ms) did not grow beyond interval 1 (6000 ms) */
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_NOT_BACKED_OFF,
                     "{\"duplicates\":0,\"intervals_ms\":[3000,6000,4000],"
                     "\"not_grown_index\":2,\"retransmissions\":3,\"watched_ms\":13000}");
    fe_free(&f);
}

/* SYN cookies or tcp_synack_retries=0: no retransmission. UNK, never FAIL. */
static void unk_none(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = start(&f, fam);
    assert_int_equal(fe_fire(&f), 7 * TC_SEC + JITTER);
    expect_reset(&f, iss);
    /* the wait, 7 s plus the jitter (two RTTs), in custom: it follows the RTT */
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NONE,
                     "{\"duplicates\":0,\"intervals_ms\":[],\"retransmissions\":0,"
                     "\"watched_ms\":7080}");
    fe_free(&f);
}

static void test_unk_none_v4(void **state)
{
    (void)state;
    unk_none(FE_V4);
}

static void test_unk_none_v6(void **state)
{
    (void)state;
    unk_none(FE_V6);
}

/* One retransmission, then silence beyond a doubled interval: nothing to compare. */
static void test_unk_one(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = start(&f, FE_V6);
    again(&f, iss, 1 * TC_SEC);
    assert_int_equal(fe_fire(&f), 2800 * TC_MSEC + JITTER);
    expect_reset(&f, iss);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_ONE,
                     "{\"duplicates\":0,\"intervals_ms\":[1000],\"retransmissions\":1,"
                     "\"watched_ms\":3880}");
    fe_free(&f);
}

/* Two retransmissions that backed off, then the host gave up (tcp_synack_retries=2): one
 * comparison is enough. */
static void test_pass_two_then_silence(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = start(&f, FE_V4);
    again(&f, iss, 1 * TC_SEC);
    again(&f, iss, 2 * TC_SEC);
    assert_int_equal(fe_fire(&f), 5600 * TC_MSEC + JITTER);
    expect_reset(&f, iss);
    fe_expect_result(&f, TC_PASS, -1, "",
                     "{\"duplicates\":0,\"intervals_ms\":[1000,2000],"
                     "\"retransmissions\":2,\"watched_ms\":8680}");
    fe_free(&f);
}

/* A slow host (6 s, then 12 s): the watch ends 20 s after the first SYN-ACK. */
static void test_cap(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = start(&f, FE_V4);
    again(&f, iss, 6 * TC_SEC);
    again(&f, iss, 12 * TC_SEC);
    assert_int_equal(fe_fire(&f), OBSERVE_MAX - 18 * TC_SEC);
    expect_reset(&f, iss);
    fe_expect_result(&f, TC_PASS, -1, "",
                     "{\"duplicates\":0,\"intervals_ms\":[6000,12000],"
                     "\"retransmissions\":2,\"watched_ms\":20000}");
    fe_free(&f);
}

/* A copy of a SYN-ACK within the jitter is no retransmission; other segments are ignored. */
static void test_copies_and_strays(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = start(&f, FE_V4);
    again(&f, iss, JITTER);                               /* a copy */
    fe_deliver(&f, SYNACK, THEIR_ISN + 5, iss + 1);       /* another ISN */
    fe_deliver(&f, SYNACK, THEIR_ISN, iss + 2);           /* another ACK */
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1); /* not a SYN-ACK */
    assert_int_equal(fe_n_out(&f), 0);
    again(&f, iss, 1 * TC_SEC - JITTER);
    again(&f, iss, 2 * TC_SEC);
    again(&f, iss, 4 * TC_SEC);
    expect_reset(&f, iss);
    fe_expect_result(&f, TC_PASS, -1, "",
                     "{\"duplicates\":1,\"intervals_ms\":[1000,2000,4000],"
                     "\"retransmissions\":3,\"watched_ms\":7000}");
    fe_free(&f);
}

/* The host resets the half-open connection: nothing more comes; no RST is answered. */
static void test_host_reset(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = start(&f, FE_V6);
    again(&f, iss, 1 * TC_SEC);
    fe_advance(&f, 1 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "Host reset the connection before a second SYN-ACK retransmission",
                     "{\"duplicates\":0,\"intervals_ms\":[1000],\"retransmissions\":1,"
                     "\"watched_ms\":2000}");
    fe_free(&f);
}

/* No SYN-ACK at all: the handshake's verdict (UNK), as syn_probe gives it. */
static void test_handshake_timeout(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "SynAckBackoffTest", FE_V4, &tc_timing_default);
    fe_start(&f);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);
}

/* A RST for the SYN: refused, UNK. */
static void test_refused(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "SynAckBackoffTest", FE_V6, &tc_timing_default);
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, p.seg.seq + 1);
    fe_expect_result(&f, TC_UNK, STAGE, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_doubling_v4),
        cmocka_unit_test(test_pass_doubling_v6),
        cmocka_unit_test(test_fail_constant_v4),
        cmocka_unit_test(test_fail_constant_v6),
        cmocka_unit_test(test_fail_second_comparison),
        cmocka_unit_test(test_unk_none_v4),
        cmocka_unit_test(test_unk_none_v6),
        cmocka_unit_test(test_unk_one),
        cmocka_unit_test(test_pass_two_then_silence),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_copies_and_strays),
        cmocka_unit_test(test_host_reset),
        cmocka_unit_test(test_handshake_timeout),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
