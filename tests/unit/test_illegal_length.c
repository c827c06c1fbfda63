/* IllegalLengthOptionTest (RFC 9293 MUST-7): the traced SYN carrying an MSS option of length
 * 0 (the original's burst without path knowledge, the host's copy and one per quoting hop
 * with it), the verdict on its reply (or silence) once the quotes show the option arrived
 * (tc_conclude), and the regular SYN of stage 2 after silence, retransmitted with backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

extern const struct test_case illegal_length_option_test;

/* MSS kind, length 0, then two more bytes: raw, a word long, no padding. */
#define OPTS_HEX "020002f1"
#define OPTS_LEN 4
#define ILLEGAL_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define REACH_SEQ_OFFSET 0x1fffdu /* 2 * 65535 - 1 beyond the illegal SYN's */
#define REACH_WINDOW 1024
#define THEIR_ISN 0x5a5a0000u
#define THEIR_ISN2 0x6b6b0000u
#define RTT (80 * TC_MSEC)
#define SYN_WAIT (1 * TC_SEC)     /* no RTT known: timing->syn_timeout */
#define QUOTE_WAIT (4 * RTT)      /* rtt_mult RTTs after the probe */
#define NO_RTT_WAIT (10 * TC_SEC) /* quotes, no RTT known: timing->ceil */
#define REACH_TRIES 3             /* the regular SYN and two retransmissions */
#define LAB_COPIES 2              /* fe_set_lab_path: hops 1 and 2 quote, the host at 3 */
#define ILLEGAL_STAGE 1
#define REACH_STAGE 2
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define RA (TCP_FLAG_RST | TCP_FLAG_ACK)
#define MBOX_HOP2                                                                                  \
    "Middlebox interference detected at or before hop 2 (illegal header option deleted)"
#define HS_NOT_SYNACK "Non-SYN-ACK in reply to SYN during handshake"
#define HS_WRONG_ACK "Wrong SEQ acked in reply to SYN during handshake"
#define HS_TIMEOUT "Timeout during handshake"
#define MSS "\x02\x04\x05\xb4" /* "repaired" into a valid MSS option */
#define DIFF_MSS "{\"diff\":[\"020002f1\",\"020405b4\"]}"
#define DIFF_GONE "{\"diff\":[\"020002f1\",\"\"]}"
#define DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define DIFF_DROPPED_HOP2 "{\"diff\":[\"quote from hop 2\",\"\"]}"

static const enum fe_family families[] = {FE_V4, FE_V6};
#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

static uint32_t start_burst_hint(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                                 tc_time rtt_hint)
{
    fe_init_kind(f, &illegal_length_option_test, fam, timing);
    f->t.env.rtt_hint = rtt_hint;
    fe_start(f);
    return fe_expect_burst(f, OPTS_HEX);
}

static uint32_t start_burst(struct fe *f, enum fe_family fam, const struct tc_timing *timing)
{
    return start_burst_hint(f, fam, timing, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("IllegalLengthOptionTest");
    assert_ptr_equal(k, &illegal_length_option_test);
    assert_string_equal(k->req.id, "MUST-7");
    assert_false(k->default_on); /* only with '*' */
    assert_false(k->needs_alp);
    /* the burst, three regular SYNs and resets of what answers them */
    assert_int_equal(k->packet_budget, HOP_LIMIT + 6);
}

static void test_rst_pass(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FAMILIES; i++) {
        struct fe f;
        uint32_t isn = start_burst(&f, families[i], &tc_timing_default);
        assert_int_equal(fe_timer_in(&f), SYN_WAIT);
        fe_advance(&f, RTT);
        fe_deliver(&f, RA, 0, isn + 1);
        assert_int_equal(fe_n_out(&f), 0); /* refused: nothing to tear down */
        assert_false(f.t.done);            /* the quotes must show the option arrived */
        assert_int_equal(fe_timer_in(&f), QUOTE_WAIT - RTT);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_deliver(&f, RA, 0, isn + 1); /* the rest of the burst: ignored */
        assert_int_equal(fe_n_out(&f), 0);
        assert_int_equal(fe_fire(&f), QUOTE_WAIT - RTT);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        fe_expect_lab_path(&f, 2);
        assert_int_equal(f.t.n_isns, 0);
        fe_free(&f);
    }
}

