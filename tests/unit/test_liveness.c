/* LivenessTest (RFC 9293 3.5, 3.10.7.4): SYN retries with backoff, the original's inverted
 * handshake verdicts, and the RST + unacceptable-ACK probe that replaces the original's
 * "sleep 5 s, listen 10 s" (which --timing original still reproduces); and the hop-distance
 * discovery the target's first LivenessTest runs before its handshake: an ACK burst with the
 * TTL coded in the ACK number, which the host answers <SEQ=SEG.ACK><CTL=RST> (3.10.7.1) from
 * its distance on and the routers before it with time-exceeded quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"

#define WINDOW 30720
#define PROBE_OFFSET 0x20000u
#define SYN_TTL 30
#define SYN_IP_ID 0xf3de /* TTL code of 30: 11110 0 11110 11110 */
#define THEIR_ISN 0x11223344u
#define RTT (100 * TC_MSEC)
#define PROBE_SPACING (600 * TC_MSEC)
#define REASON_TIMEOUT "Timeout during handshake"
#define REASON_RST "RST in reply to SYN during handshake"
#define REASON_NOT_SYNACK "Non-SYN-ACK in reply to SYN during handshake"
#define REASON_WRONG_ACK "Wrong SEQ acked in reply to SYN during handshake"
#define BURST_GAP (1 * TC_MSEC)
#define LAB_HOST_HOP 3
/* The discovery's findings in the lab: the host at hop 3 (from its RSTs), hops 1 and 2 quote. */
#define CUSTOM_LAB "{\"hop_distance\":3,\"hop_distance_source\":\"ack-rst\",\"quoting_hops\":[1,2]}"

/* A later LivenessTest of the target: the path is known, so no discovery runs. */
static void start(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init(f, "LivenessTest", fam, timing);
    fe_set_lab_path(f);
    fe_start(f);
}

/* The code of a TTL (three 5-bit copies), written out independently of ttl_code.c. */
static uint16_t code_of(unsigned ttl)
{
    return (uint16_t)((ttl << 11) | (ttl << 5) | ttl);
}

/* The ACK number of the discovery ACK with this TTL: its code twice. */
static uint32_t ack_code(unsigned ttl)
{
    return ((uint32_t)code_of(ttl) << 16) | code_of(ttl);
}

/* t.out[i] is our SYN: window 30720, TTL 30 coded in the IP ID only. Returns its seq. */
static uint32_t expect_syn(const struct fe *f, size_t i)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    bool v4 = p.ip.src.family == IP_FAMILY_V4;
    fe_expect_pkt(f, i, TCP_FLAG_SYN, p.seg.seq, 0, WINDOW, SYN_TTL, v4 ? SYN_IP_ID : 0);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_string_equal(p.opts_hex, "");
    return p.seg.seq;
}

static void deliver_synack(struct fe *f, uint32_t isn)
{
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
}

/* RST <SEQ=SEG.ACK> for the SYN-ACK and the unacceptable-ACK probe at t.out[i], i+1. */
static void expect_rst_and_probe(const struct fe *f, size_t i, uint32_t isn)
{
    fe_expect_plain(f, i, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_plain(f, i + 1, TCP_FLAG_ACK, isn + 1 - PROBE_OFFSET, THEIR_ISN + 1, WINDOW);
}

/* Start, SYN-ACK after one RTT: ACK, RST, probe. Returns our ISN. */
static uint32_t establish(struct fe *f, enum fe_family fam)
{
    start(f, fam, &tc_timing_default);
    assert_int_equal(fe_n_out(f), 1);
    uint32_t isn = expect_syn(f, 0);
    assert_int_equal(fe_timer_in(f), 1 * TC_SEC);
    fe_advance(f, RTT);
    deliver_synack(f, isn);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_n_out(f), 3);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WINDOW);
    expect_rst_and_probe(f, 1, isn);
    assert_int_equal(fe_timer_in(f), 4 * RTT);
    return isn;
}

