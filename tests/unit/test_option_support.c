/* OptionSupportTest (RFC 9293 MUST-4): the traced SYN carrying NOOP NOOP EOL (the original's
 * burst of 30 without path knowledge, one copy for the host and one per quoting hop with
 * it), the plain retry, the control SYN without the options, middlebox attribution from
 * quotes, the dropped-probe rule and " with options" verdicts (syn_accept, tc_conclude). */
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
#define OPTION_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define RETRY_WINDOW 4096
/* The control SYN: beyond any window the SYN under test may have opened, window 4096. */
#define CONTROL_OFFSET 0x20000u
#define CONTROL_WINDOW 4096
#define THEIR_ISN 0x5a5a0000u
#define THEIR_ISN2 0x6b6b0000u
#define RTT (80 * TC_MSEC)
#define SYN_WAIT (1 * TC_SEC)     /* no RTT known: timing->syn_timeout */
#define RETRY_WAIT (2 * TC_SEC)   /* no RTT known: backed off (RFC 6298 5.5) */
#define NO_RTT_WAIT (10 * TC_SEC) /* quotes, no RTT known: timing->ceil */
#define LAB_COPIES 2              /* fe_set_lab_path: hops 1 and 2 quote, the host at 3 */
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define RA (TCP_FLAG_RST | TCP_FLAG_ACK)
#define R1 "198.18.1.1"
#define R2 "198.18.2.2"
#define R3 "198.18.3.1"
#define R1_V6 "fd00:7463:1::1"
#define R2_V6 "fd00:7463:2::1"
#define R3_V6 "fd00:7463:3::1"
#define MBOX_HOP2 "Middlebox interference detected at or before hop 2 (header option(s) deleted)"
#define DIFF_DELETED "{\"diff\":[\"01,00\",\"\"]}"
#define SUFFIX " with options"
#define CONTROL_ANSWERED "; a SYN without it was answered"
#define CONTROL_SILENT "; no answer to a SYN without it either"
#define CONTROL_REFUSED "; a SYN without it was refused too"
#define HS_TIMEOUT "Timeout during handshake"
#define HS_RST "RST in reply to SYN during handshake"
#define DETAIL_LATE "; answered only after a SYN without it"
#define LATE "SYN-ACK only after the retransmission timeout" SUFFIX DETAIL_LATE
#define LATE_RST "RST only after the retransmission timeout" SUFFIX DETAIL_LATE
#define DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define DIFF_DROPPED_HOP2 "{\"diff\":[\"quote from hop 2\",\"\"]}"

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

/* SYN-ACK one RTT after the probe: reset <SEQ=SEG.ACK><CTL=RST>, an RTT sample, the
 * quotes awaited for quotes_wait more. */
static void synack_wait(struct fe *f, uint32_t isn, tc_time quotes_wait)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_timer_in(f), quotes_wait);
}

/* The same after the burst: quotes awaited until 4 RTTs after it. */
static void synack(struct fe *f, uint32_t isn)
{
    synack_wait(f, isn, 3 * RTT);
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
    assert_string_equal(k->req.id, "MUST-4");
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
    assert_int_equal(fe_fire(&f), 3 * RTT);
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

/* The control SYN: no options, no TTL code, seq beyond any window of the first. */
static void expect_control(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, isn + CONTROL_OFFSET, 0, CONTROL_WINDOW);
}

/* Silence to the burst and to the retry, no RTT known: the control SYN 1 + 2 s later. */
static uint32_t to_control_after_silence(struct fe *f, enum fe_family fam)
{
    uint32_t isn = start_burst(f, fam, &tc_timing_default);
    assert_int_equal(fe_fire(f), SYN_WAIT);
    expect_retry(f, isn);
    assert_int_equal(fe_timer_in(f), RETRY_WAIT);
    assert_int_equal(fe_fire(f), RETRY_WAIT);
    expect_control(f, isn);
    assert_int_equal(fe_timer_in(f), RETRY_WAIT);
    assert_false(f->t.done);
    return isn;
}

