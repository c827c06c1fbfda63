/* IncorrectChecksumTest and ZeroChecksumTest (RFC 9293 MUST-3, 3.1): the traced SYN burst
 * with a wrong checksum, the reply and the quotes of stage 1, the handshake with a wrong
 * ACK of stage 2, every verdict, for both cases, IPv4 and IPv6. */
#include "checksum_cases_util.h"

#define RTT (40 * TC_MSEC)
#define WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define THEIR_ISN 0x7a7a0000u
#define STAGE2_OFFSET 2048 /* isn + 1 + 2047 */
#define WIN2 512
#define R1 "198.18.1.1"
#define R2 "198.18.2.1"
#define R3 "198.18.3.1"
#define R2_V6 "fd00:7463:2::1"

#define R_SYN_BAD_CSUM "Incorrect checksum in reply to SYN with incorrect checksum"
#define R_SYN_NON_RST "Non-RST in reply to SYN with incorrect checksum"
#define R_SYN_BAD_RST "Invalid RST in reply to SYN with incorrect checksum"
#define R_ACK_BAD_CSUM "Incorrect checksum in reply to ACK with incorrect checksum"
#define R_ACK_NON_RST "Non-RST in reply to ACK with incorrect checksum"
#define R_ACK_BAD_RST "Invalid RST in reply to ACK with incorrect checksum"
#define R_ACK_ACCEPTED "ACK with incorrect checksum accepted"

#define MB "Middlebox interference detected "

static const struct test_case *const kinds[] = {&incorrect_checksum_test, &zero_checksum_test};
#define N_KINDS 2

struct run {
    struct fe f;
    uint32_t isn, syn2;
    uint16_t cs;
};

/* Start with the given RTT hint (0 = none) and check the burst. */
static void start(struct run *r, const struct test_case *kind, enum fe_family fam,
                  const struct tc_timing *timing, tc_time rtt_hint)
{
    fe_init_kind(&r->f, kind, fam, timing);
    r->f.t.env.rtt_hint = rtt_hint;
    fe_start(&r->f);
    unsigned fixed;
    r->isn = cu_check_burst(&r->f, &r->cs, &fixed);
    if (kind == &zero_checksum_test)
        assert_int_equal(r->cs, 0);
    else
        assert_int_not_equal(r->cs, 0);
    r->syn2 = r->isn + STAGE2_OFFSET;
}

/* The stage 2 SYN is the only packet out: plain, seq isn + 2048, window 512. */
static void expect_syn2(struct run *r)
{
    assert_int_equal(fe_n_out(&r->f), 1);
    fe_expect_plain(&r->f, 0, TCP_FLAG_SYN, r->syn2, 0, WIN2);
    assert_false(r->f.t.done);
}

/* Silence to the burst with a 40 ms RTT hint: the reply wait and the quote wait end together,
 * so stage 2 starts at once. */
static void to_stage2(struct run *r)
{
    assert_int_equal(fe_fire(&r->f), WAIT);
    expect_syn2(r);
    assert_int_equal(fe_timer_in(&r->f), WAIT);
}

/* SYN-ACK one RTT later: the ACK <SEQ=syn2+1><ACK=THEIR_ISN+1> window 512 goes out with a
 * wrong checksum; *cs2 gets it. */
static void synack2(struct run *r, uint16_t *cs2)
{
    fe_advance(&r->f, RTT);
    fe_deliver(&r->f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r->syn2 + 1);
    assert_int_equal(r->f.t.rtt, RTT);
    assert_int_equal(fe_n_out(&r->f), 1);
    struct cu_pkt p;
    cu_parse(&r->f.t.out[0], &p);
    assert_int_equal(p.seg.flags, TCP_FLAG_ACK);
    assert_int_equal(p.seg.seq, r->syn2 + 1);
    assert_int_equal(p.seg.ack, THEIR_ISN + 1);
    assert_int_equal(p.seg.window, WIN2);
    assert_int_equal(p.ip.ttl, IP_DEFAULT_TTL);
    assert_int_equal(p.seg.data_off, 5);
    assert_false(p.csum_ok);
    assert_int_not_equal(p.real, p.seg.checksum);
    if (r->f.t.kind == &zero_checksum_test)
        assert_int_equal(p.seg.checksum, 0);
    else
        assert_int_not_equal(p.seg.checksum, 0);
    *cs2 = p.seg.checksum;
    /* the peer's initial RTO (3 s, RFC 1122 stacks) plus the way there and back */
    assert_int_equal(fe_timer_in(&r->f), 3 * TC_SEC + 2 * RTT);
}