/* The target's first LivenessTest (no path known, no RTT hint): the discovery burst, TTL
 * 1..30 paced BURST_GAP apart, each an ACK <SEQ=ISN><ACK=code,code> window 30720 with the code
 * in the IPv4 ID too, and no SYN yet. Its end: one SYN wait after the last ACK left. Returns
 * the ISN, which the SYN will carry too. */
static uint32_t start_discovery(struct fe *f, enum fe_family fam)
{
    fe_init(f, "LivenessTest", fam, &tc_timing_default);
    fe_start(f);
    assert_int_equal(fe_n_out(f), HOP_LIMIT);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t isn = p.seg.seq;
    bool v4 = fam == FE_V4;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        fe_expect_pkt(f, ttl - 1, TCP_FLAG_ACK, isn, ack_code(ttl), WINDOW, ttl,
                      v4 ? code_of(ttl) : 0);
        fe_pkt(f, ttl - 1, &p);
        assert_int_equal(p.seg.urg_ptr, 0);
        assert_string_equal(p.opts_hex, "");
        assert_int_equal(p.seg.payload_len, 0);
        assert_int_equal(f->t.out[ttl - 1].delay, (tc_time)(ttl - 1) * BURST_GAP);
    }
    assert_true(f->t.learned.discovered);
    assert_int_equal(f->t.learned.host_hop, 0);
    assert_int_equal(fe_timer_in(f), (HOP_LIMIT - 1) * BURST_GAP + 1 * TC_SEC);
    return isn;
}

/* The host's RST for the discovery ACK with this TTL: <SEQ=SEG.ACK><CTL=RST> (3.10.7.1). */
static void discovery_rst(struct fe *f, unsigned ttl)
{
    fe_deliver(f, TCP_FLAG_RST, ack_code(ttl), 0);
}

/* The discovery ended: the SYN is the only packet out, with the discovery's ISN. */
static void expect_syn_after_discovery(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    assert_int_equal(expect_syn(f, 0), isn);
    assert_int_equal(f->t.out[0].delay, 0);
    assert_int_equal(fe_timer_in(f), 1 * TC_SEC); /* the discovery gives the SYN no RTT */
}

/* After the discovery: SYN-ACK one RTT after the SYN, ACK, RST and probe; the probe draws a
 * RST. PASS with custom_json. */
static void handshake_and_pass(struct fe *f, uint32_t isn, const char *custom_json)
{
    fe_advance(f, RTT);
    deliver_synack(f, isn);
    assert_int_equal(fe_n_out(f), 3);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WINDOW);
    expect_rst_and_probe(f, 1, isn);
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    fe_expect_result(f, TC_PASS, -1, "", custom_json);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_liveness();
    assert_string_equal(k->name, "LivenessTest");
    assert_ptr_equal(test_case_by_name("LivenessTest"), k);
    assert_ptr_equal(test_case_registry[0], k);
    assert_false(k->default_on);
}

static void pass_on_rst(enum fe_family fam)
{
    struct fe f;
    establish(&f, fam);
    assert_int_equal(f.t.n_isns, 1);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
    assert_int_equal(f.t.isns[0].at, FE_T0 + RTT);
    /* a closed port answers the probe with <SEQ=SEG.ACK><CTL=RST> (3.10.7.1) */
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 2 * RTT);
    assert_int_equal(f.t.path_len, 0);
    fe_free(&f);
}

static void test_pass_on_rst_v4(void **state)
{
    (void)state;
    pass_on_rst(FE_V4);
}

static void test_pass_on_rst_v6(void **state)
{
    (void)state;
    pass_on_rst(FE_V6);
}

