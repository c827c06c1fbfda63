/* IllegalLengthOptionTest (RFC 9293 MUST-7): the tracebox burst of SYNs carrying an MSS
 * option of length 0, the verdict on its reply (or silence) once the quotes show the
 * option arrived, and the regular SYN of stage 2 after silence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

extern const struct test_case illegal_length_option_test;

/* MSS kind, length 0, then two more bytes: raw, a word long, no padding. */
#define OPTS_HEX "020002f1"
#define OPTS_LEN 4
#define REACH_SEQ_OFFSET 0x1fffdu /* 2 * 65535 - 1 beyond the illegal SYN's */
#define REACH_WINDOW 1024
#define THEIR_ISN 0x5a5a0000u
#define THEIR_ISN2 0x6b6b0000u
#define RTT (80 * TC_MSEC)
#define SYN_WAIT (1 * TC_SEC) /* no RTT known: timing->syn_timeout */
#define QUOTE_WAIT (4 * RTT)  /* rtt_mult RTTs */
#define ILLEGAL_STAGE 1
#define REACH_STAGE 2
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define RA (TCP_FLAG_RST | TCP_FLAG_ACK)
#define MBOX_HOP2                                                                                  \
    "Middlebox interference detected at or before hop 2 (illegal header option deleted)"
#define HS_NOT_SYNACK "Non-SYN-ACK in reply to SYN during handshake"
#define HS_WRONG_ACK "Wrong SEQ acked in reply to SYN during handshake"
#define HS_TIMEOUT "Timeout during handshake"
#define MSS "\x02\x04\x05\xb4" /* "repaired" into a valid MSS option */
#define DIFF_MSS "{\"diff\":[\"020002f1\",\"020405b4\"]}"
#define DIFF_GONE "{\"diff\":[\"020002f1\",\"\"]}"

static const enum fe_family families[] = {FE_V4, FE_V6};
#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

static uint32_t start_burst_hint(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                                 tc_time rtt_hint)
{
    fe_init_kind(f, &illegal_length_option_test, fam, timing);
    f->t.env.rtt_hint = rtt_hint;
    fe_start(f);
    return fe_expect_burst(f, OPTS_HEX);
}

static uint32_t start_burst(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    return start_burst_hint(f, fam, timing, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("IllegalLengthOptionTest");
    assert_ptr_equal(k, &illegal_length_option_test);
    assert_string_equal(k->rfc_req, "MUST-7");
    assert_false(k->default_on); /* only with '*' */
    assert_false(k->needs_alp);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 4);
}

static void test_rst_pass(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FAMILIES; i++) {
        struct fe f;
        uint32_t isn = start_burst(&f, families[i], &tc_timing_default);
        assert_int_equal(fe_timer_in(&f), SYN_WAIT);
        fe_advance(&f, RTT);
        fe_deliver(&f, RA, 0, isn + 1);
        assert_int_equal(fe_n_out(&f), 0); /* refused: nothing to tear down */
        assert_false(f.t.done);            /* the quotes must show the option arrived */
        assert_int_equal(fe_timer_in(&f), QUOTE_WAIT);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_deliver(&f, RA, 0, isn + 1); /* the rest of the burst: ignored */
        assert_int_equal(fe_n_out(&f), 0);
        assert_int_equal(fe_fire(&f), QUOTE_WAIT);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        fe_expect_lab_path(&f, 2);
        assert_int_equal(f.t.n_isns, 0);
        fe_free(&f);
    }
}

static void test_synack_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1); /* accepted: torn down at once */
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, RTT);
    assert_int_equal(fe_timer_in(&f), QUOTE_WAIT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* duplicates: ignored */
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 1);
    assert_int_equal(f.t.n_isns, 2);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
    assert_int_equal(f.t.isns[0].at, FE_T0 + RTT);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 1);
    fe_free(&f);
}

