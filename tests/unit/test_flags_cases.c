/* ReservedFlagsTest (RFC 9293 3.1, Rsrvd) driven through every verdict with synthetic
 * segments, quotes and the fake clock: the reserved bit in the traced SYNs and the ACKs, the
 * burst's duplicates, the ALP request on repeated ACKs, quotes showing the bits changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flags_fixture.h"
#include "tracebox/ttl_code.h"

extern const struct test_case reserved_flags_test;

#define RSRVD 0x4
#define RF_ACK_WINDOW 1024
#define RF_RETRY_WINDOW 4096
#define RF_SUFFIX " with reserved flag"
#define RF_MBOX_HOP2 "Middlebox interference detected at or before hop 2 (reserved flags reset)"
#define RF_DIFF_CLEARED "{\"diff\":[\"0b0100\",\"0b0000\"]}"
#define RF_SYNACK_RSRVD                                                                            \
    "Reserved flags not zeroed in reply to SYN during handshake with reserved flag"
#define RF_REPLY_RSRVD "Reserved flags not zeroed in reply to ACK with reserved flag"
#define RF_RST "RST in reply to ACK with reserved flag"
#define RF_IGNORED "ACK with reserved flag ignored"
#define RF_EMPTY_IGNORED "Empty ACK with reserved flag ignored"

/* Start: 30 SYNs with the reserved bit, the TTL in the ACK number, window, urgent pointer,
 * options (NOOPs then EOL) and, v4, the IP ID. Returns the ISN. */
static uint32_t rf_begin(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                         uint16_t port)
{
    ff_init(f, &reserved_flags_test, fam, timing, port);
    fe_start(f);
    assert_int_equal(fe_n_out(f), HOP_LIMIT);
    struct fe_pkt p;
    ff_out(f, 0, &p);
    uint32_t isn = p.seg.seq;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        ff_out(f, ttl - 1, &p);
        uint16_t c = ttl_code16(ttl);
        assert_int_equal(p.seg.flags, TCP_FLAG_SYN);
        assert_int_equal(p.seg.seq, isn);
        assert_int_equal(p.seg.reserved, RSRVD);
        assert_int_equal(p.seg.ack, ((uint32_t)c << 16) | c);
        assert_int_equal(p.seg.window, c);
        assert_int_equal(p.seg.urg_ptr, c);
        assert_int_equal(p.ip.ttl, ttl);
        assert_int_equal(p.ip.ip_id, fam == FE_V4 ? c : 0);
        char hex[2 * TCP_OPTS_MAX_BYTES + 1];
        ff_noops_eol_hex(ttl, hex);
        assert_string_equal(p.opts_hex, hex);
    }
    return isn;
}

/* The ACK completing the handshake: reserved bit, window 1024. */
static void rf_expect_ack(const struct fe *f, size_t i, uint32_t isn, size_t payload_len)
{
    ff_expect(f, i, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, RF_ACK_WINDOW, RSRVD, payload_len);
}

/* The SYN-ACK one RTT later: our ACK goes out, the quotes are awaited 4 RTTs. */
static void rf_establish(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(f), 1);
    rf_expect_ack(f, 0, isn, 0);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_timer_in(f), INFLIGHT);
}

/* Quote of the burst SYN with this TTL, its reserved nibble replaced (-1: as sent). */
static void rf_quote(struct fe *f, unsigned ttl, const char *router, int rsrvd)
{
    struct icmp_quote q;
    ff_quote_of(f, ttl - 1, router, &q);
    if (rsrvd >= 0)
        q.quote[12] = (uint8_t)((q.quote[12] & 0xf0) | rsrvd);
    fe_deliver_quote(f, &q);
}

static void test_rf_registry(void **state)
{
    (void)state;
    assert_string_equal(reserved_flags_test.name, "ReservedFlagsTest");
    assert_true(reserved_flags_test.default_on);
    assert_false(reserved_flags_test.needs_alp);
    assert_int_equal(reserved_flags_test.packet_budget, HOP_LIMIT + 8);
}

/* Silence after our ACK: it was accepted. The burst's duplicates within one RTT (a SYN-ACK
 * for another SYN, a challenge ACK) are no reaction to it; a path that set the AE bit
 * (the lowest, not checked) is no interference. */