static void test_pass_on_silence_after_probe(void **state)
{
    (void)state;
    struct fe f;
    establish(&f, FE_V4);
    assert_int_equal(fe_fire(&f), 4 * RTT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_non_answers_while_probing_ignored(void **state)
{
    (void)state;
    static const uint8_t banner[] = "SSH-2.0-x\r\n";
    struct fe f;
    uint32_t isn = establish(&f, FE_V4);
    fe_advance(&f, 10 * TC_MSEC);
    deliver_synack(&f, isn); /* late duplicate SYN-ACK */
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, isn + 1);
    seg.payload = banner;
    seg.payload_len = sizeof(banner) - 1;
    fe_deliver_seg(&f, &seg, false); /* data sent before our RST arrived */
    fe_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, THEIR_ISN + 1, isn + 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 2); /* acks something else */
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(f.t.n_isns, 2);
    assert_int_equal(fe_timer_in(&f), 4 * RTT - 10 * TC_MSEC);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_challenge_acks_three_rsts_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = establish(&f, FE_V4);
    for (int round = 1; round <= 2; round++) {
        /* the established connection answers the probe (3.10.7.4) */
        fe_advance(&f, RTT);
        fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
        assert_int_equal(fe_n_out(&f), 0);
        assert_int_equal(fe_timer_in(&f), PROBE_SPACING);
        /* a second answer during the pause changes nothing */
        fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
        assert_int_equal(fe_n_out(&f), 0);
        assert_int_equal(fe_fire(&f), PROBE_SPACING);
        assert_int_equal(fe_n_out(&f), 2);
        expect_rst_and_probe(&f, 0, isn);
        assert_int_equal(fe_timer_in(&f), 4 * RTT);
    }
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, "RSTs ignored", NULL);
    assert_int_equal(fe_n_sent(&f), 8);
    fe_free(&f);
}

static void test_syn_timeouts_backoff_then_fail(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    /* RFC 6298 (5.5): no RTT known, so each retry waits twice as long */
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(expect_syn(&f, 0), isn);
    assert_int_equal(fe_fire(&f), 2 * TC_SEC);
    assert_int_equal(expect_syn(&f, 0), isn);
    assert_int_equal(fe_fire(&f), 4 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 7 * TC_SEC);
    fe_free(&f);
}

static void test_rtt_hint_no_backoff(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "LivenessTest", FE_V4, &tc_timing_default);
    f.t.env.rtt_hint = RTT;
    fe_set_lab_path(&f);
    fe_start(&f);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fe_fire(&f), 4 * RTT);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    fe_free(&f);
}

static void test_rst_to_syn_three_times_fail(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    for (int attempt = 1; attempt <= 3; attempt++) {
        fe_advance(&f, RTT);
        fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
        if (attempt < 3) { /* a RST is never answered: only the retried SYN goes out */
            assert_int_equal(fe_n_out(&f), 1);
            assert_int_equal(expect_syn(&f, 0), isn);
            assert_int_equal(fe_timer_in(&f), (tc_time)TC_SEC << attempt);
        }
    }
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, REASON_RST, NULL);
    assert_int_equal(f.t.n_isns, 0);
    fe_free(&f);
}

/* A non-conforming answer to every try: each is reset, and (inverted) the host is alive. */
static void odd_answers_pass(uint8_t flags, uint32_t ack_delta, const char *reason)
{
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    for (int attempt = 1; attempt <= 3; attempt++) {
        fe_advance(&f, RTT);
        fe_deliver(&f, flags, THEIR_ISN, isn + ack_delta);
        assert_int_equal(fe_n_out(&f), attempt < 3 ? 2 : 1);
        /* <SEQ=SEG.ACK><CTL=RST> "to be sure" */
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
        if (attempt < 3)
            assert_int_equal(expect_syn(&f, 1), isn);
    }
    fe_expect_result(&f, TC_PASS, -1, reason, NULL);
    assert_int_equal(fe_n_sent(&f), 6);
    fe_free(&f);
}

static void test_non_synack_passes_with_reason(void **state)
{
    (void)state;
    odd_answers_pass(TCP_FLAG_ACK, 1, REASON_NOT_SYNACK);
}

static void test_wrong_ack_passes_with_reason(void **state)
{
    (void)state;
    odd_answers_pass(TCP_FLAG_SYN | TCP_FLAG_ACK, 7, REASON_WRONG_ACK);
}

static void test_last_failure_decides(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    fe_fire(&f);                                                 /* timeout */
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn); /* wrong SEQ acked */
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);     /* RST */
    fe_expect_result(&f, TC_FAIL, -1, REASON_RST, NULL);
    fe_free(&f);

    start(&f, FE_V4, &tc_timing_default);
    isn = expect_syn(&f, 0);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    fe_free(&f);
}

