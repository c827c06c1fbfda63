/* The alive check (src/testcase/alive_check.c): the alive probe, and once more if it goes
 * unanswered, no sooner than TC_ACK_THROTTLE (Linux's 500 ms per-connection ACK limit, RFC
 * 5961 7, plus two jiffies) after the first, so a throttled answer is not taken for silence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/alive_check.h"

#define ISS 0x10000000u
#define IRS 0x5a5a0000u
#define WINDOW 2048
#define ALIVE_BEHIND 0x20000u /* the alive probe's distance before SND.NXT (connection.c) */
#define RTT (40 * TC_MSEC)
#define WAIT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define THROTTLE (520 * TC_MSEC)
#define DELAY (2 * TC_MSEC)

static void idle(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

static const struct test_case idle_kind = {
    .name = "AliveCheckTest",
    .packet_budget = 16,
    .deadline = 60 * TC_SEC,
    .start = idle,
    .on_timer = idle,
};

/* The fake engine with an established connection and a measured RTT (rtt 0: none). */
static void established(struct fe *f, struct tc_conn *c, enum fe_family fam,
                        const struct tc_timing *timing, tc_time rtt)
{
    fe_init_kind(f, &idle_kind, fam, timing);
    fe_start(f);
    f->t.rtt = rtt;
    tc_conn_init(c, ISS, WINDOW);
    struct tcp_seg synack;
    fe_target_seg(&synack, TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1);
    assert_int_equal(tc_conn_established(c, &synack, 0), 0);
}

static void done(struct fe *f, struct tc_conn *c)
{
    tc_conn_free(c);
    fe_free(f);
}

/* The alive probe at t.out[i]: <SEQ=SND.NXT-0x20000><ACK=RCV.NXT><CTL=ACK>. */
static void expect_probe(const struct fe *f, size_t i)
{
    fe_expect_plain(f, i, TCP_FLAG_ACK, ISS + 1 - ALIVE_BEHIND, IRS + 1, WINDOW);
}

static enum alive_check_outcome deliver(const struct tc_conn *c, struct alive_check *a,
                                        uint8_t flags, uint32_t seq, uint32_t ack)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, seq, ack);
    return alive_check_segment(c, a, &seg);
}

/* The timer, with the clock moved to it and what was queued before gone (sent). */
static enum alive_check_outcome fire(struct fe *f, const struct tc_conn *c, struct alive_check *a)
{
    fe_advance(f, fe_timer_in(f));
    tc_cancel_timer(&f->t);
    tc_clear_out(&f->t);
    return alive_check_timer(&f->t, c, a, f->now);
}

static void test_probe_and_its_wait(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, FE_V6, &tc_timing_default, RTT);
    assert_false(alive_check_active(&a));
    alive_check_start(&f.t, &c, &a, DELAY, f.now);
    assert_true(alive_check_active(&a));
    assert_int_equal(fe_n_out(&f), 1);
    expect_probe(&f, 0);
    assert_int_equal(f.t.out[0].delay, DELAY);
    /* the wait counts from when the probe leaves */
    assert_int_equal(fe_timer_in(&f), DELAY + WAIT);
    done(&f, &c);
}

/* An ACK from the connection is ALIVE, a RST GONE; anything else is no answer. */
static void test_answers(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, FE_V4, &tc_timing_default, RTT);
    alive_check_start(&f.t, &c, &a, 0, f.now);
    assert_int_equal(deliver(&c, &a, TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1), AC_PENDING);
    assert_int_equal(deliver(&c, &a, TCP_FLAG_ACK, IRS + 1, ISS + 2), AC_PENDING);
    assert_int_equal(deliver(&c, &a, TCP_FLAG_ACK | TCP_FLAG_FIN, IRS + 1, ISS + 1), AC_PENDING);
    assert_true(alive_check_active(&a));
    assert_int_equal(deliver(&c, &a, TCP_FLAG_ACK, IRS + 1, ISS + 1), AC_ALIVE);
    assert_false(alive_check_active(&a));

    alive_check_start(&f.t, &c, &a, 0, f.now);
    assert_int_equal(deliver(&c, &a, TCP_FLAG_RST, ISS + 1 - ALIVE_BEHIND, 0), AC_GONE);
    assert_false(alive_check_active(&a));
    done(&f, &c);
}

