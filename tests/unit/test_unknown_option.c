/* UnknownOptionTest (RFC 9293 MUST-6): the tracebox burst of SYNs carrying the unassigned
 * kind 158, the plain retry, middlebox attribution from quotes and " with unknown option"
 * failures (the syn_accept machine OptionSupportTest shares, with its own option check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

extern const struct test_case unknown_option_test;

/* Kind 158, length 5, the original's payload, zero-padded to a word: the TTL is never
 * encoded here (the option is what is tested). */
#define OPTS_HEX "9e0558fa89000000"
#define OPTS_LEN 8
#define OPT_HEX "9e0558fa89"
#define RETRY_WINDOW 4096
#define THEIR_ISN 0x5a5a0000u
#define RTT (80 * TC_MSEC)
#define SYN_WAIT (1 * TC_SEC)     /* no RTT known: timing->syn_timeout */
#define QUOTE_WAIT (4 * RTT)      /* rtt_mult RTTs */
#define NO_RTT_WAIT (10 * TC_SEC) /* no RTT known: timing->ceil */
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define RA (TCP_FLAG_RST | TCP_FLAG_ACK)
#define MBOX_HOP2                                                                                  \
    "Middlebox interference detected at or before hop 2 (unknown header option deleted)"
#define SUFFIX " with unknown option"
#define NOOPS "\x01\x01\x01\x01\x01" /* over the option's 5 bytes */
#define DIFF_NOOPS "{\"diff\":[\"" OPT_HEX "\",\"0101010101000000\"]}"
#define DIFF_GONE "{\"diff\":[\"" OPT_HEX "\",\"\"]}"

static uint32_t start_burst(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init_kind(f, &unknown_option_test, fam, timing);
    fe_start(f);
    return fe_expect_burst(f, OPTS_HEX);
}

/* SYN-ACK one RTT after the burst: reset <SEQ=SEG.ACK><CTL=RST>, quotes awaited 4 RTTs. */
static void synack(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_timer_in(f), QUOTE_WAIT);
}

/* The plain retry: same seq and option, window 4096, default TTL, no TTL code anywhere. */
static void expect_retry(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, isn, 0, RETRY_WINDOW, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_string_equal(p.opts_hex, OPTS_HEX);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("UnknownOptionTest");
    assert_ptr_equal(k, &unknown_option_test);
    assert_string_equal(k->rfc_req, "MUST-6");
    assert_true(k->default_on);
    assert_false(k->needs_alp);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 4);
}

static void pass_with_path(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start_burst(&f, fam, &tc_timing_default);
    assert_int_equal(fe_timer_in(&f), SYN_WAIT);
    fe_deliver_burst_quote(&f, 2, NULL, 0); /* out of order, before the SYN-ACK */
    synack(&f, isn);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    /* duplicate SYN-ACKs answering the rest of the burst are not answered */
    for (int i = 0; i < 3; i++)
        fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(f.t.n_isns, 4);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
    assert_int_equal(f.t.isns[0].at, FE_T0 + RTT);
    assert_int_equal(fe_fire(&f), QUOTE_WAIT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 2);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 1);
    fe_free(&f);
}

static void test_pass_with_path_v4(void **state)
{
    (void)state;
    pass_with_path(FE_V4);
}

static void test_pass_with_path_v6(void **state)
{
    (void)state;
    pass_with_path(FE_V6); /* hops from the TCP fields: no IP ID in IPv6 */
}

/* Quotes from hop 1 (intact), hops 3 and 2 (n option bytes replaced): verdict at the timer.
 * A changed hop 2 leaves hop 3 out of the path: it saw the modified probe. */
static void hop2_quotes(enum fe_family fam, const char *opts, size_t n, enum tc_status st,
                        const char *diff)
{
    struct fe f;
    uint32_t isn = start_burst(&f, fam, &tc_timing_default);
    synack(&f, isn);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 3, opts, n);
    fe_deliver_burst_quote(&f, 2, opts, n);
    fe_fire(&f);
    if (st == TC_PASS) {
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        fe_expect_lab_path(&f, 3);
    } else {
        fe_expect_result(&f, st, STAGE, MBOX_HOP2, diff);
        fe_expect_lab_path(&f, 2);
    }
    fe_free(&f);
}

static void test_overwritten_by_noops_unk(void **state)
{
    (void)state;
    hop2_quotes(FE_V4, NOOPS, 5, TC_UNK, DIFF_NOOPS);
    hop2_quotes(FE_V6, NOOPS, 5, TC_UNK, DIFF_NOOPS);
}

static void test_option_changed_unk(void **state)
{
    (void)state;
    /* one payload byte changed: a well-formed option, but not ours */
    hop2_quotes(FE_V4, "\x9e\x05\x58\xfa\x8a", 5, TC_UNK,
                "{\"diff\":[\"" OPT_HEX "\",\"9e0558fa8a000000\"]}");
    /* the kind rewritten */
    hop2_quotes(FE_V4, "\x9f", 1, TC_UNK, "{\"diff\":[\"" OPT_HEX "\",\"9f0558fa89000000\"]}");
}

static void test_option_kept_lenient_pass(void **state)
{
    (void)state;
    /* another option added in front and the padding changed: the unknown one is intact */
    hop2_quotes(FE_V4, "\x01\x9e\x05\x58\xfa\x89\x01\x00", OPTS_LEN, TC_PASS, NULL);
}

