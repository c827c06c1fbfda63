/* UnknownOptionTest (RFC 9293 MUST-6): the traced SYN carrying the unassigned kind 158 (the
 * original's burst without path knowledge, the host's copy and one per quoting hop with it),
 * the plain retry, the control SYN without the option, middlebox attribution from quotes,
 * the dropped-probe rule and " with unknown option" verdicts (the syn_accept machine
 * OptionSupportTest shares, with its own option check). */
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
#define UNKNOWN_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define RETRY_WINDOW 4096
#define CONTROL_OFFSET 0x20000u /* beyond any window the SYN under test may have opened */
#define CONTROL_WINDOW 4096
#define THEIR_ISN 0x5a5a0000u
#define THEIR_ISN2 0x6b6b0000u
#define RTT (80 * TC_MSEC)
#define SYN_WAIT (1 * TC_SEC)     /* no RTT known: timing->syn_timeout */
#define RETRY_WAIT (2 * TC_SEC)   /* no RTT known: backed off (RFC 6298 5.5) */
#define QUOTE_WAIT (4 * RTT)      /* rtt_mult RTTs after the probe */
#define NO_RTT_WAIT (10 * TC_SEC) /* no RTT known: timing->ceil */
#define LAB_COPIES 2              /* fe_set_lab_path: hops 1 and 2 quote, the host at 3 */
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define RA (TCP_FLAG_RST | TCP_FLAG_ACK)
#define MBOX_HOP2                                                                                  \
    "Middlebox interference detected at or before hop 2 (unknown header option deleted)"
#define SUFFIX " with unknown option"
#define NOOPS "\x01\x01\x01\x01\x01" /* over the option's 5 bytes */
#define DIFF_NOOPS "{\"diff\":[\"" OPT_HEX "\",\"0101010101000000\"]}"
#define DIFF_GONE "{\"diff\":[\"" OPT_HEX "\",\"\"]}"
#define HS_TIMEOUT "Timeout during handshake"
#define HS_RST "RST in reply to SYN during handshake"
#define CONTROL_ANSWERED "; a SYN without it was answered"
#define CONTROL_SILENT "; no answer to a SYN without it either"
#define CONTROL_REFUSED "; a SYN without it was refused too"
#define DETAIL_LATE "; answered only after a SYN without it"
#define LATE "SYN-ACK only after the retransmission timeout" SUFFIX DETAIL_LATE
#define LATE_RST "RST only after the retransmission timeout" SUFFIX DETAIL_LATE
#define DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define DIFF_DROPPED_HOP2 "{\"diff\":[\"quote from hop 2\",\"\"]}"

static uint32_t start_burst(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    fe_init_kind(f, &unknown_option_test, fam, timing);
    fe_start(f);
    return fe_expect_burst(f, OPTS_HEX);
}

/* SYN-ACK one RTT after the burst: reset <SEQ=SEG.ACK><CTL=RST>, quotes awaited until 4
 * RTTs after the burst. */
static void synack(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f->t.rtt, RTT);
    assert_int_equal(fe_timer_in(f), QUOTE_WAIT - RTT);
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

/* The control SYN: no options, no TTL code, seq beyond any window of the first. */
static void expect_control(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, isn + CONTROL_OFFSET, 0, CONTROL_WINDOW);
}

