/* IsnTest (RFC 9293 MUST-8, SHLD-1, MUST-9): five connections on one 4-tuple with gaps
 * alternating short and long, each SYN-ACK reset, and the target's ISNs from its earlier
 * tests. Every verdict path with modelled generators: RFC 6528 (PASS), a per-connection
 * counter with or without other connections between (FAIL 1), a repeated ISN (FAIL 1), SYN
 * cookies (UNK), random ISNs (UNK), a global clock without the per-4-tuple part (FAIL 2), too
 * few samples of either kind and a mixed record (UNK). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"

#define RTT (40 * TC_MSEC)
#define SHORT_GAP (100 * TC_MSEC) /* the floor: two RTTs are less */
#define LONG_GAP (4 * SHORT_GAP)
#define CONNS 5
#define SYN_WINDOW 4096
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
/* Linux: the 4-tuple's hash plus ns >> 6 (15.625 per microsecond). */
#define LINUX_PER_MS 15625u
#define LINUX_F 0x70000000u
#define NO_ANSWER UINT32_MAX

/* A host's ISN for our connection i, answered at now, to our SYN with sequence number ours;
 * NO_ANSWER: the SYN goes unanswered. */
typedef uint32_t (*isn_fn)(unsigned i, tc_time now, uint32_t ours);

static uint32_t clock_ms(tc_time now)
{
    return (uint32_t)((now - FE_T0) / TC_MSEC);
}

static uint32_t linux_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)i;
    (void)ours;
    return LINUX_F + LINUX_PER_MS * clock_ms(now);
}

/* lwIP: iss += tcp_ticks per connection (here 20). */
static uint32_t counter_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)now;
    (void)ours;
    return 6510 + 20 * i;
}

/* A counter stepping by 1. */
static uint32_t plus_one_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)now;
    (void)ours;
    return 1000 + i;
}

/* The same counter with other connections (the other family's tests) in between. */
static uint32_t interleaved_isn(unsigned i, tc_time now, uint32_t ours)
{
    static const unsigned count[CONNS] = {0, 1, 3, 4, 7};
    (void)now;
    (void)ours;
    return 6510 + 20 * count[i];
}

static uint32_t constant_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)i;
    (void)now;
    (void)ours;
    return 0x12345678u;
}

/* SYN cookies: the client's ISN plus a per-4-tuple, per-minute value. */
static uint32_t cookie_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)i;
    (void)now;
    return ours + 0x0abcdef0u;
}

/* Linux's cookie counter ticks once a minute (tcp_cookie_time): (count << 24) plus a new
 * hash from connection 2 on, as when the test straddles a minute. */
static uint32_t cookie_tick_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)now;
    return ours + 0x0abcdef0u + (i >= 2 ? (1u << 24) + 0x00531f07u : 0);
}

static uint32_t random_isn(unsigned i, tc_time now, uint32_t ours)
{
    static const uint32_t v[CONNS] = {0x8f1bbcdcu, 0x2545f491u, 0xca62c1d6u, 0x6ed9eba1u,
                                      0x5a827999u};
    (void)now;
    (void)ours;
    return v[i];
}

/* A clock ten times Linux's rate: a second's step is beyond ISN_NEAR, so only the clock
 * measured on our 4-tuple predicts it. */
#define FAST_PER_MS (10 * LINUX_PER_MS)

static uint32_t fast_clock_isn(unsigned i, tc_time now, uint32_t ours)
{
    (void)i;
    (void)ours;
    return LINUX_F + FAST_PER_MS * clock_ms(now);
}

/* Only connections 0 and 3 answered. */
static uint32_t sparse_isn(unsigned i, tc_time now, uint32_t ours)
{
    return i == 0 || i == 3 ? linux_isn(i, now, ours) : NO_ANSWER;
}

/* Earlier tests, one second apart, ending a second before ours. */
static struct tc_prior_isn priors[8];

