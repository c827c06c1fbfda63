/* ReservedFlagsTest (RFC 9293 3.1, Rsrvd) driven through every verdict with synthetic
 * segments, quotes and the fake clock: the reserved bit in the traced SYNs (the original's
 * burst and the path-aware probe) and the ACKs, the state probe after each ACK and its
 * answers (RST <SEQ=SEG.ACK>, RST+ACK as lwIP sends it, the SYN-ACK again, an ACK), the ALP
 * request on repeated rounds, silence, SYN-ACKs that crossed the ACK, the control SYN, and
 * quotes showing the bits changed or the probe dropped (path first). */
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
#define RF_CONTROL_WINDOW 4096
/* The control SYN lies this far beyond the SYN under test (syn_probe.c). */
#define RF_CONTROL_OFFSET 0x20000u
/* The state probe acknowledges this much beyond RCV.NXT + our window (connection.c), one
 * more for every probe: SEG.ACK of the k-th. */
#define RF_PROBE_AHEAD 1000u
#define RF_PROBE_ACK(k) (THEIR_ISN + 1 + RF_ACK_WINDOW + RF_PROBE_AHEAD + (uint32_t)(k))
/* A round waits for the state probe's answer: the probe leaves TC_ORDER_GAP after the ACK. */
#define RF_ROUND_WAIT (TC_ORDER_GAP + INFLIGHT)
/* With no RTT known the quotes are awaited for the longest in-flight wait. */
#define QUOTES_NO_RTT (10 * TC_SEC)
#define RF_SUFFIX " with reserved flag"
#define RF_MBOX_HOP2 "Middlebox interference detected at or before hop 2 (reserved flags reset)"
#define RF_DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define RF_DIFF_CLEARED "{\"diff\":[\"0b0100\",\"0b0000\"]}"
#define RF_SYNACK_RSRVD                                                                            \
    "Reserved flags not zeroed in reply to SYN during handshake with reserved flag"
#define RF_REPLY_RSRVD "Reserved flags not zeroed in reply to ACK with reserved flag"
#define RF_RST "RST in reply to ACK with reserved flag"
#define RF_IGNORED "ACK with reserved flag ignored"
#define RF_EMPTY_IGNORED "Empty ACK with reserved flag ignored"
#define RF_NO_ANSWER                                                                               \
    "No answer to the state probe after the ACK with reserved flag: cannot tell whether it "       \
    "was taken"
#define RF_TIMEOUT "Timeout during handshake" RF_SUFFIX
#define RF_HS_RST "RST in reply to SYN during handshake" RF_SUFFIX
#define RF_CONTROL_ANSWERED "; a SYN without it was answered"
#define RF_CONTROL_SILENT "; no answer to a SYN without it either"
#define RF_CONTROL_REFUSED "; a SYN without it was refused too"

/* Start without path knowledge: 30 SYNs with the reserved bit, the TTL in the ACK number,
 * window, urgent pointer, options (NOOPs then EOL) and, v4, the IP ID. Returns the ISN. */
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
        assert_int_equal(f->t.out[ttl - 1].delay, 0);
        char hex[2 * TCP_OPTS_MAX_BYTES + 1];
        ff_noops_eol_hex(ttl, hex);
        assert_string_equal(p.opts_hex, hex);
    }
    return isn;
}

/* Start with the lab path known (host at hop 3, hops 1 and 2 quoting): the host's copy with
 * TTL 30, then TTL 1 and 2, 1 ms apart, each with the reserved bit and its code everywhere. */
static uint32_t rf_begin_path(struct fe *f, enum fe_family fam, uint16_t port)
{
    ff_init(f, &reserved_flags_test, fam, &tc_timing_default, port);
    fe_set_lab_path(f);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 3);
    uint32_t isn = fe_expect_probe(f, 0, 2, TTL_ENC_ALL, TCP_FLAG_SYN, NULL);
    static const unsigned ttls[3] = {HOP_LIMIT, 1, 2};
    for (size_t i = 0; i < 3; i++) {
        struct fe_pkt p;
        ff_out(f, i, &p);
        assert_int_equal(p.seg.reserved, RSRVD);
        char hex[2 * TCP_OPTS_MAX_BYTES + 1];
        ff_noops_eol_hex(ttls[i], hex);
        assert_string_equal(p.opts_hex, hex);
    }
    return isn;
}

