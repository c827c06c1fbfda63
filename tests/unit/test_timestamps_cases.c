/* The RFC 7323 3.2 timestamp cases.
 * TimestampsEverySegmentTest: the framework's SYN offers TSopt; not echoed in the SYN-ACK is
 * UNK; negotiated, the request (TSopt on it too) and the reply, each non-RST segment of which
 * must carry TSopt: one without is FAIL at once, a RST without is fine, the reply's end (FIN,
 * silence, enough segments) with data is PASS, without data UNK.
 * TsecrIgnoredWithoutAckTest: the syn_accept machine with TSopt <TSval, non-zero TSecr> on
 * the traced SYN; the SYN-ACK must echo the TSval (FAIL when it echoes the TSecr or anything
 * else, UNK without TSopt); a quote showing the option changed is UNK at its hop first; a
 * SYN that fails where the control SYN is answered is FAIL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tcp/ext_options.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

#define THEIR_ISN 0x5a5a0000u
#define THEIR_ISN2 0x6b6b0000u
#define THEIR_TSVAL 0x11223344u
#define RTT (80 * TC_MSEC)
#define INFLIGHT (4 * RTT)
#define RETRANS (3 * TC_SEC + 2 * RTT)
#define SYN_WAIT (1 * TC_SEC)
#define RETRY_WAIT (2 * TC_SEC)
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define WIN 0xffff
#define REQ_HINT 400
#define OBSERVE_MAX 32
#define NO_ALP_PORT 22
#define REASON_MISSING "Segment without TSopt after timestamps were negotiated"

/* TsecrIgnoredWithoutAckTest's SYN: TSval 0x74637271, TSecr 0x0badcafe, two bytes of padding */
#define OUR_TSVAL 0x74637271u
#define OUR_TSECR 0x0badcafeu
#define TSECR_OPTS_HEX "080a746372710badcafe0000"
#define TSECR_OPT_HEX "080a746372710badcafe"
#define RETRY_WINDOW 4096
#define CONTROL_OFFSET 0x20000u
#define CONTROL_WINDOW 4096
#define QUOTE_WAIT (4 * RTT)

static uint8_t filler[1460];

/* ---- TimestampsEverySegmentTest ---- */

/* A segment from the host; with_ts: TSopt <their_tsval, echo>. */
static void host_seg(struct fe *f, uint8_t flags, uint32_t rel_seq, uint32_t ack, size_t len,
                     bool with_ts, uint32_t echo)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + rel_seq, ack);
    seg.sport = f->t.env.dport;
    seg.payload = filler;
    seg.payload_len = len;
    if (with_ts)
        tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL + rel_seq, echo);
    fe_deliver_seg(f, &seg, false);
}

/* The TSopt of t.out[i]: its TSval. */
static uint32_t tsval_of(const struct fe *f, size_t i, uint32_t want_tsecr)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    uint32_t v, e;
    assert_true(tcp_opts_get_timestamp(&p.seg.opts, &v, &e));
    assert_int_equal(e, want_tsecr);
    return v;
}

struct tse {
    struct fe f;
    uint32_t iss;
    uint32_t base; /* our SYN's TSval */
    uint32_t next; /* our sequence number after the request */
};

/* The SYN: window 0xffff, TSopt <base, 0>, nothing else. */
static void tse_start(struct tse *x, enum fe_family fam)
{
    fe_init(&x->f, "TimestampsEverySegmentTest", fam, &tc_timing_default);
    fe_start(&x->f);
    assert_int_equal(fe_n_out(&x->f), 1);
    struct fe_pkt p;
    fe_pkt(&x->f, 0, &p);
    x->iss = p.seg.seq;
    fe_expect_pkt(&x->f, 0, TCP_FLAG_SYN, x->iss, 0, WIN, IP_DEFAULT_TTL, 0);
    x->base = tsval_of(&x->f, 0, 0);
    char want[64];
    snprintf(want, sizeof(want), "080a%08x000000000000", (unsigned)x->base);
    assert_string_equal(p.opts_hex, want);
    assert_int_equal(fe_timer_in(&x->f), SYN_WAIT);
}

/* The SYN-ACK (with TSopt echoing ours) one RTT later: the ACK and the request (HTTP's for
 * the 400-byte hint, one segment), both with TSopt; the reply awaited a retransmission
 * timeout. */