static void test_synack_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1); /* accepted: torn down at once */
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    assert_int_equal(f.t.rtt, RTT);
    assert_int_equal(fe_timer_in(&f), QUOTE_WAIT - RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* duplicates: ignored */
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 1);
    assert_int_equal(f.t.n_isns, 2);
    assert_int_equal(f.t.isns[0].isn, THEIR_ISN);
    assert_int_equal(f.t.isns[0].at, FE_T0 + RTT);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 1);
    fe_free(&f);
}

/* A wrong reply: reset unless a RST, FAIL stage 1 after the quote wait. */
static void odd_answer_fails(uint8_t flags, uint32_t ack_delta, const char *reason)
{
    struct fe f;
    uint32_t isn = start_burst(&f, FE_V4, &tc_timing_default);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, THEIR_ISN, isn + ack_delta);
    bool rst = (flags & TCP_FLAG_RST) != 0;
    assert_int_equal(fe_n_out(&f), rst ? 0 : 1);
    if (!rst)
        fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + ack_delta, 0, 0);
    assert_false(f.t.done); /* quotes first: the path may be to blame */
    assert_int_equal(fe_timer_in(&f), QUOTE_WAIT - RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, ILLEGAL_STAGE, reason, NULL);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

static void test_non_synack_fail(void **state)
{
    (void)state;
    odd_answer_fails(TCP_FLAG_ACK, 1, HS_NOT_SYNACK);
    odd_answer_fails(TCP_FLAG_RST, 0, HS_NOT_SYNACK); /* a RST not acking our SYN */
}

static void test_wrong_ack_fail(void **state)
{
    (void)state;
    odd_answer_fails(SA, 3, HS_WRONG_ACK);
}

/* A reply with these flags (0: silence, the quotes then awaited 10 s after the burst), then
 * quotes: hop 1 intact, hops 3 and 2 with the option replaced by opts (NULL: stripped). UNK
 * stage 1, no regular SYN. */
static void hop2_changed(enum fe_family fam, uint8_t flags, const char *opts, const char *diff)
{
    struct fe f;
    uint32_t isn = start_burst(&f, fam, &tc_timing_default);
    if (flags != 0) {
        fe_advance(&f, RTT);
        fe_deliver(&f, flags, THEIR_ISN, isn + 1);
    }
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    if (opts != NULL) {
        fe_deliver_burst_quote(&f, 3, opts, OPTS_LEN);
        fe_deliver_burst_quote(&f, 2, opts, OPTS_LEN);
    } else {
        fe_deliver_burst_quote_stripped(&f, 2);
    }
    size_t sent = fe_n_sent(&f);
    if (flags == 0) {
        assert_int_equal(fe_fire(&f), SYN_WAIT);
        assert_int_equal(fe_n_out(&f), 0);
        assert_false(f.t.done);
    }
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, diff);
    assert_int_equal(fe_n_sent(&f), sent);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_changed_after_reply_unk(void **state)
{
    (void)state;
    hop2_changed(FE_V4, SA, MSS, DIFF_MSS);
    hop2_changed(FE_V4, RA, "\x01\x01\x01\x01", "{\"diff\":[\"020002f1\",\"01010101\"]}");
    hop2_changed(FE_V6, SA, NULL, DIFF_GONE);
    /* still length 0, the bytes after it changed: not byte for byte what was sent */
    hop2_changed(FE_V4, SA, "\x02\x00\x05\xb4", "{\"diff\":[\"020002f1\",\"020005b4\"]}");
    /* a wrong reply: the path, not the host, is blamed */
    hop2_changed(FE_V4, TCP_FLAG_ACK, MSS, DIFF_MSS);
}

static void test_changed_after_silence_unk(void **state)
{
    (void)state;
    hop2_changed(FE_V4, 0, MSS, DIFF_MSS);
    hop2_changed(FE_V4, 0, NULL, DIFF_GONE);
    hop2_changed(FE_V6, 0, MSS, DIFF_MSS);
}

