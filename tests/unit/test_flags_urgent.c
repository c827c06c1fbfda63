/* UrgentPointerTest (RFC 9293 MUST-30, MUST-31) driven through every verdict with synthetic
 * segments, quotes and the fake clock: the three urgent chunks (URG, pointers, the traced
 * first chunk's TTL only in IP ID and options, as the original's burst or path-aware), the
 * acknowledgment, the alive probe when none comes and the resend, quotes showing URG or the
 * pointer changed or the first chunk dropped by the path. */
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
#define UP_DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define UP_TIMEOUT "Timeout after handshake and request with urgent pointer"
#define UP_RST "RST in reply to request with urgent pointer"
#define UP_NOT_TAKEN "Request with urgent pointer not acknowledged"
#define UP_GONE "Connection gone after request with urgent pointer"
#define UP_NO_ANSWER "No answer after the request with urgent pointer"
/* The alive probe lies this far before SND.NXT (connection.c). */
#define UP_ALIVE_BEHIND 0x20000u
#define SMALL_LEN (sizeof(SMALL_REQ) - 1)
/* Packets of an established UrgentPointerTest: SYN, ACK, then the burst of the first chunk. */
#define UP_BURST_FIRST 2

static uint32_t up_begin(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                         uint16_t port, bool path)
{
    ff_init(f, &urgent_pointer_test, fam, timing, port);
    if (path)
        fe_set_lab_path(f);
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

/* The SYN-ACK one RTT later: our ACK, the first third of the request as the traced probe
 * (the TTL only in the IP ID and the NOOP/EOL run: ACK number, window and urgent pointer are
 * as for the others), then the other two thirds once with TTL 30. Without path knowledge
 * the probe is 30 copies with TTL 1..30 back to back; with the lab path the host's copy
 * (TTL 30) and TTL 1 and 2, 1 ms apart. Every chunk has URG and the pointer at the end of
 * the request. */
static void up_establish(struct fe *f, uint32_t isn, const uint8_t *req, size_t len)
{
    bool path = f->t.env.path.discovered;
    size_t copies = path ? 3 : HOP_LIMIT;
    fe_advance(f, RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(f), 1 + copies + 2);
    ff_expect(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, UP_WINDOW, 0, 0);
    size_t chunk = len / 3;
    bool v4 = f->t.env.src.family == IP_FAMILY_V4;
    struct fe_pkt p;
    for (size_t i = 0; i < copies; i++) {
        unsigned ttl = path ? (i == 0 ? HOP_LIMIT : (unsigned)i) : (unsigned)i + 1;
        tc_time delay = path ? (tc_time)i * TC_BURST_GAP : 0;
        ff_out(f, 1 + i, &p);
        assert_int_equal(p.seg.flags, TCP_FLAG_URG | TCP_FLAG_ACK);
        assert_int_equal(p.seg.seq, isn + 1);
        assert_int_equal(p.seg.ack, THEIR_ISN + 1);
        assert_int_equal(p.seg.window, UP_WINDOW);
        assert_int_equal(p.seg.urg_ptr, len);
        assert_int_equal(p.seg.reserved, 0);
        assert_int_equal(p.ip.ttl, ttl);
        assert_int_equal(p.ip.ip_id, v4 ? ttl_code16(ttl) : 0);
        assert_int_equal(f->t.out[1 + i].delay, delay);
        char hex[2 * TCP_OPTS_MAX_BYTES + 1];
        ff_noops_eol_hex(ttl, hex);
        assert_string_equal(p.opts_hex, hex);
        assert_int_equal(p.seg.payload_len, chunk);
        assert_memory_equal(p.seg.payload, req, chunk);
    }
    for (size_t i = 1; i < 3; i++) {
        ff_out(f, copies + i, &p);
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
        assert_int_equal(f->t.out[copies + i].delay, 0);
    }
    assert_int_equal(fe_timer_in(f), UP_REPLY_WAIT);
}

/* The small fake request: chunks of 3, 3 and 4 bytes, urgent pointers 10, 7 and 4; the
 * lab path known (path) or not. */
static uint32_t up_small_on(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                            bool path)
{
    uint32_t isn = up_begin(f, fam, timing, SMALL_ALP_PORT, path);
    up_establish(f, isn, (const uint8_t *)SMALL_REQ, SMALL_LEN);
    struct fe_pkt p;
    ff_out(f, fe_n_out(f) - 1, &p);
    assert_int_equal(p.seg.urg_ptr, 4);
    return isn;
}

static uint32_t up_small(struct fe *f, enum fe_family fam)
{
    return up_small_on(f, fam, &tc_timing_default, false);
}

/* Our RST closing the connection after the request: window 0, no ACK. */
static void up_expect_close(const struct fe *f, uint32_t isn, size_t len)
{
    assert_int_equal(fe_n_out(f), 1);
    ff_expect_rst(f, 0, isn + 1 + (uint32_t)len);
}

/* Quote of the traced first chunk with this TTL; urg/up changed unless negative. */
static void up_quote(struct fe *f, unsigned ttl, int urg, int up)
{
    struct icmp_quote q;
    ff_quote_ttl(f, ttl, &q);
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
    assert_int_equal(urgent_pointer_test.packet_budget, HOP_LIMIT + 11);
}

/* The first ACK covering the first chunk decides; duplicate ACKs from before (ack of the
 * SYN-ACK only), part of the first chunk and numbers we never sent do not. The verdict
 * waits for the quotes. */
static void up_pass(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = up_small(&f, fam);
    up_quote(&f, 1, -1, -1);
    up_quote(&f, 2, -1, -1);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + 2, 0, 0);
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
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT, false);
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