static void tse_open(struct tse *x, enum fe_family fam)
{
    tse_start(x, fam);
    fe_advance(&x->f, RTT);
    host_seg(&x->f, SA, 0, x->iss + 1, 0, true, x->base);
    assert_int_equal(fe_n_out(&x->f), 2);
    fe_expect_pkt(&x->f, 0, TCP_FLAG_ACK, x->iss + 1, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    assert_int_equal(tsval_of(&x->f, 0, THEIR_TSVAL), x->base + RTT / TC_MSEC);
    fe_expect_pkt(&x->f, 1, TCP_FLAG_ACK, x->iss + 1, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    assert_int_equal(tsval_of(&x->f, 1, THEIR_TSVAL), x->base + RTT / TC_MSEC);
    struct fe_pkt p;
    fe_pkt(&x->f, 1, &p);
    uint8_t want[1460];
    struct alp_peer peer = {.ip = x->f.t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp_http.open(&peer);
    ssize_t n = alp_http.pull(s, REQ_HINT, want, sizeof(want));
    alp_http.close(s);
    assert_int_equal(p.seg.payload_len, (size_t)n);
    assert_memory_equal(p.seg.payload, want, (size_t)n);
    x->next = x->iss + 1 + (uint32_t)n;
    assert_int_equal(fe_timer_in(&x->f), RETRANS);
}

/* The close: RST at our SND.NXT, with TSopt. */
static void expect_close(const struct tse *x, size_t i)
{
    fe_expect_pkt(&x->f, i, TCP_FLAG_RST, x->next, 0, 0, IP_DEFAULT_TTL, 0);
}

static void test_tse_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("TimestampsEverySegmentTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 7323");
    assert_string_equal(k->req.id, "3.2");
    assert_false(k->default_on);
    assert_true(k->needs_alp);
    assert_true(k->open.timestamps);
}

/* Data with TSopt, each acknowledged (with TSopt echoing it), then the FIN: PASS. */
static void tse_pass_fin(enum fe_family fam)
{
    struct tse x;
    tse_open(&x, fam);
    fe_advance(&x.f, RTT);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 0, true, x.base); /* the request's ACK */
    assert_int_equal(fe_n_out(&x.f), 0);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 1000, true, x.base);
    assert_int_equal(fe_n_out(&x.f), 1);
    fe_expect_pkt(&x.f, 0, TCP_FLAG_ACK, x.next, THEIR_ISN + 1001, WIN, IP_DEFAULT_TTL, 0);
    assert_int_equal(tsval_of(&x.f, 0, THEIR_TSVAL + 1), x.base + 2 * RTT / TC_MSEC);
    assert_int_equal(fe_timer_in(&x.f), INFLIGHT);
    host_seg(&x.f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1001, x.next, 10, true, x.base);
    assert_int_equal(fe_n_out(&x.f), 1);
    expect_close(&x, 0);
    assert_int_equal(tsval_of(&x.f, 0, THEIR_TSVAL + 1001), x.base + 2 * RTT / TC_MSEC);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);
}

static void test_tse_pass_fin_v4(void **state)
{
    (void)state;
    tse_pass_fin(FE_V4);
}

static void test_tse_pass_fin_v6(void **state)
{
    (void)state;
    tse_pass_fin(FE_V6);
}

/* After data, silence for the in-flight wait ends the reply: PASS. A RST without TSopt is
 * no failure (RFC 7323 3.2: only SHOULD): the reply is over. */
static void test_tse_pass_silence_and_rst(void **state)
{
    (void)state;
    struct tse x;
    tse_open(&x, FE_V4);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 500, true, x.base);
    assert_int_equal(fe_fire(&x.f), INFLIGHT);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);

    tse_open(&x, FE_V6);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 500, true, x.base);
    host_seg(&x.f, TCP_FLAG_RST, 501, 0, 0, false, 0);
    assert_int_equal(fe_n_out(&x.f), 0); /* never a RST for a RST */
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);
}

/* OBSERVE_MAX segments seen, all with TSopt: enough, PASS without waiting for the rest. */
static void test_tse_pass_enough_segments(void **state)
{
    (void)state;
    struct tse x;
    tse_open(&x, FE_V4);
    for (uint32_t i = 0; i < OBSERVE_MAX - 1; i++) {
        host_seg(&x.f, TCP_FLAG_ACK, 1 + 100 * i, x.next, 100, true, x.base);
        assert_int_equal(fe_n_out(&x.f), 1); /* its ACK */
    }
    assert_false(x.f.t.done);
    host_seg(&x.f, TCP_FLAG_ACK, 1 + 100 * (OBSERVE_MAX - 1), x.next, 100, true, x.base);
    assert_int_equal(fe_n_out(&x.f), 1);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    assert_true(fe_n_sent(&x.f) <= x.f.t.kind->packet_budget);
    fe_free(&x.f);
}