static void set_priors(struct fe *f, const uint32_t *isns, const uint32_t *tests, size_t n)
{
    for (size_t i = 0; i < n; i++)
        priors[i] = (struct tc_prior_isn){.at = FE_T0 - (n - i) * TC_SEC,
                                          .isn = isns[i],
                                          .test = tests != NULL ? tests[i] : (uint32_t)i};
    f->t.env.prior_isns = priors;
    f->t.env.n_prior_isns = n;
}

/* RFC 6528: every 4-tuple its own offset (values as good as random). */
static const uint32_t random_priors[] = {0x1a2b3c4du, 0x9e3779b9u, 0x5bd1e995u,
                                         0xdeadbeefu, 0x01234567u, 0xcafebabeu};
#define N_RANDOM_PRIORS (sizeof(random_priors) / sizeof(random_priors[0]))

static void init(struct fe *f, enum fe_family fam)
{
    fe_init(f, "IsnTest", fam, &tc_timing_default);
}

/* Run the five connections against the model: each SYN plain (window 4096), its SYN-ACK an
 * RTT later reset <SEQ=SEG.ACK>, the gaps short, long, short, long. The test is done after. */
static void run(struct fe *f, isn_fn isn)
{
    fe_start(f);
    for (unsigned i = 0; i < CONNS; i++) {
        assert_int_equal(fe_n_out(f), 1);
        struct fe_pkt p;
        fe_pkt(f, 0, &p);
        fe_expect_plain(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, SYN_WINDOW);
        /* the first SYN waits 1 s; later ones four RTTs (the 200 ms floor) */
        tc_time wait = fe_timer_in(f);
        assert_int_equal(wait, i == 0 ? 1 * TC_SEC : 200 * TC_MSEC);
        uint32_t v = isn(i, f->now + RTT, p.seg.seq);
        if (v == NO_ANSWER) {
            fe_fire(f);
        } else {
            fe_advance(f, RTT);
            fe_deliver(f, SYNACK, v, p.seg.seq + 1);
            assert_int_equal(fe_n_out(f), 1);
            fe_expect_plain(f, 0, TCP_FLAG_RST, p.seg.seq + 1, 0, 0);
        }
        if (i + 1 < CONNS) {
            assert_false(f->t.done);
            assert_int_equal(fe_fire(f), i % 2 == 0 ? SHORT_GAP : LONG_GAP);
        }
    }
    assert_true(f->t.done);
}

static json_t *field(const struct fe *f, const char *obj, const char *key)
{
    json_t *o = obj != NULL ? json_object_get(f->t.result.custom, obj) : f->t.result.custom;
    assert_non_null(o);
    json_t *v = json_object_get(o, key);
    assert_non_null(v);
    return v;
}

/* The statistics: the model, own samples, others' samples, steps and predicted steps. */
static void expect_stats(const struct fe *f, const char *model, int own, int others, int steps,
                         int predicted)
{
    assert_string_equal(json_string_value(field(f, NULL, "model")), model);
    assert_int_equal(json_integer_value(field(f, "own", "samples")), own);
    assert_int_equal(json_integer_value(field(f, "others", "samples")), others);
    assert_int_equal(json_integer_value(field(f, "others", "steps")), steps);
    assert_int_equal(json_integer_value(field(f, "others", "predicted")), predicted);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("IsnTest");
    assert_non_null(k);
    assert_string_equal(k->req.id, "MUST-8, SHLD-1");
    assert_false(k->default_on);
    assert_true(k->uses_prior_isns);
    assert_int_equal(k->packet_budget, 14);
    /* registered last: it runs after the target's other tests */
    assert_ptr_equal(test_case_registry[test_case_count - 1], k);
}

/* Linux (RFC 6528): one clock on our 4-tuple, the others unpredictable. */
static void test_pass_linux_v4(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, linux_isn);
    char isns[128];
    snprintf(isns, sizeof(isns), "%u,%u,%u,%u,%u", LINUX_F + 40 * LINUX_PER_MS,
             LINUX_F + 180 * LINUX_PER_MS, LINUX_F + 620 * LINUX_PER_MS,
             LINUX_F + 760 * LINUX_PER_MS, LINUX_F + 1200 * LINUX_PER_MS);
    char want[512];
    snprintf(want, sizeof(want),
             "{\"model\":\"clock\",\"others\":{\"predicted\":0,\"samples\":6,\"steps\":6},"
             "\"own\":{\"connections\":5,\"gaps_ms\":[140,440,140,440],\"isns\":[%s],"
             "\"rate_max_per_s\":15625000,\"rate_min_per_s\":15625000,\"rate_per_s\":15625000,"
             "\"samples\":5,\"steps\":[2187500,6875000,2187500,6875000]}}",
             isns);
    fe_expect_result(&f, TC_PASS, -1, "", want);
    fe_free(&f);
}