/* Unanswered: the repeat waits until TC_ACK_THROTTLE after the first probe left (nothing is
 * sent meanwhile), then its own wait; silence after it is AC_SILENT. */
static void silence_twice(enum fe_family fam)
{
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, fam, &tc_timing_default, RTT);
    alive_check_start(&f.t, &c, &a, DELAY, f.now);
    tc_time first_at = f.now + DELAY;
    assert_int_equal(fire(&f, &c, &a), AC_PENDING);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(f.t.timer_at, first_at + THROTTLE);
    assert_true(alive_check_active(&a));
    assert_int_equal(fire(&f, &c, &a), AC_PENDING);
    assert_int_equal(fe_n_out(&f), 1);
    expect_probe(&f, 0);
    assert_int_equal(f.t.out[0].delay, 0);
    assert_int_equal(fe_timer_in(&f), WAIT);
    assert_int_equal(fire(&f, &c, &a), AC_SILENT);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(alive_check_active(&a));
    assert_int_equal(f.now, first_at + THROTTLE + WAIT);
    done(&f, &c);
}

static void test_silence_twice_v4(void **state)
{
    (void)state;
    silence_twice(FE_V4);
}

static void test_silence_twice_v6(void **state)
{
    (void)state;
    silence_twice(FE_V6);
}

/* An answer while holding for the repeat (a late one) counts; so does one to the repeat. */
static void test_answer_while_holding_and_to_repeat(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, FE_V4, &tc_timing_default, RTT);
    alive_check_start(&f.t, &c, &a, 0, f.now);
    fire(&f, &c, &a);
    assert_int_equal(deliver(&c, &a, TCP_FLAG_ACK, IRS + 1, ISS + 1), AC_ALIVE);
    assert_false(alive_check_active(&a));

    alive_check_start(&f.t, &c, &a, 0, f.now);
    fire(&f, &c, &a);
    fire(&f, &c, &a);
    assert_int_equal(fe_n_out(&f), 1); /* the repeat */
    assert_int_equal(deliver(&c, &a, TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0), AC_GONE);
    done(&f, &c);
}

/* A wait longer than the throttle (a long RTT: 4 x 300 ms) repeats at once when it ends. */
static void test_long_wait_repeats_at_once(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, FE_V6, &tc_timing_default, 300 * TC_MSEC);
    alive_check_start(&f.t, &c, &a, 0, f.now);
    assert_int_equal(fe_timer_in(&f), 1200 * TC_MSEC);
    assert_int_equal(fire(&f, &c, &a), AC_PENDING);
    assert_int_equal(fe_n_out(&f), 1);
    expect_probe(&f, 0);
    assert_int_equal(fe_timer_in(&f), 1200 * TC_MSEC);
    assert_int_equal(fire(&f, &c, &a), AC_SILENT);
    done(&f, &c);
}

/* --timing original: the original's 10 s for each answer. */
static void test_original_waits(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, FE_V4, &tc_timing_original, RTT);
    alive_check_start(&f.t, &c, &a, 0, f.now);
    assert_int_equal(fe_timer_in(&f), 10 * TC_SEC);
    fire(&f, &c, &a);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(fe_timer_in(&f), 10 * TC_SEC);
    assert_int_equal(fire(&f, &c, &a), AC_SILENT);
    done(&f, &c);
}

/* Outside its phases the check does nothing. */
static void test_idle_timer(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct alive_check a = {0};
    established(&f, &c, FE_V4, &tc_timing_default, RTT);
    assert_int_equal(alive_check_timer(&f.t, &c, &a, f.now), AC_PENDING);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(f.t.timer_at, 0);
    done(&f, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_and_its_wait),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_silence_twice_v4),
        cmocka_unit_test(test_silence_twice_v6),
        cmocka_unit_test(test_answer_while_holding_and_to_repeat),
        cmocka_unit_test(test_long_wait_repeats_at_once),
        cmocka_unit_test(test_original_waits),
        cmocka_unit_test(test_idle_timer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