/* A wrong reply: reset unless a RST, FAIL stage 1 after the quote wait. */
static void odd_answer_fails(uint8_t flags, uint32_t ack_delta, const char *reason)
{
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, THEIR_ISN, isn + ack_delta);
    bool rst = (flags & TCP_FLAG_RST) != 0;
    assert_int_equal(fe_n_out(&f), rst ? 0 : 1);
    if (!rst)
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
    assert_false(f.t.done); /* quotes first: the path may be to blame */
    assert_int_equal(fe_timer_in(&f), QUOTE_WAIT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, ILLEGAL_STAGE, reason, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

static void test_non_synack_fail(void **state)
{
    (void)state;
    odd_answer_fails(TCP_FLAG_ACK, 1, HS_NOT_SYNACK);
    odd_answer_fails(TCP_FLAG_RST, 0, HS_NOT_SYNACK); /* a RST not acking our SYN */
}

static void test_wrong_ack_fail(void **state)
{
    (void)state;
    odd_answer_fails(SA, 3, HS_WRONG_ACK);
}

/* A reply with these flags (0: silence), then quotes: hop 1 intact, hops 3 and 2 with the
 * option replaced by opts (NULL: stripped). UNK stage 1, no regular SYN. */
static void hop2_changed(enum fe_family fam, uint8_t flags, const char *opts, const char *diff)
{
    struct fe f;
    uint32_t isn = start_burst(&f, fam, &tc_timing_default);
    if (flags != 0) {
        fe_advance(&f, RTT);
        fe_deliver(&f, flags, THEIR_ISN, isn + 1);
    }
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    if (opts != NULL) {
        fe_deliver_burst_quote(&f, 3, opts, OPTS_LEN);
        fe_deliver_burst_quote(&f, 2, opts, OPTS_LEN);
    } else {
        fe_deliver_burst_quote_stripped(&f, 2);
    }
    size_t sent = fe_n_sent(&f);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, diff);
    assert_int_equal(fe_n_sent(&f), sent);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_changed_after_reply_unk(void **state)
{
    (void)state;
    hop2_changed(FE_V4, SA, MSS, DIFF_MSS);
    hop2_changed(FE_V4, RA, "\x01\x01\x01\x01", "{\"diff\":[\"020002f1\",\"01010101\"]}");
    hop2_changed(FE_V6, SA, NULL, DIFF_GONE);
    /* still length 0, the bytes after it changed: not byte for byte what was sent */
    hop2_changed(FE_V4, SA, "\x02\x00\x05\xb4", "{\"diff\":[\"020002f1\",\"020005b4\"]}");
    /* a wrong reply: the path, not the host, is blamed */
    hop2_changed(FE_V4, TCP_FLAG_ACK, MSS, DIFF_MSS);
}

static void test_changed_after_silence_unk(void **state)
{
    (void)state;
    hop2_changed(FE_V4, 0, MSS, DIFF_MSS);
    hop2_changed(FE_V4, 0, NULL, DIFF_GONE);
    hop2_changed(FE_V6, 0, MSS, DIFF_MSS);
}

/* Silence after the burst, quotes intact (hop 1) or not judgeable (hop 2, options not
 * quoted): the regular SYN, seq beyond any window of the first, window 1024, no options,
 * no TTL code. Returns its seq. */
static uint32_t reachability_syn(struct fe *f, enum fe_family fam, tc_time rtt_hint)
{
    uint32_t isn = start_burst_hint(f, fam, &tc_timing_default, rtt_hint);
    tc_time wait = rtt_hint != 0 ? 4 * rtt_hint : SYN_WAIT;
    fe_deliver_burst_quote(f, 1, NULL, 0);
    struct icmp_quote q;
    fe_make_quote(fe_sent(f, 1), fe_router(fam, 2), &q);
    q.quote_len = TCP_HDR_MIN;
    fe_deliver_quote(f, &q);
    assert_int_equal(fe_fire(f), wait);
    assert_false(f->t.done);
    assert_int_equal(fe_n_out(f), 1);
    uint32_t seq = isn + 1 + REACH_SEQ_OFFSET;
    fe_expect_plain(f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
    assert_int_equal(fe_timer_in(f), wait);
    return seq;
}

static void test_reachability_synack_pass(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FAMILIES; i++) {
        struct fe f;
        uint32_t seq = reachability_syn(&f, families[i], 0);
        fe_advance(&f, RTT);
        fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        assert_int_equal(f.t.done_at, FE_T0 + SYN_WAIT + RTT); /* no wait left */
        fe_expect_lab_path(&f, 2);
        assert_int_equal(f.t.n_isns, 1);
        assert_int_equal(f.t.isns[0].isn, THEIR_ISN2);
        assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 2);
        fe_free(&f);
    }
}