static void rf_pass_on_silence(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = rf_begin(&f, fam, &tc_timing_default, HTTP_PORT);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    rf_establish(&f, isn);
    rf_quote(&f, 1, fam == FE_V4 ? R1 : R1_V6, -1);
    rf_quote(&f, 2, fam == FE_V4 ? R2 : R2_V6, RSRVD | 0x1);
    fe_advance(&f, RTT / 2);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    fe_advance(&f, RTT / 2);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), INFLIGHT - RTT); /* the quotes: no change */
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), RETRANS - INFLIGHT);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 2);
    fe_expect_hop(&f, 0, 1, fam == FE_V4 ? R1 : R1_V6);
    fe_expect_hop(&f, 1, 2, fam == FE_V4 ? R2 : R2_V6);
    fe_free(&f);
}

static void test_rf_pass_on_silence(void **state)
{
    (void)state;
    rf_pass_on_silence(FE_V4);
}

static void test_rf_v6_pass_on_silence(void **state)
{
    (void)state;
    rf_pass_on_silence(FE_V6);
}

/* A reply to the ACK: reset; the verdict waits for the quotes. */
static void rf_reply(uint8_t flags, uint8_t rsrvd, size_t len, bool reset, enum tc_status st,
                     const char *reason)
{
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    fe_advance(&f, RTT + 1);
    ff_deliver(&f, flags, THEIR_ISN + 1, isn + 1, rsrvd, len);
    assert_int_equal(fe_n_out(&f), reset ? 1 : 0);
    if (reset)
        ff_expect_rst(&f, 0, isn + 1);
    assert_false(f.t.done);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0, 0, 0); /* later segments change nothing */
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), INFLIGHT - RTT - 1);
    fe_expect_result(&f, st, st == TC_PASS ? -1 : STAGE, reason, NULL);
    fe_free(&f);
}

static void test_rf_data_reply_pass(void **state)
{
    (void)state;
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_PSH, 0, 10, true, TC_PASS, "");
    /* the AE bit is not ours to judge */
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_PSH, 0x1, 10, true, TC_PASS, "");
    /* a bare ACK one RTT after ours is an answer, not a duplicate */
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    fe_advance(&f, RTT + 1);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_rf_rst_fail(void **state)
{
    (void)state;
    rf_reply(TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0, false, TC_FAIL, RF_RST);
}

static void test_rf_reply_reserved_fail(void **state)
{
    (void)state;
    rf_reply(TCP_FLAG_ACK, 0x8, 0, true, TC_FAIL, RF_REPLY_RSRVD);
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_PSH, 0x2, 5, true, TC_FAIL, RF_REPLY_RSRVD);
}

/* A router cleared the reserved bits: the quotes of hops 2 and 3 show it, hop 1 not. The
 * connection is reset and the path blamed before any reply is judged. */
static void test_rf_path_cleared_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    rf_quote(&f, 1, R1, -1);
    rf_quote(&f, 3, R3, 0);
    rf_quote(&f, 2, R2, 0);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    assert_int_equal(f.t.path_len, 2);
    fe_expect_hop(&f, 0, 1, R1);
    fe_expect_hop(&f, 1, 2, R2);
    fe_free(&f);

    /* v6: hops from the TCP fields alone; a bit set by the path is a change too */
    isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    rf_quote(&f, 2, R2_V6, RSRVD | 0x8);
    fe_fire(&f);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, "{\"diff\":[\"0b0100\",\"0b1100\"]}");
    fe_free(&f);
}

/* The path wins over a verdict already known (here a FAIL from a RST), and a quote too
 * short to show the reserved bits shows no change. */
static void test_rf_path_wins_over_verdict(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    struct icmp_quote q;
    ff_quote_of(&f, 0, R1, &q);
    q.quote[12] &= 0xf0;
    q.quote_len = 12;
    fe_deliver_quote(&f, &q);
    rf_quote(&f, 2, R2, 0);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_free(&f);
}

/* SYN-ACK with a checked reserved bit: reset at once, FAIL once the quotes are in unless
 * they show the path changed our bits. */