static void test_pass_linux_v6(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V6);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, linux_isn);
    assert_int_equal(f.t.result.status, TC_PASS);
    expect_stats(&f, "clock", 5, 6, 6, 0);
    fe_free(&f);
}

/* lwIP: +20 per connection whatever the gap. */
static void fail_counter(enum fe_family fam, isn_fn isn, const char *reason)
{
    struct fe f;
    init(&f, fam);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, isn);
    assert_int_equal(f.t.result.status, TC_FAIL);
    assert_int_equal(f.t.result.stage, 1);
    assert_string_equal(f.t.result.reason, reason);
    assert_string_equal(json_string_value(field(&f, NULL, "model")), "counter");
    fe_free(&f);
}

static void test_fail_counter_v4(void **state)
{
    (void)state;
    fail_counter(FE_V4, counter_isn,
                 "ISN steps small and not following the time between connections (a counter)");
}

static void test_fail_counter_v6(void **state)
{
    (void)state;
    fail_counter(FE_V6, counter_isn,
                 "ISN steps small and not following the time between connections (a counter)");
}

static void test_fail_plus_one(void **state)
{
    (void)state;
    fail_counter(FE_V6, plus_one_isn,
                 "ISN steps small and not following the time between connections (a counter)");
}

/* A counter shared with connections we do not see: steps of multiples of 20. */
static void test_fail_counter_interleaved(void **state)
{
    (void)state;
    fail_counter(FE_V4, interleaved_isn,
                 "ISN steps small and not following the time between connections (a counter)");
}

static void test_fail_repeated(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V6);
    run(&f, constant_isn);
    assert_int_equal(f.t.result.status, TC_FAIL);
    assert_int_equal(f.t.result.stage, 1);
    assert_string_equal(f.t.result.reason, "ISN repeated for a new connection on the same 4-tuple");
    expect_stats(&f, "repeated", 5, 0, 0, 0);
    fe_free(&f);
}

/* SYN cookies: ISN - our ISN constant. UNK, and the others are not judged. */
static void test_unk_cookies(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, cookie_isn);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_int_equal(f.t.result.stage, 1);
    assert_string_equal(f.t.result.reason, "ISNs follow our SYNs' sequence numbers (SYN cookies?)");
    expect_stats(&f, "cookie", 5, 0, 0, 0);
    fe_free(&f);
}

/* The cookie's minute ticks between two of our connections: still cookies, not random ISNs
 * (the lab's syncookies host flipped between the two once a minute). */
static void test_unk_cookies_across_a_minute(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, cookie_tick_isn);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_string_equal(f.t.result.reason, "ISNs follow our SYNs' sequence numbers (SYN cookies?)");
    fe_free(&f);
}

static void test_unk_random(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, random_isn);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_int_equal(f.t.result.stage, 1);
    assert_string_equal(f.t.result.reason,
                        "ISNs on one 4-tuple follow neither the clock nor a counter (random?)");
    expect_stats(&f, "random", 5, 6, 6, 0);
    fe_free(&f);
}

/* RFC 793's clock without the per-4-tuple part: the earlier tests' ISNs are on our clock. */
static void test_fail_global_clock(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V6);
    uint32_t isns[4];
    for (size_t i = 0; i < 4; i++) /* at T0 - 4 s .. T0 - 1 s */
        isns[i] = LINUX_F - (uint32_t)(4 - i) * 1000 * FAST_PER_MS;
    set_priors(&f, isns, NULL, 4);
    run(&f, fast_clock_isn);
    assert_int_equal(f.t.result.status, TC_FAIL);
    assert_int_equal(f.t.result.stage, 2);
    assert_string_equal(
        f.t.result.reason,
        "ISNs of other connections predictable from the last one (3 in 4 steps or more)");
    expect_stats(&f, "clock", 5, 4, 4, 4);
    fe_free(&f);
}