/* No acknowledgment within one in-flight wait plus the longest ACK delay (MUST-40): the
 * alive probe, an ACK far below SND.NXT, asks the host for its RCV.NXT. */
static void up_expect_alive_probe(const struct fe *f, uint32_t isn, size_t len)
{
    assert_int_equal(fe_n_out(f), 1);
    ff_expect(f, 0, TCP_FLAG_ACK, isn + 1 + (uint32_t)len - UP_ALIVE_BEHIND, THEIR_ISN + 1,
              UP_WINDOW, 0, 0);
    assert_int_equal(f->t.out[0].delay, 0);
    assert_int_equal(fe_timer_in(f), INFLIGHT);
}

/* The host's answer to the alive probe: an ACK carrying its RCV.NXT. */
static void up_alive_ack(struct fe *f, uint32_t their_rcv_nxt)
{
    fe_advance(f, RTT);
    ff_deliver(f, TCP_FLAG_ACK, THEIR_ISN + 1, their_rcv_nxt, 0, 0);
}

/* The request resent as a retransmission timeout would: three plain urgent chunks. */
static void up_expect_resend(const struct fe *f, uint32_t isn)
{
    static const size_t offs[3] = {0, 3, 6}, lens[3] = {3, 3, 4};
    assert_int_equal(fe_n_out(f), 3);
    for (size_t i = 0; i < 3; i++) {
        struct fe_pkt p;
        ff_out(f, i, &p);
        assert_int_equal(p.seg.flags, TCP_FLAG_URG | TCP_FLAG_ACK);
        assert_int_equal(p.seg.seq, isn + 1 + (uint32_t)offs[i]);
        assert_int_equal(p.seg.ack, THEIR_ISN + 1);
        assert_int_equal(p.seg.window, UP_WINDOW);
        assert_int_equal(p.seg.urg_ptr, SMALL_LEN - offs[i]);
        assert_int_equal(p.ip.ttl, HOP_LIMIT);
        assert_int_equal(p.ip.ip_id, 0);
        assert_string_equal(p.opts_hex, "");
        assert_int_equal(p.seg.payload_len, lens[i]);
        assert_memory_equal(p.seg.payload, SMALL_REQ + offs[i], lens[i]);
    }
    assert_int_equal(fe_timer_in(f), UP_REPLY_WAIT);
}

/* The alive probe says the request was taken (its ACK was lost or is still delayed): PASS. */
static void test_up_alive_probe_taken_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V4);
    assert_int_equal(fe_fire(&f), UP_REPLY_WAIT);
    up_expect_alive_probe(&f, isn, SMALL_LEN);
    up_alive_ack(&f, isn + 1 + SMALL_LEN);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* The connection is there but has not taken the request: sent once more. Acknowledged
 * then: PASS. Not taken again, by the host's own ACK: FAIL. */
