/* The blocklist's prefix tree: overlaps, /0, host routes, host bits, and a randomized check
 * against a linear scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "targets/prefix_tree.h"

#define RANDOM_PREFIXES 400
#define RANDOM_LOOKUPS 20000

static struct ip_addr addr(const char *text)
{
    struct ip_addr a;
    assert_int_equal(ip_addr_parse(text, &a), 0);
    return a;
}

static void insert(struct prefix_tree *t, const char *text, unsigned len)
{
    struct ip_addr a = addr(text);
    assert_int_equal(prefix_tree_insert(t, &a, len), 0);
}

static bool contains(const struct prefix_tree *t, const char *text, unsigned *len)
{
    struct ip_addr a = addr(text);
    return prefix_tree_contains(t, &a, len);
}

static void test_empty_tree_contains_nothing(void **state)
{
    (void)state;
    struct prefix_tree t;
    prefix_tree_init(&t);
    assert_false(contains(&t, "198.18.0.1", NULL));
    assert_false(contains(&t, "fd00::1", NULL));
    prefix_tree_free(&t);
}

static void test_overlapping_prefixes(void **state)
{
    (void)state;
    struct prefix_tree t;
    prefix_tree_init(&t);
    insert(&t, "198.18.128.0", 24);
    insert(&t, "198.18.128.5", 32); /* inside the /24 */
    insert(&t, "198.18.0.0", 16);   /* covers both, inserted later: splits above them */
    insert(&t, "10.1.0.0", 16);
    insert(&t, "10.1.2.0", 24);
    unsigned len = 0;
    assert_true(contains(&t, "198.18.128.5", &len));
    assert_int_equal(len, 16); /* the shortest covering prefix */
    assert_true(contains(&t, "198.18.255.255", &len));
    assert_true(contains(&t, "198.18.0.0", NULL));
    assert_false(contains(&t, "198.19.0.0", NULL));
    assert_false(contains(&t, "198.17.255.255", NULL));
    assert_true(contains(&t, "10.1.2.3", &len));
    assert_int_equal(len, 16);
    assert_false(contains(&t, "10.2.2.3", NULL));
    assert_false(contains(&t, "::ffff:198.18.128.5", NULL)); /* families are separate */
    assert_int_equal(t.prefixes, 5);
    assert_true(t.nodes <= 2 * t.prefixes);
    prefix_tree_free(&t);
}

static void test_diverging_siblings_and_inner_prefix_after(void **state)
{
    (void)state;
    struct prefix_tree t;
    prefix_tree_init(&t);
    insert(&t, "198.18.1.0", 24);
    insert(&t, "198.18.2.0", 24); /* diverges from the first: a bare divergence node */
    assert_false(contains(&t, "198.18.0.1", NULL)); /* the divergence node is no prefix */
    assert_false(contains(&t, "198.18.3.1", NULL));
    assert_true(contains(&t, "198.18.1.200", NULL));
    assert_true(contains(&t, "198.18.2.200", NULL));
    assert_int_equal(t.prefixes, 2);
    assert_int_equal(t.nodes, 3);
    /* the divergence point 198.18.0.0/22 becomes a real prefix when inserted */
    insert(&t, "198.18.0.0", 22);
    assert_int_equal(t.prefixes, 3);
    assert_int_equal(t.nodes, 3);
    assert_true(contains(&t, "198.18.3.1", NULL));
    insert(&t, "198.18.0.0", 22); /* twice is harmless */
    assert_int_equal(t.prefixes, 3);
    prefix_tree_free(&t);
}

static void test_zero_length_covers_the_family(void **state)
{
    (void)state;
    struct prefix_tree t;
    prefix_tree_init(&t);
    insert(&t, "0.0.0.0", 0);
    assert_true(contains(&t, "1.2.3.4", NULL));
    assert_true(contains(&t, "255.255.255.255", NULL));
    assert_false(contains(&t, "2001:db8::1", NULL));
    insert(&t, "::", 0);
    unsigned len = 99;
    assert_true(contains(&t, "ffff::1", &len));
    assert_int_equal(len, 0);
    insert(&t, "198.18.0.0", 15); /* below a /0: still contained */
    assert_true(contains(&t, "198.19.1.1", &len));
    assert_int_equal(len, 0);
    prefix_tree_free(&t);
}

