/* LivenessTest (RFC 9293 3.5, 3.10.7.4): SYN retries with backoff, the original's inverted
 * handshake verdicts, and the RST + unacceptable-ACK probe that replaces the original's
 * "sleep 5 s, listen 10 s" (which --timing original still reproduces). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"

#define WINDOW 30720
#define PROBE_OFFSET 0x20000u
#define SYN_TTL 30
#define SYN_IP_ID 0xf3de /* TTL code of 30: 11110 0 11110 11110 */
#define THEIR_ISN 0x11223344u
#define RTT (100 * TC_MSEC)
#define PROBE_SPACING (600 * TC_MSEC)
#define REASON_TIMEOUT "Timeout during handshake"
#define REASON_RST "RST in reply to SYN during handshake"
#define REASON_NOT_SYNACK "Non-SYN-ACK in reply to SYN during handshake"
#define REASON_WRONG_ACK "Wrong SEQ acked in reply to SYN during handshake"

static void start(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init(f, "LivenessTest", fam, timing);
    fe_start(f);
}

/* t.out[i] is our SYN: window 30720, TTL 30 coded in the IP ID only. Returns its seq. */
static uint32_t expect_syn(const struct fe *f, size_t i)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    bool v4 = p.ip.src.family == IP_FAMILY_V4;
    fe_expect_pkt(f, i, TCP_FLAG_SYN, p.seg.seq, 0, WINDOW, SYN_TTL, v4 ? SYN_IP_ID : 0);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_string_equal(p.opts_hex, "");
    return p.seg.seq;
}

static void deliver_synack(struct fe *f, uint32_t isn)
{
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
}

/* RST <SEQ=SEG.ACK> for the SYN-ACK and the unacceptable-ACK probe at t.out[i], i+1. */
static void expect_rst_and_probe(const struct fe *f, size_t i, uint32_t isn)
{
    fe_expect_plain(f, i, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_plain(f, i + 1, TCP_FLAG_ACK, isn + 1 - PROBE_OFFSET, THEIR_ISN + 1, WINDOW);
}

/* Start, SYN-ACK after one RTT: ACK, RST, probe. Returns our ISN. */
static uint32_t establish(struct fe *f, enum fe_family fam)
{
    start(f, fam, &tc_timing_default);
    assert_int_equal(fe_n_out(f), 1);
    uint32_t isn = expect_syn(f, 0);
    assert_int_equal(fe_timer_in(f), 1 * TC_SEC);
    fe_advance(f, RTT);
    deliver_synack(f, isn);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_n_out(f), 3);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WINDOW);
    expect_rst_and_probe(f, 1, isn);
    assert_int_equal(fe_timer_in(f), 4 * RTT);
    return isn;
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_liveness();
    assert_string_equal(k->name, "LivenessTest");
    assert_ptr_equal(test_case_by_name("LivenessTest"), k);
    assert_ptr_equal(test_case_registry[0], k);
    assert_false(k->default_on);
}

static void pass_on_rst(enum fe_family fam)
{
    struct fe f;
    establish(&f, fam);
    assert_int_equal(f.t.n_isns, 1);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
    assert_int_equal(f.t.isns[0].at, FE_T0 + RTT);
    /* a closed port answers the probe with <SEQ=SEG.ACK><CTL=RST> (3.10.7.1) */
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    assert_int_equal(f.t.path_len, 0);
    fe_free(&f);
}

static void test_pass_on_rst_v4(void **state)
{
    (void)state;
    pass_on_rst(FE_V4);
}

static void test_pass_on_rst_v6(void **state)
{
    (void)state;
    pass_on_rst(FE_V6);
}

static void test_pass_on_silence_after_probe(void **state)
{
    (void)state;
    struct fe f;
    establish(&f, FE_V4);
    assert_int_equal(fe_fire(&f), 4 * RTT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_non_answers_while_probing_ignored(void **state)
{
    (void)state;
    static const uint8_t banner[] = "SSH-2.0-x\r\n";
    struct fe f;
    uint32_t isn = establish(&f, FE_V4);
    fe_advance(&f, 10 * TC_MSEC);
    deliver_synack(&f, isn); /* late duplicate SYN-ACK */
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, isn + 1);
    seg.payload = banner;
    seg.payload_len = sizeof(banner) - 1;
    fe_deliver_seg(&f, &seg, false); /* data sent before our RST arrived */
    fe_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, THEIR_ISN + 1, isn + 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 2); /* acks something else */
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(f.t.n_isns, 2);
    assert_int_equal(fe_timer_in(&f), 4 * RTT - 10 * TC_MSEC);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_challenge_acks_three_rsts_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = establish(&f, FE_V4);
    for (int round = 1; round <= 2; round++) {
        /* the established connection answers the probe (3.10.7.4) */
        fe_advance(&f, RTT);
        fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
        assert_int_equal(fe_n_out(&f), 0);
        assert_int_equal(fe_timer_in(&f), PROBE_SPACING);
        /* a second answer during the pause changes nothing */
        fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
        assert_int_equal(fe_n_out(&f), 0);
        assert_int_equal(fe_fire(&f), PROBE_SPACING);
        assert_int_equal(fe_n_out(&f), 2);
        expect_rst_and_probe(&f, 0, isn);
        assert_int_equal(fe_timer_in(&f), 4 * RTT);
    }
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, "RSTs ignored", NULL);
    assert_int_equal(fe_n_sent(&f), 8);
    fe_free(&f);
}

