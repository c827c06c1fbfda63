/* IncorrectChecksumTest and ZeroChecksumTest (RFC 9293 MUST-3, 3.1): the traced SYN with a
 * wrong checksum (the original's burst without path knowledge, the host's copy plus one per
 * quoting hop with it), the reply and the quotes of stage 1, the handshake with a wrong ACK
 * of stage 2 and the state probe asking whether the host took it (3.10.7.3 vs 3.10.7.4),
 * every verdict, for both cases, IPv4 and IPv6, and --timing original's old waits. */
#include "checksum_cases_util.h"

#define RTT (40 * TC_MSEC)
#define WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define THEIR_ISN 0x7a7a0000u
#define STAGE2_OFFSET 2048 /* isn + 1 + 2047 */
#define WIN2 512
/* The state probe acknowledges RCV.NXT + our window + 1000 (+1 for the repeat), and leaves
 * ORDER_GAP after the ACK it asks about. */
#define PROBE_ACK (THEIR_ISN + 1 + WIN2 + 1000)
#define ORDER_GAP (2 * TC_MSEC)
/* The host's initial RTO (RFC 1122 stacks: 3 s) plus the way there and back. */
#define RETRANS_WAIT (3 * TC_SEC + 2 * RTT)
/* The lab's path: the traced SYN's copies for hops 1 and 2, the last leaving 2 ms later. */
#define LAB_COPIES 2
#define LAST_COPY (LAB_COPIES * TC_MSEC)
#define R1 "198.18.1.1"
#define R2 "198.18.2.1"
#define R3 "198.18.3.1"
#define R1_V6 "fd00:7463:1::1"
#define R2_V6 "fd00:7463:2::1"

#define R_SYN_BAD_CSUM "Incorrect checksum in reply to SYN with incorrect checksum"
#define R_SYN_NON_RST "Non-RST in reply to SYN with incorrect checksum"
#define R_SYN_BAD_RST "Invalid RST in reply to SYN with incorrect checksum"
#define R_ACK_BAD_CSUM "Incorrect checksum in reply to ACK with incorrect checksum"
#define R_ACK_BAD_RST "Invalid RST in reply to ACK with incorrect checksum"
#define R_ACK_ACCEPTED "ACK with incorrect checksum accepted"
#define R_ACK_NO_ANSWER                                                                            \
    "No answer to the state probe after the ACK with incorrect checksum: cannot tell whether it "  \
    "was accepted"

#define MB "Middlebox interference detected "

static const struct test_case *const kinds[] = {&incorrect_checksum_test, &zero_checksum_test};
#define N_KINDS 2

/* Stage 1 without path knowledge (the original's burst) or with the lab's path. */
enum mode { FULL_BURST, PATH_AWARE };

struct run {
    struct fe f;
    enum mode mode;
    uint32_t isn, syn2;
    uint16_t cs;
};

/* Start in the given mode with the given RTT hint (0 = none) and check the traced SYN. */
static void start_mode(struct run *r, const struct test_case *kind, enum fe_family fam,
                       const struct tc_timing *timing, tc_time rtt_hint, enum mode mode)
{
    fe_init_kind(&r->f, kind, fam, timing);
    r->f.t.env.rtt_hint = rtt_hint;
    r->mode = mode;
    if (mode == PATH_AWARE)
        fe_set_lab_path(&r->f);
    fe_start(&r->f);
    unsigned fixed;
    if (mode == PATH_AWARE)
        r->isn = cu_check_probe(&r->f, LAB_COPIES, &r->cs, &fixed);
    else
        r->isn = cu_check_burst(&r->f, &r->cs, &fixed);
    if (kind == &zero_checksum_test)
        assert_int_equal(r->cs, 0);
    else
        assert_int_not_equal(r->cs, 0);
    r->syn2 = r->isn + STAGE2_OFFSET;
}

static void start(struct run *r, const struct test_case *kind, enum fe_family fam,
                  const struct tc_timing *timing, tc_time rtt_hint)
{
    start_mode(r, kind, fam, timing, rtt_hint, FULL_BURST);
}

/* The stage 2 SYN is the only packet out: plain, seq isn + 2048, window 512. */
static void expect_syn2(struct run *r)
{
    assert_int_equal(fe_n_out(&r->f), 1);
    fe_expect_plain(&r->f, 0, TCP_FLAG_SYN, r->syn2, 0, WIN2);
    assert_false(r->f.t.done);
}

