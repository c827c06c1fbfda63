/* What a test instance drops or will not believe (issue 15: limits a flood cannot push past,
 * and the hostile peer's garbage named in the verdict): ISNs and quotes beyond their caps,
 * segments of the flow that do not parse, quotes of segments the instance never sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tcp/segment.h"

#define ISN 0x1000

/* A case that sends one SYN (seq ISN) and does nothing else until its timer. */
static void start(struct tc *t, tc_time now)
{
    struct tcp_seg seg;
    tc_seg_new(t, &seg);
    seg.flags = TCP_FLAG_SYN;
    seg.seq = ISN;
    tc_send(t, &seg, 0, 0);
    tc_set_timer(t, now + TC_SEC);
}

static void on_timer(struct tc *t, tc_time now)
{
    tc_finish(t, TC_FAIL, 1, "Timeout during handshake", NULL, now);
}

static const struct test_case waiting_kind = {
    .name = "WaitingTest",
    .packet_budget = 4,
    .deadline = 10 * TC_SEC,
    .start = start,
    .on_timer = on_timer,
};

static void start_waiting(struct fe *f)
{
    fe_init_kind(f, &waiting_kind, FE_V4, &tc_timing_default);
    fe_start(f);
}

/* A SYN-ACK storm: the instance keeps TC_MAX_ISNS ISNs and counts the rest. */
static void test_isns_are_bounded(void **state)
{
    (void)state;
    struct fe f;
    start_waiting(&f);
    for (uint32_t i = 0; i < TC_MAX_ISNS + 36; i++)
        fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x5000 + i, ISN + 1);
    assert_int_equal(f.t.n_isns, TC_MAX_ISNS);
    assert_int_equal(f.t.ignored.isns_over, 36);
    fe_free(&f);
}

/* Quotes of its own SYN are kept up to TC_MAX_QUOTES; a quote whose seq this instance never
 * sent (another flow's probe under a forged 4-tuple) is not believed. */
static void test_quotes_bounded_and_foreign_ones_refused(void **state)
{
    (void)state;
    struct fe f;
    start_waiting(&f);
    struct icmp_quote q;
    fe_make_quote(fe_sent(&f, 0), "198.18.1.1", &q);
    for (int i = 0; i < TC_MAX_QUOTES + 6; i++)
        fe_deliver_quote(&f, &q);
    assert_int_equal(f.t.n_quotes, TC_MAX_QUOTES);
    assert_int_equal(f.t.ignored.quotes_over, 6);
    q.quote[4] ^= 0x80; /* seq 0x80001000: never sent */
    fe_deliver_quote(&f, &q);
    assert_int_equal(f.t.ignored.foreign_quotes, 1);
    /* a quote of 4..7 bytes has no seq to check: taken (as RFC 792 allows) */
    q.quote_len = 6;
    fe_deliver_quote(&f, &q);
    assert_int_equal(f.t.ignored.foreign_quotes, 1);
    assert_int_equal(f.t.ignored.quotes_over, 7);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, 1,
                     "Timeout during handshake (ignored 1 ICMP quote of segments this test did "
                     "not send)",
                     NULL);
    fe_free(&f);
}

static void deliver_raw(struct fe *f, const uint8_t *tcp, size_t len)
{
    fe_deliver_bytes(f, tcp, len);
}

/* A SYN-ACK of this flow (ports 80 -> 50000) with data offset off and options opts. */
static size_t synack_bytes(uint8_t *b, unsigned off, const uint8_t *opts, size_t opts_len)
{
    memset(b, 0, 60);
    b[0] = FE_DPORT >> 8;
    b[1] = FE_DPORT & 0xff;
    b[2] = FE_SPORT >> 8;
    b[3] = FE_SPORT & 0xff;
    b[12] = (uint8_t)(off << 4);
    b[13] = TCP_FLAG_SYN | TCP_FLAG_ACK;
    if (opts_len > 0)
        memcpy(b + 20, opts, opts_len);
    return 20 + opts_len;
}

/* Malformed segments of the flow are counted, the first described, and a verdict other
 * than PASS names them; another flow's are none of its business. */
static void test_malformed_segments_named_in_the_verdict(void **state)
{
    (void)state;
    struct fe f;
    start_waiting(&f);
    uint8_t b[64];
    deliver_raw(&f, b, synack_bytes(b, 3, NULL, 0));
    static const uint8_t zero_len[4] = {2, 0, 5, 0xb4};
    deliver_raw(&f, b, synack_bytes(b, 6, zero_len, sizeof(zero_len)));
    b[1]++; /* another flow's port: not counted */
    deliver_raw(&f, b, 24);
    assert_int_equal(f.t.ignored.malformed, 2);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, 1,
                     "Timeout during handshake (ignored 2 malformed segments: data offset 3 "
                     "(below 5))",
                     NULL);
    fe_free(&f);

    /* a PASS is not reworded */
    start_waiting(&f);
    deliver_raw(&f, b, synack_bytes(b, 3, NULL, 0));
    tc_finish(&f.t, TC_PASS, -1, NULL, NULL, f.now);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void expect_described(const uint8_t *b, size_t len, const char *want)
{
    char why[TC_MALFORMED_TEXT];
    assert_true(tcp_seg_describe_error(b, len, why, sizeof(why)));
    assert_string_equal(why, want);
}

/* What the hostile peer sends, in words (tcp_seg_describe_error). */
static void test_describe_errors(void **state)
{
    (void)state;
    uint8_t b[64] = {0};
    char why[TC_MALFORMED_TEXT];
    expect_described(b, 12, "12 bytes, shorter than a TCP header");
    expect_described(b, synack_bytes(b, 0, NULL, 0), "data offset 0 (below 5)");
    expect_described(b, synack_bytes(b, 15, NULL, 0),
                     "data offset 15 (60 header bytes) past the segment's 20 bytes");
    static const uint8_t past[4] = {1, 8, 10, 0};
    expect_described(b, synack_bytes(b, 6, past, sizeof(past)),
                     "option kind 8 of length 10 running 7 bytes past the header");
    static const uint8_t one_len[4] = {3, 1, 1, 1};
    expect_described(b, synack_bytes(b, 6, one_len, sizeof(one_len)),
                     "option kind 3 with length 1 (below 2)");
    static const uint8_t no_len[4] = {1, 1, 1, 5};
    expect_described(b, synack_bytes(b, 6, no_len, sizeof(no_len)),
                     "option kind 5 without its length byte at the header's end");
    static const uint8_t fine[4] = {2, 4, 5, 0xb4};
    assert_false(
        tcp_seg_describe_error(b, synack_bytes(b, 6, fine, sizeof(fine)), why, sizeof(why)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isns_are_bounded),
        cmocka_unit_test(test_quotes_bounded_and_foreign_ones_refused),
        cmocka_unit_test(test_malformed_segments_named_in_the_verdict),
        cmocka_unit_test(test_describe_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
