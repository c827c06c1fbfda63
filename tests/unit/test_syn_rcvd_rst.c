/* SynRcvdRstTest (RFC 9293 MUST-11, 3.10.7.4): a plain RST <SEQ=SEG.ACK><CTL=RST> answering
 * the SYN-ACK must return the passively opened connection to LISTEN; a new SYN on the same
 * 4-tuple, far outside the first connection's window, asks: a fresh SYN-ACK for it is a
 * PASS, the first connection answering (its SYN-ACK again, an ACK for the first SYN) a FAIL,
 * no answer UNK. The machine is RSTACKTest's (test_rstack.c covers it with a RST-ACK); here
 * the plain RST and what the parameters change: the reasons, and --timing original, which
 * only lengthens the waits of a test the original did not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"

#define SYN_WINDOW 1024
#define THEIR_ISN 0x7ffffffeu
#define THEIR_NEW_ISN 0x13570000u
#define RTT (30 * TC_MSEC)
#define STAGE 1
#define NEW_SYN_OFFSET 0x20000u
#define ORDER_GAP (2 * TC_MSEC)
#define WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define REASON_IGNORED "RST ignored"
#define REASON_NEW_SYN_RST "RST in reply to a new SYN after the RST"
#define REASON_NO_ANSWER "No answer to a new SYN after the RST"

/* Start: the SYN, window 1024, plain. Returns its seq. */
static uint32_t start(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init(f, "SynRcvdRstTest", fam, timing);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, SYN_WINDOW);
    return p.seg.seq;
}

/* The SYN-ACK after one RTT: the plain RST <SEQ=isn+1>, no ACK bit, acknowledgment field 0,
 * window 0, at once; the new SYN ORDER_GAP later, its answer awaited one SYN wait after. */
static void synack(struct fe *f, uint32_t isn, tc_time wait)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f->t.out[0].delay, 0);
    fe_expect_plain(f, 1, TCP_FLAG_SYN, isn + NEW_SYN_OFFSET, 0, SYN_WINDOW);
    assert_int_equal(f->t.out[1].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + wait);
    assert_false(f->t.done);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("SynRcvdRstTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 9293");
    assert_string_equal(k->req.id, "MUST-11");
    assert_false(k->default_on);
    assert_false(k->needs_alp);
    assert_int_equal(k->packet_budget, 6);
    assert_int_equal(k->mbox.fields, 0); /* nothing traced */
}

/* Back in LISTEN: the new SYN gets a SYN-ACK of its own, which is reset. */
static void pass_on_new_synack(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    synack(&f, isn, WAIT);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_NEW_ISN, isn + NEW_SYN_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + NEW_SYN_OFFSET + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    assert_int_equal(f.t.n_isns, 2);
    assert_int_equal(f.t.isns[1].isn, THEIR_NEW_ISN);
    fe_free(&f);
}

static void test_pass_on_new_synack_v4(void **state)
{
    (void)state;
    pass_on_new_synack(FE_V4);
}

static void test_pass_on_new_synack_v6(void **state)
{
    (void)state;
    pass_on_new_synack(FE_V6);
}

/* The host tore the first connection down itself, at the number after its SYN. */
static void test_pass_on_rst_after_their_syn(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6, &tc_timing_default);
    synack(&f, isn, WAIT);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* The first connection survived: its SYN-ACK again, or an ACK for the first SYN answering the
 * new one (3.10.7.4). Torn down with <SEQ=SEG.ACK><CTL=RST> of its SYN-ACK. */
static void fail_on_first_connection(enum fe_family fam, uint8_t flags, uint32_t seq)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    synack(&f, isn, WAIT);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, seq, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    fe_free(&f);
}

static void test_fail_on_synack_again(void **state)
{
    (void)state;
    fail_on_first_connection(FE_V4, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN);
    fail_on_first_connection(FE_V6, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN);
}

static void test_fail_on_ack_for_first_syn(void **state)
{
    (void)state;
    fail_on_first_connection(FE_V4, TCP_FLAG_ACK, THEIR_ISN + 1);
    fail_on_first_connection(FE_V6, TCP_FLAG_ACK, THEIR_ISN + 1);
}

/* The new SYN refused: the port does not listen now; what closed the first connection is
 * unknown. */
static void test_unk_on_rst_to_new_syn(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    synack(&f, isn, WAIT);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + NEW_SYN_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NEW_SYN_RST, NULL);
    fe_free(&f);
}

/* Nothing answers the new SYN: neither a listener nor the first connection spoke. */
static void unk_on_silence(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    synack(&f, isn, WAIT);
    /* answers to neither SYN change nothing */
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 9, 0);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_NEW_ISN, isn + NEW_SYN_OFFSET + 2);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 2);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), ORDER_GAP + WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
    fe_free(&f);
}

static void test_unk_on_silence_v4(void **state)
{
    (void)state;
    unk_on_silence(FE_V4);
}

static void test_unk_on_silence_v6(void **state)
{
    (void)state;
    unk_on_silence(FE_V6);
}

/* The handshake is syn_probe's single SYN: no SYN-ACK is UNK, a wrong one FAIL. */
static void test_handshake_failures(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);

    uint32_t isn = start(&f, FE_V6, &tc_timing_default);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);

    isn = start(&f, FE_V4, &tc_timing_default);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 5);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 5, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, "Wrong SEQ acked in reply to SYN during handshake", NULL);
    fe_free(&f);
}

/* --timing original: the original had no such test, so its verdicts stay; only the waits
 * are the original's (30 s for a SYN's answer). */
static void test_original_timing_keeps_the_new_syn(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    synack(&f, isn, 30 * TC_SEC);
    assert_int_equal(fe_fire(&f), ORDER_GAP + 30 * TC_SEC);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
    fe_free(&f);

    isn = start(&f, FE_V6, &tc_timing_original);
    synack(&f, isn, 30 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + NEW_SYN_OFFSET + 1);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NEW_SYN_RST, NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_on_new_synack_v4),
        cmocka_unit_test(test_pass_on_new_synack_v6),
        cmocka_unit_test(test_pass_on_rst_after_their_syn),
        cmocka_unit_test(test_fail_on_synack_again),
        cmocka_unit_test(test_fail_on_ack_for_first_syn),
        cmocka_unit_test(test_unk_on_rst_to_new_syn),
        cmocka_unit_test(test_unk_on_silence_v4),
        cmocka_unit_test(test_unk_on_silence_v6),
        cmocka_unit_test(test_handshake_failures),
        cmocka_unit_test(test_original_timing_keeps_the_new_syn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