static void expect_custom(const struct run *r, enum tc_status st, const char *reason, uint16_t seen)
{
    char custom[64];
    snprintf(custom, sizeof(custom), "{\"diff\":[\"%04x\",\"%04x\"]}", r->cs, seen);
    fe_expect_result(&r->f, st, 1, reason, custom);
}

static void test_registry(void **state)
{
    (void)state;
    assert_string_equal(incorrect_checksum_test.name, "IncorrectChecksumTest");
    assert_string_equal(zero_checksum_test.name, "ZeroChecksumTest");
    for (size_t i = 0; i < N_KINDS; i++) {
        assert_string_equal(kinds[i]->rfc_req, "MUST-3");
        assert_true(kinds[i]->default_on);
        assert_false(kinds[i]->needs_alp);
        assert_int_equal(kinds[i]->packet_budget, HOP_LIMIT + 4);
        assert_non_null(kinds[i]->on_bad_checksum);
        assert_non_null(kinds[i]->on_quote);
        assert_int_equal(kinds[i]->state_size, sizeof(struct checksum_state));
    }
    assert_ptr_not_equal(incorrect_checksum_test.params, zero_checksum_test.params);
}

/* Silence, then the SYN-ACK retransmitted: the ACK was dropped. Reset, PASS. */
static void pass_on_retransmission(const struct test_case *kind, enum fe_family fam)
{
    struct run r;
    start(&r, kind, fam, &tc_timing_default, RTT);
    assert_int_equal(fe_timer_in(&r.f), WAIT);
    to_stage2(&r);
    uint16_t cs2;
    synack2(&r, &cs2);
    fe_advance(&r.f, 1 * TC_SEC); /* Linux: initial RTO 1 s */
    fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
    assert_int_equal(fe_n_out(&r.f), 1);
    fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.syn2 + 1, 0, 0);
    fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
    assert_int_equal(r.f.t.done_at, FE_T0 + WAIT + RTT + 1 * TC_SEC);
    assert_int_equal(fe_n_sent(&r.f), HOP_LIMIT + 3);
    assert_int_equal(r.f.t.n_isns, 2);
    assert_int_equal(r.f.t.isns[0].isn, THEIR_ISN);
    assert_int_equal(r.f.t.isns[1].isn, THEIR_ISN);
    assert_int_equal(r.f.t.path_len, 0);
    fe_free(&r.f);
}

static void test_pass_retransmission(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        pass_on_retransmission(kinds[i], FE_V4);
        pass_on_retransmission(kinds[i], FE_V6);
    }
}

/* After the ACK, a RST: valid in [our ACK, our ACK + 512) (PASS, nothing sent), else FAIL. */
static void rst_after_ack(const struct test_case *kind, uint32_t delta, enum tc_status st)
{
    struct run r;
    start(&r, kind, FE_V4, &tc_timing_default, RTT);
    to_stage2(&r);
    uint16_t cs2;
    synack2(&r, &cs2);
    fe_advance(&r.f, RTT);
    fe_deliver(&r.f, TCP_FLAG_RST, THEIR_ISN + 1 + delta, 0);
    assert_int_equal(fe_n_out(&r.f), 0);
    if (st == TC_PASS)
        fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
    else
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_BAD_RST, NULL);
    fe_free(&r.f);
}

static void test_rst_after_ack(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        rst_after_ack(kinds[i], 0, TC_PASS);
        rst_after_ack(kinds[i], WIN2 - 1, TC_PASS);
        rst_after_ack(kinds[i], WIN2, TC_FAIL);
        rst_after_ack(kinds[i], (uint32_t)-1, TC_FAIL);
    }
}

/* After the ACK: silence, another segment, a bad checksum. Each resets and FAILs. */
enum after_ack { AA_SILENCE, AA_DATA_ACK, AA_BAD_CSUM };