static void test_up_resend_then_verdict(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V6);
    fe_fire(&f);
    up_alive_ack(&f, isn + 1);
    up_expect_resend(&f, isn);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0); /* says nothing yet */
    assert_int_equal(fe_n_out(&f), 0);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + SMALL_LEN, 0, 0);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    isn = up_small(&f, FE_V4);
    up_quote(&f, 1, -1, -1);
    fe_fire(&f);
    up_alive_ack(&f, isn + 1);
    up_expect_resend(&f, isn);
    assert_int_equal(fe_fire(&f), UP_REPLY_WAIT);
    up_expect_alive_probe(&f, isn, SMALL_LEN);
    up_alive_ack(&f, isn + 1);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_FAIL, STAGE, UP_NOT_TAKEN, NULL);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 10);
    assert_true(fe_n_sent(&f) <= urgent_pointer_test.packet_budget);
    fe_free(&f);
}

/* The alive probe answered by a RST, or not at all: the host's handling of the urgent data
 * cannot be told. UNK, never a FAIL from silence. */
static void test_up_gone_or_silent_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V4);
    fe_fire(&f);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, isn + 1 + SMALL_LEN - UP_ALIVE_BEHIND, 0, 0, 0);
    assert_int_equal(fe_n_out(&f), 0); /* never a RST for a RST */
    fe_expect_result(&f, TC_UNK, STAGE, UP_GONE, NULL);
    fe_free(&f);

    isn = up_small(&f, FE_V6);
    fe_fire(&f);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_UNK, STAGE, UP_NO_ANSWER, NULL);
    fe_free(&f);

    /* a RST while waiting for the acknowledgment of the resent request is the host's */
    isn = up_small(&f, FE_V4);
    fe_fire(&f);
    up_alive_ack(&f, isn + 1);
    up_expect_resend(&f, isn);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, UP_RST, NULL);
    fe_free(&f);
}

/* --timing original keeps the original's verdict on silence: FAIL after 30 s. */
static void test_up_original_timeout_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_original, SMALL_ALP_PORT, false);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    up_quote(&f, 1, -1, -1);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
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
    up_quote(&f, 1, -1, -1);
    up_quote(&f, 3, 0, 0);
    up_quote(&f, 2, 0, 0);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + SMALL_LEN, 0, 0);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2, "{\"diff\":[\"0x20,000a\",\"0x00,0000\"]}");
    assert_int_equal(f.t.path_len, 2);
    fe_free(&f);

    /* v6: the hop from the NOOP run alone */
    isn = up_small(&f, FE_V6);
    up_quote(&f, 2, 0, -1);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + 3, 0, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2, "{\"diff\":[\"0x20,000a\",\"0x00,000a\"]}");
    fe_free(&f);
}

/* The pointer changed, URG kept: blamed over a silence and over a RST. A quote too short
 * to hold the pointer shows nothing. */
static void test_up_pointer_changed_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small(&f, FE_V4);
    struct icmp_quote q;
    ff_quote_of(&f, UP_BURST_FIRST, R1, &q);
    q.quote[13] = 0;
    q.quote_len = TCP_HDR_MIN - 1;
    fe_deliver_quote(&f, &q);
    up_quote(&f, 2, -1, 5);
    fe_fire(&f);
    up_expect_alive_probe(&f, isn, SMALL_LEN);
    fe_fire(&f);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2, "{\"diff\":[\"0x20,000a\",\"0x20,0005\"]}");
    assert_int_equal(f.t.path_len, 2);
    fe_free(&f);

    up_small(&f, FE_V6);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0, 0, 0);
    up_quote(&f, 2, -1, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2, "{\"diff\":[\"0x20,000a\",\"0x20,0000\"]}");
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
    uint32_t isn = up_begin(&f, fam, &tc_timing_default, port, false);
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
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT, false);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&f);

    isn = up_begin(&f, FE_V6, &tc_timing_default, SMALL_ALP_PORT, false);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);

    isn = up_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT, false);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 7, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 7);
    fe_expect_result(&f, TC_FAIL, STAGE, "Wrong SEQ acked in reply to SYN during handshake", NULL);
    fe_free(&f);

    isn = up_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT, false);
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
    uint32_t isn = up_begin(&f, FE_V4, &tc_timing_original, SMALL_ALP_PORT, false);
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

