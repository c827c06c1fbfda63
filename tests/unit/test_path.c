/* Path knowledge per target (src/tracebox/path.c): which TTLs a traced probe's limited copies
 * use (path_trace_limit: only hops known to quote, never one the host's own RSTs place at or
 * beyond the host), how a test's findings merge into what is known, and the hop distance
 * read from a reply's TTL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tracebox/path.h"

#define BIT(h) ((uint32_t)1u << (h))

static struct path_info path(unsigned host_hop, enum path_hop_source src, uint32_t quoting)
{
    return (struct path_info){
        .discovered = true,
        .host_hop = (uint8_t)host_hop,
        .host_hop_source = (uint8_t)src,
        .quoting = quoting,
    };
}

static void test_trace_limit_nothing_known(void **state)
{
    (void)state;
    struct path_info p;
    memset(&p, 0, sizeof(p));
    assert_int_equal(path_trace_limit(&p), 0);
    /* a host found but no hop that quotes: no traced copies at all */
    p = path(3, PATH_HOP_ACK_RST, 0);
    assert_int_equal(path_trace_limit(&p), 0);
}

/* The lab: routers at hops 1 and 2 quote, the host answers from hop 3. */
static void test_trace_limit_lab(void **state)
{
    (void)state;
    struct path_info p = path(3, PATH_HOP_ACK_RST, BIT(1) | BIT(2));
    assert_int_equal(path_trace_limit(&p), 2);
    /* a silent hop in between still gets its copy: the copies are TTL 1..limit */
    p = path(5, PATH_HOP_ACK_RST, BIT(1) | BIT(3));
    assert_int_equal(path_trace_limit(&p), 3);
    /* the host right behind the first router, or the host itself at hop 1 */
    p = path(2, PATH_HOP_ACK_RST, BIT(1));
    assert_int_equal(path_trace_limit(&p), 1);
    p = path(1, PATH_HOP_ACK_RST, BIT(1));
    assert_int_equal(path_trace_limit(&p), 0);
}

/* A hop distance measured by the host's RSTs bounds the hops trusted: a quote whose hop was
 * garbled (hop 5 on a path whose host is at 3) must not send a copy that reaches the host. */
static void test_trace_limit_bounded_by_measured_host(void **state)
{
    (void)state;
    struct path_info p = path(3, PATH_HOP_ACK_RST, BIT(1) | BIT(2) | BIT(5));
    assert_int_equal(path_trace_limit(&p), 2);
    p = path(3, PATH_HOP_ACK_RST, BIT(5));
    assert_int_equal(path_trace_limit(&p), 0);
}

/* An estimate from the SYN-ACK's TTL (or no distance at all) bounds nothing: a quote from
 * hop h proves the host lies beyond h. */
static void test_trace_limit_estimate_bounds_nothing(void **state)
{
    (void)state;
    struct path_info p = path(3, PATH_HOP_SYNACK_TTL, BIT(1) | BIT(2) | BIT(5));
    assert_int_equal(path_trace_limit(&p), 5);
    p = path(0, PATH_HOP_UNKNOWN, BIT(1) | BIT(HOP_LIMIT));
    assert_int_equal(path_trace_limit(&p), HOP_LIMIT);
}

static void test_quoting_hops(void **state)
{
    (void)state;
    struct path_info p;
    memset(&p, 0, sizeof(p));
    path_add_quoting_hop(&p, 0);             /* unknown hop: not a hop */
    path_add_quoting_hop(&p, HOP_LIMIT + 1); /* beyond what probes can reach */
    assert_int_equal(p.quoting, 0);
    path_add_quoting_hop(&p, 1);
    path_add_quoting_hop(&p, HOP_LIMIT);
    path_add_quoting_hop(&p, 1);
    assert_int_equal(p.quoting, BIT(1) | BIT(HOP_LIMIT));
    assert_true(path_hop_quotes(&p, 1));
    assert_true(path_hop_quotes(&p, HOP_LIMIT));
    assert_false(path_hop_quotes(&p, 2));
    assert_false(path_hop_quotes(&p, 0));
    assert_false(path_hop_quotes(&p, HOP_LIMIT + 1));
    assert_false(path_hop_quotes(&p, 1000));
}