static void fail_after_ack(const struct test_case *kind, enum fe_family fam, enum after_ack what)
{
    struct run r;
    start(&r, kind, fam, &tc_timing_default, RTT);
    to_stage2(&r);
    uint16_t cs2;
    synack2(&r, &cs2);
    struct tcp_seg seg;
    switch (what) {
    case AA_SILENCE:
        assert_int_equal(fe_fire(&r.f), 3 * TC_SEC + 2 * RTT);
        fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.syn2 + 1, 0, 0);
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_ACCEPTED, NULL);
        break;
    case AA_DATA_ACK: /* the target took the connection as established */
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, r.syn2 + 1);
        fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.syn2 + 1, 0, 0);
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_NON_RST, NULL);
        break;
    case AA_BAD_CSUM:
        fe_advance(&r.f, RTT);
        fe_target_seg(&seg, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
        fe_deliver_seg(&r.f, &seg, true);
        fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.syn2 + 1, 0, 0);
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_BAD_CSUM, NULL);
        assert_int_equal(r.f.t.n_isns, 1); /* nothing taken from a corrupt segment */
        break;
    }
    assert_int_equal(fe_n_out(&r.f), 1);
    fe_free(&r.f);
}

static void test_fail_after_ack(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            fail_after_ack(kinds[i], fam, AA_SILENCE);
            fail_after_ack(kinds[i], fam, AA_DATA_ACK);
            fail_after_ack(kinds[i], fam, AA_BAD_CSUM);
        }
    }
}

/* Stage 1: a RST acknowledging the SYN is acceptable; without an RTT the quotes are awaited
 * 10 s from the burst. Later replies to the burst are not looked at. */
static void test_stage1_rst_acceptable(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        struct run r;
        start(&r, kinds[i], FE_V4, &tc_timing_default, 0);
        assert_int_equal(fe_timer_in(&r.f), 1 * TC_SEC);
        fe_advance(&r.f, 300 * TC_MSEC);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        assert_int_equal(fe_n_out(&r.f), 0);
        assert_int_equal(fe_timer_in(&r.f), 10 * TC_SEC - 300 * TC_MSEC);
        fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.isn + 1);
        fe_deliver(&r.f, TCP_FLAG_RST, 0, 0);
        assert_int_equal(fe_n_out(&r.f), 0);
        fe_fire(&r.f);
        expect_syn2(&r);
        /* no RTT yet: the SYN wait */
        assert_int_equal(fe_timer_in(&r.f), 1 * TC_SEC);
        fe_free(&r.f);
    }
}

/* Stage 1 silence without an RTT: 1 s for a reply, then the quotes until 10 s after the
 * burst. */
static void test_stage1_silence_no_rtt(void **state)
{
    (void)state;
    struct run r;
    start(&r, &zero_checksum_test, FE_V6, &tc_timing_default, 0);
    assert_int_equal(fe_fire(&r.f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&r.f), 0);
    assert_int_equal(fe_fire(&r.f), 9 * TC_SEC);
    expect_syn2(&r);
    fe_free(&r.f);
}

/* Stage 1 replies that FAIL once the quotes show no interference. */
static void stage1_fail(const struct test_case *kind, enum fe_family fam, uint8_t flags,
                        uint32_t ack, const char *reason)
{
    struct run r;
    start(&r, kind, fam, &tc_timing_default, RTT);
    fe_advance(&r.f, RTT);
    fe_deliver(&r.f, flags, THEIR_ISN, ack);
    if (!(flags & TCP_FLAG_RST)) {
        assert_int_equal(fe_n_out(&r.f), 1);
        fe_expect_plain(&r.f, 0, TCP_FLAG_RST, ack, 0, 0);
    } else {
        assert_int_equal(fe_n_out(&r.f), 0);
    }
    assert_false(r.f.t.done);
    /* the rest of the burst draws more of the same: ignored */
    fe_deliver(&r.f, flags, THEIR_ISN, ack);
    assert_int_equal(fe_n_out(&r.f), 0);
    struct icmp_quote q;
    cu_quote(&r.f, 1, fam == FE_V4 ? R1 : "fd00:7463:1::1", CU_UNCHANGED, false, &q);
    fe_deliver_quote(&r.f, &q);
    assert_false(r.f.t.done);
    assert_int_equal(fe_fire(&r.f), WAIT - RTT);
    fe_expect_result(&r.f, TC_FAIL, 1, reason, NULL);
    assert_int_equal(r.f.t.path_len, 1);
    fe_free(&r.f);
}