/* Silence after the burst, quotes intact (hop 1) or not judgeable (hop 2, options not
 * quoted): the regular SYN, seq beyond any window of the first, window 1024, no options,
 * no TTL code. With an RTT hint it follows the SYN wait at once (the quotes' wait is as
 * long); without, the quotes are awaited until 10 s after the burst. Returns its seq. */
static uint32_t reachability_syn(struct fe *f, enum fe_family fam, tc_time rtt_hint)
{
    uint32_t isn = start_burst_hint(f, fam, &tc_timing_default, rtt_hint);
    tc_time wait = rtt_hint != 0 ? 4 * rtt_hint : SYN_WAIT;
    fe_deliver_burst_quote(f, 1, NULL, 0);
    struct icmp_quote q;
    fe_make_quote(fe_sent(f, 1), fe_router(fam, 2), &q);
    q.quote_len = TCP_HDR_MIN;
    fe_deliver_quote(f, &q);
    assert_int_equal(fe_fire(f), wait);
    assert_false(f->t.done);
    if (rtt_hint == 0) {
        assert_int_equal(fe_n_out(f), 0);
        assert_int_equal(fe_fire(f), NO_RTT_WAIT - SYN_WAIT);
    }
    assert_int_equal(fe_n_out(f), 1);
    uint32_t seq = isn + 1 + REACH_SEQ_OFFSET;
    fe_expect_plain(f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
    assert_int_equal(fe_timer_in(f), wait);
    return seq;
}

static void test_reachability_synack_pass(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FAMILIES; i++) {
        struct fe f;
        uint32_t seq = reachability_syn(&f, families[i], 0);
        fe_advance(&f, RTT);
        fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        assert_int_equal(f.t.done_at, FE_T0 + NO_RTT_WAIT + RTT); /* no wait left */
        fe_expect_lab_path(&f, 2);
        assert_int_equal(f.t.n_isns, 1);
        assert_int_equal(f.t.isns[0].isn, THEIR_ISN2);
        assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 2);
        fe_free(&f);
    }
}

static void test_reachability_rst_pass(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V4, RTT); /* waits from the RTT hint */
    fe_deliver(&f, RA, 0, seq + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.n_isns, 0);
    fe_free(&f);
}

/* The regular SYN unanswered: sent again with the same seq, each wait twice the one before
 * (RFC 6298 5.5), FAIL only after the third: one lost packet is not the verdict. */
static void reachability_times_out(enum fe_family fam, tc_time rtt_hint)
{
    struct fe f;
    uint32_t seq = reachability_syn(&f, fam, rtt_hint);
    tc_time wait = rtt_hint != 0 ? 4 * rtt_hint : SYN_WAIT;
    for (unsigned try = 2; try <= REACH_TRIES; try++) {
        assert_int_equal(fe_fire(&f), wait);
        assert_false(f.t.done);
        assert_int_equal(fe_n_out(&f), 1);
        fe_expect_plain(&f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
        wait *= 2;
        assert_int_equal(fe_timer_in(&f), wait);
    }
    assert_int_equal(fe_fire(&f), wait);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_TIMEOUT, NULL);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + REACH_TRIES);
    fe_free(&f);
}

static void test_reachability_timeout_fail(void **state)
{
    (void)state;
    reachability_times_out(FE_V4, 0);
    reachability_times_out(FE_V6, 0);
    reachability_times_out(FE_V4, RTT);
}

/* An answer to a retransmission of the regular SYN passes: same seq, so it answers either. */
static void test_reachability_answer_after_retransmission(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V4, 0);
    fe_fire(&f);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
    fe_fire(&f);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    seq = reachability_syn(&f, FE_V6, 0);
    fe_fire(&f);
    fe_deliver(&f, RA, 0, seq + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_reachability_odd_answers_fail(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V6, 0);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN2, seq + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_NOT_SYNACK, NULL);
    fe_free(&f);

    seq = reachability_syn(&f, FE_V4, 0);
    fe_deliver(&f, SA, THEIR_ISN2, seq); /* acks nothing of ours */
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq, 0, 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_WRONG_ACK, NULL);
    assert_int_equal(f.t.n_isns, 1);
    fe_free(&f);

    seq = reachability_syn(&f, FE_V4, 0);
    fe_deliver(&f, RA, 0, seq + 2); /* a RST for something else: not answered */
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_NOT_SYNACK, NULL);
    fe_free(&f);
}

