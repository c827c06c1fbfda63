/* RSTACKTest (RFC 9293 MUST-11, 3.10.7.4): a RST-ACK answering the SYN-ACK must reset the
 * connection in SYN-RECEIVED; a target that ignores it retransmits its SYN-ACK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"

#define SYN_WINDOW 1024
#define THEIR_ISN 0xfffffffeu
#define RTT (40 * TC_MSEC)
#define STAGE 1
#define REASON_IGNORED "RST-ACK ignored"

/* Start and check the SYN: window 1024, default TTL, IP ID 0, no options. Returns its seq. */
static uint32_t start(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init(f, "RSTACKTest", fam, timing);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, SYN_WINDOW);
    return p.seg.seq;
}

/* SYN-ACK after one RTT: the RST-ACK <SEQ=their ACK><ACK=their SEQ+1>, window 0. */
static void establish(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST | TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, 0);
    assert_false(f->t.done);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("RSTACKTest");
    assert_non_null(k);
    assert_string_equal(k->rfc_req, "MUST-11");
    assert_false(k->default_on);
    assert_int_equal(k->packet_budget, 8);
}

static void pass_on_silence(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    establish(&f, isn);
    /* the peer's initial RTO (3 s, RFC 1122 stacks) plus the way there and back */
    assert_int_equal(fe_fire(&f), 3 * TC_SEC + 2 * RTT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + RTT + 3 * TC_SEC + 2 * RTT);
    assert_int_equal(f.t.n_isns, 1);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
    fe_free(&f);
}

static void test_pass_on_silence_v4(void **state)
{
    (void)state;
    pass_on_silence(FE_V4);
}

static void test_pass_on_silence_v6(void **state)
{
    (void)state;
    pass_on_silence(FE_V6);
}

static void test_pass_on_rst_at_our_ack(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, TC_SEC);
    /* the target tore the connection down itself, at the number our RST-ACK acked */
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_fail_on_synack_retransmission(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, TC_SEC);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    /* torn down with a plain reset of the SYN-ACK: <SEQ=SEG.ACK><CTL=RST> */
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + RTT + TC_SEC);
    assert_int_equal(f.t.n_isns, 2);
    fe_free(&f);
}

static void test_handshake_timeout_unk(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0); /* no retry */
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);
}

static void test_handshake_timeout_uses_rtt_hint(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "RSTACKTest", FE_V4, &tc_timing_default);
    f.t.env.rtt_hint = 150 * TC_MSEC;
    fe_start(&f);
    assert_int_equal(fe_fire(&f), 600 * TC_MSEC);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);
}

static void test_handshake_rst_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is not answered */
    fe_expect_result(&f, TC_UNK, STAGE, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);
}

static void handshake_fails(uint8_t flags, uint32_t ack_delta, const char *reason)
{
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, THEIR_ISN, isn + ack_delta);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, reason, NULL);
    fe_free(&f);
}

static void test_handshake_non_synack_fail(void **state)
{
    (void)state;
    handshake_fails(TCP_FLAG_ACK | TCP_FLAG_FIN, 1, "Non-SYN-ACK in reply to SYN during handshake");
}

static void test_handshake_wrong_seq_fail(void **state)
{
    (void)state;
    handshake_fails(TCP_FLAG_SYN | TCP_FLAG_ACK, 0,
                    "Wrong SEQ acked in reply to SYN during handshake");
}

static void test_handshake_non_synack_without_ack(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    fe_deliver(&f, TCP_FLAG_SYN, 0xfffffffe, 0); /* simultaneous open is not supported */
    assert_int_equal(fe_n_out(&f), 1);
    /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
    fe_expect_plain(&f, 0, TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0xffffffff, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-SYN-ACK in reply to SYN during handshake", NULL);
    fe_free(&f);
}

static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    establish(&f, isn);
    assert_int_equal(fe_fire(&f), 60 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    start(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);
}

static void test_bad_checksum_retransmission_ignored(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    struct tcp_seg synack;
    fe_target_seg(&synack, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_deliver_seg(&f, &synack, true);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_on_silence_v4),
        cmocka_unit_test(test_pass_on_silence_v6),
        cmocka_unit_test(test_pass_on_rst_at_our_ack),
        cmocka_unit_test(test_fail_on_synack_retransmission),
        cmocka_unit_test(test_handshake_timeout_unk),
        cmocka_unit_test(test_handshake_timeout_uses_rtt_hint),
        cmocka_unit_test(test_handshake_rst_unk),
        cmocka_unit_test(test_handshake_non_synack_fail),
        cmocka_unit_test(test_handshake_wrong_seq_fail),
        cmocka_unit_test(test_handshake_non_synack_without_ack),
        cmocka_unit_test(test_original_waits),
        cmocka_unit_test(test_bad_checksum_retransmission_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