/* Silence to the traced SYN with a 40 ms RTT hint. Full burst: the reply wait and the quote
 * wait end together, so stage 2 starts at once. With the path known and no quote in, the
 * quotes are awaited until the in-flight wait after the last copy left. */
static void to_stage2(struct run *r)
{
    assert_int_equal(fe_fire(&r->f), WAIT);
    if (r->mode == PATH_AWARE) {
        assert_int_equal(fe_n_out(&r->f), 0);
        assert_int_equal(fe_fire(&r->f), LAST_COPY);
    }
    expect_syn2(r);
    assert_int_equal(fe_timer_in(&r->f), WAIT);
}

/* SYN-ACK rtt later: the ACK <SEQ=syn2+1><ACK=THEIR_ISN+1> window 512 goes out with a wrong
 * checksum at once; *cs2 gets it. Then, but for --timing original, the state probe: a plain
 * ACK <SEQ=syn2+1><ACK=PROBE_ACK> ORDER_GAP later, its answer awaited the in-flight wait
 * after it. --timing original waits 30 s for a retransmitted SYN-ACK instead. */
static void synack2_rtt(struct run *r, uint16_t *cs2, tc_time rtt)
{
    fe_advance(&r->f, rtt);
    fe_deliver(&r->f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r->syn2 + 1);
    assert_int_equal(r->f.t.rtt, rtt);
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
    assert_int_equal(r->f.t.out[0].delay, 0);
    assert_int_equal(r->f.t.out[0].faults, TCP_FAULT_CHECKSUM);
    if (r->f.t.kind == &zero_checksum_test)
        assert_int_equal(p.seg.checksum, 0);
    else
        assert_int_not_equal(p.seg.checksum, 0);
    *cs2 = p.seg.checksum;
    if (r->f.t.env.timing->original) {
        assert_int_equal(fe_n_out(&r->f), 1);
        assert_int_equal(fe_timer_in(&r->f), 30 * TC_SEC);
        return;
    }
    assert_int_equal(fe_n_out(&r->f), 2);
    fe_expect_plain(&r->f, 1, TCP_FLAG_ACK, r->syn2 + 1, PROBE_ACK, WIN2);
    assert_int_equal(r->f.t.out[1].delay, ORDER_GAP);
    assert_int_equal(r->f.t.out[1].faults, 0);
    tc_time wait = 4 * rtt < WAIT ? WAIT : 4 * rtt;
    assert_int_equal(fe_timer_in(&r->f), ORDER_GAP + wait);
}

static void synack2(struct run *r, uint16_t *cs2)
{
    synack2_rtt(r, cs2, RTT);
}

/* No answer to the state probe: it is asked again at once (ack one more), and a retransmitted
 * SYN-ACK is given until the host's initial RTO after the bad ACK to come. */
static void ask_again(struct run *r)
{
    assert_int_equal(fe_fire(&r->f), ORDER_GAP + WAIT);
    assert_int_equal(fe_n_out(&r->f), 1);
    fe_expect_plain(&r->f, 0, TCP_FLAG_ACK, r->syn2 + 1, PROBE_ACK + 1, WIN2);
    assert_int_equal(r->f.t.out[0].delay, 0);
    assert_false(r->f.t.done);
    assert_int_equal(fe_timer_in(&r->f), RETRANS_WAIT - ORDER_GAP - WAIT);
}

/* The embryonic or established connection is closed with a RST at SND.NXT = syn2 + 1. */
static void expect_close(const struct run *r)
{
    assert_int_equal(fe_n_out(&r->f), 1);
    fe_expect_plain(&r->f, 0, TCP_FLAG_RST, r->syn2 + 1, 0, 0);
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
        assert_string_equal(kinds[i]->req.id, "MUST-3");
        assert_true(kinds[i]->default_on);
        assert_false(kinds[i]->needs_alp);
        /* the traced SYN; stage 2's SYN, ACK, two state probes and the closing RST; a spare */
        assert_int_equal(kinds[i]->packet_budget, HOP_LIMIT + 7);
        assert_non_null(kinds[i]->on_bad_checksum);
        assert_non_null(kinds[i]->on_quote);
        assert_non_null(kinds[i]->cleanup);
        assert_int_equal(kinds[i]->state_size, sizeof(struct checksum_state));
    }
    assert_ptr_not_equal(incorrect_checksum_test.params, zero_checksum_test.params);
}

