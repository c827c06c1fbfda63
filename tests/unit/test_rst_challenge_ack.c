/* RstChallengeAckTest (RFC 5961 3.2; RFC 9293 3.10.7.4): a RST one octet past RCV.NXT draws
 * a challenge ACK and leaves the connection alive; a RST at RCV.NXT resets it. Every verdict
 * path: the challenge ACK and the reset (PASS); the in-window RST resetting (FAIL, stage 1);
 * no challenge ACK but a connection that is still there (UNK: throttled, RFC 5961 7); the
 * exact RST ignored (FAIL, stage 2), unless the path dropped or changed it (UNK at its hop);
 * alive probes unanswered (UNK), their repeat after the ACK throttle; a failed opening. */
#include <stdio.h>

#include "open_fixture.h"
#include "testcase/reset_probe.h"
#include "tests_cases/registry.h"

#define NAME "RstChallengeAckTest"
#define WINDOW 4096
#define THEIR_ISN 0x3c3c0000u
#define RTT (40 * TC_MSEC)
#define WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define ORDER_GAP (2 * TC_MSEC)
#define THROTTLE (520 * TC_MSEC)
#define ALIVE_BEHIND 0x20000u
#define LAB_COPIES 2
#define STAGE_IN_WINDOW 1
#define STAGE_EXACT 2
#define REASON_RESET "In-window RST not at RCV.NXT reset the connection"
#define REASON_NO_CHALLENGE "In-window RST ignored without a challenge ACK (throttled?)"
#define REASON_EXACT_IGNORED "RST at RCV.NXT ignored"
#define REASON_NO_ANSWER "No answer to the alive probe"
#define REASON_DROPPED "Middlebox interference detected at or before hop 2 (probe dropped)"
#define REASON_MODIFIED "Middlebox interference detected at or before hop 1 (RST modified)"

/* Open the connection (lab path known): after our ACK, the RST <SEQ=RCV.NXT+1> (window 0, no
 * ACK) ORDER_GAP later, so that it cannot overtake the ACK; the challenge ACK is awaited
 * from then. Returns our ISS. */
static uint32_t open_rca(struct fe *f, enum fe_family fam, bool lab_path)
{
    uint32_t iss = of_open(f, NAME, fam, &tc_timing_default, lab_path, THEIR_ISN, RTT);
    size_t base = of_base(f);
    assert_int_equal(fe_n_out(f), base + 1);
    fe_expect_plain(f, base, TCP_FLAG_RST, iss + 2, 0, 0);
    assert_int_equal(f->t.out[base].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + WAIT);
    return iss;
}

/* The alive probe at t.out[i]: <SEQ=SND.NXT-0x20000><ACK=RCV.NXT><CTL=ACK>. */
static void expect_alive_probe(const struct fe *f, size_t i, uint32_t iss, tc_time delay)
{
    fe_expect_plain(f, i, TCP_FLAG_ACK, iss + 1 - ALIVE_BEHIND, THEIR_ISN + 1, WINDOW);
    assert_int_equal(f->t.out[i].delay, delay);
}

/* Stage 2 just went out: the traced RST at RCV.NXT (the host's copy, one per quoting hop),
 * the alive probe ORDER_GAP behind it. */
static void expect_exact(const struct fe *f, uint32_t iss)
{
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES + 1);
    assert_int_equal(fe_expect_probe(f, 0, LAB_COPIES, RESET_PROBE_FIELDS, TCP_FLAG_RST, ""),
                     iss + 1);
    expect_alive_probe(f, 1 + LAB_COPIES, iss, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + WAIT);
}

/* The challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT> one RTT after the RST: on to stage 2. */
static void challenge(struct fe *f, uint32_t iss)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    expect_exact(f, iss);
    assert_false(f->t.done);
}

static void quotes_from(struct fe *f, unsigned last_hop)
{
    for (unsigned hop = 1; hop <= last_hop; hop++)
        fe_deliver_burst_quote(f, hop, NULL, 0);
}

/* The close: <SEQ=SND.NXT><CTL=RST> at t.out[i]. */
static void expect_close(const struct fe *f, size_t i, uint32_t iss)
{
    fe_expect_plain(f, i, TCP_FLAG_RST, iss + 1, 0, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name(NAME);
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 5961");
    assert_string_equal(k->req.id, "3.2");
    assert_false(k->default_on);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 8);
    assert_int_equal(k->mbox.fields, RESET_PROBE_FIELDS);
    assert_non_null(k->on_open);
}

/* The challenge ACK, then the RST at RCV.NXT took: the alive probe is answered by a RST.
 * The verdict waits for the quotes of the traced RST. */
static void pass(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_rca(&f, fam, true);
    challenge(&f, iss);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    quotes_from(&f, LAB_COPIES);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, LAB_COPIES);
    fe_free(&f);
}

static void test_pass_v4(void **state)
{
    (void)state;
    pass(FE_V4);
}

static void test_pass_v6(void **state)
{
    (void)state;
    pass(FE_V6);
}

/* Without path knowledge the traced RST is the original's burst (TTL 1..30 at once); the
 * verdict waits for quotes the in-flight time. */
static void test_pass_without_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V4, false);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(&f), HOP_LIMIT + 1);
    expect_alive_probe(&f, HOP_LIMIT, iss, ORDER_GAP);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), WAIT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* The in-window RST reset the connection: no challenge ACK, and the alive probe, sent when
 * the wait for it ends, is answered by a RST. */
