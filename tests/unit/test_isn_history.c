/* The ISNs of a target's earlier tests (testcase/isn_history.h): each SYN-ACK once per test
 * (a retransmission repeats its ISN), the same value in another test kept (another
 * connection), numbered by test, bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "testcase/isn_history.h"

#define T0 (1000 * TC_SEC)

/* A finished test whose SYNs carried these ISNs, one per second. */
static void finished(struct tc *t, struct tc_isn *v, const uint32_t *isns, size_t n)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < n; i++)
        v[i] = (struct tc_isn){.at = T0 + i * TC_SEC, .isn = isns[i]};
    t->isns = v;
    t->n_isns = n;
}

static void expect(const struct isn_history *h, size_t i, tc_time at, uint32_t isn, uint32_t test)
{
    assert_true(i < h->n);
    assert_int_equal(h->v[i].at, at);
    assert_int_equal(h->v[i].isn, isn);
    assert_int_equal(h->v[i].test, test);
}

static void test_once_per_test(void **state)
{
    (void)state;
    struct isn_history h = {0};
    struct tc t;
    struct tc_isn v[4];
    /* the SYN-ACK, its retransmission, a control connection's SYN-ACK, its copy */
    finished(&t, v, (const uint32_t[]){100, 100, 7000, 100}, 4);
    assert_int_equal(isn_history_add(&h, &t), TCPREQ_OK);
    assert_int_equal(h.n, 2);
    expect(&h, 0, T0, 100, 0);
    expect(&h, 1, T0 + 2 * TC_SEC, 7000, 0);
    /* a test without a SYN-ACK still counts as a test */
    finished(&t, v, NULL, 0);
    assert_int_equal(isn_history_add(&h, &t), TCPREQ_OK);
    /* the same ISN in another test is another connection (a constant-ISN host) */
    finished(&t, v, (const uint32_t[]){100}, 1);
    assert_int_equal(isn_history_add(&h, &t), TCPREQ_OK);
    assert_int_equal(h.n, 3);
    expect(&h, 2, T0, 100, 2);
    assert_int_equal(h.tests, 3);
    isn_history_free(&h);
    assert_null(h.v);
    assert_int_equal(h.n, 0);
}

/* A host that floods SYN-ACKs with new ISNs fills the history to its bound, no further. */
static void test_bounded(void **state)
{
    (void)state;
    struct isn_history h = {0};
    struct tc t;
    static struct tc_isn v[ISN_HISTORY_MAX + 10];
    static uint32_t isns[ISN_HISTORY_MAX + 10];
    for (size_t i = 0; i < ISN_HISTORY_MAX + 10; i++)
        isns[i] = (uint32_t)i;
    finished(&t, v, isns, ISN_HISTORY_MAX + 10);
    assert_int_equal(isn_history_add(&h, &t), TCPREQ_OK);
    assert_int_equal(h.n, ISN_HISTORY_MAX);
    assert_true(h.cap <= ISN_HISTORY_MAX);
    finished(&t, v, isns, 1);
    assert_int_equal(isn_history_add(&h, &t), TCPREQ_OK);
    assert_int_equal(h.n, ISN_HISTORY_MAX);
    isn_history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_once_per_test),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