static void test_reachability_rst_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V4, RTT); /* waits from the RTT hint */
    fe_deliver(&f, RA, 0, seq + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.n_isns, 0);
    fe_free(&f);
}

static void test_reachability_timeout_fail(void **state)
{
    (void)state;
    struct fe f;
    reachability_syn(&f, FE_V4, 0);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_TIMEOUT, NULL);
    fe_free(&f);
}

static void test_reachability_odd_answers_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V6, 0);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN2, seq + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_NOT_SYNACK, NULL);
    fe_free(&f);

    seq = reachability_syn(&f, FE_V4, 0);
    fe_deliver(&f, SA, THEIR_ISN2, seq); /* acks nothing of ours */
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq, 0, 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_WRONG_ACK, NULL);
    assert_int_equal(f.t.n_isns, 1);
    fe_free(&f);

    seq = reachability_syn(&f, FE_V4, 0);
    fe_deliver(&f, RA, 0, seq + 2); /* a RST for something else: not answered */
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_NOT_SYNACK, NULL);
    fe_free(&f);
}

/* Answers to the illegal SYN arriving after the regular SYN went out are set aside: the
 * connection a late SYN-ACK opened is reset, and the regular SYN's reply decides. */
static void test_reachability_late_stage1_answer(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V4, 0);
    uint32_t illegal_isn = seq - 1 - REACH_SEQ_OFFSET;
    fe_deliver(&f, SA, THEIR_ISN, illegal_isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, illegal_isn + 1, 0, 0);
    fe_deliver(&f, RA, 0, illegal_isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* late answers and then nothing: the regular SYN timed out */
    seq = reachability_syn(&f, FE_V6, 0);
    fe_deliver(&f, RA, 0, seq - REACH_SEQ_OFFSET);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_TIMEOUT, NULL);
    fe_free(&f);
}

static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* the original returned a wrong reply at once: the quotes already in decide */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_result(&f, TC_FAIL, ILLEGAL_STAGE, HS_NOT_SYNACK, NULL);
    assert_int_equal(f.t.done_at, FE_T0);
    fe_free(&f);

    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver_burst_quote_stripped(&f, 2);
    fe_deliver(&f, SA, THEIR_ISN, isn + 3);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, DIFF_GONE);
    fe_free(&f);

    /* silence: 30 s, the original's 10 s quote wait, then the regular SYN's 30 s */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* late: not the regular SYN's answer */
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + 1 + REACH_SEQ_OFFSET, 0, REACH_WINDOW);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_TIMEOUT, NULL);
    fe_free(&f);

    /* silence, and a quote arriving during the quote wait */
    start_burst(&f, FE_V4, &tc_timing_original);
    fe_fire(&f);
    fe_deliver_burst_quote_stripped(&f, 2);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, DIFF_GONE);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_rst_pass),
        cmocka_unit_test(test_synack_pass),
        cmocka_unit_test(test_non_synack_fail),
        cmocka_unit_test(test_wrong_ack_fail),
        cmocka_unit_test(test_changed_after_reply_unk),
        cmocka_unit_test(test_changed_after_silence_unk),
        cmocka_unit_test(test_reachability_synack_pass),
        cmocka_unit_test(test_reachability_rst_pass),
        cmocka_unit_test(test_reachability_timeout_fail),
        cmocka_unit_test(test_reachability_odd_answers_fail),
        cmocka_unit_test(test_reachability_late_stage1_answer),
        cmocka_unit_test(test_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