/* The ACK completing the handshake: reserved bit, window 1024. */
static void rf_expect_ack(const struct fe *f, size_t i, uint32_t isn, size_t payload_len)
{
    ff_expect(f, i, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, RF_ACK_WINDOW, RSRVD, payload_len);
}

/* The k-th state probe: an ACK at SND.NXT for data the host never sent, no reserved bit. */
static void rf_expect_state_probe(const struct fe *f, size_t i, uint32_t seq, unsigned k,
                                  tc_time delay)
{
    ff_expect(f, i, TCP_FLAG_ACK, seq, RF_PROBE_ACK(k), RF_ACK_WINDOW, 0, 0);
    assert_int_equal(f->t.out[i].delay, delay);
}

/* A round: our ACK (reserved bit, with this payload) and, TC_ORDER_GAP later so that it
 * cannot overtake it, the k-th state probe. */
static void rf_expect_round(const struct fe *f, uint32_t isn, unsigned k, const uint8_t *req,
                            size_t len)
{
    assert_int_equal(fe_n_out(f), 2);
    rf_expect_ack(f, 0, isn, len);
    assert_int_equal(f->t.out[0].delay, 0);
    struct fe_pkt p;
    ff_out(f, 0, &p);
    if (len > 0)
        assert_memory_equal(p.seg.payload, req, len);
    rf_expect_state_probe(f, 1, isn + 1 + (uint32_t)len, k, TC_ORDER_GAP);
    assert_int_equal(fe_timer_in(f), RF_ROUND_WAIT);
}

/* The SYN-ACK one RTT later: the first round goes out. */
static void rf_establish(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    ff_deliver(f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    rf_expect_round(f, isn, 0, NULL, 0);
    assert_int_equal(f->t.rtt, RTT);
}

/* Quote of the traced SYN with this TTL, its reserved nibble replaced (-1: as sent). */
static void rf_quote(struct fe *f, unsigned ttl, int rsrvd)
{
    struct icmp_quote q;
    ff_quote_ttl(f, ttl, &q);
    if (rsrvd >= 0)
        q.quote[12] = (uint8_t)((q.quote[12] & 0xf0) | rsrvd);
    fe_deliver_quote(f, &q);
}

/* How a host still in SYN-RECEIVED answers the k-th state probe. */
enum rf_not_synced {
    NS_RST,    /* RST <SEQ=SEG.ACK> (RFC 9293 3.10.7.3: Linux, gVisor, BSD) */
    NS_RSTACK, /* the same with ACK set (lwIP) */
    NS_SYNACK, /* its SYN-ACK again (a retransmission) */
};

static void rf_not_synced(struct fe *f, uint32_t isn, unsigned k, enum rf_not_synced how)
{
    switch (how) {
    case NS_RST:
        ff_deliver(f, TCP_FLAG_RST, RF_PROBE_ACK(k), 0, 0, 0);
        break;
    case NS_RSTACK:
        ff_deliver(f, TCP_FLAG_RST | TCP_FLAG_ACK, RF_PROBE_ACK(k), isn + 1, 0, 0);
        break;
    case NS_SYNACK:
        ff_deliver(f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
        break;
    }
}

static void test_rf_registry(void **state)
{
    (void)state;
    assert_string_equal(reserved_flags_test.name, "ReservedFlagsTest");
    assert_true(reserved_flags_test.default_on);
    assert_false(reserved_flags_test.needs_alp);
    assert_int_equal(reserved_flags_test.packet_budget, HOP_LIMIT + 16);
}

/* The state probe answered with an ACK (RFC 9293 3.10.7.4): the ACK with the reserved bit
 * completed the handshake. The burst's duplicate SYN-ACKs within one RTT of our ACK crossed
 * it and say nothing; a path that set the AE bit (the lowest, not checked) is no
 * interference. The verdict waits for the burst's quotes. */
static void rf_pass_on_state_probe_ack(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = rf_begin(&f, fam, &tc_timing_default, HTTP_PORT);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    rf_establish(&f, isn);
    rf_quote(&f, 1, -1);
    rf_quote(&f, 2, RSRVD | 0x1);
    fe_advance(&f, RTT / 2);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_advance(&f, RTT / 2);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), INFLIGHT - 2 * RTT); /* the quotes: no change */
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_rf_pass_on_state_probe_ack(void **state)
{
    (void)state;
    rf_pass_on_state_probe_ack(FE_V4);
}

static void test_rf_v6_pass_on_state_probe_ack(void **state)
{
    (void)state;
    rf_pass_on_state_probe_ack(FE_V6);
}

/* A reply to the ACK: reset where needed; the verdict waits for the quotes. */
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
    assert_int_equal(fe_fire(&f), INFLIGHT - 2 * RTT - 1);
    fe_expect_result(&f, st, st == TC_PASS ? -1 : STAGE, reason, NULL);
    fe_free(&f);
}