static void test_karn_no_rtt_from_retransmitted_syn(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_default);
    uint32_t isn = expect_syn(&f, 0);
    fe_fire(&f);
    fe_advance(&f, 30 * TC_MSEC);
    deliver_synack(&f, isn);
    assert_int_equal(f.t.rtt, 0);
    assert_int_equal(fe_n_out(&f), 3);
    expect_rst_and_probe(&f, 1, isn);
    /* no RTT: the probe's answer is awaited for the ceiling, not 4 * 30 ms */
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static uint32_t establish_original(struct fe *f)
{
    start(f, FE_V4, &tc_timing_original);
    uint32_t isn = expect_syn(f, 0);
    assert_int_equal(fe_timer_in(f), 20 * TC_SEC);
    fe_advance(f, RTT);
    deliver_synack(f, isn);
    /* no probe in the original: ACK and RST, then sleep 5 s */
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WINDOW);
    fe_expect_plain(f, 1, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(fe_timer_in(f), 5 * TC_SEC);
    return isn;
}

static void test_original_settle_listen_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = establish_original(&f);
    fe_advance(&f, TC_SEC);
    deliver_synack(&f, isn); /* ignored while settling */
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 4 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_original_segment_while_listening_resends_rst(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = establish_original(&f);
    for (int rsts = 2; rsts <= 3; rsts++) {
        fe_fire(&f);
        fe_advance(&f, 3 * TC_SEC);
        deliver_synack(&f, isn); /* anything while listening: the RST was ignored */
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
        assert_int_equal(fe_timer_in(&f), 5 * TC_SEC);
    }
    fe_fire(&f);
    fe_advance(&f, 3 * TC_SEC);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, -1, "RSTs ignored", NULL);
    fe_free(&f);
}

static void test_original_syn_waits_no_backoff(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4, &tc_timing_original);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fe_fire(&f), 20 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    assert_int_equal(fe_n_sent(&f), 3);
    fe_free(&f);
}

/* The lab's path, v4 and v6: a quote from hop 1, the host's RST for TTL 3 (the ACK with TTL 3
 * left 2 gaps after the first, so its RTT is RTT), then the quote from hop 2. Every hop before
 * the host has quoted: the SYN goes out at once, without waiting for the rest of the burst's
 * answers. The RSTs for TTL 4..30 that follow are late answers to the discovery: ignored
 * during the handshake and while probing. The PASS carries what the discovery found. */
static void discovery_early_end(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start_discovery(&f, fam);
    fe_advance(&f, BURST_GAP / 2); /* within the burst */
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_advance(&f, 2 * BURST_GAP + RTT - BURST_GAP / 2);
    discovery_rst(&f, LAB_HOST_HOP);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(f.t.learned.host_hop, LAB_HOST_HOP);
    assert_int_equal(f.t.learned.host_hop_source, PATH_HOP_ACK_RST);
    /* hop 2 has not quoted yet: a few RTTs of the first RST for the rest */
    assert_int_equal(fe_timer_in(&f), 4 * RTT);
    fe_advance(&f, TC_MSEC);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    expect_syn_after_discovery(&f, isn);
    assert_int_equal(f.t.learned.quoting, (1u << 1) | (1u << 2));
    tc_time syn_at = f.now;
    for (unsigned ttl = LAB_HOST_HOP + 1; ttl <= HOP_LIMIT; ttl++)
        discovery_rst(&f, ttl);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC);
    fe_advance(&f, RTT);
    deliver_synack(&f, isn);
    assert_int_equal(f.t.rtt, RTT);
    assert_int_equal(f.t.learned.host_hop, LAB_HOST_HOP); /* the RSTs' beat the SYN-ACK's TTL */
    assert_int_equal(fe_n_out(&f), 3);
    expect_rst_and_probe(&f, 1, isn);
    discovery_rst(&f, HOP_LIMIT); /* a late one, while probing */
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    fe_expect_result(&f, TC_PASS, -1, "", CUSTOM_LAB);
    assert_int_equal(f.t.done_at, syn_at + 2 * RTT);
    fe_expect_lab_path(&f, 2);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 4);
    fe_free(&f);
}

