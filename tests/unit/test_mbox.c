/* Middlebox attribution (tracebox, as the original tcpreq's _detect_mboxes): quotes carry
 * their hop in the TTL code; a diff callback says whether a quote shows the probe changed.
 * The nearest changed hop is blamed, unknown hops never displace a known one, and the path
 * is cut at the middlebox, sorted and deduplicated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/err.h"
#include "tcp/segment.h"
#include "tracebox/mbox.h"
#include "tracebox/ttl_code.h"

#define SENT_SEQ 1000u
#define CHANGED_SEQ 2000u
#define OFF_SEQ 4
#define SEQ_QUOTE_LEN 8 /* ports + sequence number: too short to carry the TTL code */
#define FIELDS (TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define MAX_Q 128

static struct ip_addr src, dst;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(ip_addr_parse("192.0.2.1", &src), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("198.51.100.7", &dst), TCPREQ_OK);
    return 0;
}

/* A quote from hop (0 = make it undecodable), answered by router 10.0.<r/256>.<r%256>,
 * showing the probe's sequence number rewritten if changed. */
static void make_quote(struct icmp_quote *q, unsigned hop, unsigned r, bool changed)
{
    struct tcp_seg seg;
    uint8_t buf[TCP_HDR_MAX];
    size_t len = 0;
    char text[IP_ADDR_STRLEN];

    memset(q, 0, sizeof(*q));
    tcp_seg_init(&seg);
    seg.sport = 40000;
    seg.dport = 80;
    seg.seq = changed ? CHANGED_SEQ : SENT_SEQ;
    if (hop != 0)
        assert_int_equal(ttl_encode(hop, FIELDS, &seg, NULL), TCPREQ_OK);
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_OK);
    memcpy(q->quote, buf, len);
    q->quote_len = hop != 0 ? len : SEQ_QUOTE_LEN;
    q->hop = 99; /* must be overwritten */
    snprintf(text, sizeof(text), "10.0.%u.%u", r / 256, r % 256);
    assert_int_equal(ip_addr_parse(text, &q->router), TCPREQ_OK);
}

struct diff_ctx {
    uint32_t sent_seq;
    unsigned *calls;
};

static uint32_t quote_seq(const struct icmp_quote *q)
{
    const uint8_t *p = q->quote + OFF_SEQ;
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static bool seq_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                     char *seen, size_t seen_cap)
{
    const struct diff_ctx *c = ctx;
    (*c->calls)++;
    uint32_t s = quote_seq(q);
    if (s == c->sent_seq)
        return false;
    snprintf(exp, exp_cap, "%08x", c->sent_seq);
    snprintf(seen, seen_cap, "%08x", s);
    return true;
}

static void run(struct icmp_quote *q, size_t n, struct mbox_result *res, unsigned *calls)
{
    struct diff_ctx ctx = {.sent_seq = SENT_SEQ, .calls = calls};
    mbox_detect(q, n, FIELDS, HOP_LIMIT, seq_diff, &ctx, res);
}

static void assert_path(const struct mbox_result *res, const unsigned *hops, const unsigned *rtr,
                        size_t n)
{
    assert_int_equal(res->path_len, n);
    for (size_t i = 0; i < n; i++) {
        struct ip_addr want;
        char text[IP_ADDR_STRLEN];
        snprintf(text, sizeof(text), "10.0.%u.%u", rtr[i] / 256, rtr[i] % 256);
        assert_int_equal(ip_addr_parse(text, &want), TCPREQ_OK);
        assert_int_equal(res->path[i].hop, hops[i]);
        assert_true(ip_addr_equal(&res->path[i].router, &want));
    }
}

static void test_nothing(void **state)
{
    (void)state;
    struct mbox_result res;
    unsigned calls = 0;
    run(NULL, 0, &res, &calls);
    assert_false(res.detected);
    assert_int_equal(res.path_len, 0);

    /* No change anywhere: not detected; the whole path, sorted, unknown hops first. */
    struct icmp_quote q[4];
    make_quote(&q[0], 3, 3, false);
    make_quote(&q[1], 1, 1, false);
    make_quote(&q[2], 0, 50, false);
    make_quote(&q[3], 2, 2, false);
    run(q, 4, &res, &calls);
    assert_false(res.detected);
    assert_int_equal(q[0].hop, 3);
    assert_int_equal(q[2].hop, 0);
    assert_path(&res, (const unsigned[]){0, 1, 2, 3}, (const unsigned[]){50, 1, 2, 3}, 4);
}

/* Middlebox between hops 2 and 3: hops 3..6 see the change. Whatever the arrival order,
 * hop 3 is blamed and the path ends there. */
static void test_nearest_hop_wins(void **state)
{
    (void)state;
    struct icmp_quote q[6];
    struct mbox_result res;
    for (int order = 0; order < 2; order++) {
        unsigned calls = 0;
        for (unsigned i = 0; i < 6; i++) {
            unsigned hop = order == 0 ? i + 1 : 6 - i;
            make_quote(&q[i], hop, hop, hop >= 3);
        }
        run(q, 6, &res, &calls);
        assert_true(res.detected);
        assert_int_equal(res.hop, 3);
        assert_string_equal(res.expected, "000003e8");
        assert_string_equal(res.seen, "000007d0");
        assert_path(&res, (const unsigned[]){1, 2, 3}, (const unsigned[]){1, 2, 3}, 3);
        /* Ascending arrival: after hop 3 is blamed, farther hops are not even diffed. */
        assert_int_equal(calls, order == 0 ? 3 : 6);
    }
}