/* Data, a FIN, an ACK: only a synchronized connection sends them. */
static void test_rf_data_reply_pass(void **state)
{
    (void)state;
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_PSH, 0, 10, true, TC_PASS, "");
    /* the AE bit is not ours to judge */
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_PSH, 0x1, 10, true, TC_PASS, "");
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_FIN, 0, 0, true, TC_PASS, "");
    rf_reply(TCP_FLAG_ACK, 0, 0, true, TC_PASS, "");
}

/* A RST in the window we offered: the host refused the ACK itself. */
static void test_rf_rst_fail(void **state)
{
    (void)state;
    rf_reply(TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0, false, TC_FAIL, RF_RST);
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + RF_ACK_WINDOW, 0, 0, 0); /* the window's last */
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_RST, NULL);
    fe_free(&f);
}

static void test_rf_reply_reserved_fail(void **state)
{
    (void)state;
    rf_reply(TCP_FLAG_ACK, 0x8, 0, true, TC_FAIL, RF_REPLY_RSRVD);
    rf_reply(TCP_FLAG_ACK | TCP_FLAG_PSH, 0x2, 5, true, TC_FAIL, RF_REPLY_RSRVD);
}

/* A router cleared the reserved bits: the quotes of hops 2 and 3 show it, hop 1 not. The
 * host's PASS is not given: the path is blamed. */
static void test_rf_path_cleared_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    rf_quote(&f, 1, -1);
    rf_quote(&f, 3, 0);
    rf_quote(&f, 2, 0);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    /* v6: hops from the TCP fields alone; a bit set by the path is a change too */
    isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    rf_establish(&f, isn);
    rf_quote(&f, 2, RSRVD | 0x8);
    ff_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, isn + 1, 0, 3);
    ff_expect_rst(&f, 0, isn + 1);
    fe_fire(&f);
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
    rf_quote(&f, 2, 0);
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
    assert_int_equal(fe_timer_in(&f), INFLIGHT - RTT);
    rf_quote(&f, 1, -1);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x2, 0); /* a duplicate */
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_SYNACK_RSRVD, NULL);
    fe_free(&f);

    isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x8, 0);
    rf_quote(&f, 2, RSRVD | 0x2);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, "{\"diff\":[\"0b0100\",\"0b0110\"]}");
    fe_free(&f);

    /* the AE bit alone is fine */
    isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0x1, 0);
    rf_expect_round(&f, isn, 0, NULL, 0);
    assert_false(f.t.done);
    fe_free(&f);
}

/* The host shows twice that it is still in SYN-RECEIVED after our ACK (answering the state
 * probe as `how`): the ACK is repeated twice, with the port's ALP request when there is one
 * that fits a segment, each repeat followed by a new state probe. SYN-ACKs within one RTT of
 * an ACK crossed it and say nothing. Returns the payload length used. */
static size_t rf_ignored_twice(struct fe *f, uint16_t port, uint32_t *isn, uint8_t *req,
                               size_t fixed_len, const char *fixed, enum rf_not_synced how)
{
    *isn = rf_begin(f, FE_V4, &tc_timing_default, port);
    rf_establish(f, *isn);
    size_t len = fixed_len;
    if (port == HTTP_PORT)
        len = ff_http_request(f, req, PULL_CAP);
    else if (fixed != NULL)
        memcpy(req, fixed, fixed_len);
    fe_advance(f, RTT / 2);
    ff_deliver(f, SYNACK, THEIR_ISN, *isn + 1, 0, 0);
    assert_int_equal(fe_n_out(f), 0);
    fe_advance(f, RTT / 2);
    rf_not_synced(f, *isn, 0, how);
    rf_expect_round(f, *isn, 1, req, len);
    fe_advance(f, RTT - 1);
    ff_deliver(f, SYNACK, THEIR_ISN, *isn + 1, 0, 0); /* crossed the repeat */
    assert_int_equal(fe_n_out(f), 0);
    fe_advance(f, 1);
    rf_not_synced(f, *isn, 1, how);
    rf_expect_round(f, *isn, 2, req, len);
    return len;
}