static void test_syn_timeouts_backoff_then_fail(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    /* RFC 6298 (5.5): no RTT known, so each retry waits twice as long */
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(expect_syn(&f, 0), isn);
    assert_int_equal(fe_fire(&f), 2 * TC_SEC);
    assert_int_equal(expect_syn(&f, 0), isn);
    assert_int_equal(fe_fire(&f), 4 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 7 * TC_SEC);
    fe_free(&f);
}

static void test_rtt_hint_no_backoff(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "LivenessTest", FE_V4, &tc_timing_default);
    f.t.env.rtt_hint = RTT;
    fe_start(&f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fe_fire(&f), 4 * RTT);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    fe_free(&f);
}

static void test_rst_to_syn_three_times_fail(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    for (int attempt = 1; attempt <= 3; attempt++) {
        fe_advance(&f, RTT);
        fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
        if (attempt < 3) { /* a RST is never answered: only the retried SYN goes out */
            assert_int_equal(fe_n_out(&f), 1);
            assert_int_equal(expect_syn(&f, 0), isn);
            assert_int_equal(fe_timer_in(&f), (tc_time)TC_SEC << attempt);
        }
    }
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, REASON_RST, NULL);
    assert_int_equal(f.t.n_isns, 0);
    fe_free(&f);
}

/* A non-conforming answer to every try: each is reset, and (inverted) the host is alive. */
static void odd_answers_pass(uint8_t flags, uint32_t ack_delta, const char *reason)
{
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    for (int attempt = 1; attempt <= 3; attempt++) {
        fe_advance(&f, RTT);
        fe_deliver(&f, flags, THEIR_ISN, isn + ack_delta);
        assert_int_equal(fe_n_out(&f), attempt < 3 ? 2 : 1);
        /* <SEQ=SEG.ACK><CTL=RST> "to be sure" */
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
        if (attempt < 3)
            assert_int_equal(expect_syn(&f, 1), isn);
    }
    fe_expect_result(&f, TC_PASS, -1, reason, NULL);
    assert_int_equal(fe_n_sent(&f), 6);
    fe_free(&f);
}

static void test_non_synack_passes_with_reason(void **state)
{
    (void)state;
    odd_answers_pass(TCP_FLAG_ACK, 1, REASON_NOT_SYNACK);
}

static void test_wrong_ack_passes_with_reason(void **state)
{
    (void)state;
    odd_answers_pass(TCP_FLAG_SYN | TCP_FLAG_ACK, 7, REASON_WRONG_ACK);
}

static void test_last_failure_decides(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    fe_fire(&f);                                                 /* timeout */
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn); /* wrong SEQ acked */
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);     /* RST */
    fe_expect_result(&f, TC_FAIL, -1, REASON_RST, NULL);
    fe_free(&f);

    start(&f, FE_V4, &tc_timing_default);
    isn = expect_syn(&f, 0);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    fe_free(&f);
}

static void test_karn_no_rtt_from_retransmitted_syn(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    fe_fire(&f);
    fe_advance(&f, 30 * TC_MSEC);
    deliver_synack(&f, isn);
    assert_int_equal(f.t.rtt, 0);
    assert_int_equal(fe_n_out(&f), 3);
    expect_rst_and_probe(&f, 1, isn);
    /* no RTT: the probe's answer is awaited for the ceiling, not 4 * 30 ms */
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static uint32_t establish_original(struct fe *f)
{
    start(f, FE_V4, &tc_timing_original);
    uint32_t isn = expect_syn(f, 0);
    assert_int_equal(fe_timer_in(f), 20 * TC_SEC);
    fe_advance(f, RTT);
    deliver_synack(f, isn);
    /* no probe in the original: ACK and RST, then sleep 5 s */
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WINDOW);
    fe_expect_plain(f, 1, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(fe_timer_in(f), 5 * TC_SEC);
    return isn;
}

static void test_original_settle_listen_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = establish_original(&f);
    fe_advance(&f, TC_SEC);
    deliver_synack(&f, isn); /* ignored while settling */
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 4 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_original_segment_while_listening_resends_rst(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = establish_original(&f);
    for (int rsts = 2; rsts <= 3; rsts++) {
        fe_fire(&f);
        fe_advance(&f, 3 * TC_SEC);
        deliver_synack(&f, isn); /* anything while listening: the RST was ignored */
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
        assert_int_equal(fe_timer_in(&f), 5 * TC_SEC);
    }
    fe_fire(&f);
    fe_advance(&f, 3 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, "RSTs ignored", NULL);
    fe_free(&f);
}

static void test_original_syn_waits_no_backoff(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_original);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fe_fire(&f), 20 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    assert_int_equal(fe_n_sent(&f), 3);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_on_rst_v4),
        cmocka_unit_test(test_pass_on_rst_v6),
        cmocka_unit_test(test_pass_on_silence_after_probe),
        cmocka_unit_test(test_non_answers_while_probing_ignored),
        cmocka_unit_test(test_challenge_acks_three_rsts_fail),
        cmocka_unit_test(test_syn_timeouts_backoff_then_fail),
        cmocka_unit_test(test_rtt_hint_no_backoff),
        cmocka_unit_test(test_rst_to_syn_three_times_fail),
        cmocka_unit_test(test_non_synack_passes_with_reason),
        cmocka_unit_test(test_wrong_ack_passes_with_reason),
        cmocka_unit_test(test_last_failure_decides),
        cmocka_unit_test(test_karn_no_rtt_from_retransmitted_syn),
        cmocka_unit_test(test_original_settle_listen_pass),
        cmocka_unit_test(test_original_segment_while_listening_resends_rst),
        cmocka_unit_test(test_original_syn_waits_no_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
