/* UrgentPointerTest (RFC 9293 MUST-30, MUST-31) driven through every verdict with synthetic
 * segments, quotes and the fake clock: the three urgent chunks (URG, pointers, the burst's
 * TTL only in IP ID and options), the reply, quotes showing URG or the pointer changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flags_fixture.h"
#include "tracebox/ttl_code.h"

extern const struct test_case urgent_pointer_test;

#define UP_WINDOW 4096
#define UP_MSS_HEX "020405b4"
#define UP_REPLY_WAIT (INFLIGHT + 500 * TC_MSEC)
#define UP_MBOX_HOP2 "Middlebox interference detected at or before hop 2 (URG/UP modified)"
#define UP_TIMEOUT "Timeout after handshake and request with urgent pointer"
#define UP_RST "RST in reply to request with urgent pointer"
#define SMALL_LEN (sizeof(SMALL_REQ) - 1)
/* Packets of an established UrgentPointerTest: SYN, ACK, then the burst of the first chunk. */
#define UP_BURST_FIRST 2

static uint32_t up_begin(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                         uint16_t port)
{
    ff_init(f, &urgent_pointer_test, fam, timing, port);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    ff_out(f, 0, &p);
    assert_int_equal(p.seg.flags, TCP_FLAG_SYN);
    assert_int_equal(p.seg.window, UP_WINDOW);
    assert_int_equal(p.seg.reserved, 0);
    assert_int_equal(p.seg.ack, 0);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_int_equal(p.ip.ttl, IP_DEFAULT_TTL);
    assert_int_equal(p.ip.ip_id, 0);
    assert_string_equal(p.opts_hex, UP_MSS_HEX);
    return p.seg.seq;
}

/* The SYN-ACK one RTT later: our ACK, the first third of the request as 30 traced copies
 * (the TTL only in the IP ID and the NOOP/EOL run: ACK number, window and urgent pointer
 * are as for the others), then the other two thirds once with TTL 30. Every chunk has URG
 * and the pointer at the end of the request. */
static void up_establish(struct fe *f, uint32_t isn, const uint8_t *req, size_t len)
{
    fe_advance(f, RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(f), UP_BURST_FIRST - 1 + HOP_LIMIT + 2);
    ff_expect(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, UP_WINDOW, 0, 0);
    size_t chunk = len / 3;
    bool v4 = f->t.env.src.family == IP_FAMILY_V4;
    struct fe_pkt p;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        ff_out(f, ttl, &p);
        assert_int_equal(p.seg.flags, TCP_FLAG_URG | TCP_FLAG_ACK);
        assert_int_equal(p.seg.seq, isn + 1);
        assert_int_equal(p.seg.ack, THEIR_ISN + 1);
        assert_int_equal(p.seg.window, UP_WINDOW);
        assert_int_equal(p.seg.urg_ptr, len);
        assert_int_equal(p.seg.reserved, 0);
        assert_int_equal(p.ip.ttl, ttl);
        assert_int_equal(p.ip.ip_id, v4 ? ttl_code16(ttl) : 0);
        char hex[2 * TCP_OPTS_MAX_BYTES + 1];
        ff_noops_eol_hex(ttl, hex);
        assert_string_equal(p.opts_hex, hex);
        assert_int_equal(p.seg.payload_len, chunk);
        assert_memory_equal(p.seg.payload, req, chunk);
    }
    for (size_t i = 1; i < 3; i++) {
        ff_out(f, HOP_LIMIT + i, &p);
        size_t off = i * chunk;
        size_t n = i == 2 ? len - off : chunk;
        assert_int_equal(p.seg.flags, TCP_FLAG_URG | TCP_FLAG_ACK);
        assert_int_equal(p.seg.seq, isn + 1 + (uint32_t)off);
        assert_int_equal(p.seg.ack, THEIR_ISN + 1);
        assert_int_equal(p.seg.window, UP_WINDOW);
        assert_int_equal(p.seg.urg_ptr, len - off);
        assert_int_equal(p.ip.ttl, HOP_LIMIT);
        assert_int_equal(p.ip.ip_id, 0);
        assert_string_equal(p.opts_hex, "");
        assert_int_equal(p.seg.payload_len, n);
        assert_memory_equal(p.seg.payload, req + off, n);
    }
    assert_int_equal(fe_timer_in(f), UP_REPLY_WAIT);
}