/* A third time: reset at the ISS + 1, where the embryonic connection expects it. The
 * quotes' wait (4 RTTs since the burst) is over by then: the verdict at once. */
static void rf_ignored(uint16_t port, size_t fixed_len, const char *fixed, enum rf_not_synced how,
                       enum tc_status st, const char *reason)
{
    struct fe f;
    uint32_t isn;
    uint8_t req[PULL_CAP];
    rf_ignored_twice(&f, port, &isn, req, fixed_len, fixed, how);
    fe_advance(&f, RTT);
    rf_not_synced(&f, isn, 2, how);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, st, STAGE, reason, NULL);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 7);
    fe_free(&f);
}

static void test_rf_ignored_with_request_fail(void **state)
{
    (void)state;
    rf_ignored(HTTP_PORT, 0, NULL, NS_RST, TC_FAIL, RF_IGNORED);
    rf_ignored(HTTP_PORT, 0, NULL, NS_RSTACK, TC_FAIL, RF_IGNORED);
    rf_ignored(HTTP_PORT, 0, NULL, NS_SYNACK, TC_FAIL, RF_IGNORED);
    rf_ignored(SMALL_ALP_PORT, sizeof(SMALL_REQ) - 1, SMALL_REQ, NS_RST, TC_FAIL, RF_IGNORED);
}

/* Without a request (no ALP, one too long for a segment, one that fails) an ignored ACK
 * may be TCP_DEFER_ACCEPT at work: inconclusive. */
static void test_rf_empty_ignored_unk(void **state)
{
    (void)state;
    rf_ignored(NO_ALP_PORT, 0, NULL, NS_RST, TC_UNK, RF_EMPTY_IGNORED);
    rf_ignored(BIG_ALP_PORT, 0, NULL, NS_RSTACK, TC_UNK, RF_EMPTY_IGNORED);
    rf_ignored(BROKEN_ALP_PORT, 0, NULL, NS_SYNACK, TC_UNK, RF_EMPTY_IGNORED);
    rf_ignored(NO_SESSION_ALP_PORT, 0, NULL, NS_RST, TC_UNK, RF_EMPTY_IGNORED);
}

/* The request was taken (TCP_DEFER_ACCEPT let the connection through): PASS, reset at the
 * acknowledged number; an answer with data passes too. */
static void test_rf_request_acked_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn;
    uint8_t req[PULL_CAP];
    size_t len = rf_ignored_twice(&f, HTTP_PORT, &isn, req, 0, NULL, NS_RST);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    len = rf_ignored_twice(&f, SMALL_ALP_PORT, &isn, req, sizeof(SMALL_REQ) - 1, SMALL_REQ,
                           NS_SYNACK);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 20);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* No answer to the state probe: asked once more (the probe or its answer may be lost);
 * answered then, the rounds go on. */
static void test_rf_state_probe_asked_again(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, NO_ALP_PORT);
    rf_establish(&f, isn);
    assert_int_equal(fe_fire(&f), RF_ROUND_WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    rf_expect_state_probe(&f, 0, isn + 1, 1, 0);
    assert_int_equal(fe_timer_in(&f), INFLIGHT);
    fe_advance(&f, RTT);
    rf_not_synced(&f, isn, 1, NS_RSTACK);
    rf_expect_round(&f, isn, 2, NULL, 0);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* Twice no answer. Without an ALP: the host's state cannot be told, UNK (never a PASS or a
 * FAIL from silence). */
static void test_rf_state_probe_silence_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V6, &tc_timing_default, NO_ALP_PORT);
    rf_establish(&f, isn);
    fe_fire(&f);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, RF_NO_ANSWER, NULL);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 4);
    fe_free(&f);
}

/* Twice no answer with an ALP: e.g. gVisor, which does not answer an ACK for unsent data in
 * ESTABLISHED. A request gets an answer from an established connection; silence after the
 * last round is UNK. */