/* A data segment without TSopt: FAIL at once, the connection closed. */
static void tse_fail_data(enum fe_family fam)
{
    struct tse x;
    tse_open(&x, fam);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 1000, true, x.base);
    host_seg(&x.f, TCP_FLAG_ACK, 1001, x.next, 700, false, 0);
    assert_int_equal(fe_n_out(&x.f), 1);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_FAIL, STAGE, REASON_MISSING,
                     "{\"relative_seq\":1001,\"segment_flags\":16,\"segment_octets\":700}");
    fe_free(&x.f);
}

static void test_tse_fail_data_v4(void **state)
{
    (void)state;
    tse_fail_data(FE_V4);
}

static void test_tse_fail_data_v6(void **state)
{
    (void)state;
    tse_fail_data(FE_V6);
}

/* A pure ACK, or the SYN-ACK repeated, without TSopt: FAIL too (every non-RST segment). */
static void test_tse_fail_ack_and_synack(void **state)
{
    (void)state;
    struct tse x;
    tse_open(&x, FE_V4);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 0, false, 0);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_FAIL, STAGE, REASON_MISSING,
                     "{\"relative_seq\":1,\"segment_flags\":16,\"segment_octets\":0}");
    fe_free(&x.f);

    tse_open(&x, FE_V6);
    host_seg(&x.f, SA, 0, x.iss + 1, 0, false, 0);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_FAIL, STAGE, REASON_MISSING,
                     "{\"relative_seq\":0,\"segment_flags\":18,\"segment_octets\":0}");
    fe_free(&x.f);
}

/* The host does not echo TSopt: not negotiated, nothing to judge; no request is sent. */
static void test_tse_not_negotiated(void **state)
{
    (void)state;
    struct tse x;
    tse_start(&x, FE_V4);
    host_seg(&x.f, SA, 0, x.iss + 1, 0, false, 0);
    assert_int_equal(fe_n_out(&x.f), 2);
    fe_expect_plain(&x.f, 0, TCP_FLAG_ACK, x.iss + 1, THEIR_ISN + 1, WIN);
    fe_expect_plain(&x.f, 1, TCP_FLAG_RST, x.iss + 1, 0, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Timestamps not negotiated (no TSopt on the SYN-ACK)",
                     NULL);
    fe_free(&x.f);
}

/* No data: silence after the request (a retransmission timeout), or a RST: UNK. */
static void test_tse_no_data(void **state)
{
    (void)state;
    struct tse x;
    tse_open(&x, FE_V6);
    host_seg(&x.f, TCP_FLAG_ACK, 1, x.next, 0, true, x.base);
    assert_int_equal(fe_fire(&x.f), RETRANS);
    expect_close(&x, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE,
                     "No data from the target: its data segments were not seen", NULL);
    fe_free(&x.f);

    tse_open(&x, FE_V4);
    host_seg(&x.f, TCP_FLAG_RST | TCP_FLAG_ACK, 1, x.next, 0, false, 0);
    assert_int_equal(fe_n_out(&x.f), 0);
    fe_expect_result(&x.f, TC_UNK, STAGE,
                     "No data from the target: its data segments were not seen", NULL);
    fe_free(&x.f);
}

/* The opening fails (no SYN-ACK to the single SYN): UNK, as for any case the framework opens. */
static void test_tse_no_synack(void **state)
{
    (void)state;
    struct tse x;
    tse_start(&x, FE_V4);
    assert_int_equal(fe_fire(&x.f), SYN_WAIT);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Timeout during handshake", NULL);
    fe_free(&x.f);
}

/* A port without an ALP: UNK once the connection is open, closed. */
static void test_tse_no_alp(void **state)
{
    (void)state;
    struct tse x;
    fe_init(&x.f, "TimestampsEverySegmentTest", FE_V4, &tc_timing_default);
    x.f.t.env.dport = NO_ALP_PORT;
    fe_start(&x.f);
    struct fe_pkt p;
    fe_pkt(&x.f, 0, &p);
    x.iss = p.seg.seq;
    host_seg(&x.f, SA, 0, x.iss + 1, 0, true, tsval_of(&x.f, 0, 0));
    assert_int_equal(fe_n_out(&x.f), 2);
    fe_expect_pkt(&x.f, 1, TCP_FLAG_RST, x.iss + 1, 0, 0, IP_DEFAULT_TTL, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Missing ALP module for port 22", NULL);
    fe_free(&x.f);
}

/* ---- TsecrIgnoredWithoutAckTest ---- */

static uint32_t tsecr_start(struct fe *f, enum fe_family fam)
{
    fe_init(f, "TsecrIgnoredWithoutAckTest", fam, &tc_timing_default);
    fe_start(f);
    return fe_expect_burst(f, TSECR_OPTS_HEX);
}

/* The SYN-ACK one RTT after the burst, with TSopt <THEIR_TSVAL, echo> (none if !with_ts):
 * reset at once, the verdict held until the quotes are in. */
static void tsecr_synack(struct fe *f, uint32_t isn, bool with_ts, uint32_t echo)
{
    fe_advance(f, RTT);
    struct tcp_seg seg;
    fe_target_seg(&seg, SA, THEIR_ISN, isn + 1);
    if (with_ts)
        tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, echo);
    fe_deliver_seg(f, &seg, false);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(fe_timer_in(f), QUOTE_WAIT - RTT);
}