static void test_rf_synack_reserved(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x2, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    assert_int_equal(fe_timer_in(&f), INFLIGHT);
    rf_quote(&f, 1, R1, -1);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x2, 0); /* a duplicate */
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_SYNACK_RSRVD, NULL);
    fe_free(&f);

    isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x8, 0);
    rf_quote(&f, 2, R2_V6, RSRVD | 0x2);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, "{\"diff\":[\"0b0100\",\"0b0110\"]}");
    fe_free(&f);

    /* the AE bit alone is fine */
    isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x1, 0);
    assert_int_equal(fe_n_out(&f), 1);
    rf_expect_ack(&f, 0, isn, 0);
    fe_free(&f);
}

/* Our ACK (or its repeat) with this payload: reserved bit set, the payload as given. */
static void rf_expect_ack_with(const struct fe *f, uint32_t isn, const uint8_t *req, size_t len)
{
    assert_int_equal(fe_n_out(f), 1);
    rf_expect_ack(f, 0, isn, len);
    struct fe_pkt p;
    ff_out(f, 0, &p);
    if (len > 0)
        assert_memory_equal(p.seg.payload, req, len);
}

/* The host retransmits its SYN-ACK after our ACK, three times: the ACK is repeated twice
 * (rounds waiting twice as long each: the host's RTO backs off), with the port's ALP
 * request when there is one that fits a segment. A SYN-ACK within one RTT of an ACK of
 * ours cannot answer it. Returns the payload length used. */
static size_t rf_ignored_twice(struct fe *f, uint16_t port, uint32_t *isn, uint8_t *req,
                               size_t fixed_len, const char *fixed)
{
    *isn = rf_begin(f, FE_V4, &tc_timing_default, port);
    rf_establish(f, *isn);
    size_t len = fixed_len;
    if (port == HTTP_PORT)
        len = ff_http_request(f, req, PULL_CAP);
    else if (fixed != NULL)
        memcpy(req, fixed, fixed_len);
    fe_advance(f, RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, *isn + 1, 0, 0);
    assert_int_equal(fe_n_out(f), 0);
    assert_int_equal(fe_fire(f), INFLIGHT - RTT);
    fe_advance(f, 1 * TC_SEC - INFLIGHT); /* the host's initial RTO */
    ff_deliver(f, SYNACK, THEIR_ISN, *isn + 1, 0, 0);
    rf_expect_ack_with(f, *isn, req, len);
    assert_int_equal(fe_timer_in(f), 2 * RETRANS);
    fe_advance(f, RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, *isn + 1, 0, 0);
    assert_int_equal(fe_n_out(f), 0);
    fe_advance(f, 2 * TC_SEC - RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, *isn + 1, 0, 0);
    rf_expect_ack_with(f, *isn, req, len);
    assert_int_equal(fe_timer_in(f), 4 * RETRANS);
    return len;
}

static void rf_ignored(uint16_t port, size_t fixed_len, const char *fixed, enum tc_status st,
                       const char *reason)
{
    struct fe f;
    uint32_t isn;
    uint8_t req[PULL_CAP];
    rf_ignored_twice(&f, port, &isn, req, fixed_len, fixed);
    fe_advance(&f, 4 * TC_SEC);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, st, STAGE, reason, NULL);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 4);
    fe_free(&f);
}

static void test_rf_ignored_with_request_fail(void **state)
{
    (void)state;
    rf_ignored(HTTP_PORT, 0, NULL, TC_FAIL, RF_IGNORED);
    rf_ignored(SMALL_ALP_PORT, sizeof(SMALL_REQ) - 1, SMALL_REQ, TC_FAIL, RF_IGNORED);
}

/* Without a request (no ALP, one too long for a segment, one that fails) an ignored ACK
 * may be TCP_DEFER_ACCEPT at work: inconclusive. */
static void test_rf_empty_ignored_unk(void **state)
{
    (void)state;
    rf_ignored(NO_ALP_PORT, 0, NULL, TC_UNK, RF_EMPTY_IGNORED);
    rf_ignored(BIG_ALP_PORT, 0, NULL, TC_UNK, RF_EMPTY_IGNORED);
    rf_ignored(BROKEN_ALP_PORT, 0, NULL, TC_UNK, RF_EMPTY_IGNORED);
    rf_ignored(NO_SESSION_ALP_PORT, 0, NULL, TC_UNK, RF_EMPTY_IGNORED);
}