static void test_rf_state_probe_silence_request(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    const uint8_t *req = (const uint8_t *)SMALL_REQ;
    const size_t len = sizeof(SMALL_REQ) - 1;
    rf_establish(&f, isn);
    fe_fire(&f);
    fe_fire(&f);
    rf_expect_round(&f, isn, 2, req, len);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 0);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    isn = rf_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    rf_establish(&f, isn);
    for (unsigned k = 2; k <= 4; k += 2) {
        fe_fire(&f);
        rf_expect_state_probe(&f, 0, isn + 1 + (uint32_t)(k == 2 ? 0 : len), k - 1, 0);
        fe_fire(&f);
        rf_expect_round(&f, isn, k, req, len);
    }
    fe_fire(&f);
    rf_expect_state_probe(&f, 0, isn + 1 + (uint32_t)len, 5, 0);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    fe_expect_result(&f, TC_UNK, STAGE, RF_NO_ANSWER, NULL);
    assert_true(fe_n_sent(&f) <= reserved_flags_test.packet_budget);
    fe_free(&f);
}

/* A late answer to an earlier state probe is not the latest's, and no refusal of the ACK:
 * neither in the same round nor after a repeat with the request. A RST beyond the window
 * we offered refuses nothing. */
static void test_rf_late_answer_to_earlier_probe(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, NO_ALP_PORT);
    rf_establish(&f, isn);
    fe_fire(&f); /* the probe asked again */
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, RF_PROBE_ACK(0), 0, 0, 0);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1 + RF_ACK_WINDOW, 0, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    rf_not_synced(&f, isn, 1, NS_RST);
    rf_expect_round(&f, isn, 2, NULL, 0);
    fe_free(&f);

    uint8_t req[PULL_CAP];
    isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    size_t len = ff_http_request(&f, req, sizeof(req));
    rf_establish(&f, isn);
    fe_fire(&f);
    fe_fire(&f);
    rf_expect_round(&f, isn, 2, req, len);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, RF_PROBE_ACK(0), 0, 0, 0);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, RF_PROBE_ACK(1), isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 0);
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

/* The retry drew nothing either: the control SYN, without the reserved bit. */
static void rf_expect_control(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    ff_expect(f, 0, TCP_FLAG_SYN, isn + RF_CONTROL_OFFSET, 0, RF_CONTROL_WINDOW, 0, 0);
}

/* Burst (1 s) and retry (2 s: no RTT known, RFC 6298 (5.5)) unanswered: the control SYN. */
static uint32_t rf_to_control(struct fe *f, enum fe_family fam, bool path)
{
    uint32_t isn =
        path ? rf_begin_path(f, fam, HTTP_PORT) : rf_begin(f, fam, &tc_timing_default, HTTP_PORT);
    assert_int_equal(fe_fire(f), 1 * TC_SEC);
    rf_expect_retry(f, isn);
    assert_int_equal(fe_fire(f), 2 * TC_SEC);
    rf_expect_control(f, isn);
    assert_int_equal(fe_timer_in(f), 2 * TC_SEC);
    return isn;
}

/* The control SYN is answered: the host answers SYNs, only not this one. FAIL, once the
 * quotes (10 s with no RTT known) show no change. */
static void test_rf_handshake_timeout_control_answered_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_to_control(&f, FE_V4, false);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + RF_CONTROL_OFFSET + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + RF_CONTROL_OFFSET + 1);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), QUOTES_NO_RTT - 3 * TC_SEC - RTT);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_TIMEOUT RF_CONTROL_ANSWERED, NULL);
    fe_free(&f);

    /* the path cleared the bit: a middlebox may drop what it cannot parse, not the host */
    isn = rf_to_control(&f, FE_V6, false);
    rf_quote(&f, 2, 0);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + RF_CONTROL_OFFSET + 1, 0, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_free(&f);
}

/* The control silent or refused as well: nothing says the host is at fault. */
static void test_rf_handshake_timeout_control_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_to_control(&f, FE_V4, false);
    assert_int_equal(fe_fire(&f), 2 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), QUOTES_NO_RTT - 5 * TC_SEC);
    fe_expect_result(&f, TC_UNK, STAGE, RF_TIMEOUT RF_CONTROL_SILENT, NULL);
    fe_free(&f);

    isn = rf_to_control(&f, FE_V6, false);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + RF_CONTROL_OFFSET + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, RF_TIMEOUT RF_CONTROL_REFUSED, NULL);
    fe_free(&f);

    /* the SYN under test answered late, while the control is out: reset, UNK */
    isn = rf_to_control(&f, FE_V4, false);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "SYN-ACK only after the retransmission timeout" RF_SUFFIX
                     "; answered only after a SYN without it",
                     NULL);
    fe_free(&f);
}