static void test_stage1_fail(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            struct run r;
            start(&r, kinds[i], fam, &tc_timing_default, RTT);
            uint32_t isn = r.isn;
            fe_free(&r.f);
            /* the same seed gives the same ISN */
            stage1_fail(kinds[i], fam, TCP_FLAG_SYN | TCP_FLAG_ACK, isn + 1, R_SYN_NON_RST);
            stage1_fail(kinds[i], fam, TCP_FLAG_ACK, isn + 1, R_SYN_NON_RST);
            stage1_fail(kinds[i], fam, TCP_FLAG_RST | TCP_FLAG_ACK, isn + 5, R_SYN_BAD_RST);
            stage1_fail(kinds[i], fam, TCP_FLAG_RST, 0, R_SYN_BAD_RST);
        }
    }
}

/* A reply with a bad checksum is a FAIL at once: the path cannot excuse the reply's own
 * checksum. The path so far is recorded. */
static void test_stage1_bad_checksum_reply(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        struct run r;
        start(&r, kinds[i], FE_V4, &tc_timing_default, RTT);
        struct icmp_quote q;
        cu_quote(&r.f, 2, R2, CU_CORRECTED, false, &q);
        fe_deliver_quote(&r.f, &q);
        fe_advance(&r.f, RTT);
        struct tcp_seg seg;
        fe_target_seg(&seg, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        fe_deliver_seg(&r.f, &seg, true);
        assert_int_equal(fe_n_out(&r.f), 0);
        fe_expect_result(&r.f, TC_FAIL, 1, R_SYN_BAD_CSUM, NULL);
        assert_int_equal(r.f.t.done_at, FE_T0 + RTT);
        assert_int_equal(r.f.t.path_len, 1);
        fe_expect_hop(&r.f, 0, 2, R2);
        fe_free(&r.f);
    }
}

/* The lab's router that recomputes checksums: the target accepts the corrected SYN. Reset,
 * and the quote of hop 2 blames the path at once. */
static void corrected_after_synack(const struct test_case *kind, enum fe_family fam)
{
    struct run r;
    start(&r, kind, fam, &tc_timing_default, RTT);
    fe_advance(&r.f, RTT);
    fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.isn + 1);
    fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.isn + 1, 0, 0);
    struct icmp_quote q1, q2;
    cu_quote(&r.f, 1, fam == FE_V4 ? R1 : "fd00:7463:1::1", CU_UNCHANGED, false, &q1);
    cu_quote(&r.f, 2, fam == FE_V4 ? R2 : R2_V6, CU_CORRECTED, false, &q2);
    fe_deliver_quote(&r.f, &q1);
    assert_false(r.f.t.done);
    fe_deliver_quote(&r.f, &q2);
    expect_custom(&r, TC_UNK, MB "at or before hop 2 (checksum corrected)", cu_quoted_csum(&q2));
    assert_int_equal(r.f.t.done_at, FE_T0 + RTT);
    assert_int_equal(r.f.t.path_len, 2);
    fe_expect_hop(&r.f, 1, 2, fam == FE_V4 ? R2 : R2_V6);
    fe_free(&r.f);
}

static void test_corrected_after_synack(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        corrected_after_synack(kinds[i], FE_V4);
        corrected_after_synack(kinds[i], FE_V6);
    }
}

/* Quotes arriving before the reply is judged wait for it; the verdict comes at the quote
 * deadline. kind2/unknown2 describe a second quote (hop 3). */