/* Silence to the state probe, asked again, then the SYN-ACK retransmitted after Linux's
 * initial RTO of 1 s: still in SYN-RECEIVED, the ACK was dropped. Closed, PASS. */
static void pass_on_retransmission(const struct test_case *kind, enum fe_family fam, enum mode mode)
{
    struct run r;
    start_mode(&r, kind, fam, &tc_timing_default, RTT, mode);
    assert_int_equal(fe_timer_in(&r.f), WAIT);
    to_stage2(&r);
    tc_time syn2_at = r.f.now;
    uint16_t cs2;
    synack2(&r, &cs2);
    ask_again(&r);
    fe_advance(&r.f, 1 * TC_SEC - ORDER_GAP - WAIT); /* Linux: initial RTO 1 s */
    fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
    expect_close(&r);
    fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
    assert_int_equal(r.f.t.done_at, syn2_at + RTT + 1 * TC_SEC);
    unsigned probe = mode == PATH_AWARE ? 1 + LAB_COPIES : HOP_LIMIT;
    assert_int_equal(fe_n_sent(&r.f), probe + 5);
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
        pass_on_retransmission(kinds[i], FE_V4, FULL_BURST);
        pass_on_retransmission(kinds[i], FE_V6, FULL_BURST);
        pass_on_retransmission(kinds[i], FE_V4, PATH_AWARE);
        pass_on_retransmission(kinds[i], FE_V6, PATH_AWARE);
    }
}

/* After the ACK, a RST that answers neither probe: valid in [our ACK, our ACK + 512) (the
 * host reset the connection: PASS, nothing sent), else FAIL. */
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
        /* next to the probe's number, but not it */
        rst_after_ack(kinds[i], PROBE_ACK - THEIR_ISN, TC_FAIL);
    }
}

/* Every answer to the state probe (the first, or the repeat after silence), each as a host
 * sends it. Not synchronized (the bad ACK was dropped: PASS): a RST <SEQ=SEG.ACK> (Linux,
 * gVisor, BSD), a RST+ACK <SEQ=SEG.ACK> (lwIP), the SYN-ACK again. Synchronized (the bad ACK
 * completed the handshake: FAIL): an ACK (3.10.7.4), data. A reply with a bad checksum is
 * a FAIL in itself. Each closes the connection at SND.NXT. */
enum answer { ANS_RST, ANS_RST_ACK, ANS_SYNACK, ANS_ACK, ANS_DATA, ANS_BAD_CSUM };

static void answer_state_probe(const struct test_case *kind, enum fe_family fam, enum mode mode,
                               bool repeated, enum answer what)
{
    static const uint8_t data[] = "220 ready\r\n";
    struct run r;
    start_mode(&r, kind, fam, &tc_timing_default, RTT, mode);
    to_stage2(&r);
    uint16_t cs2;
    synack2(&r, &cs2);
    if (repeated)
        ask_again(&r);
    uint32_t probe_ack = PROBE_ACK + (repeated ? 1 : 0);
    tc_time asked_at = r.f.now + (repeated ? 0 : ORDER_GAP);
    fe_advance(&r.f, (repeated ? 0 : ORDER_GAP) + RTT);
    struct tcp_seg seg;
    switch (what) {
    case ANS_RST:
        fe_deliver(&r.f, TCP_FLAG_RST, probe_ack, 0);
        break;
    case ANS_RST_ACK:
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, probe_ack, r.syn2 + 1);
        break;
    case ANS_SYNACK:
        fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
        break;
    case ANS_ACK:
        fe_deliver(&r.f, TCP_FLAG_ACK, THEIR_ISN + 1, r.syn2 + 1);
        break;
    case ANS_DATA:
        fe_target_seg(&seg, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, r.syn2 + 1);
        seg.payload = data;
        seg.payload_len = sizeof(data) - 1;
        fe_deliver_seg(&r.f, &seg, false);
        break;
    case ANS_BAD_CSUM:
        fe_target_seg(&seg, TCP_FLAG_RST, probe_ack, 0);
        fe_deliver_seg(&r.f, &seg, true);
        break;
    }
    expect_close(&r);
    switch (what) {
    case ANS_RST:
    case ANS_RST_ACK:
    case ANS_SYNACK:
        fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
        break;
    case ANS_ACK:
    case ANS_DATA:
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_ACCEPTED, NULL);
        break;
    case ANS_BAD_CSUM:
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_BAD_CSUM, NULL);
        break;
    }
    assert_int_equal(r.f.t.done_at, asked_at + RTT);
    fe_free(&r.f);
}