/* Path-aware: hop 2 quoted this target's other probes but not this SYN, and the host never
 * answered it: the path dropped it (UNK, hop 2), though a SYN without the bit was answered.
 * The path goes up to hop 1, the last that quoted. */
static void test_rf_path_dropped_syn_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_to_control(&f, FE_V4, true);
    rf_quote(&f, 1, -1);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + RF_CONTROL_OFFSET + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + RF_CONTROL_OFFSET + 1);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 2 * TC_BURST_GAP + QUOTES_NO_RTT - 3 * TC_SEC - RTT);
    fe_expect_result(&f, TC_UNK, STAGE, RF_DROPPED_HOP2, "{\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_expect_lab_path(&f, 1);
    fe_free(&f);

    /* every hop quoted it: the host dropped it, FAIL at once */
    isn = rf_to_control(&f, FE_V6, true);
    rf_quote(&f, 2, -1);
    rf_quote(&f, 1, -1);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + RF_CONTROL_OFFSET + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + RF_CONTROL_OFFSET + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_TIMEOUT RF_CONTROL_ANSWERED, NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

/* RSTs to the traced SYN and to its retry, then the control. */
static void test_rf_handshake_replies(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    rf_expect_retry(&f, isn);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    rf_expect_control(&f, isn);
    assert_int_equal(fe_fire(&f), 2 * TC_SEC);
    assert_int_equal(fe_fire(&f), QUOTES_NO_RTT - 2 * TC_SEC); /* quotes, no RTT known */
    fe_expect_result(&f, TC_UNK, STAGE, RF_HS_RST RF_CONTROL_SILENT, NULL);
    fe_free(&f);

    /* refused with the bit, answered without it */
    isn = rf_begin(&f, FE_V6, &tc_timing_default, HTTP_PORT);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    ff_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    rf_expect_control(&f, isn);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + RF_CONTROL_OFFSET + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + RF_CONTROL_OFFSET + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_HS_RST RF_CONTROL_ANSWERED, NULL);
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

/* A SYN-ACK for the retry: no RTT is known, so a round waits the longest in-flight wait and
 * a SYN-ACK crossed the ACK if it comes sooner than the shortest wait after it. */
static void test_rf_retry_established(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin(&f, FE_V4, &tc_timing_default, SMALL_ALP_PORT);
    fe_fire(&f);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, 0);
    assert_int_equal(fe_n_out(&f), 2);
    rf_expect_ack(&f, 0, isn, 0);
    rf_expect_state_probe(&f, 1, isn + 1, 0, TC_ORDER_GAP);
    assert_int_equal(fe_timer_in(&f), TC_ORDER_GAP + QUOTES_NO_RTT);
    fe_advance(&f, tc_timing_default.floor - 1);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_advance(&f, 1);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 2);
    rf_expect_ack(&f, 0, isn, sizeof(SMALL_REQ) - 1);
    rf_expect_state_probe(&f, 1, isn + 1 + sizeof(SMALL_REQ) - 1, 1, TC_ORDER_GAP);
    fe_free(&f);

    /* the burst's quotes show the bits cleared: the host's PASS is not given */
    isn = rf_begin(&f, FE_V4, &tc_timing_default, HTTP_PORT);
    rf_quote(&f, 2, 0);
    fe_fire(&f);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 1);
    ff_expect_rst(&f, 0, isn + 1);
    assert_int_equal(fe_fire(&f), QUOTES_NO_RTT - 1 * TC_SEC - 2 * RTT);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_free(&f);
}

/* Path-aware: the verdict comes with the last quote expected (hops 1 and 2), not after the
 * in-flight wait; or at once when the quotes were in first. */