static void test_discovery_early_end_v4(void **state)
{
    (void)state;
    discovery_early_end(FE_V4);
}

static void test_discovery_early_end_v6(void **state)
{
    (void)state;
    discovery_early_end(FE_V6);
}

/* On a short path the discovery is complete before its last ACK has left (copies leave
 * BURST_GAP apart): the handshake waits for that ACK, so no discovery ACK can meet the
 * connection the SYN opens. */
static void test_discovery_complete_before_last_ack_left(void **state)
{
    (void)state;
    struct fe f;
    const tc_time short_rtt = 100; /* microseconds: the lab's */
    uint32_t isn = start_discovery(&f, FE_V4);
    fe_advance(&f, BURST_GAP + short_rtt);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_advance(&f, BURST_GAP);
    discovery_rst(&f, LAB_HOST_HOP);
    assert_int_equal(fe_n_out(&f), 0); /* complete, but ACKs with TTL 4..30 still to leave */
    tc_time last_ack_left = (HOP_LIMIT - 1) * BURST_GAP;
    assert_int_equal(fe_timer_in(&f), FE_T0 + last_ack_left - f.now);
    discovery_rst(&f, LAB_HOST_HOP + 1); /* the next one's answer changes nothing */
    assert_int_equal(fe_n_out(&f), 0);
    tc_time wait = FE_T0 + last_ack_left - f.now;
    assert_int_equal(fe_fire(&f), wait);
    expect_syn_after_discovery(&f, isn);
    handshake_and_pass(&f, isn, CUSTOM_LAB);
    fe_free(&f);
}

/* The host's RST ends the discovery when the quotes are already in. RSTs may come out of
 * order: the smallest TTL answered is the distance, and the discovery is complete only once
 * every hop before it has quoted. */
static void test_discovery_smallest_ttl(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_discovery(&f, FE_V4);
    fe_advance(&f, 2 * BURST_GAP + RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    assert_int_equal(fe_n_out(&f), 0);
    discovery_rst(&f, LAB_HOST_HOP + 1); /* overtook the RST for TTL 3 */
    assert_int_equal(fe_n_out(&f), 0);   /* hop 3 would have to quote */
    assert_int_equal(f.t.learned.host_hop, LAB_HOST_HOP + 1);
    /* the ACK with TTL 4 left 3 gaps after the first: an RTT of RTT - 1 ms */
    assert_int_equal(fe_timer_in(&f), 4 * (RTT - BURST_GAP));
    fe_advance(&f, TC_MSEC);
    discovery_rst(&f, LAB_HOST_HOP);
    expect_syn_after_discovery(&f, isn);
    assert_int_equal(f.t.learned.host_hop, LAB_HOST_HOP);
    handshake_and_pass(&f, isn, CUSTOM_LAB);
    fe_free(&f);
}

/* A host on the prober's link answers the ACK with TTL 1: no hop lies before it, so its RST
 * alone completes the discovery. */
static void test_discovery_host_at_hop_1(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_discovery(&f, FE_V6);
    fe_advance(&f, RTT);
    discovery_rst(&f, 1);
    expect_syn_after_discovery(&f, isn);
    handshake_and_pass(
        &f, isn, "{\"hop_distance\":1,\"hop_distance_source\":\"ack-rst\",\"quoting_hops\":[]}");
    assert_int_equal(f.t.path_len, 0);
    fe_free(&f);
}

/* A hop that never quotes (hop 2 here): the discovery ends a few RTTs after the host's first
 * RST, with what it has. */
static void test_discovery_ends_after_rst_without_all_quotes(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_discovery(&f, FE_V6);
    fe_advance(&f, 2 * BURST_GAP + RTT);
    discovery_rst(&f, LAB_HOST_HOP);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), 4 * RTT);
    /* more RSTs do not move the end */
    fe_advance(&f, RTT);
    discovery_rst(&f, LAB_HOST_HOP + 1);
    assert_int_equal(fe_timer_in(&f), 3 * RTT);
    fe_fire(&f);
    expect_syn_after_discovery(&f, isn);
    handshake_and_pass(
        &f, isn, "{\"hop_distance\":3,\"hop_distance_source\":\"ack-rst\",\"quoting_hops\":[1]}");
    assert_int_equal(f.t.learned.quoting, 1u << 1);
    fe_free(&f);
}

