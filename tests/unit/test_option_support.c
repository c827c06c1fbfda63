/* OptionSupportTest (RFC 9293 MUST-4): the tracebox burst of SYNs carrying NOOP NOOP EOL,
 * the plain retry, middlebox attribution from quotes, and " with options" failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

#define OPTS_HEX "01010000"
#define RETRY_WINDOW 4096
#define THEIR_ISN 0x5a5a0000u
#define RTT (80 * TC_MSEC)
#define STAGE 1
#define R1 "198.18.1.1"
#define R2 "198.18.2.2"
#define R3 "198.18.3.1"
#define R1_V6 "fd00:7463:1::1"
#define R2_V6 "fd00:7463:2::1"
#define R3_V6 "fd00:7463:3::1"
#define MBOX_HOP2 "Middlebox interference detected at or before hop 2 (header option(s) deleted)"
#define DIFF_DELETED "{\"diff\":[\"01,00\",\"\"]}"
#define SUFFIX " with options"

/* Start; check the 30 traced SYNs (TTL t: the code of t in ACK, window, urgent pointer and,
 * for IPv4, the IP ID; options untouched). Returns the common sequence number. */
static uint32_t start_burst(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init(f, "OptionSupportTest", fam, timing);
    fe_start(f);
    assert_int_equal(fe_n_out(f), HOP_LIMIT);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t isn = p.seg.seq;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        uint16_t code = (uint16_t)((ttl << 11) | (ttl << 5) | ttl);
        fe_expect_pkt(f, ttl - 1, TCP_FLAG_SYN, isn, ((uint32_t)code << 16) | code, code, ttl,
                      fam == FE_V4 ? code : 0);
        fe_pkt(f, ttl - 1, &p);
        assert_int_equal(p.seg.urg_ptr, code);
        assert_string_equal(p.opts_hex, OPTS_HEX);
    }
    fe_pkt(f, HOP_LIMIT - 1, &p);
    assert_int_equal(p.seg.window, 0xf3de); /* spot check of the code: TTL 30 */
    return isn;
}

/* SYN-ACK one RTT after the burst: reset <SEQ=SEG.ACK><CTL=RST>, quotes awaited 4 RTTs. */
static void synack(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_timer_in(f), 4 * RTT);
}

/* Quote of the burst SYN with this TTL (the first HOP_LIMIT packets sent). */
static void quote(const struct fe *f, unsigned ttl, const char *router, struct icmp_quote *q)
{
    fe_make_quote(fe_sent(f, ttl - 1), router, q);
}

static void deliver_quote(struct fe *f, unsigned ttl, const char *router, const char *opts)
{
    struct icmp_quote q;
    quote(f, ttl, router, &q);
    assert_int_equal(q.quote_len, TCP_HDR_MIN + 4);
    if (opts != NULL)
        memcpy(q.quote + TCP_HDR_MIN, opts, 4);
    fe_deliver_quote(f, &q);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("OptionSupportTest");
    assert_non_null(k);
    assert_string_equal(k->rfc_req, "MUST-4");
    assert_true(k->default_on);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 4);
}

static void test_pass_with_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    struct icmp_quote q;
    quote(&f, 2, R2, &q);
    assert_int_equal(q.hop_guess, 2);
    fe_deliver_quote(&f, &q); /* out of order, and before the SYN-ACK */
    synack(&f, isn);
    deliver_quote(&f, 1, R1, NULL);
    /* duplicate SYN-ACKs answering the rest of the burst, a late RST */
    for (int i = 0; i < 3; i++)
        fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(f.t.n_isns, 4);
    assert_int_equal(fe_fire(&f), 4 * RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 2);
    fe_expect_hop(&f, 0, 1, R1);
    fe_expect_hop(&f, 1, 2, R2);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 1);
    fe_free(&f);
}

/* Quotes from hops 1 (intact), 3 and 2 (options as given): the verdict at the timer. */
static void hop2_changed(const char *opts, const char *reason, const char *diff)
{
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    synack(&f, isn);
    deliver_quote(&f, 1, R1, NULL);
    deliver_quote(&f, 3, R3, opts);
    deliver_quote(&f, 2, R2, opts);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, reason, diff);
    assert_int_equal(f.t.path_len, 2); /* hop 3 saw the modified probe: not listed */
    fe_expect_hop(&f, 0, 1, R1);
    fe_expect_hop(&f, 1, 2, R2);
    fe_free(&f);
}

static void test_options_replaced_unk(void **state)
{
    (void)state;
    hop2_changed("\xfe\x04\x02\xfc", MBOX_HOP2, DIFF_DELETED);
}

static void test_eol_missing_unk(void **state)
{
    (void)state;
    hop2_changed("\x01\x01\x01\x01", MBOX_HOP2, "{\"diff\":[\"00\",\"\"]}");
}

static void test_malformed_quoted_options_unk(void **state)
{
    (void)state;
    hop2_changed("\x01\x01\x05\x00", MBOX_HOP2, "{\"diff\":[\"\",\"01010500\"]}");
}

static void test_options_stripped_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    synack(&f, isn);
    struct icmp_quote q;
    quote(&f, 2, R2, &q);
    q.quote[12] = 0x50; /* data offset 5: the options are gone */
    q.quote_len = TCP_HDR_MIN;
    fe_deliver_quote(&f, &q);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_DELETED);
    fe_free(&f);

    /* a data offset below 5 leaves no option bytes at all */
    isn = start_burst(&f, FE_V4, &tc_timing_default);
    synack(&f, isn);
    quote(&f, 2, R2, &q);
    q.quote[12] = 0x40;
    fe_deliver_quote(&f, &q);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_DELETED);
    fe_free(&f);
}

