/* OptionAlignmentTest (RFC 9293 MUST-64): MSS 515 in an option after one NOP, so it starts
 * on an odd octet; the MSS machine (tests_cases/mss_support.c, tested in test_mss_cases.c)
 * with its NOPs before the MSS option and its aligned control. Here: the SYN's bytes, the
 * host honouring the misaligned option; a segment too large and the aligned control that
 * says whether the misalignment was to blame; the quote check that wants the option where
 * it was put; the control SYN naming the misaligned option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tests_cases/mss_support.h"
#include "tests_cases/registry.h"

#define NAME "OptionAlignmentTest"
#define THEIR_ISN 0x1f1f0000u
#define RTT (40 * TC_MSEC)
#define LAB_COPIES 2 /* fe_set_lab_path: hops 1 and 2 quote, the host at 3 */
#define WIN 0xffff
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define STAGE 1
#define STAGE_CONTROL 2
/* NOP, MSS 515 (02 04 02 03), zero padding to a word */
#define MISALIGNED_HEX "0102040203000000"
#define TOO_LARGE "Segment too large"
#define MBOX "Middlebox interference detected at or before hop 2 (MSS option moved or modified)"

static uint8_t filler[1500];

static void test_registration(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name(NAME);
    assert_non_null(k);
    assert_string_equal(k->req.id, "MUST-64");
    assert_false(k->default_on);
    assert_true(k->needs_alp);
    assert_int_equal(k->packet_budget, MSS_PACKET_BUDGET + MSS_CONTROL_BUDGET);
    assert_true(k->start == mss_start);
    assert_int_equal(k->mbox.fields, MSS_TTL_FIELDS);
}

/* The path-aware probe: the host's copy and one per quoting hop, each with the misaligned
 * option. Returns the SYN's seq. */
static uint32_t start(struct fe *f, enum fe_family fam)
{
    fe_init(f, NAME, fam, &tc_timing_default);
    fe_set_lab_path(f);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES);
    uint32_t isn = fe_expect_probe(f, 0, LAB_COPIES, MSS_TTL_FIELDS, TCP_FLAG_SYN, MISALIGNED_HEX);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_string_equal(p.opts_hex, MISALIGNED_HEX);
    return isn;
}

/* The SYN-ACK, our ACK, both quotes intact: the request (the HTTP ALP's, hinted 400). */
static uint32_t to_request(struct fe *f, enum fe_family fam)
{
    uint32_t isn = start(f, fam);
    fe_advance(f, RTT);
    fe_deliver(f, SYNACK, THEIR_ISN, isn + 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN);
    fe_deliver_burst_quote(f, 1, NULL, 0);
    fe_deliver_burst_quote(f, 2, NULL, 0);
    assert_int_equal(fe_n_out(f), 1);
    const struct alp *alp = alp_for_port(FE_DPORT);
    struct alp_peer peer = {.ip = f->t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp->open(&peer);
    uint8_t want[1460];
    ssize_t n = alp->pull(s, MSS_REQ_HINT, want, sizeof(want));
    alp->close(s);
    assert_true(n > 0);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_pkt(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    assert_int_equal(p.seg.payload_len, (size_t)n);
    assert_memory_equal(p.seg.payload, want, (size_t)n);
    return isn + 1 + (uint32_t)n;
}

static void deliver_data(struct fe *f, uint8_t flags, uint32_t rel, size_t len)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + rel, 0);
    seg.payload = filler;
    seg.payload_len = len;
    fe_deliver_seg(f, &seg, false);
}

static void expect_close(struct fe *f, uint32_t nxt)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, nxt, 0, 0);
}

/* The misaligned MSS honoured: 515 bytes at most. */
static void honoured_passes(enum fe_family fam)
{
    struct fe f;
    uint32_t nxt = to_request(&f, fam);
    deliver_data(&f, TCP_FLAG_ACK, 1, MSS_TESTED);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1 + MSS_TESTED, 10);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_honoured_passes_v4(void **state)
{
    (void)state;
    honoured_passes(FE_V4);
}

static void test_honoured_passes_v6(void **state)
{
    (void)state;
    honoured_passes(FE_V6);
}

#define CONTROL_SYN_WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define ORDER_GAP (2 * TC_MSEC)
#define THEIR_ISN2 0x2e2e0000u
#define MISALIGNED_ONLY "Segment too large with the MSS option misaligned, not with it aligned"
#define ALIGNED_TOO "Segment too large with the MSS option aligned as well"
#define ALIGNED_UNKNOWN "Segment too large with the MSS option misaligned; aligned: "

/* A segment too large under the misaligned option: the close, then, ORDER_GAP later, the
 * aligned control's plain SYN with MSS 515 alone. Returns its seq. */
