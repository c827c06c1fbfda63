/* SynChallengeAckTest (RFC 5961 4.2; RFC 9293 3.10.7.4): a SYN at RCV.NXT on an established
 * connection draws a challenge ACK, and the connection survives. Every verdict path: the
 * challenge ACK and a connection still there (PASS, also when the alive probe's answer comes
 * only to its repeat after the ACK throttle, as from Linux); a RST for the SYN, a SYN-ACK for
 * it, a connection gone after the challenge ACK or after silence (FAIL); silence with the
 * connection still there (UNK: a throttled challenge ACK); no answer to the alive probes
 * (UNK); a failed opening. */
#include "open_fixture.h"
#include "tests_cases/registry.h"

#define NAME "SynChallengeAckTest"
#define WINDOW 4096
#define THEIR_ISN 0xfffffff0u
#define RTT (60 * TC_MSEC)
#define WAIT (240 * TC_MSEC) /* 4 RTTs */
#define ORDER_GAP (2 * TC_MSEC)
#define THROTTLE (520 * TC_MSEC)
#define ALIVE_BEHIND 0x20000u
#define STAGE 1
#define REASON_RESET "SYN reset the connection"
#define REASON_RESET_AFTER "Connection gone after the challenge ACK"
#define REASON_SYNACK "SYN answered with a SYN-ACK"
#define REASON_NO_CHALLENGE "SYN ignored without a challenge ACK (throttled?)"
#define REASON_NO_ANSWER "No answer to the alive probe"

/* Open: our ACK, then the SYN <SEQ=RCV.NXT> (plain, our window) ORDER_GAP behind it. */
static uint32_t open_sca(struct fe *f, enum fe_family fam)
{
    uint32_t iss = of_open(f, NAME, fam, &tc_timing_default, false, THEIR_ISN, RTT);
    size_t base = of_base(f);
    assert_int_equal(fe_n_out(f), base + 1);
    fe_expect_plain(f, base, TCP_FLAG_SYN, iss + 1, 0, WINDOW);
    assert_int_equal(f->t.out[base].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + WAIT);
    return iss;
}

static void expect_alive_probe(const struct fe *f, size_t i, uint32_t iss)
{
    fe_expect_plain(f, i, TCP_FLAG_ACK, iss + 1 - ALIVE_BEHIND, THEIR_ISN + 1, WINDOW);
    assert_int_equal(f->t.out[i].delay, 0);
}

/* The challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>: the alive probe at once. */
static void challenge(struct fe *f, uint32_t iss)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(f), 1);
    expect_alive_probe(f, 0, iss);
    assert_int_equal(fe_timer_in(f), WAIT);
    assert_false(f->t.done);
}

/* The alive probe unanswered (Linux: within 500 ms of its challenge ACK): its repeat
 * TC_ACK_THROTTLE after it. */
static void repeat(struct fe *f, uint32_t iss)
{
    tc_time first_at = f->now;
    assert_int_equal(fe_fire(f), WAIT);
    assert_int_equal(fe_n_out(f), 0);
    fe_fire(f);
    assert_int_equal(f->now, first_at + THROTTLE);
    assert_int_equal(fe_n_out(f), 1);
    expect_alive_probe(f, 0, iss);
}

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
    assert_string_equal(k->req.id, "4.2");
    assert_false(k->default_on);
    assert_int_equal(k->packet_budget, 7);
    assert_int_equal(k->mbox.fields, 0); /* nothing traced: no verdict rests on a dropped SYN */
}

/* The challenge ACK, the connection still there: PASS, the connection closed. */
static void pass(enum fe_family fam, bool throttled)
{
    struct fe f;
    uint32_t iss = open_sca(&f, fam);
    challenge(&f, iss);
    if (throttled)
        repeat(&f, iss);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_pass_v4(void **state)
{
    (void)state;
    pass(FE_V4, false);
}

static void test_pass_v6(void **state)
{
    (void)state;
    pass(FE_V6, false);
}

static void test_pass_throttled_v4(void **state)
{
    (void)state;
    pass(FE_V4, true);
}

static void test_pass_throttled_v6(void **state)
{
    (void)state;
    pass(FE_V6, true);
}

/* RFC 793's answer to a SYN in the window: a RST. Not answered. */
static void fail_rst(enum fe_family fam, uint8_t flags, uint32_t seq, uint32_t ack_delta)
{
    struct fe f;
    uint32_t iss = open_sca(&f, fam);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, seq, iss + ack_delta);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_RESET, NULL);
    fe_free(&f);
}