static void test_short_quotes_no_diff(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    synack(&f, isn);
    struct icmp_quote q;
    quote(&f, 2, R2, &q);
    memcpy(q.quote + TCP_HDR_MIN, "\xfe\x04\x02\xfc", 4);
    q.quote[12] = 0x40; /* a data offset claiming no options ... */
    q.quote_len = 16;   /* ... in a quote too short to judge: hop from ACK and window */
    fe_deliver_quote(&f, &q);
    quote(&f, 3, R3, &q);
    q.quote_len = 8; /* RFC 792 minimum: hop from the IP ID alone */
    fe_deliver_quote(&f, &q);
    quote(&f, 1, R1, &q);
    q.quote_len = TCP_HDR_MIN; /* header only, data offset 6: options not quoted */
    fe_deliver_quote(&f, &q);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 3);
    fe_expect_hop(&f, 0, 1, R1);
    fe_expect_hop(&f, 1, 2, R2);
    fe_expect_hop(&f, 2, 3, R3);
    fe_free(&f);
}

/* The plain retry: same seq and options, window 4096, default TTL, no TTL code. */
static void expect_retry(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, isn, 0, RETRY_WINDOW, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_string_equal(p.opts_hex, OPTS_HEX);
}

static void test_timeouts_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    expect_retry(&f, isn);
    /* the burst went out two SYN waits ago: its quotes are in, the verdict is immediate */
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, "Timeout during handshake" SUFFIX, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * TC_SEC);
    fe_free(&f);
}

static void test_rsts_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    expect_retry(&f, isn);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is not answered */
    assert_int_equal(fe_timer_in(&f), 10 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1); /* too late */
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, "RST in reply to SYN during handshake" SUFFIX, NULL);
    fe_free(&f);
}

static void test_retry_synack_passes_without_rtt(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_fire(&f);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, 0); /* the burst and the retry share a seq: no sample */
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_handshake_failure_blamed_on_path(void **state)
{
    (void)state;
    struct fe f;
    start_burst(&f, FE_V4, &tc_timing_default);
    deliver_quote(&f, 1, R1, NULL);
    fe_fire(&f);
    deliver_quote(&f, 2, R2, "\xfe\x04\x02\xfc");
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_DELETED);
    assert_int_equal(f.t.path_len, 2);
    fe_free(&f);

    /* the same after RSTs: the quotes are awaited, then blamed */
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_false(f.t.done);
    fe_advance(&f, 1 * TC_SEC);
    deliver_quote(&f, 2, R2, "\x01\x01\x01\x01");
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, "{\"diff\":[\"00\",\"\"]}");
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
    assert_int_equal(fe_timer_in(&f), 10 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1); /* later answers ignored */
    assert_int_equal(fe_n_out(&f), 0);
    deliver_quote(&f, 1, R1, NULL);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, reason, NULL);
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 1, R1);
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
    odd_answer_fails(TCP_FLAG_SYN | TCP_FLAG_ACK, 3,
                     "Wrong SEQ acked in reply to SYN during handshake" SUFFIX);
}

static void v6_quotes(const char *hop2_opts, enum tc_status st, int stage, const char *reason,
                      const char *diff, size_t path_len)
{
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V6, &tc_timing_default);
    synack(&f, isn);
    struct icmp_quote q;
    quote(&f, 2, R2_V6, &q);
    assert_int_equal(q.hop_guess, 0); /* no IP ID in IPv6: hop from the TCP fields */
    if (hop2_opts != NULL)
        memcpy(q.quote + TCP_HDR_MIN, hop2_opts, 4);
    fe_deliver_quote(&f, &q);
    deliver_quote(&f, 3, R3_V6, hop2_opts); /* beyond the middlebox, if any */
    deliver_quote(&f, 1, R1_V6, NULL);
    fe_fire(&f);
    fe_expect_result(&f, st, stage, reason, diff);
    assert_int_equal(f.t.path_len, path_len);
    fe_expect_hop(&f, 0, 1, R1_V6);
    fe_expect_hop(&f, 1, 2, R2_V6);
    if (path_len > 2)
        fe_expect_hop(&f, 2, 3, R3_V6);
    fe_free(&f);
}

static void test_v6_pass_with_path(void **state)
{
    (void)state;
    v6_quotes(NULL, TC_PASS, -1, "", NULL, 3);
}

static void test_v6_options_deleted_unk(void **state)
{
    (void)state;
    v6_quotes("\xfe\x04\x02\xfc", TC_UNK, STAGE, MBOX_HOP2, DIFF_DELETED, 2);
}

static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_retry(&f, isn);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, STAGE, "Timeout during handshake" SUFFIX, NULL);
    fe_free(&f);

    /* the original returned a failed handshake at once, without waiting for quotes */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-SYN-ACK in reply to SYN during handshake" SUFFIX,
                     NULL);
    assert_int_equal(f.t.done_at, FE_T0);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_with_path),
        cmocka_unit_test(test_options_replaced_unk),
        cmocka_unit_test(test_eol_missing_unk),
        cmocka_unit_test(test_malformed_quoted_options_unk),
        cmocka_unit_test(test_options_stripped_unk),
        cmocka_unit_test(test_short_quotes_no_diff),
        cmocka_unit_test(test_timeouts_fail),
        cmocka_unit_test(test_rsts_fail),
        cmocka_unit_test(test_retry_synack_passes_without_rtt),
        cmocka_unit_test(test_handshake_failure_blamed_on_path),
        cmocka_unit_test(test_non_synack_fail),
        cmocka_unit_test(test_wrong_ack_fail),
        cmocka_unit_test(test_v6_pass_with_path),
        cmocka_unit_test(test_v6_options_deleted_unk),
        cmocka_unit_test(test_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