static void test_state_probe_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++)
        for (enum answer a = ANS_RST; a <= ANS_BAD_CSUM; a++)
            for (int repeated = 0; repeated <= 1; repeated++) {
                answer_state_probe(kinds[i], FE_V4, FULL_BURST, repeated, a);
                answer_state_probe(kinds[i], FE_V6, PATH_AWARE, repeated, a);
            }
}

/* Neither the probe nor its repeat drew an answer, nor did a SYN-ACK come until the host's
 * initial RTO: the host's state cannot be told. UNK, never FAIL (the original's FAIL here
 * failed every host that never retransmits: SYN cookies, tcp_synack_retries=0). */
static void unk_on_silence(const struct test_case *kind, enum fe_family fam, enum mode mode)
{
    struct run r;
    start_mode(&r, kind, fam, &tc_timing_default, RTT, mode);
    to_stage2(&r);
    tc_time ack_at = r.f.now + RTT;
    uint16_t cs2;
    synack2(&r, &cs2);
    ask_again(&r);
    fe_fire(&r.f);
    expect_close(&r);
    fe_expect_result(&r.f, TC_UNK, 2, R_ACK_NO_ANSWER, NULL);
    assert_int_equal(r.f.t.done_at, ack_at + RETRANS_WAIT);
    fe_free(&r.f);
}

static void test_unk_on_silence(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        unk_on_silence(kinds[i], FE_V4, FULL_BURST);
        unk_on_silence(kinds[i], FE_V6, FULL_BURST);
        unk_on_silence(kinds[i], FE_V4, PATH_AWARE);
        unk_on_silence(kinds[i], FE_V6, PATH_AWARE);
    }
}

/* A slow path (RTT 1 s): the repeat's answer is awaited 4 RTTs, which ends after the host's
 * initial RTO would have. */
static void test_ask_again_waits_the_longer(void **state)
{
    (void)state;
    struct run r;
    start(&r, &incorrect_checksum_test, FE_V4, &tc_timing_default, RTT);
    to_stage2(&r);
    uint16_t cs2;
    synack2_rtt(&r, &cs2, 1 * TC_SEC);
    assert_int_equal(fe_fire(&r.f), ORDER_GAP + 4 * TC_SEC);
    fe_expect_plain(&r.f, 0, TCP_FLAG_ACK, r.syn2 + 1, PROBE_ACK + 1, WIN2);
    assert_int_equal(fe_timer_in(&r.f), 4 * TC_SEC);
    fe_fire(&r.f);
    fe_expect_result(&r.f, TC_UNK, 2, R_ACK_NO_ANSWER, NULL);
    fe_free(&r.f);
}

/* The first probe's answer arrives only after the repeat went out: it still says what the
 * host's state was after the bad ACK. A RST <SEQ=SEG.ACK> of the first probe is not synchronized
 * (PASS), an ACK synchronized (FAIL). */
static void test_late_answer_to_first_probe(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        struct run r;
        start(&r, kinds[i], FE_V6, &tc_timing_default, RTT);
        to_stage2(&r);
        uint16_t cs2;
        synack2(&r, &cs2);
        ask_again(&r);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_RST, PROBE_ACK, 0);
        expect_close(&r);
        fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
        fe_free(&r.f);

        start(&r, kinds[i], FE_V4, &tc_timing_default, RTT);
        to_stage2(&r);
        synack2(&r, &cs2);
        ask_again(&r);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, PROBE_ACK, r.syn2 + 1);
        expect_close(&r);
        fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
        fe_free(&r.f);
    }
}

/* After the ACK a segment with a bad checksum is a FAIL at once; nothing is taken from it. */
static void test_bad_checksum_after_ack(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            struct run r;
            start(&r, kinds[i], fam, &tc_timing_default, RTT);
            to_stage2(&r);
            uint16_t cs2;
            synack2(&r, &cs2);
            fe_advance(&r.f, RTT);
            struct tcp_seg seg;
            fe_target_seg(&seg, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
            fe_deliver_seg(&r.f, &seg, true);
            expect_close(&r);
            fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_BAD_CSUM, NULL);
            assert_int_equal(r.f.t.n_isns, 1); /* nothing taken from a corrupt segment */
            fe_free(&r.f);
        }
    }
}