static void rf_path_pass(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = rf_begin_path(&f, fam, HTTP_PORT);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    rf_establish(&f, isn);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + 1);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), 2 * TC_BURST_GAP + INFLIGHT - 2 * RTT);
    rf_quote(&f, 2, -1);
    assert_false(f.t.done);
    rf_quote(&f, 1, -1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    fe_expect_lab_path(&f, 2);
    assert_int_equal(f.t.learned.quoting, (1u << 1) | (1u << 2));
    assert_int_equal(fe_n_sent(&f), 3 + 2 + 1);
    fe_free(&f);

    isn = rf_begin_path(&f, fam, HTTP_PORT);
    rf_quote(&f, 1, -1);
    rf_quote(&f, 2, -1);
    rf_establish(&f, isn);
    ff_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, isn + 1, 0, 8);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_rf_path_aware_pass(void **state)
{
    (void)state;
    rf_path_pass(FE_V4);
    rf_path_pass(FE_V6);
}

/* Path-aware: a change shown by the quotes decides as soon as they are all in; a silent hop
 * does not excuse a verdict that rests on the host's own answer. */
static void test_rf_path_aware_mbox_and_silent_hop(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = rf_begin_path(&f, FE_V6, HTTP_PORT);
    rf_establish(&f, isn);
    rf_quote(&f, 1, -1);
    rf_quote(&f, 2, 0);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1, 0, 0);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, RF_MBOX_HOP2, RF_DIFF_CLEARED);
    fe_free(&f);

    isn = rf_begin_path(&f, FE_V4, HTTP_PORT);
    rf_establish(&f, isn);
    rf_quote(&f, 1, -1);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 2 * TC_BURST_GAP + INFLIGHT - 2 * RTT);
    fe_expect_result(&f, TC_FAIL, STAGE, RF_RST, NULL);
    fe_free(&f);
}

/* --timing original: the SYN wait 30 s, each round 30 s, the quotes 10 s. Silence is no
 * PASS here either: the state probe is asked as in the default timing. */
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
    assert_int_equal(fe_n_out(&f), 2);
    assert_int_equal(fe_timer_in(&f), TC_ORDER_GAP + 30 * TC_SEC);
    fe_advance(&f, 1 * TC_SEC);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 2);
    rf_expect_ack(&f, 0, isn, len);
    fe_advance(&f, RTT);
    ff_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1 + (uint32_t)len, 0, 0);
    ff_expect_rst(&f, 0, isn + 1 + (uint32_t)len);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC - 1 * TC_SEC - 2 * RTT); /* the quotes */
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    isn = rf_begin(&f, FE_V4, &tc_timing_original, NO_ALP_PORT);
    fe_advance(&f, RTT);
    ff_deliver(&f, SYNACK, THEIR_ISN, isn + 1, 0, 0);
    assert_int_equal(fe_fire(&f), TC_ORDER_GAP + 30 * TC_SEC);
    rf_expect_state_probe(&f, 0, isn + 1, 1, 0);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    ff_expect_rst(&f, 0, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, RF_NO_ANSWER, NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rf_registry),
        cmocka_unit_test(test_rf_pass_on_state_probe_ack),
        cmocka_unit_test(test_rf_v6_pass_on_state_probe_ack),
        cmocka_unit_test(test_rf_data_reply_pass),
        cmocka_unit_test(test_rf_rst_fail),
        cmocka_unit_test(test_rf_reply_reserved_fail),
        cmocka_unit_test(test_rf_path_cleared_unk),
        cmocka_unit_test(test_rf_path_wins_over_verdict),
        cmocka_unit_test(test_rf_synack_reserved),
        cmocka_unit_test(test_rf_ignored_with_request_fail),
        cmocka_unit_test(test_rf_empty_ignored_unk),
        cmocka_unit_test(test_rf_request_acked_pass),
        cmocka_unit_test(test_rf_state_probe_asked_again),
        cmocka_unit_test(test_rf_state_probe_silence_unk),
        cmocka_unit_test(test_rf_state_probe_silence_request),
        cmocka_unit_test(test_rf_late_answer_to_earlier_probe),
        cmocka_unit_test(test_rf_handshake_timeout_control_answered_fail),
        cmocka_unit_test(test_rf_handshake_timeout_control_unk),
        cmocka_unit_test(test_rf_path_dropped_syn_unk),
        cmocka_unit_test(test_rf_handshake_replies),
        cmocka_unit_test(test_rf_retry_established),
        cmocka_unit_test(test_rf_path_aware_pass),
        cmocka_unit_test(test_rf_path_aware_mbox_and_silent_hop),
        cmocka_unit_test(test_rf_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