/* Answers to the illegal SYN arriving after the regular SYN went out are set aside: the
 * connection a late SYN-ACK opened is reset, and the regular SYN's reply decides. */
static void test_reachability_late_stage1_answer(void **state)
{
    (void)state;
    struct fe f;
    uint32_t seq = reachability_syn(&f, FE_V4, 0);
    uint32_t illegal_isn = seq - 1 - REACH_SEQ_OFFSET;
    fe_deliver(&f, SA, THEIR_ISN, illegal_isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, illegal_isn + 1, 0, 0);
    fe_deliver(&f, RA, 0, illegal_isn + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* late answers and then nothing: the regular SYN timed out, three times */
    seq = reachability_syn(&f, FE_V6, 0);
    fe_deliver(&f, RA, 0, seq - REACH_SEQ_OFFSET);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
    fe_deliver(&f, SA, THEIR_ISN, seq - REACH_SEQ_OFFSET);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq - REACH_SEQ_OFFSET, 0, 0);
    assert_int_equal(fe_fire(&f), 2 * SYN_WAIT);
    assert_int_equal(fe_fire(&f), 4 * SYN_WAIT);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_TIMEOUT, NULL);
    fe_free(&f);
}

/* ---- with path knowledge: the host sees the probe once ---- */

/* Start with the lab's path known (host at hop 3, hops 1 and 2 quote): the host's copy with
 * TTL 30 at once, then TTL 1 and 2 paced; every copy carries the illegal option. */
static uint32_t start_probe(struct fe *f, enum fe_family fam, const struct tc_timing *timing,
                            tc_time rtt_hint)
{
    fe_init_kind(f, &illegal_length_option_test, fam, timing);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = rtt_hint;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES);
    uint32_t isn = fe_expect_probe(f, 0, LAB_COPIES, ILLEGAL_TTL_FIELDS, TCP_FLAG_SYN, OPTS_HEX);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_string_equal(p.opts_hex, OPTS_HEX);
    return isn;
}

/* A reply: the verdict with the last expected quote, not at the end of the in-flight wait. */
static void test_path_aware_reply_pass_when_quotes_complete(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FAMILIES; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, families[i], &tc_timing_default, 0);
        assert_int_equal(fe_timer_in(&f), SYN_WAIT);
        fe_advance(&f, RTT);
        /* IPv4 refuses the option, IPv6 accepts it */
        fe_deliver(&f, families[i] == FE_V4 ? RA : SA, THEIR_ISN, isn + 1);
        assert_int_equal(fe_n_out(&f), families[i] == FE_V4 ? 0 : 1);
        assert_int_equal(fe_timer_in(&f), LAB_COPIES * TC_BURST_GAP + QUOTE_WAIT - RTT);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        assert_false(f.t.done);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        assert_int_equal(f.t.done_at, FE_T0 + RTT);
        fe_expect_lab_path(&f, 2);
        fe_free(&f);
    }
}

static void test_path_aware_changed_at_once(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, 0);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, MSS, OPTS_LEN);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, DIFF_MSS);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

/* Silence, every hop quoted the option intact: the regular SYN as soon as both the SYN wait
 * is over and the quotes are in, whichever comes last. */
static void test_path_aware_silence_regular_syn(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    uint32_t seq = isn + 1 + REACH_SEQ_OFFSET;
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
    fe_advance(&f, RTT);
    fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    /* hop 2's quote after the SYN wait: the regular SYN goes with it */
    isn = start_probe(&f, FE_V6, &tc_timing_default, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), LAB_COPIES * TC_BURST_GAP + NO_RTT_WAIT - SYN_WAIT);
    fe_advance(&f, RTT);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + 1 + REACH_SEQ_OFFSET, 0, REACH_WINDOW);
    assert_int_equal(fe_timer_in(&f), SYN_WAIT);
    fe_free(&f);
}

/* The host did not answer the illegal SYN and hop 2, which quotes this target's probes, was
 * silent for it: the path dropped it, so whatever the regular SYN shows says nothing about
 * the option (the host never saw it). UNK at hop 2, stage 1, the path up to hop 1. */