/* --timing original after the ACK: no state probe; a retransmitted SYN-ACK within 30 s is the
 * original's PASS (its FAIL on silence is in test_original_timing). */
static void test_original_retransmission(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            struct run r;
            start(&r, kinds[i], fam, &tc_timing_original, RTT);
            fe_fire(&r.f);
            fe_fire(&r.f);
            expect_syn2(&r);
            uint16_t cs2;
            synack2(&r, &cs2);
            fe_advance(&r.f, 3 * TC_SEC);
            fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.syn2 + 1);
            expect_close(&r);
            fe_expect_result(&r.f, TC_PASS, -1, "", NULL);
            fe_free(&r.f);
        }
    }
}

/* --timing original sends no state probe, so no RST answers one: a RST outside the window,
 * even one at sequence number 0, is the original's invalid RST. */
static void test_original_invalid_rst(void **state)
{
    (void)state;
    for (uint32_t seq = 0; seq <= PROBE_ACK; seq += PROBE_ACK) {
        struct run r;
        start(&r, &incorrect_checksum_test, FE_V4, &tc_timing_original, RTT);
        fe_fire(&r.f);
        fe_fire(&r.f);
        uint16_t cs2;
        synack2(&r, &cs2);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_RST, seq, 0);
        assert_int_equal(fe_n_out(&r.f), 0);
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_BAD_RST, NULL);
        fe_free(&r.f);
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
    cu_quote(&r.f, 1, fam == FE_V4 ? R1 : R1_V6, CU_UNCHANGED, false, &q);
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
    cu_quote(&r.f, 1, fam == FE_V4 ? R1 : R1_V6, CU_UNCHANGED, false, &q1);
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

/* The lab's quote of the traced SYN's copy for hop ttl, from fe_router(hop). */
static void lab_quote(struct run *r, unsigned ttl, enum cu_quote kind, bool unknown_hop,
                      struct icmp_quote *q)
{
    enum fe_family fam = r->f.t.env.src.family == IP_FAMILY_V4 ? FE_V4 : FE_V6;
    cu_quote(&r->f, ttl, fe_router(fam, ttl), kind, unknown_hop, q);
    fe_deliver_quote(&r->f, q);
}

/* With the lab's path known, stage 1's quotes are in once hops 1 and 2 have quoted: the
 * stage ends then, without the in-flight wait, whether the reply or the last quote comes
 * last. */
static void path_aware_quotes_complete(const struct test_case *kind, enum fe_family fam,
                                       bool reply_first)
{
    struct run r;
    struct icmp_quote q;
    start_mode(&r, kind, fam, &tc_timing_default, RTT, PATH_AWARE);
    assert_int_equal(fe_timer_in(&r.f), WAIT);
    fe_advance(&r.f, RTT / 2);
    lab_quote(&r, 1, CU_UNCHANGED, false, &q);
    assert_int_equal(fe_n_out(&r.f), 0);
    assert_false(r.f.t.done);
    if (reply_first) {
        fe_advance(&r.f, RTT / 2);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        assert_int_equal(fe_n_out(&r.f), 0);
        /* hop 2 is still to quote: the in-flight wait after the last copy left */
        assert_int_equal(fe_timer_in(&r.f), LAST_COPY + WAIT - RTT);
        fe_advance(&r.f, TC_MSEC);
        lab_quote(&r, 2, CU_UNCHANGED, false, &q);
    } else {
        fe_advance(&r.f, TC_MSEC);
        lab_quote(&r, 2, CU_UNCHANGED, false, &q);
        /* the reply is not judged yet: its wait goes on */
        assert_int_equal(fe_n_out(&r.f), 0);
        assert_int_equal(fe_timer_in(&r.f), WAIT - RTT / 2 - TC_MSEC);
        fe_advance(&r.f, RTT / 2);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
    }
    expect_syn2(&r);
    assert_int_equal(r.f.now, FE_T0 + RTT + TC_MSEC);
    assert_int_equal(fe_timer_in(&r.f), WAIT);
    fe_expect_lab_path(&r.f, 2);
    fe_free(&r.f);
}