static uint32_t to_control(struct fe *f, enum fe_family fam)
{
    uint32_t nxt = to_request(f, fam);
    deliver_data(f, TCP_FLAG_ACK, 1, 536);
    expect_close(f, nxt);
    assert_false(f->t.done);
    assert_int_equal(fe_fire(f), ORDER_GAP);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, WIN, IP_DEFAULT_TTL, 0);
    assert_string_equal(p.opts_hex, "02040203");
    assert_int_equal(fe_timer_in(f), CONTROL_SYN_WAIT);
    return p.seg.seq;
}

/* The control's SYN-ACK: our ACK and the request again. Returns our next seq. */
static uint32_t control_request(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, SYNACK, THEIR_ISN2, isn + 1);
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN2 + 1, WIN);
    struct fe_pkt p;
    fe_pkt(f, 1, &p);
    fe_expect_pkt(f, 1, TCP_FLAG_ACK, isn + 1, THEIR_ISN2 + 1, WIN, IP_DEFAULT_TTL, 0);
    return isn + 1 + (uint32_t)p.seg.payload_len;
}

static void control_data(struct fe *f, uint8_t flags, size_t len)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN2 + 1, 0);
    seg.payload = filler;
    seg.payload_len = len;
    fe_deliver_seg(f, &seg, false);
}

/* Honoured aligned, not misaligned: the misalignment is to blame. */
static void misaligned_only_fails(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = to_control(&f, fam);
    uint32_t nxt = control_request(&f, isn);
    control_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, MSS_TESTED);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, MISALIGNED_ONLY, NULL);
    fe_expect_lab_path(&f, 2);
    assert_true(fe_n_sent(&f) <= MSS_PACKET_BUDGET + MSS_CONTROL_BUDGET);
    fe_free(&f);
}

static void test_misaligned_only_fails_v4(void **state)
{
    (void)state;
    misaligned_only_fails(FE_V4);
}

static void test_misaligned_only_fails_v6(void **state)
{
    (void)state;
    misaligned_only_fails(FE_V6);
}

/* Too large aligned as well (SYN cookies' MSS table), or nothing learned from the control:
 * not the misalignment's fault, as far as anyone can tell. */
static void test_control_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = to_control(&f, FE_V4);
    uint32_t nxt = control_request(&f, isn);
    control_data(&f, TCP_FLAG_ACK, 536);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_UNK, STAGE_CONTROL, ALIGNED_TOO, NULL);
    fe_free(&f);

    to_control(&f, FE_V6);
    assert_int_equal(fe_fire(&f), CONTROL_SYN_WAIT);
    fe_expect_result(&f, TC_UNK, STAGE_CONTROL, ALIGNED_UNKNOWN "Timeout during handshake", NULL);
    fe_free(&f);

    isn = to_control(&f, FE_V4);
    nxt = control_request(&f, isn);
    control_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_UNK, STAGE_CONTROL,
                     ALIGNED_UNKNOWN "No data from the target: the MSS was not exercised", NULL);
    fe_free(&f);
}

/* A middlebox that realigns the options (the MSS first, the NOP after it) or rewrites the
 * MSS hides what is under test: UNK at the hop whose quote shows it. */
static void test_realigned_on_path_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6);
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, isn + 1);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, "\x02\x04\x02\x03\x01", 5);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX,
                     "{\"diff\":[\"" MISALIGNED_HEX "\",\"0204020301000000\"]}");
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    isn = start(&f, FE_V4);
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, isn + 1);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, "\x01\x02\x04\x05\xb4", 5);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX,
                     "{\"diff\":[\"" MISALIGNED_HEX "\",\"01020405b4000000\"]}");
    fe_free(&f);
}

/* The SYN with the misaligned option and its retry unanswered, a plain SYN answered: the
 * host's failure, named for the option. */
static void test_control_answered_fails(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4);
    fe_fire(&f); /* the retry */
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_fire(&f); /* the control SYN */
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    assert_string_equal(p.opts_hex, "");
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, p.seg.seq + 1);
    fe_expect_result(&f, TC_FAIL, STAGE,
                     "Timeout during handshake with misaligned MSS option; a SYN without it was "
                     "answered",
                     NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration),
        cmocka_unit_test(test_honoured_passes_v4),
        cmocka_unit_test(test_honoured_passes_v6),
        cmocka_unit_test(test_misaligned_only_fails_v4),
        cmocka_unit_test(test_misaligned_only_fails_v6),
        cmocka_unit_test(test_control_unk),
        cmocka_unit_test(test_realigned_on_path_unk),
        cmocka_unit_test(test_control_answered_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