static void test_fail_on_rst(void **state)
{
    (void)state;
    fail_rst(FE_V4, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    fail_rst(FE_V6, TCP_FLAG_RST | TCP_FLAG_ACK, THEIR_ISN + 1, 2);
}

/* A SYN-ACK for the SYN: taken as a new connection's. Both are reset. */
static void fail_synack(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_sca(&f, fam);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x12345678u, iss + 2);
    assert_int_equal(fe_n_out(&f), 2);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, iss + 2, 0, 0);
    expect_close(&f, 1, iss);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_SYNACK, NULL);
    fe_free(&f);
}

static void test_fail_on_synack_v4(void **state)
{
    (void)state;
    fail_synack(FE_V4);
}

static void test_fail_on_synack_v6(void **state)
{
    (void)state;
    fail_synack(FE_V6);
}

/* The challenge ACK, then the alive probe answered by a RST: the connection did not survive. */
static void test_fail_gone_after_challenge(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_sca(&f, FE_V4);
    challenge(&f, iss);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_RESET_AFTER, NULL);
    fe_free(&f);
}

/* No answer to the SYN: the alive probe (when the wait ends) says whether it reset the
 * connection silently (FAIL) or the challenge ACK was throttled (UNK). */
static void silence_then(enum fe_family fam, uint8_t flags, enum tc_status st, const char *reason)
{
    struct fe f;
    uint32_t iss = open_sca(&f, fam);
    assert_int_equal(fe_fire(&f), ORDER_GAP + WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    expect_alive_probe(&f, 0, iss);
    fe_advance(&f, RTT);
    fe_deliver(&f, flags, flags & TCP_FLAG_RST ? iss + 1 - ALIVE_BEHIND : THEIR_ISN + 1,
               flags & TCP_FLAG_RST ? 0 : iss + 1);
    if (st == TC_UNK) {
        assert_int_equal(fe_n_out(&f), 1);
        expect_close(&f, 0, iss);
    } else {
        assert_int_equal(fe_n_out(&f), 0);
    }
    fe_expect_result(&f, st, STAGE, reason, NULL);
    fe_free(&f);
}

static void test_silence_then_gone(void **state)
{
    (void)state;
    silence_then(FE_V4, TCP_FLAG_RST, TC_FAIL, REASON_RESET);
    silence_then(FE_V6, TCP_FLAG_RST, TC_FAIL, REASON_RESET);
}

static void test_silence_then_alive(void **state)
{
    (void)state;
    silence_then(FE_V4, TCP_FLAG_ACK, TC_UNK, REASON_NO_CHALLENGE);
    silence_then(FE_V6, TCP_FLAG_ACK, TC_UNK, REASON_NO_CHALLENGE);
}

/* The alive probe and its repeat unanswered, after the challenge ACK or after silence. */
static void test_no_answer_to_alive_probes(void **state)
{
    (void)state;
    for (int challenged = 0; challenged <= 1; challenged++) {
        struct fe f;
        uint32_t iss = open_sca(&f, challenged ? FE_V4 : FE_V6);
        if (challenged)
            challenge(&f, iss);
        else
            fe_fire(&f);
        repeat(&f, iss);
        assert_int_equal(fe_fire(&f), WAIT);
        assert_int_equal(fe_n_out(&f), 1);
        expect_close(&f, 0, iss);
        fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
        fe_free(&f);
    }
}

/* What is no answer to the SYN: the SYN-ACK of the handshake again, a SYN-ACK for something
 * else, an ACK of something else, data. */
static void test_non_answers(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_sca(&f, FE_V4);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 3);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 2);
    struct tcp_seg data;
    fe_target_seg(&data, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    data.payload = (const uint8_t *)"220 ready\r\n";
    data.payload_len = 11;
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
        cmocka_unit_test(test_pass_throttled_v4),
        cmocka_unit_test(test_pass_throttled_v6),
        cmocka_unit_test(test_fail_on_rst),
        cmocka_unit_test(test_fail_on_synack_v4),
        cmocka_unit_test(test_fail_on_synack_v6),
        cmocka_unit_test(test_fail_gone_after_challenge),
        cmocka_unit_test(test_silence_then_gone),
        cmocka_unit_test(test_silence_then_alive),
        cmocka_unit_test(test_no_answer_to_alive_probes),
        cmocka_unit_test(test_non_answers),
        cmocka_unit_test(test_open_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