/* Segments that answer no discovery ACK (a RST at another number, a SYN-ACK, an ACK) are
 * not the host's distance: the discovery goes on. */
static void test_discovery_non_answers_ignored(void **state)
{
    (void)state;
    struct fe f;
    start_discovery(&f, FE_V4);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, ack_code(LAB_HOST_HOP) + 1, 0);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ack_code(LAB_HOST_HOP));
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, ack_code(LAB_HOST_HOP));
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, ack_code(LAB_HOST_HOP));
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(f.t.learned.host_hop, 0);
    assert_int_equal(fe_timer_in(&f), (HOP_LIMIT - 1) * BURST_GAP + 1 * TC_SEC - RTT);
    fe_free(&f);
}

/* No RST at all (ACKs filtered, or a host that drops them): after one SYN wait from the last
 * ACK, the handshake. The distance is then estimated from the SYN-ACK's TTL, 62 = 64 - 3 + 1
 * (reported, never used to send). */
static void discovery_timeout(enum fe_family fam, unsigned synack_ttl, bool quotes,
                              const char *custom_json)
{
    struct fe f;
    uint32_t isn = start_discovery(&f, fam);
    if (quotes) {
        fe_advance(&f, RTT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        assert_int_equal(fe_n_out(&f), 0);
    }
    fe_fire(&f);
    assert_int_equal(f.now, FE_T0 + (HOP_LIMIT - 1) * BURST_GAP + 1 * TC_SEC);
    expect_syn_after_discovery(&f, isn);
    f.rx_ttl = synack_ttl;
    handshake_and_pass(&f, isn, custom_json);
    fe_free(&f);
}

static void test_discovery_timeout_synack_ttl(void **state)
{
    (void)state;
    static const char lab_estimate[] =
        "{\"hop_distance\":3,\"hop_distance_source\":\"synack-ttl\",\"quoting_hops\":[1,2]}";
    discovery_timeout(FE_V4, 62, true, lab_estimate);
    discovery_timeout(FE_V6, 62, true, lab_estimate);
    /* a Windows host 9 hops away (initial TTL 128), no quotes */
    discovery_timeout(
        FE_V4, 120, false,
        "{\"hop_distance\":9,\"hop_distance_source\":\"synack-ttl\",\"quoting_hops\":[]}");
    /* TTL unknown, or an estimate beyond the hop limit: no distance */
    static const char unknown[] =
        "{\"hop_distance\":null,\"hop_distance_source\":\"unknown\",\"quoting_hops\":[1,2]}";
    discovery_timeout(FE_V4, 0, true, unknown);
    discovery_timeout(FE_V6, 20, true, unknown);
}

/* With an RTT hint the discovery waits a few of those RTTs after its last ACK, not the SYN
 * timeout. */
static void test_discovery_timeout_rtt_hint(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "LivenessTest", FE_V4, &tc_timing_default);
    f.t.env.rtt_hint = RTT;
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), HOP_LIMIT);
    assert_int_equal(fe_fire(&f), (HOP_LIMIT - 1) * BURST_GAP + 4 * RTT);
    assert_int_equal(fe_n_out(&f), 1);
    expect_syn(&f, 0);
    assert_int_equal(fe_timer_in(&f), 4 * RTT);
    fe_free(&f);
}

/* The discovery's answers say nothing about the handshake: the SYN failing after it is the
 * usual FAIL, with no custom; what the discovery learned still reaches the engine. */