/* The control SYN answered one RTT later: its connection reset <SEQ=SEG.ACK>. */
static void control_synack(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, SA, THEIR_ISN2, isn + CONTROL_OFFSET + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + CONTROL_OFFSET + 1, 0, 0);
}

/* The host answers a plain SYN but not this one: FAIL, on its own answer. The quotes of the
 * burst (no RTT known) are awaited until 10 s after it. */
static void test_timeouts_control_answered_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = to_control_after_silence(&f, FE_V4);
    control_synack(&f, isn);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT - SYN_WAIT - RETRY_WAIT - RTT);
    fe_deliver(&f, SA, THEIR_ISN2, isn + CONTROL_OFFSET + 1); /* the verdict is held */
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + NO_RTT_WAIT);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 3);
    fe_free(&f);
}

/* Nothing answers a SYN now, with or without the options: no evidence against the host. */
static void test_timeouts_control_silent_unk(void **state)
{
    (void)state;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        to_control_after_silence(&f, fams[i]);
        assert_int_equal(fe_fire(&f), RETRY_WAIT);
        assert_int_equal(fe_n_out(&f), 0);
        assert_false(f.t.done); /* the quotes may still blame the path */
        assert_int_equal(fe_fire(&f), NO_RTT_WAIT - SYN_WAIT - 2 * RETRY_WAIT);
        fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT SUFFIX CONTROL_SILENT, NULL);
        fe_free(&f);
    }
}

static void test_timeouts_control_refused_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = to_control_after_silence(&f, FE_V6);
    fe_advance(&f, RTT);
    fe_deliver(&f, RA, 0, isn + CONTROL_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is not answered */
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT SUFFIX CONTROL_REFUSED, NULL);
    fe_free(&f);
}

/* The SYN under test answered only once the control was out: the two cannot be told apart
 * any more. A SYN-ACK is reset, a RST is not answered; segments that answer neither SYN
 * leave the control waiting. */
static void test_late_answer_to_probe_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = to_control_after_silence(&f, FE_V4);
    fe_deliver(&f, SA, THEIR_ISN2, isn + CONTROL_OFFSET + 5); /* acks neither */
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN2, isn + CONTROL_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, LATE, NULL);
    fe_free(&f);

    isn = to_control_after_silence(&f, FE_V6);
    fe_deliver(&f, RA, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, LATE_RST, NULL);
    fe_free(&f);
}

/* RSTs to the SYN under test and to its retry. */
static uint32_t to_control_after_rsts(struct fe *f)
{
    uint32_t isn = start_burst(f, FE_V4, &tc_timing_default);
    fe_advance(f, RTT);
    fe_deliver(f, RA, 0, isn + 1);
    expect_retry(f, isn);
    assert_int_equal(fe_timer_in(f), RETRY_WAIT);
    fe_advance(f, RTT);
    fe_deliver(f, RA, 0, isn + 1);
    expect_control(f, isn); /* and the RST is not answered */
    assert_int_equal(fe_timer_in(f), RETRY_WAIT);
    return isn;
}

static void test_rsts_control_answered_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = to_control_after_rsts(&f);
    control_synack(&f, isn);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT - 3 * RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_RST SUFFIX CONTROL_ANSWERED, NULL);
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 1, R1);
    fe_free(&f);

    /* a host refusing every SYN (a closed port now): unknown */
    isn = to_control_after_rsts(&f);
    fe_deliver(&f, RA, 0, isn + CONTROL_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, HS_RST SUFFIX CONTROL_REFUSED, NULL);
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
    assert_int_equal(fe_fire(&f), NO_RTT_WAIT - SYN_WAIT - RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* A failure whose quotes show the options changed on the way: the path, not the host, even
 * with the control SYN answered. */
static void test_handshake_failure_blamed_on_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    deliver_quote(&f, 1, R1, NULL);
    fe_fire(&f);
    deliver_quote(&f, 2, R2, "\xfe\x04\x02\xfc");
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_DELETED);
    assert_int_equal(f.t.path_len, 2);
    fe_free(&f);

    /* the same after RSTs: the quotes are awaited, then blamed */
    isn = to_control_after_rsts(&f);
    control_synack(&f, isn);
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
    assert_int_equal(fe_n_out(&f), 1); /* reset, no retry, no control: the reply is wrong */
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT - RTT);
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