static void test_merge(void **state)
{
    (void)state;
    struct path_info known;
    memset(&known, 0, sizeof(known));
    /* what a test learned: hops quoting, no distance; the target is not "discovered" by it */
    struct path_info learned = {.quoting = BIT(1)};
    path_merge(&known, &learned);
    assert_false(known.discovered);
    assert_int_equal(known.quoting, BIT(1));
    assert_int_equal(known.host_hop, 0);

    /* a first distance is taken even as an estimate */
    learned = path(4, PATH_HOP_SYNACK_TTL, BIT(2));
    path_merge(&known, &learned);
    assert_true(known.discovered);
    assert_int_equal(known.quoting, BIT(1) | BIT(2));
    assert_int_equal(known.host_hop, 4);
    assert_int_equal(known.host_hop_source, PATH_HOP_SYNACK_TTL);

    /* another estimate does not replace it; the host's own answer does */
    learned = path(6, PATH_HOP_SYNACK_TTL, 0);
    path_merge(&known, &learned);
    assert_int_equal(known.host_hop, 4);
    learned = path(3, PATH_HOP_ACK_RST, 0);
    path_merge(&known, &learned);
    assert_int_equal(known.host_hop, 3);
    assert_int_equal(known.host_hop_source, PATH_HOP_ACK_RST);

    /* once measured, neither an estimate nor a later measurement moves it; no distance at
     * all changes nothing, and "discovered" never goes back */
    learned = path(5, PATH_HOP_SYNACK_TTL, 0);
    path_merge(&known, &learned);
    learned = path(7, PATH_HOP_ACK_RST, 0);
    path_merge(&known, &learned);
    memset(&learned, 0, sizeof(learned));
    path_merge(&known, &learned);
    assert_int_equal(known.host_hop, 3);
    assert_int_equal(known.host_hop_source, PATH_HOP_ACK_RST);
    assert_true(known.discovered);
    assert_int_equal(known.quoting, BIT(1) | BIT(2));
}

static void test_hop_source_names(void **state)
{
    (void)state;
    assert_string_equal(path_hop_source_name(PATH_HOP_UNKNOWN), "unknown");
    assert_string_equal(path_hop_source_name(PATH_HOP_ACK_RST), "ack-rst");
    assert_string_equal(path_hop_source_name(PATH_HOP_SYNACK_TTL), "synack-ttl");
    assert_string_equal(path_hop_source_name((enum path_hop_source)99), "unknown");
}

/* The host sent the smallest of 64, 128, 255 not below what arrived; each router on the way
 * took one: the lab's host (hop 3) answers with 62. */
static void test_hops_from_ttl(void **state)
{
    (void)state;
    assert_int_equal(path_hops_from_ttl(0), 0);
    assert_int_equal(path_hops_from_ttl(64), 1);
    assert_int_equal(path_hops_from_ttl(62), 3);
    assert_int_equal(path_hops_from_ttl(1), 64);
    assert_int_equal(path_hops_from_ttl(65), 64);
    assert_int_equal(path_hops_from_ttl(128), 1);
    assert_int_equal(path_hops_from_ttl(115), 14);
    assert_int_equal(path_hops_from_ttl(129), 127);
    assert_int_equal(path_hops_from_ttl(255), 1);
    assert_int_equal(path_hops_from_ttl(250), 6);
    assert_int_equal(path_hops_from_ttl(256), 0); /* no TTL is that large */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_limit_nothing_known),
        cmocka_unit_test(test_trace_limit_lab),
        cmocka_unit_test(test_trace_limit_bounded_by_measured_host),
        cmocka_unit_test(test_trace_limit_estimate_bounds_nothing),
        cmocka_unit_test(test_quoting_hops),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_hop_source_names),
        cmocka_unit_test(test_hops_from_ttl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