static void test_discovery_then_handshake_fails(void **state)
{
    (void)state;
    struct fe f;
    start_discovery(&f, FE_V4);
    fe_advance(&f, 2 * BURST_GAP + RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    discovery_rst(&f, LAB_HOST_HOP);
    assert_int_equal(fe_n_out(&f), 1);
    for (unsigned tries = 1; tries <= 3; tries++)
        assert_int_equal(fe_fire(&f), (tc_time)TC_SEC << (tries - 1));
    fe_expect_result(&f, TC_FAIL, -1, REASON_TIMEOUT, NULL);
    assert_int_equal(f.t.learned.host_hop, LAB_HOST_HOP);
    assert_int_equal(f.t.learned.quoting, (1u << 1) | (1u << 2));
    fe_free(&f);
}

/* A late discovery RST during the handshake is no answer to the SYN: no reset, no retry. */
static void test_late_discovery_rst_during_handshake(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_discovery(&f, FE_V6);
    fe_fire(&f);
    expect_syn_after_discovery(&f, isn);
    fe_advance(&f, RTT);
    discovery_rst(&f, 5);
    discovery_rst(&f, 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC - RTT);
    assert_int_equal(f.t.learned.host_hop, 0); /* the discovery is over */
    handshake_and_pass(
        &f, isn, "{\"hop_distance\":null,\"hop_distance_source\":\"unknown\",\"quoting_hops\":[]}");
    fe_free(&f);
}

/* No discovery where the path is known (covered by start()), with --trace-burst full, or
 * under --timing original: the SYN goes out at once and the PASS has no custom. */
static void test_no_discovery(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "LivenessTest", FE_V4, &tc_timing_default);
    f.t.env.trace_full = true;
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), 1);
    uint32_t isn = expect_syn(&f, 0);
    assert_false(f.t.learned.discovered);
    handshake_and_pass(&f, isn, NULL);
    fe_free(&f);

    fe_init(&f, "LivenessTest", FE_V6, &tc_timing_original);
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), 1);
    expect_syn(&f, 0);
    assert_false(f.t.learned.discovered);
    assert_int_equal(fe_timer_in(&f), 20 * TC_SEC);
    fe_free(&f);

    start(&f, FE_V4, &tc_timing_default);
    assert_int_equal(fe_n_out(&f), 1);
    expect_syn(&f, 0);
    assert_false(f.t.learned.discovered);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_on_rst_v4),
        cmocka_unit_test(test_pass_on_rst_v6),
        cmocka_unit_test(test_pass_on_silence_after_probe),
        cmocka_unit_test(test_non_answers_while_probing_ignored),
        cmocka_unit_test(test_challenge_acks_three_rsts_fail),
        cmocka_unit_test(test_syn_timeouts_backoff_then_fail),
        cmocka_unit_test(test_rtt_hint_no_backoff),
        cmocka_unit_test(test_rst_to_syn_three_times_fail),
        cmocka_unit_test(test_non_synack_passes_with_reason),
        cmocka_unit_test(test_wrong_ack_passes_with_reason),
        cmocka_unit_test(test_last_failure_decides),
        cmocka_unit_test(test_karn_no_rtt_from_retransmitted_syn),
        cmocka_unit_test(test_original_settle_listen_pass),
        cmocka_unit_test(test_original_segment_while_listening_resends_rst),
        cmocka_unit_test(test_original_syn_waits_no_backoff),
        cmocka_unit_test(test_discovery_complete_before_last_ack_left),
        cmocka_unit_test(test_discovery_early_end_v4),
        cmocka_unit_test(test_discovery_early_end_v6),
        cmocka_unit_test(test_discovery_smallest_ttl),
        cmocka_unit_test(test_discovery_host_at_hop_1),
        cmocka_unit_test(test_discovery_ends_after_rst_without_all_quotes),
        cmocka_unit_test(test_discovery_non_answers_ignored),
        cmocka_unit_test(test_discovery_timeout_synack_ttl),
        cmocka_unit_test(test_discovery_timeout_rtt_hint),
        cmocka_unit_test(test_discovery_then_handshake_fails),
        cmocka_unit_test(test_late_discovery_rst_during_handshake),
        cmocka_unit_test(test_no_discovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