/* Path-aware: the host gets the first chunk once; the verdict comes with the last quote
 * expected (hops 1 and 2), not after the in-flight wait. */
static void up_path_pass(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = up_small_on(&f, fam, &tc_timing_default, true);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + 3, 0, 0);
    up_expect_close(&f, isn, SMALL_LEN);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), 2 * TC_BURST_GAP + INFLIGHT - RTT);
    up_quote(&f, 1, -1, -1);
    assert_false(f.t.done);
    up_quote(&f, 2, -1, -1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    fe_expect_lab_path(&f, 2);
    assert_int_equal(fe_n_sent(&f), 1 + 1 + 3 + 2 + 1);
    fe_free(&f);
}

static void test_up_path_aware_pass(void **state)
{
    (void)state;
    up_path_pass(FE_V4);
    up_path_pass(FE_V6);
}

/* Path-aware: quotes in first and showing URG cleared: the path's verdict at once. */
static void test_up_path_aware_mbox(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = up_small_on(&f, FE_V6, &tc_timing_default, true);
    up_quote(&f, 1, -1, -1);
    up_quote(&f, 2, 0, 0);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + SMALL_LEN, 0, 0);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, TC_UNK, STAGE, UP_MBOX_HOP2, "{\"diff\":[\"0x20,000a\",\"0x00,0000\"]}");
    fe_free(&f);
}

/* Path-aware: hop 2 quoted this target's other probes but not the urgent chunk, and the
 * host's own ACKs say it never got the request: the path dropped it (UNK, hop 2), not the
 * host. With every hop quoting, the same ACKs are the host's FAIL. */
static void up_path_not_taken(enum fe_family fam, bool hop2_quotes, enum tc_status st,
                              const char *reason, const char *custom)
{
    struct fe f;
    uint32_t isn = up_small_on(&f, fam, &tc_timing_default, true);
    up_quote(&f, 1, -1, -1);
    if (hop2_quotes)
        up_quote(&f, 2, -1, -1);
    fe_fire(&f);
    up_expect_alive_probe(&f, isn, SMALL_LEN);
    up_alive_ack(&f, isn + 1);
    up_expect_resend(&f, isn);
    fe_fire(&f);
    up_alive_ack(&f, isn + 1);
    up_expect_close(&f, isn, SMALL_LEN);
    fe_expect_result(&f, st, STAGE, reason, custom);
    fe_expect_lab_path(&f, hop2_quotes ? 2 : 1);
    fe_free(&f);
}

static void test_up_path_dropped_unk(void **state)
{
    (void)state;
    up_path_not_taken(FE_V4, false, TC_UNK, UP_DROPPED_HOP2,
                      "{\"diff\":[\"quote from hop 2\",\"\"]}");
    up_path_not_taken(FE_V6, false, TC_UNK, UP_DROPPED_HOP2,
                      "{\"diff\":[\"quote from hop 2\",\"\"]}");
    up_path_not_taken(FE_V4, true, TC_FAIL, UP_NOT_TAKEN, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_registry),
        cmocka_unit_test(test_up_pass),
        cmocka_unit_test(test_up_v6_pass),
        cmocka_unit_test(test_up_http_pass),
        cmocka_unit_test(test_up_rst_fail),
        cmocka_unit_test(test_up_alive_probe_taken_pass),
        cmocka_unit_test(test_up_resend_then_verdict),
        cmocka_unit_test(test_up_gone_or_silent_unk),
        cmocka_unit_test(test_up_original_timeout_fail),
        cmocka_unit_test(test_up_urg_cleared_unk),
        cmocka_unit_test(test_up_pointer_changed_unk),
        cmocka_unit_test(test_up_missing_alp_unk),
        cmocka_unit_test(test_up_alp_data_unavailable_unk),
        cmocka_unit_test(test_up_handshake_failures),
        cmocka_unit_test(test_up_original_waits),
        cmocka_unit_test(test_up_path_aware_pass),
        cmocka_unit_test(test_up_path_aware_mbox),
        cmocka_unit_test(test_up_path_dropped_unk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