/* The small fake request: chunks of 3, 3 and 4 bytes, urgent pointers 10, 7 and 4. */
static uint32_t up_small(struct fe *f, enum fe_family fam)
{
    uint32_t isn = up_begin(f, fam, &tc_timing_default, SMALL_ALP_PORT);
    up_establish(f, isn, (const uint8_t *)SMALL_REQ, SMALL_LEN);
    struct fe_pkt p;
    ff_out(f, HOP_LIMIT + 2, &p);
    assert_int_equal(p.seg.urg_ptr, 4);
    return isn;
}

/* Our RST closing the connection after the request: window 0, no ACK. */
static void up_expect_close(const struct fe *f, uint32_t isn, size_t len)
{
    assert_int_equal(fe_n_out(f), 1);
    ff_expect_rst(f, 0, isn + 1 + (uint32_t)len);
}

/* Quote of the traced first chunk with this TTL; urg/up changed unless negative. */
static void up_quote(struct fe *f, unsigned ttl, const char *router, int urg, int up)
{
    struct icmp_quote q;
    ff_quote_of(f, UP_BURST_FIRST - 1 + ttl, router, &q);
    if (urg == 0)
        q.quote[13] &= (uint8_t)~TCP_FLAG_URG;
    if (up >= 0) {
        q.quote[18] = (uint8_t)(up >> 8);
        q.quote[19] = (uint8_t)up;
    }
    fe_deliver_quote(f, &q);
}

static void test_up_registry(void **state)
{
    (void)state;
    assert_string_equal(urgent_pointer_test.name, "UrgentPointerTest");
    assert_true(urgent_pointer_test.default_on);
    assert_true(urgent_pointer_test.needs_alp);
    assert_int_equal(urgent_pointer_test.packet_budget, HOP_LIMIT + 6);
}

/* The first ACK covering the first chunk decides; duplicate ACKs from before (ack of the
 * SYN-ACK only) and numbers we never sent do not. The verdict waits for the quotes. */
static void up_pass(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = up_small(&f, fam);
    up_quote(&f, 1, fam == FE_V4 ? R1 : R1_V6, -1, -1);
    up_quote(&f, 2, fam == FE_V4 ? R2 : R2_V6, -1, -1);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + SMALL_LEN + 1, 0, 0);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + 3, 0, 0);
    up_expect_close(&f, isn, SMALL_LEN);
    assert_false(f.t.done);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0, 0, 0); /* after the verdict: ignored */
    assert_int_equal(fe_fire(&f), INFLIGHT - RTT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 2);
    fe_expect_hop(&f, 0, 1, fam == FE_V4 ? R1 : R1_V6);
    fe_expect_hop(&f, 1, 2, fam == FE_V4 ? R2 : R2_V6);
    fe_free(&f);
}

static void test_up_pass(void **state)
{
    (void)state;
    up_pass(FE_V4);
}

static void test_up_v6_pass(void **state)
{
    (void)state;
    up_pass(FE_V6);
}

/* The real HTTP request on port 80: the whole request acknowledged with data. */
static void test_up_http_pass(void **state)
{
    (void)state;
    struct fe f;
    uint8_t req[PULL_CAP];
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    size_t len = ff_http_request(&f, req, sizeof(req));
    up_establish(&f, isn, req, len);
    fe_advance(&f, INFLIGHT);
    ff_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 20);
    up_expect_close(&f, isn, len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 5);
    fe_free(&f);
}

static void test_up_rst_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V4);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, UP_RST, NULL);
    (void)isn;
    fe_free(&f);
}

static void test_up_timeout_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V4);
    up_quote(&f, 1, R1, -1, -1);
    assert_int_equal(fe_fire(&f), UP_REPLY_WAIT);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_FAIL, STAGE, UP_TIMEOUT, NULL);
    fe_free(&f);
}