static void test_unparsable_unk(void **state)
{
    (void)state;
    /* a length running past the options area, a length below 2 */
    hop2_quotes(FE_V4, "\x9e\x09", 2, TC_UNK, "{\"diff\":[\"" OPT_HEX "\",\"9e0958fa89000000\"]}");
    hop2_quotes(FE_V4, "\x9e\x01", 2, TC_UNK, "{\"diff\":[\"" OPT_HEX "\",\"9e0158fa89000000\"]}");
}

static void test_stripped_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    synack(&f, isn);
    fe_deliver_burst_quote_stripped(&f, 2);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_GONE);
    fe_free(&f);
}

static void test_short_quotes_no_diff(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    synack(&f, isn);
    struct icmp_quote q;
    fe_make_quote(fe_sent(&f, 1), fe_router(FE_V4, 2), &q);
    memcpy(q.quote + TCP_HDR_MIN, NOOPS, 4);
    q.quote_len = TCP_HDR_MIN + 4; /* half the options: cannot judge */
    fe_deliver_quote(&f, &q);
    fe_make_quote(fe_sent(&f, 2), fe_router(FE_V4, 3), &q);
    q.quote_len = 8; /* RFC 792 minimum: hop from the IP ID alone */
    fe_deliver_quote(&f, &q);
    fe_make_quote(fe_sent(&f, 0), fe_router(FE_V4, 1), &q);
    q.quote_len = TCP_HDR_MIN; /* header only */
    fe_deliver_quote(&f, &q);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 3);
    fe_free(&f);
}

static void test_timeouts_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    expect_retry(&f, isn);
    /* the burst went out two SYN waits ago: its quotes are in, the verdict is immediate */
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, "Timeout during handshake" SUFFIX, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * SYN_WAIT);
    fe_free(&f);

    /* the retry draws a SYN-ACK: reset, PASS after the quote wait, no RTT sample (Karn) */
    isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_fire(&f);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, 0);
    assert_int_equal(fe_fire(&f), NO_RTT_WAIT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_rsts_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_retry(&f, isn);
    assert_int_equal(fe_timer_in(&f), SYN_WAIT);
    fe_advance(&f, RTT);
    fe_deliver(&f, RA, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is not answered */
    assert_false(f.t.done);            /* the quotes may still blame the path */
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* too late */
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, "RST in reply to SYN during handshake" SUFFIX, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

static void test_failure_blamed_on_path(void **state)
{
    (void)state;
    /* silence twice, a quote of hop 2 shows the option overwritten */
    struct fe f;
    start_burst(&f, FE_V4, &tc_timing_default);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_deliver_burst_quote(&f, 2, NOOPS, 5);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_NOOPS);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    /* RSTs: the quotes are awaited, then blamed */
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_deliver(&f, RA, 0, isn + 1);
    fe_deliver(&f, RA, 0, isn + 1);
    assert_false(f.t.done);
    fe_advance(&f, SYN_WAIT);
    fe_deliver_burst_quote_stripped(&f, 2);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_GONE);
    fe_free(&f);

    /* a wrong reply, IPv6 */
    isn = start_burst(&f, FE_V6, &tc_timing_default);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_deliver_burst_quote(&f, 2, NOOPS, 5);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_NOOPS);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void odd_answer_fails(uint8_t flags, uint32_t ack_delta, const char *reason)
{
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, THEIR_ISN, isn + ack_delta);
    assert_int_equal(fe_n_out(&f), 1); /* reset, no retry */
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* later answers ignored */
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, reason, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

static void test_non_synack_fail(void **state)
{
    (void)state;
    odd_answer_fails(TCP_FLAG_ACK, 1, "Non-SYN-ACK in reply to SYN during handshake" SUFFIX);
}

static void test_wrong_ack_fail(void **state)
{
    (void)state;
    odd_answer_fails(SA, 3, "Wrong SEQ acked in reply to SYN during handshake" SUFFIX);
}

static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_retry(&f, isn);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, STAGE, "Timeout during handshake" SUFFIX, NULL);
    fe_free(&f);

    /* the original returned a failed handshake at once: the quotes already in decide */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_retry(&f, isn);
    fe_deliver(&f, RA, 0, isn + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, "RST in reply to SYN during handshake" SUFFIX, NULL);
    assert_int_equal(f.t.done_at, FE_T0);
    fe_free(&f);

    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver_burst_quote(&f, 2, NOOPS, 5);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_NOOPS);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_with_path_v4),
        cmocka_unit_test(test_pass_with_path_v6),
        cmocka_unit_test(test_overwritten_by_noops_unk),
        cmocka_unit_test(test_option_changed_unk),
        cmocka_unit_test(test_option_kept_lenient_pass),
        cmocka_unit_test(test_unparsable_unk),
        cmocka_unit_test(test_stripped_unk),
        cmocka_unit_test(test_short_quotes_no_diff),
        cmocka_unit_test(test_timeouts_fail),
        cmocka_unit_test(test_rsts_fail),
        cmocka_unit_test(test_failure_blamed_on_path),
        cmocka_unit_test(test_non_synack_fail),
        cmocka_unit_test(test_wrong_ack_fail),
        cmocka_unit_test(test_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