static void test_path_aware_quotes_complete(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++)
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            path_aware_quotes_complete(kinds[i], fam, true);
            path_aware_quotes_complete(kinds[i], fam, false);
        }
}

/* Without an RTT the full burst waits 10 s for quotes (test_stage1_rst_acceptable); with the
 * path known, the quotes of both hops end that wait. */
static void test_path_aware_no_rtt(void **state)
{
    (void)state;
    struct run r;
    struct icmp_quote q;
    start_mode(&r, &incorrect_checksum_test, FE_V6, &tc_timing_default, 0, PATH_AWARE);
    assert_int_equal(fe_timer_in(&r.f), 1 * TC_SEC);
    fe_advance(&r.f, 300 * TC_MSEC);
    fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
    assert_int_equal(fe_timer_in(&r.f), LAST_COPY + 10 * TC_SEC - 300 * TC_MSEC);
    lab_quote(&r, 2, CU_UNCHANGED, false, &q);
    assert_int_equal(fe_n_out(&r.f), 0);
    lab_quote(&r, 1, CU_UNCHANGED, false, &q);
    expect_syn2(&r);
    fe_free(&r.f);
}

/* Silence to the traced SYN with the path known: with both quotes in, stage 2 starts when the
 * reply wait ends; with hop 2 silent, once the in-flight wait after the last copy is over
 * too. Silence is what MUST-3 asks for, so a hop that went silent changes no verdict here. */
static void path_aware_silence(const struct test_case *kind, enum fe_family fam, bool hop2)
{
    struct run r;
    struct icmp_quote q;
    start_mode(&r, kind, fam, &tc_timing_default, RTT, PATH_AWARE);
    fe_advance(&r.f, RTT);
    lab_quote(&r, 1, CU_UNCHANGED, false, &q);
    if (hop2)
        lab_quote(&r, 2, CU_STILL_WRONG, false, &q);
    assert_int_equal(fe_n_out(&r.f), 0);
    assert_int_equal(fe_fire(&r.f), WAIT - RTT);
    if (!hop2) {
        assert_int_equal(fe_n_out(&r.f), 0);
        assert_int_equal(fe_fire(&r.f), LAST_COPY);
    }
    expect_syn2(&r);
    assert_int_equal(r.f.t.path_len, hop2 ? 2 : 1);
    fe_free(&r.f);
}

static void test_path_aware_silence(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++)
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            path_aware_silence(kinds[i], fam, true);
            path_aware_silence(kinds[i], fam, false);
        }
}

/* A reply that FAILs stage 1, with the path known: the FAIL comes with hop 2's quote. */
static void test_path_aware_stage1_fail(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++)
        for (enum fe_family fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
            struct run r;
            struct icmp_quote q;
            start_mode(&r, kinds[i], fam, &tc_timing_default, RTT, PATH_AWARE);
            fe_advance(&r.f, RTT);
            fe_deliver(&r.f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, r.isn + 1);
            fe_expect_plain(&r.f, 0, TCP_FLAG_RST, r.isn + 1, 0, 0);
            lab_quote(&r, 1, CU_UNCHANGED, false, &q);
            assert_false(r.f.t.done);
            fe_advance(&r.f, TC_MSEC);
            lab_quote(&r, 2, CU_UNCHANGED, false, &q);
            assert_int_equal(fe_n_out(&r.f), 0);
            fe_expect_result(&r.f, TC_FAIL, 1, R_SYN_NON_RST, NULL);
            assert_int_equal(r.f.t.done_at, FE_T0 + RTT + TC_MSEC);
            fe_expect_lab_path(&r.f, 2);
            fe_free(&r.f);
        }
}

/* The path changed the checksum, with the path known: "corrected" at a known hop is final at
 * once; "modified" once every hop has quoted; a quote whose hop cannot be decoded does not
 * complete the quotes, so its verdict waits for the in-flight wait. */