static void fail_in_window(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_rca(&f, fam, true);
    assert_int_equal(fe_fire(&f), ORDER_GAP + WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    expect_alive_probe(&f, 0, iss, 0);
    assert_int_equal(fe_timer_in(&f), WAIT);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE_IN_WINDOW, REASON_RESET, NULL);
    fe_free(&f);
}

static void test_fail_in_window_v4(void **state)
{
    (void)state;
    fail_in_window(FE_V4);
}

static void test_fail_in_window_v6(void **state)
{
    (void)state;
    fail_in_window(FE_V6);
}

/* No challenge ACK, the connection still there (the alive probe's answer comes to its
 * repeat, as from a host that throttles), and the exact RST took: stage 1 is unknown. */
static void test_unk_without_challenge(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V6, true);
    fe_fire(&f);
    tc_time first_probe_at = f.now;
    assert_int_equal(fe_fire(&f), WAIT); /* unanswered: hold until the throttle is over */
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), THROTTLE - WAIT);
    assert_int_equal(f.now, first_probe_at + THROTTLE);
    assert_int_equal(fe_n_out(&f), 1);
    expect_alive_probe(&f, 0, iss, 0);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    expect_exact(&f, iss);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    quotes_from(&f, LAB_COPIES);
    fe_expect_result(&f, TC_UNK, STAGE_IN_WINDOW, REASON_NO_CHALLENGE, NULL);
    fe_free(&f);
}

/* The RST at RCV.NXT ignored: the alive probe is answered by the connection, which is closed
 * (once more) with a RST at SND.NXT. */
static void fail_exact(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_rca(&f, fam, true);
    challenge(&f, iss);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    quotes_from(&f, LAB_COPIES);
    fe_expect_result(&f, TC_FAIL, STAGE_EXACT, REASON_EXACT_IGNORED, NULL);
    fe_free(&f);
}

static void test_fail_exact_v4(void **state)
{
    (void)state;
    fail_exact(FE_V4);
}

static void test_fail_exact_v6(void **state)
{
    (void)state;
    fail_exact(FE_V6);
}

/* The same answer, but hop 2, which quotes this target's probes, never quoted the RST: the
 * path dropped it before the host could ignore it. */
static void test_exact_dropped_by_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V4, true);
    challenge(&f, iss);
    quotes_from(&f, 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_false(f.t.done);
    fe_fire(&f); /* the wait for quotes ends */
    fe_expect_result(&f, TC_UNK, STAGE_EXACT, REASON_DROPPED,
                     "{\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_free(&f);
}

/* A router's quote shows the RST turned into a RST-ACK: the path, not the host, decides. */
static void test_exact_modified_by_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V6, true);
    challenge(&f, iss);
    struct icmp_quote q;
    fe_make_quote(&f.t.out[1], fe_router(FE_V6, 1), &q); /* the copy with TTL 1 */
    q.quote[TCP_OFF_FLAGS] |= TCP_FLAG_ACK;
    fe_deliver_quote(&f, &q);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    char custom[128];
    snprintf(custom, sizeof(custom), "{\"diff\":[\"0x04,%08x\",\"0x14,%08x\"]}", iss + 1, iss + 1);
    fe_expect_result(&f, TC_UNK, STAGE_EXACT, REASON_MODIFIED, custom);
    fe_free(&f);
}

/* The challenge ACK, then no answer to the alive probe nor to its repeat: closed, UNK. */
static void test_unk_exact_no_answer(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V4, true);
    challenge(&f, iss);
    quotes_from(&f, LAB_COPIES);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 0); /* holding for the throttle */
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    expect_alive_probe(&f, 0, iss, 0);
    assert_int_equal(fe_fire(&f), WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    fe_expect_result(&f, TC_UNK, STAGE_EXACT, REASON_NO_ANSWER, NULL);
    fe_free(&f);
}

/* No challenge ACK and no answer to either alive probe: closed, UNK at stage 1. */
static void test_unk_in_window_no_answer(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V6, true);
    fe_fire(&f);
    fe_fire(&f);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1); /* the repeat */
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    fe_expect_result(&f, TC_UNK, STAGE_IN_WINDOW, REASON_NO_ANSWER, NULL);
    fe_free(&f);
}

/* Before the challenge ACK: a RST, an ACK of something else, data, the SYN-ACK again are not
 * challenge ACKs; the wait goes on. */
static void test_not_a_challenge(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rca(&f, FE_V4, true);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 2);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    struct tcp_seg data;
    fe_target_seg(&data, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, iss + 1);
    data.payload = (const uint8_t *)"hello";
    data.payload_len = 5;
    fe_deliver_seg(&f, &data, false);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), ORDER_GAP + WAIT);
    fe_free(&f);
}

static void test_open_timeout(void **state)
{
    (void)state;
    of_expect_open_timeout(NAME, FE_V4);
    of_expect_open_timeout(NAME, FE_V6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_v4),
        cmocka_unit_test(test_pass_v6),
        cmocka_unit_test(test_pass_without_path),
        cmocka_unit_test(test_fail_in_window_v4),
        cmocka_unit_test(test_fail_in_window_v6),
        cmocka_unit_test(test_unk_without_challenge),
        cmocka_unit_test(test_fail_exact_v4),
        cmocka_unit_test(test_fail_exact_v6),
        cmocka_unit_test(test_exact_dropped_by_path),
        cmocka_unit_test(test_exact_modified_by_path),
        cmocka_unit_test(test_unk_exact_no_answer),
        cmocka_unit_test(test_unk_in_window_no_answer),
        cmocka_unit_test(test_not_a_challenge),
        cmocka_unit_test(test_open_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