/* A router cleared URG (and so the pointer): the path is blamed over the host's PASS. */
static void test_up_urg_cleared_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V4);
    up_quote(&f, 1, R1, -1, -1);
    up_quote(&f, 3, R3, 0, 0);
    up_quote(&f, 2, R2, 0, 0);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + SMALL_LEN, 0, 0);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2,
                     "{\"diff\":[\"0x20,000a\",\"0x00,0000\"]}");
    assert_int_equal(f.t.path_len, 2);
    fe_free(&f);

    /* v6: the hop from the NOOP run alone */
    isn = up_small(&f, FE_V6);
    up_quote(&f, 2, R2_V6, 0, -1);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + 3, 0, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2,
                     "{\"diff\":[\"0x20,000a\",\"0x00,000a\"]}");
    fe_free(&f);
}

/* The pointer changed, URG kept: blamed over a timeout and over a RST. A quote too short
 * to hold the pointer shows nothing. */
static void test_up_pointer_changed_unk(void **state)
{
    (void)state;
    struct fe f;
    up_small(&f, FE_V4);
    struct icmp_quote q;
    ff_quote_of(&f, UP_BURST_FIRST, R1, &q);
    q.quote[13] = 0;
    q.quote_len = TCP_HDR_MIN - 1;
    fe_deliver_quote(&f, &q);
    up_quote(&f, 2, R2, -1, 5);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2,
                     "{\"diff\":[\"0x20,000a\",\"0x20,0005\"]}");
    assert_int_equal(f.t.path_len, 2);
    fe_free(&f);

    up_small(&f, FE_V6);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0, 0, 0);
    up_quote(&f, 2, R2_V6, -1, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2,
                     "{\"diff\":[\"0x20,000a\",\"0x20,0000\"]}");
    fe_free(&f);
}

static void test_up_missing_alp_unk(void **state)
{
    (void)state;
    struct fe f;
    ff_init(&f, &urgent_pointer_test, FE_V4, &tc_timing_default, NO_ALP_PORT);
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, 0, "Missing ALP module for port 22", NULL);
    assert_int_equal(f.t.done_at, FE_T0);
    fe_free(&f);
}

/* The ALP has no request that fits a segment: reset, inconclusive. */
static void up_no_data(uint16_t port, enum fe_family fam)
{
    struct fe f;
    uint32_t isn = up_begin(&f, fam, &tc_timing_default, port);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 2);
    ff_expect(&f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, UP_WINDOW, 0, 0);
    ff_expect_rst(&f, 1, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, "ALP data unavailable", NULL);
    fe_free(&f);
}

static void test_up_alp_data_unavailable_unk(void **state)
{
    (void)state;
    up_no_data(BIG_ALP_PORT, FE_V4);
    up_no_data(BROKEN_ALP_PORT, FE_V6);
    up_no_data(NO_SESSION_ALP_PORT, FE_V4);
}

/* The plain SYN's failures, as _synchronize reports them. */
static void test_up_handshake_failures(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);

    isn = up_begin(&f, FE_V6, &tc_timing_default, SMALL_ALP_PORT);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);

    isn = up_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 7, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 7);
    fe_expect_result(&f, TC_FAIL, STAGE, "Wrong SEQ acked in reply to SYN during handshake", NULL);
    fe_free(&f);

    isn = up_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-SYN-ACK in reply to SYN during handshake", NULL);
    fe_free(&f);
}

/* --timing original: the SYN wait 30 s, the reply 30 s. */
static void test_up_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_original, SMALL_ALP_PORT);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1 + HOP_LIMIT + 2);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + SMALL_LEN, 0, 0);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC - RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_registry),
        cmocka_unit_test(test_up_pass),
        cmocka_unit_test(test_up_v6_pass),
        cmocka_unit_test(test_up_http_pass),
        cmocka_unit_test(test_up_rst_fail),
        cmocka_unit_test(test_up_timeout_fail),
        cmocka_unit_test(test_up_urg_cleared_unk),
        cmocka_unit_test(test_up_pointer_changed_unk),
        cmocka_unit_test(test_up_missing_alp_unk),
        cmocka_unit_test(test_up_alp_data_unavailable_unk),
        cmocka_unit_test(test_up_handshake_failures),
        cmocka_unit_test(test_up_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