/* ---- with path knowledge: the host sees the probe once ---- */

/* Start with the lab's path known (host at hop 3, hops 1 and 2 quote): the host's copy with
 * TTL 30 at once, then TTL 1 and 2 paced; every copy carries the options. */
static uint32_t start_probe(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                            tc_time rtt_hint)
{
    fe_init(f, "OptionSupportTest", fam, timing);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = rtt_hint;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES);
    uint32_t isn = fe_expect_probe(f, 0, LAB_COPIES, OPTION_TTL_FIELDS, TCP_FLAG_SYN, OPTS_HEX);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_string_equal(p.opts_hex, OPTS_HEX);
    return isn;
}

/* The verdict comes with the last expected quote, not at the end of the in-flight wait. */
static void test_path_aware_pass_when_quotes_complete(void **state)
{
    (void)state;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, fams[i], &tc_timing_default, 0);
        assert_int_equal(fe_timer_in(&f), SYN_WAIT);
        /* 4 RTTs after the last copy left */
        synack_wait(&f, isn, LAB_COPIES * TC_BURST_GAP + 3 * RTT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        assert_false(f.t.done);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        assert_int_equal(f.t.done_at, FE_T0 + RTT);
        fe_expect_lab_path(&f, 2);
        assert_int_equal(fe_n_sent(&f), 1 + LAB_COPIES + 1);
        fe_free(&f);
    }
}

static void test_path_aware_options_deleted_at_once(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, 0);
    synack_wait(&f, isn, LAB_COPIES * TC_BURST_GAP + 3 * RTT);
    fe_deliver_burst_quote(&f, 2, "\xfe\x04\x02\xfc", 4);
    assert_false(f.t.done);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_DELETED);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

/* Every hop quoted, the host silent to the SYN under test and its retry, a plain SYN
 * answered: FAIL as soon as the control answers. With an RTT from an earlier round, no
 * wait backs off. */
static void test_path_aware_control_answered_fail(void **state)
{
    (void)state;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, fams[i], &tc_timing_default, RTT);
        assert_int_equal(fe_timer_in(&f), 4 * RTT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        assert_int_equal(fe_fire(&f), 4 * RTT);
        expect_retry(&f, isn);
        assert_int_equal(fe_fire(&f), 4 * RTT);
        expect_control(&f, isn);
        control_synack(&f, isn);
        fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
        assert_int_equal(f.t.done_at, FE_T0 + 9 * RTT);
        fe_expect_lab_path(&f, 2);
        fe_free(&f);
    }
}

/* The host does not answer and hop 2, which quotes this target's probes, is silent for this
 * one: the path lost it. UNK even though a plain SYN is answered; the path is the hops that
 * quoted. */
static void test_path_aware_dropped_probe_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    expect_retry(&f, isn);
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);

    /* IPv6, no RTT known, the control silent too: the quotes are awaited 10 s */
    isn = start_probe(&f, FE_V6, &tc_timing_default, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    assert_int_equal(fe_fire(&f), RETRY_WAIT);
    expect_control(&f, isn);
    assert_int_equal(fe_fire(&f), RETRY_WAIT);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f),
                     LAB_COPIES * TC_BURST_GAP + NO_RTT_WAIT - SYN_WAIT - 2 * RETRY_WAIT);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