static void test_tsecr_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("TsecrIgnoredWithoutAckTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 7323");
    assert_string_equal(k->req.id, "3.2");
    assert_false(k->default_on);
    assert_false(k->needs_alp);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 4);
}

/* The SYN-ACK echoes our TSval: PASS once the quotes (intact) are in. */
static void tsecr_pass(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = tsecr_start(&f, fam);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    tsecr_synack(&f, isn, true, OUR_TSVAL);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), QUOTE_WAIT - RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_tsecr_pass_v4(void **state)
{
    (void)state;
    tsecr_pass(FE_V4);
}

static void test_tsecr_pass_v6(void **state)
{
    (void)state;
    tsecr_pass(FE_V6);
}

/* Path-aware: the host's copy and one per quoting hop; all quoted: PASS at once. */
static void test_tsecr_pass_path_aware(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "TsecrIgnoredWithoutAckTest", FE_V6, &tc_timing_default);
    fe_set_lab_path(&f);
    fe_start(&f);
    uint32_t isn = fe_expect_probe(&f, 0, 2, TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG, TCP_FLAG_SYN,
                                   TSECR_OPTS_HEX);
    fe_advance(&f, RTT);
    struct tcp_seg seg;
    fe_target_seg(&seg, SA, THEIR_ISN, isn + 1);
    tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, OUR_TSVAL);
    fe_deliver_seg(&f, &seg, false);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_false(f.t.done);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* The SYN-ACK echoes our TSecr (the host read it although ACK was clear): FAIL; anything else
 * than our TSval: FAIL too. */
static void tsecr_fail(enum fe_family fam, uint32_t echo, const char *reason, const char *custom)
{
    struct fe f;
    uint32_t isn = tsecr_start(&f, fam);
    tsecr_synack(&f, isn, true, echo);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, reason, custom);
    fe_free(&f);
}

/* The reason is one text per outcome; the echoed value is in custom (0x0badcafe = 195939070,
 * 0x74637271 = 1952674417). */
static void test_tsecr_fail(void **state)
{
    (void)state;
    tsecr_fail(FE_V4, OUR_TSECR, "SYN-ACK echoed the SYN's TSecr instead of its TSval",
               "{\"tsecr_echoed\":195939070,\"tsval_sent\":1952674417}");
    tsecr_fail(FE_V6, OUR_TSECR, "SYN-ACK echoed the SYN's TSecr instead of its TSval",
               "{\"tsecr_echoed\":195939070,\"tsval_sent\":1952674417}");
    tsecr_fail(FE_V4, 0, "SYN-ACK echoed neither the SYN's TSval nor its TSecr",
               "{\"tsecr_echoed\":0,\"tsval_sent\":1952674417}");
    tsecr_fail(FE_V6, 0xfffffffeu, "SYN-ACK echoed neither the SYN's TSval nor its TSecr",
               "{\"tsecr_echoed\":4294967294,\"tsval_sent\":1952674417}");
}

/* No TSopt on the SYN-ACK: timestamps off, TSecr handling unseen: UNK. */
static void test_tsecr_no_timestamps(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = tsecr_start(&f, FE_V6);
    tsecr_synack(&f, isn, false, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "SYN-ACK without TSopt: timestamps not in use, TSecr handling not seen", NULL);
    fe_free(&f);
}

/* Hop 2 zeroed TSecr (or removed the option): the path decides first, UNK at hop 2, even over
 * a FAIL. Hop 2 quoting the option intact but with other options around it: no change. */
