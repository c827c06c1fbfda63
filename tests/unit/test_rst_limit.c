/* RSTs for unknown flows (issue 15, defect 4): the table used to stop answering for good
 * after 65,536 distinct flows, though its comment said old counts were forgotten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/rst_limit.h"

#define SEC 1000000ull

static void key_of(uint32_t n, struct flow_key *k)
{
    struct ip_addr ip = {.family = IP_FAMILY_V4};
    ip.bytes[0] = 198;
    ip.bytes[1] = (uint8_t)(18 + (n >> 24 & 1));
    ip.bytes[2] = (uint8_t)(n >> 16);
    ip.bytes[3] = (uint8_t)(n >> 8);
    flow_key_make(k, (uint16_t)(49152 + n % 16384), &ip, (uint16_t)(80 + n % 7));
}

static unsigned rsts_for(struct rst_limit *r, uint32_t n, unsigned segments, uint64_t now)
{
    struct flow_key k;
    key_of(n, &k);
    unsigned sent = 0;
    for (unsigned i = 0; i < segments; i++)
        sent += rst_limit_allow(r, &k, now);
    return sent;
}

static void test_three_per_flow(void **state)
{
    (void)state;
    struct rst_limit r;
    assert_int_equal(rst_limit_init(&r, 0, 0), 0);
    assert_int_equal(rsts_for(&r, 1, 10, 0), RST_LIMIT_PER_FLOW);
    assert_int_equal(rsts_for(&r, 2, 2, SEC), 2);
    assert_int_equal(rsts_for(&r, 2, 2, 2 * SEC), 1);
    rst_limit_free(&r);
}

/* The defect: 65,536 distinct flows, then a late SYN-ACK of a finished test. */
static void test_later_flows_still_get_rsts_after_a_flood(void **state)
{
    (void)state;
    struct rst_limit r;
    assert_int_equal(rst_limit_init(&r, 0, 0), 0);
    uint64_t now = 0;
    for (uint32_t n = 0; n < 3 * RST_LIMIT_MAX_FLOWS; n++, now += 10)
        assert_int_equal(rsts_for(&r, n, 1, now), 1);
    assert_true(rst_limit_count(&r) <= RST_LIMIT_MAX_FLOWS);
    assert_int_equal(r.evicted, 2 * RST_LIMIT_MAX_FLOWS);
    assert_int_equal(rsts_for(&r, 0xabcdef, 5, now), RST_LIMIT_PER_FLOW);
    rst_limit_free(&r);
}

/* A flow that goes on sending keeps its entry (and never gets a fourth RST), however long;
 * a flow that went quiet is forgotten after RST_LIMIT_MEMORY. */
static void test_aging(void **state)
{
    (void)state;
    struct rst_limit r;
    assert_int_equal(rst_limit_init(&r, 0, 0), 0);
    uint64_t t = 0;
    assert_int_equal(rsts_for(&r, 7, 3, t), 3);
    assert_int_equal(rsts_for(&r, 8, 3, t), 3);
    for (int i = 0; i < 10; i++) {
        t += RST_LIMIT_MEMORY / 2;
        assert_int_equal(rsts_for(&r, 7, 1, t), 0);
    }
    /* flow 8 has been quiet for 5 memories: forgotten, counts again from zero */
    assert_int_equal(r.expired, 1);
    assert_int_equal(rsts_for(&r, 8, 5, t), 3);
    assert_int_equal(r.evicted, 0);
    rst_limit_free(&r);
}

/* When full, the flow seen least recently makes room (not the most active one). */
static void test_eviction_order(void **state)
{
    (void)state;
    struct rst_limit r;
    assert_int_equal(rst_limit_init(&r, 3, 0), 0);
    assert_int_equal(rsts_for(&r, 1, 3, 1), 3);
    assert_int_equal(rsts_for(&r, 2, 3, 2), 3);
    assert_int_equal(rsts_for(&r, 3, 3, 3), 3);
    assert_int_equal(rsts_for(&r, 1, 1, 4), 0); /* flow 1 seen again: now the newest */
    assert_int_equal(rsts_for(&r, 4, 1, 5), 1); /* evicts flow 2 */
    assert_int_equal(r.evicted, 1);
    assert_int_equal(rst_limit_count(&r), 3);
    assert_int_equal(rsts_for(&r, 1, 1, 6), 0);
    assert_int_equal(rsts_for(&r, 3, 1, 7), 0);
    assert_int_equal(rsts_for(&r, 2, 1, 8), 1); /* forgotten: counted from zero again */
    rst_limit_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_per_flow),
        cmocka_unit_test(test_later_flows_still_get_rsts_after_a_flood),
        cmocka_unit_test(test_aging),
        cmocka_unit_test(test_eviction_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