static void test_path_aware_mbox(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_KINDS; i++) {
        struct run r;
        struct icmp_quote q;
        start_mode(&r, kinds[i], FE_V6, &tc_timing_default, RTT, PATH_AWARE);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        lab_quote(&r, 2, CU_CORRECTED, false, &q);
        expect_custom(&r, TC_UNK, MB "at or before hop 2 (checksum corrected)", cu_quoted_csum(&q));
        assert_int_equal(r.f.t.done_at, FE_T0 + RTT);
        fe_free(&r.f);

        start_mode(&r, kinds[i], FE_V4, &tc_timing_default, RTT, PATH_AWARE);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        lab_quote(&r, 2, CU_MODIFIED, false, &q);
        assert_false(r.f.t.done);
        struct icmp_quote q1;
        lab_quote(&r, 1, CU_UNCHANGED, false, &q1);
        expect_custom(&r, TC_UNK, MB "at or before hop 2 (checksum modified)", cu_quoted_csum(&q));
        assert_int_equal(r.f.t.done_at, FE_T0 + RTT);
        fe_free(&r.f);

        start_mode(&r, kinds[i], FE_V4, &tc_timing_default, RTT, PATH_AWARE);
        fe_advance(&r.f, RTT);
        fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
        lab_quote(&r, 1, CU_UNCHANGED, false, &q1);
        lab_quote(&r, 2, CU_MODIFIED, true, &q);
        assert_false(r.f.t.done);
        assert_int_equal(fe_fire(&r.f), LAST_COPY + WAIT - RTT);
        expect_custom(&r, TC_UNK, MB "at unknown hop (checksum modified)", cu_quoted_csum(&q));
        fe_free(&r.f);
    }
}

/* --timing original with the path known: the quotes are waited for the original's 10 s after
 * the reply even when every hop has quoted. */
static void test_path_aware_original_timing(void **state)
{
    (void)state;
    struct run r;
    struct icmp_quote q;
    start_mode(&r, &zero_checksum_test, FE_V4, &tc_timing_original, RTT, PATH_AWARE);
    assert_int_equal(fe_timer_in(&r.f), 60 * TC_SEC);
    fe_advance(&r.f, RTT);
    lab_quote(&r, 1, CU_UNCHANGED, false, &q);
    lab_quote(&r, 2, CU_UNCHANGED, false, &q);
    fe_deliver(&r.f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, r.isn + 1);
    assert_int_equal(fe_n_out(&r.f), 0);
    assert_int_equal(fe_fire(&r.f), 10 * TC_SEC);
    expect_syn2(&r);
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

/* --timing original: 60 s for a reply, 10 s for quotes, 30 s handshake, 30 s after the ACK,
 * and the original's verdict on silence after it: the ACK was accepted. */
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
        uint16_t cs2;
        synack2(&r, &cs2);
        assert_int_equal(fe_fire(&r.f), 30 * TC_SEC);
        expect_close(&r);
        fe_expect_result(&r.f, TC_FAIL, 2, R_ACK_ACCEPTED, NULL);
        assert_int_equal(r.f.t.done_at, FE_T0 + 45 * TC_SEC + RTT);
        assert_int_equal(fe_n_sent(&r.f), HOP_LIMIT + 3);
        fe_free(&r.f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_retransmission),
        cmocka_unit_test(test_rst_after_ack),
        cmocka_unit_test(test_state_probe_answers),
        cmocka_unit_test(test_unk_on_silence),
        cmocka_unit_test(test_ask_again_waits_the_longer),
        cmocka_unit_test(test_late_answer_to_first_probe),
        cmocka_unit_test(test_bad_checksum_after_ack),
        cmocka_unit_test(test_original_retransmission),
        cmocka_unit_test(test_original_invalid_rst),
        cmocka_unit_test(test_stage1_rst_acceptable),
        cmocka_unit_test(test_stage1_silence_no_rtt),
        cmocka_unit_test(test_stage1_fail),
        cmocka_unit_test(test_stage1_bad_checksum_reply),
        cmocka_unit_test(test_corrected_after_synack),
        cmocka_unit_test(test_quotes_verdicts),
        cmocka_unit_test(test_stage1_fail_becomes_unk),
        cmocka_unit_test(test_path_aware_quotes_complete),
        cmocka_unit_test(test_path_aware_no_rtt),
        cmocka_unit_test(test_path_aware_silence),
        cmocka_unit_test(test_path_aware_stage1_fail),
        cmocka_unit_test(test_path_aware_mbox),
        cmocka_unit_test(test_path_aware_original_timing),
        cmocka_unit_test(test_stage2_handshake),
        cmocka_unit_test(test_leftovers_after_ack),
        cmocka_unit_test(test_original_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