/* The control SYN answered one RTT later: its connection reset <SEQ=SEG.ACK>. */
static void control_synack(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, SA, THEIR_ISN2, isn + CONTROL_OFFSET + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + CONTROL_OFFSET + 1, 0, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("UnknownOptionTest");
    assert_ptr_equal(k, &unknown_option_test);
    assert_string_equal(k->req.id, "MUST-6");
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
    assert_int_equal(fe_fire(&f), QUOTE_WAIT - RTT);
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
    /* silence twice: a SYN without the option tells the host's refusal from a dead path */
    assert_int_equal(fe_fire(&f), RETRY_WAIT);
    expect_control(&f, isn);
    assert_int_equal(fe_timer_in(&f), RETRY_WAIT);
    control_synack(&f, isn);
    assert_false(f.t.done); /* the burst's quotes, no RTT known: until 10 s after it */
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    assert_int_equal(f.t.done_at, FE_T0 + NO_RTT_WAIT);
    fe_free(&f);

    /* the retry draws a SYN-ACK: reset, PASS after the quote wait, no RTT sample (Karn) */
    isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_fire(&f);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, 0);
    assert_int_equal(fe_fire(&f), NO_RTT_WAIT - SYN_WAIT - RTT);
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
    assert_int_equal(fe_timer_in(&f), RETRY_WAIT);
    fe_advance(&f, RTT);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_control(&f, isn); /* and the RST is not answered */
    control_synack(&f, isn);
    assert_false(f.t.done); /* the quotes may still blame the path */
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT - 3 * RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* too late, and the verdict is held */
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_RST SUFFIX CONTROL_ANSWERED, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

static void test_failure_blamed_on_path(void **state)
{
    (void)state;
    /* silence twice, a quote of hop 2 shows the option overwritten */
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_deliver_burst_quote(&f, 2, NOOPS, 5);
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn); /* even with a plain SYN answered */
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_NOOPS);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    /* RSTs, the control refused: the quotes are awaited, then blamed */
    isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_deliver(&f, RA, 0, isn + 1);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_control(&f, isn);
    fe_deliver(&f, RA, 0, isn + CONTROL_OFFSET + 1);
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
    assert_int_equal(fe_timer_in(&f), NO_RTT_WAIT - RTT);
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

/* ---- with path knowledge: the host sees the probe once ---- */

/* Start with the lab's path known (host at hop 3, hops 1 and 2 quote): the host's copy with
 * TTL 30 at once, then TTL 1 and 2 paced; every copy carries the option. */
static uint32_t start_probe(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                            tc_time rtt_hint)
{
    fe_init_kind(f, &unknown_option_test, fam, timing);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = rtt_hint;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES);
    uint32_t isn = fe_expect_probe(f, 0, LAB_COPIES, UNKNOWN_TTL_FIELDS, TCP_FLAG_SYN, OPTS_HEX);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_string_equal(p.opts_hex, OPTS_HEX);
    return isn;
}

/* PASS with the last expected quote, without waiting out the in-flight wait. */
static void test_path_aware_pass(void **state)
{
    (void)state;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, fams[i], &tc_timing_default, 0);
        assert_int_equal(fe_timer_in(&f), SYN_WAIT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_advance(&f, RTT);
        fe_deliver(&f, SA, THEIR_ISN, isn + 1);
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
        assert_int_equal(fe_timer_in(&f), LAB_COPIES * TC_BURST_GAP + QUOTE_WAIT - RTT);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        assert_int_equal(f.t.done_at, FE_T0 + RTT);
        fe_expect_lab_path(&f, 2);
        assert_int_equal(fe_n_sent(&f), 1 + LAB_COPIES + 1);
        fe_free(&f);
    }
}

/* The dropping middlebox (`tcp option 158 exists drop` in hop 2's prerouting): hop 2
 * sends no time-exceeded for the probe and the host never sees it nor the retry, while a SYN
 * without the option is answered. Hop 2 quotes this target's other probes: the path dropped
 * it, UNK at hop 2, the path up to hop 1. */
static void test_dropping_middlebox_unk(void **state)
{
    (void)state;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, fams[i], &tc_timing_default, RTT);
        assert_int_equal(fe_timer_in(&f), QUOTE_WAIT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        assert_int_equal(fe_fire(&f), QUOTE_WAIT); /* an RTT known: no backoff */
        expect_retry(&f, isn);
        assert_int_equal(fe_fire(&f), QUOTE_WAIT);
        expect_control(&f, isn);
        control_synack(&f, isn);
        fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
        fe_expect_lab_path(&f, 1);
        assert_int_equal(fe_n_sent(&f), 1 + LAB_COPIES + 3);
        fe_free(&f);
    }

    /* Without path knowledge (the original's burst) a hop silent for every copy cannot be
     * told from a router that never quotes: the control's answer makes it the host's. */
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

