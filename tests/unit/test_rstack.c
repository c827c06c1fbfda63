/* RSTACKTest (RFC 9293 MUST-11, 3.10.7.4): a RST-ACK answering the SYN-ACK must reset the
 * connection in SYN-RECEIVED. A new SYN on the same 4-tuple, far outside the first
 * connection's window, asks whether it did: a listener answers it with a SYN-ACK of its own
 * (PASS), a surviving SYN-RECEIVED connection with its SYN-ACK again or an ACK for the first
 * SYN (FAIL); no answer is UNK. --timing original keeps the original's 60 s wait for a
 * retransmitted SYN-ACK, silence being a PASS. */
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
/* the new SYN: this far beyond the first, leaving 2 ms after the RST-ACK */
#define NEW_SYN_OFFSET 0x20000u
#define ORDER_GAP (2 * TC_MSEC)
#define WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define THEIR_NEW_ISN 0x5e5e0000u
#define REASON_IGNORED "RST-ACK ignored"
#define REASON_NEW_SYN_RST "RST in reply to a new SYN after the RST-ACK"
#define REASON_NO_ANSWER "No answer to a new SYN after the RST-ACK"

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

/* SYN-ACK after rtt: the RST-ACK <SEQ=their ACK><ACK=their SEQ+1>, window 0. */
static void synack(struct fe *f, uint32_t isn, tc_time rtt)
{
    fe_advance(f, rtt);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(f->t.rtt, rtt);
    fe_expect_plain(f, 0, TCP_FLAG_RST | TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, 0);
    assert_int_equal(f->t.out[0].delay, 0);
    assert_false(f->t.done);
}

/* SYN-ACK after one RTT: the RST-ACK, then the new SYN <SEQ=isn+0x20000> (window 1024, plain)
 * ORDER_GAP later so that it cannot overtake the RST-ACK; its answer is awaited one SYN
 * wait (from the RTT) after it left. */
static void establish(struct fe *f, uint32_t isn)
{
    synack(f, isn, RTT);
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 1, TCP_FLAG_SYN, isn + NEW_SYN_OFFSET, 0, SYN_WINDOW);
    assert_int_equal(f->t.out[1].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + WAIT);
}

/* --timing original: only the RST-ACK, then the original's 60 s for a retransmitted SYN-ACK. */
static void establish_original(struct fe *f, uint32_t isn)
{
    synack(f, isn, RTT);
    assert_int_equal(fe_n_out(f), 1);
    assert_int_equal(fe_timer_in(f), 60 * TC_SEC);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("RSTACKTest");
    assert_non_null(k);
    assert_string_equal(k->req.id, "MUST-11");
    assert_false(k->default_on);
    assert_int_equal(k->packet_budget, 8);
}

/* No answer to the new SYN: neither a listener nor the first connection spoke. The original
 * read this silence as a reset; no conforming host is silent here, but neither is a host
 * whose SYN-ACK or answer the path lost: UNK. */
static void unk_on_silence(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    establish(&f, isn);
    assert_int_equal(fe_fire(&f), ORDER_GAP + WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + RTT + ORDER_GAP + WAIT);
    assert_int_equal(f.t.n_isns, 1);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
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

/* The wait for the new SYN's answer follows the measured RTT (here 4 * 300 ms). */
static void test_new_syn_wait_from_rtt(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6, &tc_timing_default);
    synack(&f, isn, 300 * TC_MSEC);
    assert_int_equal(fe_n_out(&f), 2);
    assert_int_equal(fe_timer_in(&f), ORDER_GAP + 1200 * TC_MSEC);
    fe_free(&f);
}

/* A listener answers the new SYN with a SYN-ACK of its own: the RST-ACK took the first
 * connection back to LISTEN (MUST-11). The new connection is reset <SEQ=SEG.ACK><CTL=RST>. */