static void test_tsecr_mbox(void **state)
{
    (void)state;
    static const uint8_t zeroed[] = {8, 10, 0x74, 0x63, 0x72, 0x71, 0, 0, 0, 0};
    static const uint8_t noops[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t moved[] = {1, 1, 8, 10, 0x74, 0x63, 0x72, 0x71, 0x0b, 0xad, 0xca, 0xfe};
    const uint8_t *opts[] = {zeroed, noops, moved};
    const size_t lens[] = {sizeof(zeroed), sizeof(noops), sizeof(moved)};
    /* The path's UNK keeps what the host echoed (the FAIL's custom) beside the diff. */
    const char *diffs[] = {"{\"diff\":[\"" TSECR_OPT_HEX "\",\"080a74637271000000000000\"],"
                           "\"tsecr_echoed\":195939070,\"tsval_sent\":1952674417}",
                           "{\"diff\":[\"" TSECR_OPT_HEX "\",\"010101010101010101010000\"],"
                           "\"tsecr_echoed\":195939070,\"tsval_sent\":1952674417}",
                           NULL};
    for (size_t i = 0; i < 3; i++) {
        struct fe f;
        uint32_t isn = tsecr_start(&f, FE_V4);
        tsecr_synack(&f, isn, true, OUR_TSECR);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_deliver_burst_quote(&f, 2, opts[i], lens[i]);
        fe_fire(&f);
        if (diffs[i] != NULL)
            fe_expect_result(&f, TC_UNK, STAGE,
                             "Middlebox interference detected at or before hop 2 (timestamps "
                             "option modified or deleted)",
                             diffs[i]);
        else
            fe_expect_result(&f, TC_FAIL, STAGE,
                             "SYN-ACK echoed the SYN's TSecr instead of its TSval",
                             "{\"tsecr_echoed\":195939070,\"tsval_sent\":1952674417}");
        fe_free(&f);
    }
}

/* Neither the traced SYN nor its retry answered, the control SYN is: FAIL; the control
 * silent too: UNK. */
static void test_tsecr_control(void **state)
{
    (void)state;
    for (int answered = 0; answered < 2; answered++) {
        struct fe f;
        uint32_t isn = tsecr_start(&f, FE_V4);
        assert_int_equal(fe_fire(&f), SYN_WAIT);
        fe_expect_pkt(&f, 0, TCP_FLAG_SYN, isn, 0, RETRY_WINDOW, IP_DEFAULT_TTL, 0);
        struct fe_pkt p;
        fe_pkt(&f, 0, &p);
        assert_string_equal(p.opts_hex, TSECR_OPTS_HEX);
        assert_int_equal(fe_fire(&f), RETRY_WAIT);
        fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + CONTROL_OFFSET, 0, CONTROL_WINDOW);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        if (answered) {
            fe_advance(&f, RTT);
            fe_deliver(&f, SA, THEIR_ISN2, isn + CONTROL_OFFSET + 1);
            fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + CONTROL_OFFSET + 1, 0, 0);
            assert_false(f.t.done); /* the quotes, no RTT known: until 10 s after the burst */
            fe_fire(&f);
            fe_expect_result(&f, TC_FAIL, STAGE,
                             "Timeout during handshake with TSecr set in the SYN; a SYN without "
                             "it was answered",
                             NULL);
        } else {
            assert_int_equal(fe_fire(&f), RETRY_WAIT); /* the control's wait */
            fe_fire(&f);                               /* the quotes' */
            fe_expect_result(&f, TC_UNK, STAGE,
                             "Timeout during handshake with TSecr set in the SYN; no answer to a "
                             "SYN without it either",
                             NULL);
        }
        fe_free(&f);
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof(filler); i++)
        filler[i] = (uint8_t)('a' + i % 26);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tse_registry),
        cmocka_unit_test(test_tse_pass_fin_v4),
        cmocka_unit_test(test_tse_pass_fin_v6),
        cmocka_unit_test(test_tse_pass_silence_and_rst),
        cmocka_unit_test(test_tse_pass_enough_segments),
        cmocka_unit_test(test_tse_fail_data_v4),
        cmocka_unit_test(test_tse_fail_data_v6),
        cmocka_unit_test(test_tse_fail_ack_and_synack),
        cmocka_unit_test(test_tse_not_negotiated),
        cmocka_unit_test(test_tse_no_data),
        cmocka_unit_test(test_tse_no_synack),
        cmocka_unit_test(test_tse_no_alp),
        cmocka_unit_test(test_tsecr_registry),
        cmocka_unit_test(test_tsecr_pass_v4),
        cmocka_unit_test(test_tsecr_pass_v6),
        cmocka_unit_test(test_tsecr_pass_path_aware),
        cmocka_unit_test(test_tsecr_fail),
        cmocka_unit_test(test_tsecr_no_timestamps),
        cmocka_unit_test(test_tsecr_mbox),
        cmocka_unit_test(test_tsecr_control),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
