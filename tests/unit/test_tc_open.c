/* The framework's opening for a case whose handshake is not under test (test_case.open and
 * on_open): a plain SYN, its SYN-ACK acknowledged, then the case; a failed opening is the
 * verdict at open.stage; after the opening, segments and timers go to the case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/connection.h"

#define WINDOW 2048
#define OPEN_STAGE 3
#define THEIR_ISN 0x55667788u
#define RTT (40 * TC_MSEC)
#define CASE_TIMER (7 * TC_MSEC)

struct open_state {
    unsigned opened, segments, timers;
};

static void on_open(struct tc *t, tc_time now)
{
    struct open_state *s = t->state;
    s->opened++;
    tc_set_timer(t, now + CASE_TIMER);
}

static void on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct open_state *s = t->state;
    (void)seg;
    s->segments++;
    tc_set_timer(t, now + CASE_TIMER);
}

static void on_timer(struct tc *t, tc_time now)
{
    struct open_state *s = t->state;
    s->timers++;
    tc_conn_send_close(t, tc_connection(t));
    tc_finish(t, TC_PASS, -1, NULL, NULL, now);
}

static const struct test_case open_kind = {
    .name = "OpenFixtureTest",
    .req = {.rfc = "RFC 9293", .id = "3.5", .text = "fixture"},
    .checks = "fixture",
    .packet_budget = 8,
    .deadline = 60 * TC_SEC,
    .state_size = sizeof(struct open_state),
    .open = {.window = WINDOW, .stage = OPEN_STAGE},
    .on_open = on_open,
    .on_segment = on_segment,
    .on_timer = on_timer,
};

/* The same case asking, before on_open, whether its handshake's ACK was taken. */
static const struct test_case confirm_kind = {
    .name = "OpenConfirmFixtureTest",
    .req = {.rfc = "RFC 9293", .id = "3.5", .text = "fixture"},
    .checks = "fixture",
    .packet_budget = 12,
    .deadline = 60 * TC_SEC,
    .state_size = sizeof(struct open_state),
    .open = {.window = WINDOW, .stage = OPEN_STAGE, .confirm = true},
    .on_open = on_open,
    .on_segment = on_segment,
    .on_timer = on_timer,
};

#define STATE_PROBE_AHEAD 1000
#define ORDER_GAP (2 * TC_MSEC)

static struct open_state *st(struct fe *f)
{
    return f->t.state;
}

/* Start: one plain SYN with the declared window; returns its ISN. */
static uint32_t start(struct fe *f, enum fe_family fam)
{
    fe_init_kind(f, &open_kind, fam, &tc_timing_default);
    f->t.env.rtt_hint = RTT;
    fe_start(f);
    assert_non_null(tc_connection(&f->t));
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, WINDOW);
    assert_int_equal(st(f)->opened, 0);
    return p.seg.seq;
}

static void opens_then_case(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = start(&f, fam);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    /* the handshake's ACK, then the case */
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1, WINDOW);
    assert_int_equal(st(&f)->opened, 1);
    assert_int_equal(f.t.rtt, RTT);
    struct tc_conn *c = tc_connection(&f.t);
    assert_true(c->established);
    assert_int_equal(tc_conn_rcv_nxt(c), THEIR_ISN + 1);
    assert_int_equal(c->snd_nxt, iss + 1);
    /* from now on the case gets the events */
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(st(&f)->segments, 1);
    assert_int_equal(fe_fire(&f), CASE_TIMER);
    assert_int_equal(st(&f)->timers, 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, iss + 1, 0, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_opens_then_case_v4(void **state)
{
    (void)state;
    opens_then_case(FE_V4);
}

static void test_opens_then_case_v6(void **state)
{
    (void)state;
    opens_then_case(FE_V6);
}

/* A failed opening is the verdict, at the declared stage; the case never runs. */
static void test_open_failures(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4);
    fe_fire(&f); /* a single plain SYN: no retry */
    fe_expect_result(&f, TC_UNK, OPEN_STAGE, "Timeout during handshake", NULL);
    assert_int_equal(st(&f)->opened + st(&f)->timers, 0);
    fe_free(&f);

    uint32_t iss = start(&f, FE_V6);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, iss + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, OPEN_STAGE, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);

    iss = start(&f, FE_V4);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 2);
    assert_int_equal(fe_n_out(&f), 1); /* the odd connection reset to be sure */
    fe_expect_plain(&f, 0, TCP_FLAG_RST, iss + 2, 0, 0);
    fe_expect_result(&f, TC_FAIL, OPEN_STAGE, "Wrong SEQ acked in reply to SYN during handshake",
                     NULL);
    assert_int_equal(st(&f)->opened + st(&f)->segments, 0);
    fe_free(&f);
}

