/* Token bucket: rate holds over time, bursts stay short, waits are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/token_bucket.h"

#define US_PER_SEC 1000000ull

static void test_rate_holds_over_one_second(void **state)
{
    (void)state;
    struct token_bucket tb;
    const double rate = 1000;
    token_bucket_init(&tb, rate, 0);
    unsigned sent = 0;
    /* Poll every 100 us for one second: at most rate + burst packets may pass. */
    for (uint64_t t = 0; t <= US_PER_SEC; t += 100)
        while (token_bucket_take(&tb, t))
            sent++;
    assert_true(sent >= 1000 && sent <= 1000 + 10);
}

static void test_burst_is_bounded(void **state)
{
    (void)state;
    struct token_bucket tb;
    token_bucket_init(&tb, 50000, 0);
    unsigned burst = 0;
    /* After a long idle period only the bucket depth (10 ms of rate) is available. */
    while (token_bucket_take(&tb, 10 * US_PER_SEC))
        burst++;
    assert_int_equal(burst, 500);
}

static void test_wait_predicts_next_token(void **state)
{
    (void)state;
    struct token_bucket tb;
    token_bucket_init(&tb, 100, 0); /* one token per 10 ms, bucket depth 1 */
    assert_true(token_bucket_take(&tb, 0));
    assert_false(token_bucket_take(&tb, 0));
    uint64_t wait = token_bucket_wait(&tb, 0);
    assert_true(wait >= 10000 && wait <= 10001);
    assert_false(token_bucket_take(&tb, wait - 2));
    assert_true(token_bucket_take(&tb, wait));
    assert_int_equal(token_bucket_wait(&tb, wait + 10000), 0);
}

static void test_tiny_rate_still_sends(void **state)
{
    (void)state;
    struct token_bucket tb;
    token_bucket_init(&tb, 0.5, 0);
    assert_true(token_bucket_take(&tb, 0));
    assert_false(token_bucket_take(&tb, US_PER_SEC));
    assert_true(token_bucket_take(&tb, 2 * US_PER_SEC));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_holds_over_one_second),
        cmocka_unit_test(test_burst_is_bounded),
        cmocka_unit_test(test_wait_predicts_next_token),
        cmocka_unit_test(test_tiny_rate_still_sends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
