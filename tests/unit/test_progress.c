/* The status line's wording: percentage and ETA with a known total, share of the targets
 * read without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/progress.h"

static void test_known_total_has_percent_and_eta(void **state)
{
    (void)state;
    struct progress_snapshot s = {.elapsed = 12,
                                  .targets_read = 150,
                                  .targets_total = 200,
                                  .targets_done = 100,
                                  .sent_pps = 9800.4,
                                  .recv_pps = 4100,
                                  .pass = 80,
                                  .fail = 2,
                                  .unk = 1};
    char buf[256];
    progress_format(&s, buf, sizeof(buf));
    assert_string_equal(buf, "12.0s 50.0% ETA 12s | 100/200 targets | 9800 pkt/s out, "
                             "4100 pkt/s in | PASS 80 FAIL 2 UNK 1");
}

static void test_eta_in_minutes_and_hours(void **state)
{
    (void)state;
    struct progress_snapshot s = {.elapsed = 60, .targets_total = 1000, .targets_done = 250};
    char buf[256];
    progress_format(&s, buf, sizeof(buf));
    assert_non_null(strstr(buf, "25.0% ETA 3m00s |"));
    s.targets_done = 10; /* 1% in a minute: 99 minutes to go */
    progress_format(&s, buf, sizeof(buf));
    assert_non_null(strstr(buf, "1.0% ETA 1h39m |"));
}

static void test_no_eta_before_first_target_or_after_last(void **state)
{
    (void)state;
    struct progress_snapshot s = {.elapsed = 3, .targets_total = 10};
    char buf[256];
    progress_format(&s, buf, sizeof(buf));
    assert_null(strstr(buf, "ETA"));
    assert_non_null(strstr(buf, "0.0% | 0/10 targets"));
    s.targets_done = 10;
    progress_format(&s, buf, sizeof(buf));
    assert_null(strstr(buf, "ETA"));
    assert_non_null(strstr(buf, "100.0% | 10/10 targets"));
}

static void test_unknown_total_says_targets_read(void **state)
{
    (void)state;
    struct progress_snapshot s = {.elapsed = 1.25, .targets_read = 300, .targets_done = 7};
    char buf[256];
    progress_format(&s, buf, sizeof(buf));
    assert_string_equal(buf, "1.2s 2.3% of 300 targets read | 7 done | 0 pkt/s out, "
                             "0 pkt/s in | PASS 0 FAIL 0 UNK 0");
    s.targets_read = 0; /* nothing read yet: no division by zero */
    s.targets_done = 0;
    progress_format(&s, buf, sizeof(buf));
    assert_non_null(strstr(buf, "0.0% of 0 targets read | 0 done"));
}

static void test_truncates_to_buffer(void **state)
{
    (void)state;
    struct progress_snapshot s = {.elapsed = 1, .targets_total = 10};
    char buf[8];
    int n = progress_format(&s, buf, sizeof(buf));
    assert_true(n > (int)sizeof(buf));
    assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_total_has_percent_and_eta),
        cmocka_unit_test(test_eta_in_minutes_and_hours),
        cmocka_unit_test(test_no_eta_before_first_target_or_after_last),
        cmocka_unit_test(test_unknown_total_says_targets_read),
        cmocka_unit_test(test_truncates_to_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