static void quotes_verdict(const struct test_case *kind, enum cu_quote k1, bool unk1,
                           enum cu_quote k2, bool unk2, const char *reason, int seen_from)
{
    struct run r;
    start(&r, kind, FE_V4, &tc_timing_default, RTT);
    struct icmp_quote q[2];
    cu_quote(&r.f, 2, R2, k1, unk1, &q[0]);
    cu_quote(&r.f, 3, R3, k2, unk2, &q[1]);
    fe_deliver_quote(&r.f, &q[0]);
    fe_deliver_quote(&r.f, &q[1]);
    assert_false(r.f.t.done);
    assert_int_equal(fe_fire(&r.f), WAIT); /* silence; quotes settled */
    if (reason == NULL) {
        expect_syn2(&r);
    } else {
        assert_int_equal(fe_n_out(&r.f), 0);
        expect_custom(&r, TC_UNK, reason, cu_quoted_csum(&q[seen_from]));
    }
    fe_free(&r.f);
}

static void test_quotes_verdicts(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        const struct test_case *k = kinds[i];
        quotes_verdict(k, CU_UNCHANGED, false, CU_STILL_WRONG, false, NULL, 0);
        quotes_verdict(k, CU_STILL_WRONG, true, CU_UNCHANGED, true, NULL, 0);
        quotes_verdict(k, CU_CORRECTED, false, CU_UNCHANGED, false,
                       MB "at or before hop 2 (checksum corrected)", 0);
        quotes_verdict(k, CU_UNCHANGED, false, CU_MODIFIED, false,
                       MB "at or before hop 3 (checksum modified)", 1);
        quotes_verdict(k, CU_MODIFIED, true, CU_UNCHANGED, false,
                       MB "at unknown hop (checksum modified)", 0);
        quotes_verdict(k, CU_MODIFIED, true, CU_CORRECTED, true,
                       MB "at unknown hop (checksum corrected)", 1);
        /* known beats unknown, corrected beats modified */
        quotes_verdict(k, CU_CORRECTED, true, CU_MODIFIED, false,
                       MB "at or before hop 3 (checksum modified)", 1);
        quotes_verdict(k, CU_MODIFIED, false, CU_CORRECTED, false,
                       MB "at or before hop 3 (checksum corrected)", 1);
    }
}

/* Non-RST / invalid RST replies are not blamed on the host when the path changed the
 * checksum; the path lists every quote, unknown hops first. */
static void test_stage1_fail_becomes_unk(void **state)
{
    (void)state;
    struct run r;
    start(&r, &incorrect_checksum_test, FE_V6, &tc_timing_default, RTT);
    fe_advance(&r.f, RTT);
    fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 7);
    struct icmp_quote q[3];
    cu_quote(&r.f, 3, "fd00:7463:3::1", CU_UNCHANGED, false, &q[0]);
    cu_quote(&r.f, 2, R2_V6, CU_MODIFIED, false, &q[1]);
    cu_quote(&r.f, 4, "fd00:7463:4::1", CU_MODIFIED, true, &q[2]);
    for (size_t i = 0; i < 3; i++)
        fe_deliver_quote(&r.f, &q[i]);
    assert_false(r.f.t.done); /* "modified" is not final */
    fe_fire(&r.f);
    expect_custom(&r, TC_UNK, MB "at or before hop 2 (checksum modified)", cu_quoted_csum(&q[1]));
    assert_int_equal(r.f.t.path_len, 3);
    fe_expect_hop(&r.f, 0, 0, "fd00:7463:4::1");
    fe_expect_hop(&r.f, 1, 2, R2_V6);
    fe_expect_hop(&r.f, 2, 3, "fd00:7463:3::1");
    fe_free(&r.f);
}

/* Stage 2 handshake: timeout, RST, wrong replies; stage 1 leftovers and corrupt segments
 * are skipped. */
enum hs_case { HS_TIMEOUT, HS_RST, HS_NOT_SYNACK, HS_WRONG_ACK };