/* A global counter across the earlier tests is caught even when too few of our own SYNs were
 * answered to judge our 4-tuple. */
static void test_fail_predictable_few_own(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    const uint32_t isns[] = {LINUX_F - 300, LINUX_F - 200, LINUX_F - 100};
    set_priors(&f, isns, NULL, 3);
    run(&f, sparse_isn);
    assert_int_equal(f.t.result.status, TC_FAIL);
    assert_int_equal(f.t.result.stage, 2);
    expect_stats(&f, "too few", 2, 3, 3, 3);
    fe_free(&f);
}

static void test_unk_too_few_own(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    set_priors(&f, random_priors, NULL, N_RANDOM_PRIORS);
    run(&f, sparse_isn);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_int_equal(f.t.result.stage, 1);
    assert_string_equal(f.t.result.reason, "Too few SYN-ACKs on one 4-tuple");
    assert_int_equal(json_integer_value(field(&f, "own", "samples")), 2);
    fe_free(&f);
}

/* Only the LivenessTest before it: nothing to compare across 4-tuples. A second ISN of one
 * earlier test (another connection on its 4-tuple) is no other 4-tuple. */
static void test_unk_too_few_others(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V6);
    const uint32_t isns[] = {0x1a2b3c4du, 0x9e3779b9u};
    const uint32_t tests[] = {0, 0};
    set_priors(&f, isns, tests, 2);
    run(&f, linux_isn);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_int_equal(f.t.result.stage, 2);
    assert_string_equal(f.t.result.reason,
                        "Too few ISNs of other connections (run it after other tests)");
    expect_stats(&f, "clock", 5, 1, 1, 0);
    fe_free(&f);
}

/* Half the steps between 4-tuples small: neither verdict. */
static void test_unk_mixed(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    const uint32_t isns[] = {0x1a2b3c4du, 0x1a2b3c52u, 0x9e3779b9u, 0x9e3779beu};
    set_priors(&f, isns, NULL, 4);
    run(&f, linux_isn);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_int_equal(f.t.result.stage, 2);
    assert_string_equal(f.t.result.reason, "ISNs of other connections partly predictable");
    expect_stats(&f, "clock", 5, 4, 4, 2);
    fe_free(&f);
}

/* A RST for our SYN: refused, UNK. */
static void test_refused(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V4);
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, p.seg.seq + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, 1, "RST in reply to SYN during handshake", NULL);
    fe_free(&f);
}

/* An earlier connection's SYN-ACK again (our RST lost): reset, not a sample. */
static void test_stray_synack(void **state)
{
    (void)state;
    struct fe f;
    init(&f, FE_V6);
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    fe_deliver(&f, SYNACK, 0x42, p.seg.seq + 7);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, p.seg.seq + 7, 0, 0);
    fe_deliver(&f, TCP_FLAG_ACK, 0x42, p.seg.seq + 1); /* not a SYN-ACK: ignored */
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_linux_v4),
        cmocka_unit_test(test_pass_linux_v6),
        cmocka_unit_test(test_fail_counter_v4),
        cmocka_unit_test(test_fail_counter_v6),
        cmocka_unit_test(test_fail_plus_one),
        cmocka_unit_test(test_fail_counter_interleaved),
        cmocka_unit_test(test_fail_repeated),
        cmocka_unit_test(test_unk_cookies),
        cmocka_unit_test(test_unk_cookies_across_a_minute),
        cmocka_unit_test(test_unk_random),
        cmocka_unit_test(test_fail_global_clock),
        cmocka_unit_test(test_fail_predictable_few_own),
        cmocka_unit_test(test_unk_too_few_own),
        cmocka_unit_test(test_unk_too_few_others),
        cmocka_unit_test(test_unk_mixed),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_stray_synack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