static void pass_on_new_synack(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    establish(&f, isn);
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

static void test_pass_on_rst_at_our_ack(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    /* the target tore the connection down itself, at the number our RST-ACK acked */
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* The surviving SYN-RECEIVED connection sends its SYN-ACK again (a retransmission, or its
 * answer to the new SYN): the RST-ACK was ignored. */
static void test_fail_on_synack_retransmission(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    /* torn down with a plain reset of the SYN-ACK: <SEQ=SEG.ACK><CTL=RST> */
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    assert_int_equal(f.t.n_isns, 2);
    fe_free(&f);
}

/* The surviving SYN-RECEIVED connection answers the new SYN, which lies outside its window,
 * with an ACK for the first SYN (3.10.7.4; RFC 5961 4's challenge ACK): the RST-ACK was
 * ignored. */
static void fail_on_challenge_ack(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, fam, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    fe_free(&f);
}

static void test_fail_on_challenge_ack_v4(void **state)
{
    (void)state;
    fail_on_challenge_ack(FE_V4);
}

static void test_fail_on_challenge_ack_v6(void **state)
{
    (void)state;
    fail_on_challenge_ack(FE_V6);
}

/* The new SYN refused: the port no longer listens, so whether the RST-ACK or something else
 * closed the first connection cannot be told. */
static void test_unk_on_rst_to_new_syn(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + NEW_SYN_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is not answered */
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NEW_SYN_RST, NULL);
    fe_free(&f);
}

/* Whichever answer comes first decides; what follows changes nothing. */
static void test_first_answer_decides(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_NEW_ISN, isn + NEW_SYN_OFFSET + 1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    isn = start(&f, FE_V4, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_NEW_ISN, isn + NEW_SYN_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    fe_free(&f);
}

/* Segments that answer neither question: a RST at another number, a SYN-ACK or ACK for
 * neither SYN, a segment without ACK. The wait goes on. */
static void test_non_answers_ignored(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6, &tc_timing_default);
    establish(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 7, 0);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 9);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_NEW_ISN, isn + NEW_SYN_OFFSET + 2);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 2);
    fe_deliver(&f, TCP_FLAG_SYN, THEIR_NEW_ISN, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), ORDER_GAP + WAIT - RTT);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
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
    establish_original(&f, isn);
    assert_int_equal(fe_fire(&f), 60 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    start(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);
}

/* --timing original: a retransmitted SYN-ACK is the original's only evidence of the RST-ACK
 * being ignored; a RST at the number our RST-ACK acknowledged is a PASS there too. */
static void test_original_retransmission_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6, &tc_timing_original);
    establish_original(&f, isn);
    fe_advance(&f, 3 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    fe_free(&f);

    isn = start(&f, FE_V4, &tc_timing_original);
    establish_original(&f, isn);
    fe_advance(&f, TC_SEC);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
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
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_unk_on_silence_v4),
        cmocka_unit_test(test_unk_on_silence_v6),
        cmocka_unit_test(test_new_syn_wait_from_rtt),
        cmocka_unit_test(test_pass_on_new_synack_v4),
        cmocka_unit_test(test_pass_on_new_synack_v6),
        cmocka_unit_test(test_pass_on_rst_at_our_ack),
        cmocka_unit_test(test_fail_on_synack_retransmission),
        cmocka_unit_test(test_fail_on_challenge_ack_v4),
        cmocka_unit_test(test_fail_on_challenge_ack_v6),
        cmocka_unit_test(test_unk_on_rst_to_new_syn),
        cmocka_unit_test(test_first_answer_decides),
        cmocka_unit_test(test_non_answers_ignored),
        cmocka_unit_test(test_handshake_timeout_unk),
        cmocka_unit_test(test_handshake_timeout_uses_rtt_hint),
        cmocka_unit_test(test_handshake_rst_unk),
        cmocka_unit_test(test_handshake_non_synack_fail),
        cmocka_unit_test(test_handshake_wrong_seq_fail),
        cmocka_unit_test(test_handshake_non_synack_without_ack),
        cmocka_unit_test(test_original_waits),
        cmocka_unit_test(test_original_retransmission_fail),
        cmocka_unit_test(test_bad_checksum_retransmission_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