/* Every hop quoted the probe intact, the host stayed silent to it and to the retry: the
 * control SYN decides, as soon as it is answered (the quotes are complete). */
enum control_answer { CTRL_SYNACK, CTRL_SILENT, CTRL_RST, CTRL_LATE_SYNACK, CTRL_LATE_RST };

static void path_aware_control(enum fe_family fam, enum control_answer a, enum tc_status st,
                               const char *reason)
{
    struct fe f;
    uint32_t isn = start_probe(&f, fam, &tc_timing_default, RTT);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_false(f.t.done);
    fe_fire(&f);
    expect_retry(&f, isn);
    fe_fire(&f);
    expect_control(&f, isn);
    tc_time control_at = f.now;
    switch (a) {
    case CTRL_SYNACK:
        control_synack(&f, isn);
        break;
    case CTRL_SILENT:
        assert_int_equal(fe_fire(&f), QUOTE_WAIT);
        assert_int_equal(fe_n_out(&f), 0);
        break;
    case CTRL_RST:
        fe_advance(&f, RTT);
        fe_deliver(&f, RA, 0, isn + CONTROL_OFFSET + 1);
        assert_int_equal(fe_n_out(&f), 0);
        break;
    case CTRL_LATE_SYNACK:
        fe_advance(&f, RTT);
        fe_deliver(&f, SA, THEIR_ISN, isn + 1);
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
        break;
    case CTRL_LATE_RST:
        fe_advance(&f, RTT);
        fe_deliver(&f, RA, 0, isn + 1);
        assert_int_equal(fe_n_out(&f), 0);
        break;
    }
    fe_expect_result(&f, st, STAGE, reason, NULL);
    assert_int_equal(f.t.done_at, control_at + (a == CTRL_SILENT ? QUOTE_WAIT : RTT));
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_path_aware_control_decides(void **state)
{
    (void)state;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        path_aware_control(fams[i], CTRL_SYNACK, TC_FAIL, HS_TIMEOUT SUFFIX CONTROL_ANSWERED);
        path_aware_control(fams[i], CTRL_SILENT, TC_UNK, HS_TIMEOUT SUFFIX CONTROL_SILENT);
        path_aware_control(fams[i], CTRL_RST, TC_UNK, HS_TIMEOUT SUFFIX CONTROL_REFUSED);
        path_aware_control(fams[i], CTRL_LATE_SYNACK, TC_UNK, LATE);
        path_aware_control(fams[i], CTRL_LATE_RST, TC_UNK, LATE_RST);
    }
}

/* A quote shows the option overwritten: the failed handshake is the path's, even with a
 * plain SYN answered. */
static void test_path_aware_mbox_blames_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V6, &tc_timing_default, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NOOPS, 5);
    assert_false(f.t.done); /* the handshake decides when the verdict is due */
    fe_fire(&f);
    expect_retry(&f, isn);
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_NOOPS);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC - RTT); /* the original's quote wait */
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* 30 s for the burst, the retry and the control: no backoff */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_retry(&f, isn);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_control(&f, isn);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT SUFFIX CONTROL_SILENT, NULL);
    fe_free(&f);

    /* the original returned a failed handshake at once; path first: its 10 s quote wait */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_retry(&f, isn);
    fe_deliver(&f, RA, 0, isn + 1);
    expect_control(&f, isn);
    control_synack(&f, isn);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC - RTT);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_RST SUFFIX CONTROL_ANSWERED, NULL);
    fe_free(&f);

    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver_burst_quote(&f, 2, NOOPS, 5);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2, DIFF_NOOPS);
    fe_free(&f);

    /* with path knowledge the quotes complete early, but the original's wait is kept */
    isn = start_probe(&f, FE_V4, &tc_timing_original, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), LAB_COPIES * TC_BURST_GAP + 10 * TC_SEC - RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
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
        cmocka_unit_test(test_path_aware_pass),
        cmocka_unit_test(test_dropping_middlebox_unk),
        cmocka_unit_test(test_path_aware_control_decides),
        cmocka_unit_test(test_path_aware_mbox_blames_path),
        cmocka_unit_test(test_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