static void test_unknown_hop(void **state)
{
    (void)state;
    struct icmp_quote q[4];
    struct mbox_result res;
    unsigned calls = 0;

    /* Only an undecodable quote shows the change: detected at an unknown hop, and with no
     * hop located the path keeps every quote. */
    make_quote(&q[0], 0, 40, true);
    make_quote(&q[1], 2, 2, false);
    run(q, 2, &res, &calls);
    assert_true(res.detected);
    assert_int_equal(res.hop, 0);
    assert_path(&res, (const unsigned[]){0, 2}, (const unsigned[]){40, 2}, 2);

    /* A known hop replaces the unknown one and cuts the path (dropping hop 0). */
    make_quote(&q[2], 5, 5, true);
    make_quote(&q[3], 7, 7, true);
    run(q, 4, &res, &calls);
    assert_true(res.detected);
    assert_int_equal(res.hop, 5);
    assert_path(&res, (const unsigned[]){2, 5}, (const unsigned[]){2, 5}, 2);

    /* A known hop first: a later unknown one does not displace it (and is not diffed). */
    make_quote(&q[0], 4, 4, true);
    make_quote(&q[1], 0, 41, true);
    calls = 0;
    run(q, 2, &res, &calls);
    assert_int_equal(res.hop, 4);
    assert_int_equal(calls, 1);
}

/* The IP ID guess is used only when the probes encoded the TTL there. */
static void test_ipid_guess(void **state)
{
    (void)state;
    struct icmp_quote q;
    struct mbox_result res;
    make_quote(&q, 0, 9, true);
    q.hop_guess = 9;
    mbox_detect(&q, 1, FIELDS, HOP_LIMIT, NULL, NULL, &res);
    assert_int_equal(q.hop, 0);
    mbox_detect(&q, 1, FIELDS | TTL_ENC_IPID, HOP_LIMIT, NULL, NULL, &res);
    assert_int_equal(q.hop, 9);
    /* Without a diff callback only the path is recorded. */
    assert_false(res.detected);
    assert_path(&res, (const unsigned[]){9}, (const unsigned[]){9}, 1);
}

/* Equal hops stay in arrival order; a router answering twice for a hop is listed once. */
static void test_path_sort_dedup(void **state)
{
    (void)state;
    struct icmp_quote q[6];
    struct mbox_result res;
    unsigned calls = 0;
    make_quote(&q[0], 4, 4, false);
    make_quote(&q[1], 2, 21, false);
    make_quote(&q[2], 2, 22, false);
    make_quote(&q[3], 2, 21, false);
    make_quote(&q[4], 1, 1, false);
    make_quote(&q[5], 4, 4, false);
    run(q, 6, &res, &calls);
    assert_path(&res, (const unsigned[]){1, 2, 2, 4}, (const unsigned[]){1, 21, 22, 4}, 4);
}

/* More quotes than the path holds: it keeps the nearest hops, as sort-then-truncate would. */
static void test_path_cap(void **state)
{
    (void)state;
    static struct icmp_quote q[MAX_Q];
    struct mbox_result res;
    unsigned calls = 0;
    for (unsigned i = 0; i < MAX_Q; i++)
        make_quote(&q[i], HOP_LIMIT - i % HOP_LIMIT, i, false);
    run(q, MAX_Q, &res, &calls);
    assert_int_equal(res.path_len, PATH_MAX_HOPS);
    /* Reference: stable sort of all entries by hop, first PATH_MAX_HOPS. */
    size_t k = 0;
    for (unsigned hop = 1; hop <= HOP_LIMIT && k < PATH_MAX_HOPS; hop++)
        for (unsigned i = 0; i < MAX_Q && k < PATH_MAX_HOPS; i++)
            if (q[i].hop == hop) {
                assert_int_equal(res.path[k].hop, hop);
                assert_true(ip_addr_equal(&res.path[k].router, &q[i].router));
                k++;
            }
    assert_int_equal(k, PATH_MAX_HOPS);
}

static void test_reason(void **state)
{
    (void)state;
    struct mbox_result res;
    char buf[128];
    memset(&res, 0, sizeof(res));
    res.detected = true;
    res.hop = 3;
    mbox_reason(&res, "window", buf, sizeof(buf));
    assert_string_equal(buf, "Middlebox interference detected at or before hop 3 (window)");
    res.hop = 0;
    mbox_reason(&res, "window", buf, sizeof(buf));
    assert_string_equal(buf, "Middlebox interference detected at unknown hop (window)");
    /* Truncated, never overflowing. */
    char small[10];
    mbox_reason(&res, "window", small, sizeof(small));
    assert_string_equal(small, "Middlebox");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing),         cmocka_unit_test(test_nearest_hop_wins),
        cmocka_unit_test(test_unknown_hop),     cmocka_unit_test(test_ipid_guess),
        cmocka_unit_test(test_path_sort_dedup), cmocka_unit_test(test_path_cap),
        cmocka_unit_test(test_reason),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