/* The rule needs the host's silence: a hop silent for a probe the host answered (or refused)
 * is a lost ICMP message, and the verdict is the host's. */
static void test_path_aware_silent_hop_host_answered(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, 0);
    synack_wait(&f, isn, LAB_COPIES * TC_BURST_GAP + 3 * RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_false(f.t.done); /* hop 2 may still quote */
    assert_int_equal(fe_fire(&f), LAB_COPIES * TC_BURST_GAP + 3 * RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);

    isn = start_probe(&f, FE_V4, &tc_timing_default, RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_retry(&f, isn);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_control(&f, isn);
    control_synack(&f, isn);
    assert_false(f.t.done); /* hop 2 may still quote */
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_RST SUFFIX CONTROL_ANSWERED, NULL);
    fe_free(&f);
}

/* A quote from hop 2 shows the probe passed hop 1: hop 1's silence is a lost ICMP message,
 * not a drop. The host's silence against a plain SYN answered stays its own. */
static void test_path_aware_later_hop_quoted(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, RTT);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_fire(&f);
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 2, R2);
    fe_free(&f);
}

/* The host answered the SYN under test after all (late, once the control was out): not a
 * probe the path dropped, even with hop 2 silent. */
static void test_path_aware_late_answer_not_dropped(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_fire(&f);
    expect_control(&f, isn);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_UNK, STAGE, LATE, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

/* A path discovered with no hop that quotes: the host's copy alone, nothing to wait for. */
static void test_path_without_quoting_hops(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "OptionSupportTest", FE_V4, &tc_timing_default);
    fe_set_path(&f, 3, 0);
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), 1);
    uint32_t isn = fe_expect_probe(&f, 0, 0, OPTION_TTL_FIELDS, TCP_FLAG_SYN, NULL);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 0);
    fe_free(&f);
}

static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC - RTT); /* the original's quote wait */
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* 30 s for the burst, the retry and the control: no backoff; the quotes are in */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_retry(&f, isn);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_control(&f, isn);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    control_synack(&f, isn);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    fe_free(&f);

    /* the original returned a failed handshake at once; path first: its 10 s quote wait */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-SYN-ACK in reply to SYN during handshake" SUFFIX,
                     NULL);
    fe_free(&f);

    /* with path knowledge the quotes complete early, but the original's wait is kept */
    isn = start_probe(&f, FE_V4, &tc_timing_original, 0);
    synack_wait(&f, isn, LAB_COPIES * TC_BURST_GAP + 10 * TC_SEC - RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), LAB_COPIES * TC_BURST_GAP + 10 * TC_SEC - RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 2);
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
        cmocka_unit_test(test_timeouts_control_answered_fail),
        cmocka_unit_test(test_timeouts_control_silent_unk),
        cmocka_unit_test(test_timeouts_control_refused_unk),
        cmocka_unit_test(test_late_answer_to_probe_unk),
        cmocka_unit_test(test_rsts_control_answered_fail),
        cmocka_unit_test(test_retry_synack_passes_without_rtt),
        cmocka_unit_test(test_handshake_failure_blamed_on_path),
        cmocka_unit_test(test_non_synack_fail),
        cmocka_unit_test(test_wrong_ack_fail),
        cmocka_unit_test(test_v6_pass_with_path),
        cmocka_unit_test(test_v6_options_deleted_unk),
        cmocka_unit_test(test_path_aware_pass_when_quotes_complete),
        cmocka_unit_test(test_path_aware_options_deleted_at_once),
        cmocka_unit_test(test_path_aware_control_answered_fail),
        cmocka_unit_test(test_path_aware_dropped_probe_unk),
        cmocka_unit_test(test_path_aware_silent_hop_host_answered),
        cmocka_unit_test(test_path_aware_later_hop_quoted),
        cmocka_unit_test(test_path_aware_late_answer_not_dropped),
        cmocka_unit_test(test_path_without_quoting_hops),
        cmocka_unit_test(test_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