/* open.confirm, up to the SYN-ACK: our ACK, then the state probe ORDER_GAP behind it. */
static uint32_t confirm_start(struct fe *f, enum fe_family fam)
{
    fe_init_kind(f, &confirm_kind, fam, &tc_timing_default);
    f->t.env.rtt_hint = RTT;
    fe_start(f);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t iss = p.seg.seq;
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1, WINDOW);
    fe_expect_plain(f, 1, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1 + WINDOW + STATE_PROBE_AHEAD,
                    WINDOW);
    assert_int_equal(f->t.out[1].delay, ORDER_GAP);
    assert_int_equal(st(f)->opened, 0);
    return iss;
}

/* The host's ACK from ESTABLISHED confirms: on_open; silence confirms too (gVisor is silent
 * in ESTABLISHED, every stack measured answers from SYN-RECEIVED). */
static void test_confirm_answered_or_silent(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = confirm_start(&f, FE_V4);
    fe_deliver(&f, TCP_FLAG_RST, 7, 0); /* not an answer to the probe: ignored */
    assert_int_equal(st(&f)->opened, 0);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    /* the host's ACK counts against its ACK throttle (RFC 5961 7): the case waits it out */
    assert_int_equal(st(&f)->opened, 0);
    assert_int_equal(fe_timer_in(&f), TC_ACK_THROTTLE);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1); /* nothing more to decide */
    assert_int_equal(fe_fire(&f), TC_ACK_THROTTLE);
    assert_int_equal(st(&f)->opened, 1);
    assert_int_equal(st(&f)->segments, 0); /* the answers were the framework's */
    fe_free(&f);

    confirm_start(&f, FE_V6);
    assert_int_equal(fe_timer_in(&f), ORDER_GAP + tc_timing_default.floor); /* 4 RTTs, at least */
    fe_fire(&f);
    assert_int_equal(st(&f)->opened, 1);
    assert_int_equal(st(&f)->timers, 0);
    fe_free(&f);
}

/* A RST <SEQ=SEG.ACK> says SYN-RECEIVED: our ACK was lost; it goes once more with another
 * state probe. The second such answer ends the test UNK: the opening did not complete. */
static void test_confirm_ack_lost(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = confirm_start(&f, FE_V4);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1 + WINDOW + STATE_PROBE_AHEAD, 0);
    assert_int_equal(fe_n_out(&f), 2);
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1, WINDOW);
    fe_expect_plain(&f, 1, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1 + WINDOW + STATE_PROBE_AHEAD + 1,
                    WINDOW);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    fe_fire(&f);
    assert_int_equal(st(&f)->opened, 1);
    fe_free(&f);

    confirm_start(&f, FE_V6);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1 + WINDOW + STATE_PROBE_AHEAD, 0);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, THEIR_ISN + 1 + WINDOW + STATE_PROBE_AHEAD + 1,
               iss + 1); /* lwIP's form */
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, iss + 1, 0, 0);
    fe_expect_result(&f, TC_UNK, OPEN_STAGE,
                     "The handshake's ACK was not taken (still in SYN-RECEIVED)", NULL);
    assert_int_equal(st(&f)->opened, 0);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opens_then_case_v4),
        cmocka_unit_test(test_opens_then_case_v6),
        cmocka_unit_test(test_open_failures),
        cmocka_unit_test(test_confirm_answered_or_silent),
        cmocka_unit_test(test_confirm_ack_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