static void test_path_aware_dropped_probe_unk(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FAMILIES; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, families[i], &tc_timing_default, RTT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        assert_int_equal(fe_fire(&f), QUOTE_WAIT);
        assert_int_equal(fe_n_out(&f), 0);
        /* the quotes' wait runs until the last copy's in-flight wait ends */
        assert_int_equal(fe_fire(&f), LAB_COPIES * TC_BURST_GAP);
        uint32_t seq = isn + 1 + REACH_SEQ_OFFSET;
        fe_expect_plain(&f, 0, TCP_FLAG_SYN, seq, 0, REACH_WINDOW);
        fe_advance(&f, RTT);
        fe_deliver(&f, SA, THEIR_ISN2, seq + 1);
        fe_expect_plain(&f, 0, TCP_FLAG_RST, seq + 1, 0, 0);
        fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
        fe_expect_lab_path(&f, 1);
        fe_free(&f);
    }

    /* the regular SYN unanswered too: still not the host's failure to cope */
    struct fe f;
    uint32_t isn = start_probe(&f, FE_V4, &tc_timing_default, RTT);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_fire(&f);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + 1 + REACH_SEQ_OFFSET, 0, REACH_WINDOW);
    for (unsigned try = 1; try < REACH_TRIES; try++)
        fe_fire(&f);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
    assert_int_equal(fe_n_sent(&f), 1 + LAB_COPIES + REACH_TRIES);
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
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC - RTT); /* the original's quote wait */
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* the original returned a wrong reply at once; path first: its 10 s quote wait */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(&f), 1);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, ILLEGAL_STAGE, HS_NOT_SYNACK, NULL);
    fe_free(&f);

    isn = start_burst(&f, FE_V4, &tc_timing_original);
    fe_deliver_burst_quote_stripped(&f, 2);
    fe_deliver(&f, SA, THEIR_ISN, isn + 3);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, DIFF_GONE);
    fe_free(&f);

    /* silence: 30 s, the original's 10 s quote wait, then the regular SYN's 30 s, once */
    isn = start_burst(&f, FE_V4, &tc_timing_original);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_deliver(&f, SA, THEIR_ISN, isn + 1); /* late: not the regular SYN's answer */
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + 1 + REACH_SEQ_OFFSET, 0, REACH_WINDOW);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    fe_expect_result(&f, TC_FAIL, REACH_STAGE, HS_TIMEOUT, NULL);
    fe_free(&f);

    /* silence, and a quote arriving during the quote wait */
    start_burst(&f, FE_V4, &tc_timing_original);
    fe_fire(&f);
    fe_deliver_burst_quote_stripped(&f, 2);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, ILLEGAL_STAGE, MBOX_HOP2, DIFF_GONE);
    fe_free(&f);

    /* with path knowledge the quotes complete early, but the original's waits are kept */
    isn = start_probe(&f, FE_V6, &tc_timing_original, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), 10 * TC_SEC);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + 1 + REACH_SEQ_OFFSET, 0, REACH_WINDOW);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_rst_pass),
        cmocka_unit_test(test_synack_pass),
        cmocka_unit_test(test_non_synack_fail),
        cmocka_unit_test(test_wrong_ack_fail),
        cmocka_unit_test(test_changed_after_reply_unk),
        cmocka_unit_test(test_changed_after_silence_unk),
        cmocka_unit_test(test_reachability_synack_pass),
        cmocka_unit_test(test_reachability_rst_pass),
        cmocka_unit_test(test_reachability_timeout_fail),
        cmocka_unit_test(test_reachability_answer_after_retransmission),
        cmocka_unit_test(test_reachability_odd_answers_fail),
        cmocka_unit_test(test_reachability_late_stage1_answer),
        cmocka_unit_test(test_path_aware_reply_pass_when_quotes_complete),
        cmocka_unit_test(test_path_aware_changed_at_once),
        cmocka_unit_test(test_path_aware_silence_regular_syn),
        cmocka_unit_test(test_path_aware_dropped_probe_unk),
        cmocka_unit_test(test_original_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