static void stage2_handshake(const struct test_case *kind, enum hs_case what)
{
    struct run r;
    start(&r, kind, FE_V4, &tc_timing_default, RTT);
    to_stage2(&r);
    fe_advance(&r.f, RTT);
    /* leftovers of the burst acknowledge its SYN; a corrupt SYN-ACK */
    fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
    fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.isn + 1);
    fe_deliver(&r.f, TCP_FLAG_ACK, THEIR_ISN + 1, r.isn + 1);
    struct tcp_seg bad;
    fe_target_seg(&bad, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
    fe_deliver_seg(&r.f, &bad, true);
    assert_int_equal(fe_n_out(&r.f), 0);
    assert_false(r.f.t.done);
    switch (what) {
    case HS_TIMEOUT:
        fe_fire(&r.f);
        fe_expect_result(&r.f, TC_UNK, 2, "Timeout during handshake", NULL);
        assert_int_equal(fe_n_out(&r.f), 0);
        break;
    case HS_RST:
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.syn2 + 1);
        fe_expect_result(&r.f, TC_UNK, 2, "RST in reply to SYN during handshake", NULL);
        assert_int_equal(fe_n_out(&r.f), 0);
        break;
    case HS_NOT_SYNACK:
        fe_deliver(&r.f, TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
        fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.syn2 + 1, 0, 0);
        fe_expect_result(&r.f, TC_FAIL, 2, "Non-SYN-ACK in reply to SYN during handshake", NULL);
        break;
    case HS_WRONG_ACK:
        fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 9);
        fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.syn2 + 9, 0, 0);
        fe_expect_result(&r.f, TC_FAIL, 2, "Wrong SEQ acked in reply to SYN during handshake",
                         NULL);
        break;
    }
    fe_free(&r.f);
}

static void test_stage2_handshake(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++)
        for (enum hs_case c = HS_TIMEOUT; c <= HS_WRONG_ACK; c++)
            stage2_handshake(kinds[i], c);
}

/* After the ACK, leftovers of the burst do not count; quotes no longer matter. */
static void test_leftovers_after_ack(void **state)
{
    (void)state;
    struct run r;
    start(&r, &zero_checksum_test, FE_V6, &tc_timing_default, RTT);
    to_stage2(&r);
    uint16_t cs2;
    synack2(&r, &cs2);
    fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
    fe_deliver(&r.f, TCP_FLAG_ACK, THEIR_ISN + 1, r.isn + 1);
    struct icmp_quote q;
    cu_quote(&r.f, 2, R2_V6, CU_CORRECTED, false, &q);
    fe_deliver_quote(&r.f, &q);
    assert_int_equal(fe_n_out(&r.f), 0);
    assert_false(r.f.t.done);
    fe_deliver(&r.f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
    assert_int_equal(r.f.t.path_len, 0); /* the path is stage 1's */
    fe_free(&r.f);
}

/* --timing original: 60 s for a reply, 10 s for quotes, 30 s handshake, 30 s after the ACK. */
static void test_original_timing(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        struct run r;
        start(&r, kinds[i], FE_V4, &tc_timing_original, RTT);
        assert_int_equal(fe_fire(&r.f), 60 * TC_SEC);
        assert_int_equal(fe_n_out(&r.f), 0);
        assert_int_equal(fe_fire(&r.f), 10 * TC_SEC);
        expect_syn2(&r);
        assert_int_equal(fe_fire(&r.f), 30 * TC_SEC);
        fe_expect_result(&r.f, TC_UNK, 2, "Timeout during handshake", NULL);
        fe_free(&r.f);

        /* a reply: 10 s from it; the ACK: 30 s */
        start(&r, kinds[i], FE_V4, &tc_timing_original, RTT);
        fe_advance(&r.f, 5 * TC_SEC);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        assert_int_equal(fe_fire(&r.f), 10 * TC_SEC);
        expect_syn2(&r);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
        assert_int_equal(fe_fire(&r.f), 30 * TC_SEC);
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_ACCEPTED, NULL);
        assert_int_equal(r.f.t.done_at, FE_T0 + 45 * TC_SEC + RTT);
        fe_free(&r.f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_retransmission),
        cmocka_unit_test(test_rst_after_ack),
        cmocka_unit_test(test_fail_after_ack),
        cmocka_unit_test(test_stage1_rst_acceptable),
        cmocka_unit_test(test_stage1_silence_no_rtt),
        cmocka_unit_test(test_stage1_fail),
        cmocka_unit_test(test_stage1_bad_checksum_reply),
        cmocka_unit_test(test_corrected_after_synack),
        cmocka_unit_test(test_quotes_verdicts),
        cmocka_unit_test(test_stage1_fail_becomes_unk),
        cmocka_unit_test(test_stage2_handshake),
        cmocka_unit_test(test_leftovers_after_ack),
        cmocka_unit_test(test_original_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
