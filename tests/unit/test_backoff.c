/* The backoff judge (testcase/backoff.h): a doubling timer passes with its timer and path
 * errors at their worst, a timer that does not grow fails, copies within the jitter are not
 * intervals, and the waits derived from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/backoff.h"

#define T0 (1000 * TC_SEC)
#define JITTER (10 * TC_MSEC)

/* A series from the intervals given in ms (0-terminated). */
static void series(struct backoff *b, tc_time jitter, const unsigned *ms)
{
    backoff_init(b, jitter);
    tc_time at = T0;
    assert_true(backoff_add(b, at));
    for (size_t i = 0; ms[i] != 0; i++) {
        at += ms[i] * TC_MSEC;
        assert_true(backoff_add(b, at));
    }
}

static enum backoff_verdict judge(const unsigned *ms, tc_time jitter, size_t *bad)
{
    struct backoff b;
    series(&b, jitter, ms);
    return backoff_judge(&b, bad);
}

static void test_doubling_passes(void **state)
{
    (void)state;
    size_t bad = 99;
    /* Linux: 1, 2, 4 s */
    assert_int_equal(judge((const unsigned[]){1000, 2000, 4000, 0}, JITTER, &bad),
                     BACKOFF_BACKED_OFF);
    /* lwIP's first interval a tick short: 2.5 s, then 6 s */
    assert_int_equal(judge((const unsigned[]){2500, 6000, 0}, JITTER, &bad), BACKOFF_BACKED_OFF);
    /* the worst case within the tolerance: a 1 s RTO fired 1/6 late, its double 1/6 early */
    assert_int_equal(judge((const unsigned[]){1166, 1667, 0}, 0, &bad), BACKOFF_BACKED_OFF);
    /* less than doubling, more than 10/7: exponential still */
    assert_int_equal(judge((const unsigned[]){1000, 1500, 2250, 0}, JITTER, &bad),
                     BACKOFF_BACKED_OFF);
    assert_int_equal(bad, 99);
}

static void test_no_backoff_fails(void **state)
{
    (void)state;
    size_t bad = 0;
    /* a constant 1 s timer */
    assert_int_equal(judge((const unsigned[]){1000, 1000, 0}, JITTER, &bad),
                     BACKOFF_NOT_BACKED_OFF);
    assert_int_equal(bad, 1);
    /* doubled once, then not: the second comparison */
    assert_int_equal(judge((const unsigned[]){1000, 2000, 2000, 0}, JITTER, &bad),
                     BACKOFF_NOT_BACKED_OFF);
    assert_int_equal(bad, 2);
    /* shrinking */
    assert_int_equal(judge((const unsigned[]){3000, 1500, 0}, JITTER, &bad),
                     BACKOFF_NOT_BACKED_OFF);
    assert_int_equal(bad, 1);
    /* a constant timer with its errors at their worst (7/5) is still caught */
    assert_int_equal(judge((const unsigned[]){833, 1167, 0}, 0, &bad), BACKOFF_NOT_BACKED_OFF);
}

/* The jitter is added to the later interval: a short timer whose growth is within it passes. */
static void test_jitter_lenient(void **state)
{
    (void)state;
    size_t bad;
    const unsigned ms[] = {100, 120, 0};
    assert_int_equal(judge(ms, JITTER, &bad), BACKOFF_NOT_BACKED_OFF);
    assert_int_equal(judge(ms, 50 * TC_MSEC, &bad), BACKOFF_BACKED_OFF);
}

static void test_too_few(void **state)
{
    (void)state;
    size_t bad;
    struct backoff b;
    backoff_init(&b, JITTER);
    assert_int_equal(backoff_judge(&b, &bad), BACKOFF_TOO_FEW);
    assert_int_equal(judge((const unsigned[]){0}, JITTER, &bad), BACKOFF_TOO_FEW);
    assert_int_equal(judge((const unsigned[]){1000, 0}, JITTER, &bad), BACKOFF_TOO_FEW);
}

/* An arrival within the jitter of the last is a copy; an earlier one or one too many is not
 * taken. */
static void test_add(void **state)
{
    (void)state;
    struct backoff b;
    backoff_init(&b, JITTER);
    assert_true(backoff_add(&b, T0));
    assert_false(backoff_add(&b, T0 + JITTER));
    assert_int_equal(b.duplicates, 1);
    assert_false(backoff_add(&b, T0 - 1));
    assert_true(backoff_add(&b, T0 + JITTER + 1));
    assert_int_equal(b.n, 2);
    assert_int_equal(backoff_interval(&b, 0), JITTER + 1);
    assert_int_equal(backoff_interval(&b, 1), 0);
    for (size_t i = 2; i < BACKOFF_MAX_TIMES; i++)
        assert_true(backoff_add(&b, T0 + i * TC_SEC));
    assert_false(backoff_add(&b, T0 + 100 * TC_SEC));
    assert_int_equal(b.n, BACKOFF_MAX_TIMES);
}

static void test_next_due(void **state)
{
    (void)state;
    struct backoff b;
    backoff_init(&b, JITTER);
    assert_int_equal(backoff_next_due(&b, 6 * TC_SEC), 0);
    backoff_add(&b, T0);
    /* the slowest first timeout, 1/6 late, plus the jitter */
    assert_int_equal(backoff_next_due(&b, 6 * TC_SEC), T0 + 7 * TC_SEC + JITTER);
    backoff_add(&b, T0 + 1 * TC_SEC);
    /* twice the last interval stretched 7/5, plus the jitter */
    assert_int_equal(backoff_next_due(&b, 6 * TC_SEC), T0 + 1 * TC_SEC + 2800 * TC_MSEC + JITTER);
}

static void test_jitter_from_rtt(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "LivenessTest", FE_V4, &tc_timing_default);
    f.t.rtt = 1 * TC_MSEC;
    assert_int_equal(backoff_jitter(&f.t), BACKOFF_JITTER_FLOOR);
    f.t.rtt = 40 * TC_MSEC;
    assert_int_equal(backoff_jitter(&f.t), 80 * TC_MSEC);
    fe_free(&f);
}

static void expect_json(const struct backoff *b, const char *want)
{
    json_t *j = backoff_json(b);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, want);
    free(text);
    json_decref(j);
}

/* The intervals, and which one did not grow when one did not (the cases' reasons name no
 * times). */
static void test_json(void **state)
{
    (void)state;
    struct backoff b;
    series(&b, JITTER, (const unsigned[]){1000, 2000, 3000, 0});
    backoff_add(&b, b.at[b.n - 1] + 1);
    expect_json(&b, "{\"duplicates\":1,\"intervals_ms\":[1000,2000,3000]}");
    series(&b, JITTER, (const unsigned[]){1000, 2000, 2000, 1000, 0});
    expect_json(&b,
                "{\"duplicates\":0,\"intervals_ms\":[1000,2000,2000,1000],\"not_grown_index\":2}");
    series(&b, JITTER, (const unsigned[]){1000, 0});
    expect_json(&b, "{\"duplicates\":0,\"intervals_ms\":[1000]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doubling_passes),
        cmocka_unit_test(test_no_backoff_fails),
        cmocka_unit_test(test_jitter_lenient),
        cmocka_unit_test(test_too_few),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_next_due),

        cmocka_unit_test(test_jitter_from_rtt),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