/* The request was taken (TCP_DEFER_ACCEPT let the connection through): PASS, reset at the
 * acknowledged number. Silence after a repeat passes too, after the doubled wait. */
static void test_rf_request_acked_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn;
    uint8_t req[PULL_CAP];
    size_t len = rf_ignored_twice(&f, HTTP_PORT, &isn, req, 0, NULL);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    len = rf_ignored_twice(&f, SMALL_ALP_PORT, &isn, req, sizeof(SMALL_REQ) - 1, SMALL_REQ);
    assert_int_equal(fe_fire(&f), 4 * RETRANS);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* The burst drew nothing: a plain retry with the reserved bit and window 4096. */
static void rf_expect_retry(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    ff_expect(f, 0, TCP_FLAG_SYN, isn, 0, RF_RETRY_WINDOW, RSRVD, 0);
}

static void test_rf_handshake_timeout_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    rf_expect_retry(&f, isn);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, "Timeout during handshake" RF_SUFFIX, NULL);
    fe_free(&f);

    /* the path cleared the bit: a middlebox may drop what it cannot parse, not the host */
    isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    rf_quote(&f, 2, R2_V6, 0);
    fe_fire(&f);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_free(&f);
}

static void test_rf_handshake_replies_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    rf_expect_retry(&f, isn);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC); /* quotes in flight, no RTT known */
    fe_expect_result(&f, TC_FAIL, STAGE, "RST in reply to SYN during handshake" RF_SUFFIX, NULL);
    fe_free(&f);

    isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-SYN-ACK in reply to SYN during handshake" RF_SUFFIX,
                     NULL);
    fe_free(&f);
}

/* A SYN-ACK for the retry: no RTT is known, the burst's quotes are in (judged at once) and
 * duplicates are told apart by the shortest wait. */
static void test_rf_retry_established(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    fe_fire(&f);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, 0);
    rf_expect_ack_with(&f, isn, NULL, 0);
    assert_int_equal(fe_timer_in(&f), 3 * TC_SEC);
    fe_advance(&f, tc_timing_default.floor);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_advance(&f, 1);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    rf_expect_ack_with(&f, isn, (const uint8_t *)SMALL_REQ, sizeof(SMALL_REQ) - 1);
    fe_free(&f);

    isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_quote(&f, 2, R2, 0);
    fe_fire(&f);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_free(&f);
}

/* --timing original: the SYN wait 30 s, the quotes 10 s, each round 30 s. */
static void test_rf_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_original, HTTP_PORT);
    uint8_t req[PULL_CAP];
    size_t len = ff_http_request(&f, req, sizeof(req));
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_timer_in(&f), 10 * TC_SEC);
    fe_advance(&f, 1 * TC_SEC);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    rf_expect_ack_with(&f, isn, req, len);
    assert_int_equal(fe_fire(&f), 9 * TC_SEC); /* the quotes */
    assert_int_equal(fe_fire(&f), 21 * TC_SEC);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rf_registry),
        cmocka_unit_test(test_rf_pass_on_silence),
        cmocka_unit_test(test_rf_v6_pass_on_silence),
        cmocka_unit_test(test_rf_data_reply_pass),
        cmocka_unit_test(test_rf_rst_fail),
        cmocka_unit_test(test_rf_reply_reserved_fail),
        cmocka_unit_test(test_rf_path_cleared_unk),
        cmocka_unit_test(test_rf_path_wins_over_verdict),
        cmocka_unit_test(test_rf_synack_reserved),
        cmocka_unit_test(test_rf_ignored_with_request_fail),
        cmocka_unit_test(test_rf_empty_ignored_unk),
        cmocka_unit_test(test_rf_request_acked_pass),
        cmocka_unit_test(test_rf_handshake_timeout_fail),
        cmocka_unit_test(test_rf_handshake_replies_fail),
        cmocka_unit_test(test_rf_retry_established),
        cmocka_unit_test(test_rf_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