static void test_host_routes(void **state)
{
    (void)state;
    struct prefix_tree t;
    prefix_tree_init(&t);
    insert(&t, "198.18.128.7", 32);
    insert(&t, "fd00:7463::7", 128);
    insert(&t, "fd00:7463::6", 128);
    assert_true(contains(&t, "198.18.128.7", NULL));
    assert_false(contains(&t, "198.18.128.6", NULL));
    assert_false(contains(&t, "198.18.128.8", NULL));
    assert_true(contains(&t, "fd00:7463::7", NULL));
    assert_true(contains(&t, "fd00:7463::6", NULL));
    assert_false(contains(&t, "fd00:7463::5", NULL));
    assert_false(contains(&t, "fd00:7463::8", NULL));
    prefix_tree_free(&t);
}

static void test_host_bits_are_masked(void **state)
{
    (void)state;
    struct ip_addr a = addr("198.18.1.77");
    assert_true(prefix_mask(&a, 24));
    assert_true(ip_addr_equal(&a, &(struct ip_addr){.family = 4, .bytes = {198, 18, 1, 0}}));
    assert_false(prefix_mask(&a, 24)); /* already clean */
    struct ip_addr b = addr("fd00::1:1");
    assert_true(prefix_mask(&b, 112));
    assert_true(ip_addr_equal(&b, &(struct ip_addr){.family = 6, .bytes = {0xfd, 0, [13] = 1}}));
    struct ip_addr c = addr("198.18.1.77");
    assert_false(prefix_mask(&c, 32));
    assert_true(prefix_mask(&c, 0));

    struct prefix_tree t;
    prefix_tree_init(&t);
    insert(&t, "198.18.1.77", 24); /* inserted with host bits: the /24 is meant */
    assert_true(contains(&t, "198.18.1.1", NULL));
    struct ip_addr too_long = addr("198.18.1.1");
    assert_int_equal(prefix_tree_insert(&t, &too_long, 33), TCPREQ_EINVAL);
    struct ip_addr none = {0};
    assert_int_equal(prefix_tree_insert(&t, &none, 0), TCPREQ_EINVAL);
    assert_false(prefix_tree_contains(&t, &none, NULL));
    prefix_tree_free(&t);
}

/* Reference: the address is in a prefix when they agree on the first len bits. */
static bool in_prefix(const struct ip_addr *a, const struct ip_addr *net, unsigned len)
{
    struct ip_addr masked = *a;
    prefix_mask(&masked, len);
    struct ip_addr n = *net;
    prefix_mask(&n, len);
    return a->family == net->family && ip_addr_equal(&masked, &n);
}

/* Random addresses drawn near a few anchors so that prefixes overlap and lookups hit. */
static struct ip_addr random_addr(unsigned family)
{
    static const uint8_t anchors[3][16] = {{198, 18, 128, 0}, {10, 0, 0, 0}, {0xfd, 0, 0x74}};
    struct ip_addr a = {.family = (uint8_t)family};
    memcpy(a.bytes, anchors[rand() % 3], 16);
    size_t len = ip_addr_len(&a);
    for (size_t i = len / 2; i < len; i++)
        if (rand() % 2)
            a.bytes[i] = (uint8_t)rand();
    return a;
}

static void test_random_against_linear_scan(void **state)
{
    (void)state;
    srand(12345);
    struct ip_addr nets[RANDOM_PREFIXES];
    unsigned lens[RANDOM_PREFIXES];
    struct prefix_tree t;
    prefix_tree_init(&t);
    for (int i = 0; i < RANDOM_PREFIXES; i++) {
        nets[i] = random_addr(i % 2 ? IP_FAMILY_V4 : IP_FAMILY_V6);
        lens[i] = (unsigned)rand() % (prefix_max_len(&nets[i]) + 1);
        assert_int_equal(prefix_tree_insert(&t, &nets[i], lens[i]), 0);
    }
    assert_true(t.nodes <= 2 * t.prefixes);
    for (int k = 0; k < RANDOM_LOOKUPS; k++) {
        struct ip_addr a = random_addr(k % 2 ? IP_FAMILY_V4 : IP_FAMILY_V6);
        bool expect = false;
        unsigned shortest = 999;
        for (int i = 0; i < RANDOM_PREFIXES; i++) {
            if (in_prefix(&a, &nets[i], lens[i])) {
                expect = true;
                if (lens[i] < shortest)
                    shortest = lens[i];
            }
        }
        unsigned got = 999;
        assert_int_equal(prefix_tree_contains(&t, &a, &got), expect);
        if (expect)
            assert_int_equal(got, shortest);
    }
    prefix_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_tree_contains_nothing),
        cmocka_unit_test(test_overlapping_prefixes),
        cmocka_unit_test(test_diverging_siblings_and_inner_prefix_after),
        cmocka_unit_test(test_zero_length_covers_the_family),
        cmocka_unit_test(test_host_routes),
        cmocka_unit_test(test_host_bits_are_masked),
        cmocka_unit_test(test_random_against_linear_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
