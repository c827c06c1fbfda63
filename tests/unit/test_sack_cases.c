/* The RFC 2018 cases, on connections the framework opens.
 * SackNotOfferedTest: a SYN without SACK-Permitted; the request's second half first (a hole);
 * a duplicate ACK (or the alive probe's answer) without a SACK option is PASS, any segment
 * with one FAIL, no ACK UNK; the first half then fills the hole and the RST closes at the
 * host's RCV.NXT.
 * SackFirstBlockTest: SACK-Permitted offered (not echoed: UNK); quarters 2 then 4 of the
 * request; the ACK reporting the 4th must name it in its first block (PASS) not a later one
 * (FAIL); never reported: UNK; quarters 1 and 3 then fill the holes before the RST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tcp/ext_options.h"
#include "tests_cases/registry.h"

#define THEIR_ISN 0x5a5a0000u
#define THEIR_TSVAL 0x0000abcdu
/* SackFirstBlockTest's SYN: SACK-Permitted, TSopt <TSval, 0> */
#define SFB_SYN_FMT "0402080a%08x00000000"
#define RTT (80 * TC_MSEC)
#define ACK_WAIT (4 * RTT + 500 * TC_MSEC) /* in flight + MUST-40's delayed-ACK bound */
#define INFLIGHT (4 * RTT)
#define WINDOW 4096
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define REQ_HINT 400
#define ALIVE_BEHIND 0x20000u
#define NO_ALP_PORT 22

struct sk {
    struct fe f;
    bool ts;        /* the host echoed TSopt: our segments carry it */
    uint32_t tsval; /* our SYN's TSval */
    uint32_t start; /* our first request byte */
    size_t len;     /* request length */
    uint8_t req[1460];
};

/* HTTP's request for the hint, as the case pulls it. */
static void http_request(struct sk *x)
{
    struct alp_peer peer = {.ip = x->f.t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp_http.open(&peer);
    ssize_t n = alp_http.pull(s, REQ_HINT, x->req, sizeof(x->req));
    alp_http.close(s);
    assert_true(n > 8);
    x->len = (size_t)n;
}

/* Quarter (n = 4) or half (n = 2) k of the request: [left, right). */
static void piece(const struct sk *x, unsigned n, unsigned k, uint32_t *left, uint32_t *right)
{
    *left = x->start + (uint32_t)(x->len * k / n);
    *right = x->start + (uint32_t)(x->len * (k + 1) / n);
}

/* t.out[i] is piece k of n: ACK, its bytes, window 4096. */
static void expect_piece(const struct sk *x, size_t i, unsigned n, unsigned k)
{
    uint32_t left, right;
    piece(x, n, k, &left, &right);
    fe_expect_pkt(&x->f, i, TCP_FLAG_ACK, left, THEIR_ISN + 1, WINDOW, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(&x->f, i, &p);
    assert_int_equal(p.seg.payload_len, right - left);
    assert_memory_equal(p.seg.payload, x->req + (left - x->start), right - left);
}

/* t.out[i] carries TSopt (echoing the host's) exactly when the host echoed ours. */
static void expect_ts(const struct sk *x, size_t i)
{
    struct fe_pkt p;
    fe_pkt(&x->f, i, &p);
    uint32_t v, e;
    assert_int_equal(tcp_opts_get_timestamp(&p.seg.opts, &v, &e), x->ts);
    if (x->ts)
        assert_int_equal(e, THEIR_TSVAL);
}

/* Open case `name` with a SYN carrying the options opts_fmt (its %08x: our TSval) and a
 * SYN-ACK carrying SACK-Permitted if sack_perm, TSopt if ts: out holds our ACK (and whatever
 * on_open sent). */
static void open_ts(struct sk *x, const char *name, enum fe_family fam, const char *opts_fmt,
                    bool sack_perm, bool ts)
{
    fe_init(&x->f, name, fam, &tc_timing_default);
    fe_start(&x->f);
    struct fe_pkt p;
    fe_pkt(&x->f, 0, &p);
    uint32_t iss = p.seg.seq;
    fe_expect_pkt(&x->f, 0, TCP_FLAG_SYN, iss, 0, WINDOW, IP_DEFAULT_TTL, 0);
    uint32_t tsecr;
    x->tsval = 0;
    tcp_opts_get_timestamp(&p.seg.opts, &x->tsval, &tsecr);
    char want[2 * TCP_OPTS_MAX_BYTES + 1];
    snprintf(want, sizeof(want), opts_fmt, (unsigned)x->tsval);
    assert_string_equal(p.opts_hex, want);
    x->ts = ts;
    fe_advance(&x->f, RTT);
    struct tcp_seg seg;
    fe_target_seg(&seg, SA, THEIR_ISN, iss + 1);
    tcp_opts_add_mss(&seg.opts, 1460);
    if (sack_perm)
        tcp_opts_add_sack_perm(&seg.opts);
    if (ts)
        tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, x->tsval);
    fe_deliver_seg(&x->f, &seg, false);
    fe_expect_pkt(&x->f, 0, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1, WINDOW, IP_DEFAULT_TTL, 0);
    expect_ts(x, 0);
    x->start = iss + 1;
    http_request(x);
}

static void open_case(struct sk *x, const char *name, enum fe_family fam, const char *opts_fmt,
                      bool sack_perm)
{
    open_ts(x, name, fam, opts_fmt, sack_perm, false);
}

/* A pure ACK from the host at the hole with the given SACK blocks (n = 0: no option). */
static void dup_ack(struct sk *x, const struct tcp_sack_block *blocks, size_t n)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_ACK, THEIR_ISN + 1, x->start);
    if (n > 0)
        tcp_opts_add_sack(&seg.opts, blocks, n);
    if (x->ts)
        tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, x->tsval);
    fe_deliver_seg(&x->f, &seg, false);
}

/* The holes filled with pieces k of n listed in ks, then the RST at the request's end. */
static void expect_fill_close(const struct sk *x, unsigned n, const unsigned *ks, size_t nk)
{
    assert_int_equal(fe_n_out(&x->f), nk + 1);
    for (size_t i = 0; i < nk; i++)
        expect_piece(x, i, n, ks[i]);
    fe_expect_pkt(&x->f, nk, TCP_FLAG_RST, x->start + (uint32_t)x->len, 0, 0, IP_DEFAULT_TTL, 0);
    for (size_t i = 0; i <= nk; i++)
        expect_ts(x, i);
}

/* ---- SackNotOfferedTest ---- */

static const unsigned first_half[] = {0};

/* Open: a plain SYN; the second half goes at once, its ACK awaited. */
static void sno_open(struct sk *x, enum fe_family fam, bool sack_perm)
{
    open_case(x, "SackNotOfferedTest", fam, "", sack_perm);
    assert_int_equal(fe_n_out(&x->f), 2);
    expect_piece(x, 1, 2, 1);
    assert_int_equal(fe_timer_in(&x->f), ACK_WAIT);
}

static void test_sno_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("SackNotOfferedTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 2018");
    assert_string_equal(k->req.id, "4");
    assert_false(k->default_on);
    assert_true(k->needs_alp);
    assert_int_equal(k->packet_budget, 6);
}

/* A duplicate ACK without SACK: PASS (whether or not the host offered SACK itself). */
static void sno_pass(enum fe_family fam, bool host_offers)
{
    struct sk x;
    sno_open(&x, fam, host_offers);
    fe_advance(&x.f, RTT);
    dup_ack(&x, NULL, 0);
    expect_fill_close(&x, 2, first_half, 1);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);
}

static void test_sno_pass_v4(void **state)
{
    (void)state;
    sno_pass(FE_V4, false);
}

static void test_sno_pass_v6(void **state)
{
    (void)state;
    sno_pass(FE_V6, true);
}

/* A duplicate ACK with a SACK block: FAIL. */
static void sno_fail(enum fe_family fam)
{
    struct sk x;
    sno_open(&x, fam, true);
    uint32_t left, right;
    piece(&x, 2, 1, &left, &right);
    struct tcp_sack_block b = {left, right};
    dup_ack(&x, &b, 1);
    expect_fill_close(&x, 2, first_half, 1);
    fe_expect_result(&x.f, TC_FAIL, STAGE, "SACK option sent though our SYN did not permit it",
                     NULL);
    fe_free(&x.f);
}

static void test_sno_fail_v4(void **state)
{
    (void)state;
    sno_fail(FE_V4);
}

static void test_sno_fail_v6(void **state)
{
    (void)state;
    sno_fail(FE_V6);
}

/* A SACK option on the SYN-ACK already: FAIL before any data; the first half still goes so
 * that the RST meets RCV.NXT. */
static void test_sno_fail_synack(void **state)
{
    (void)state;
    struct sk x;
    fe_init(&x.f, "SackNotOfferedTest", FE_V4, &tc_timing_default);
    fe_start(&x.f);
    struct fe_pkt p;
    fe_pkt(&x.f, 0, &p);
    struct tcp_seg seg;
    fe_target_seg(&seg, SA, THEIR_ISN, p.seg.seq + 1);
    struct tcp_sack_block b = {1, 2};
    tcp_opts_add_sack(&seg.opts, &b, 1);
    fe_deliver_seg(&x.f, &seg, false);
    x.start = p.seg.seq + 1;
    http_request(&x);
    assert_int_equal(fe_n_out(&x.f), 3);
    expect_piece(&x, 1, 2, 0);
    fe_expect_plain(&x.f, 2, TCP_FLAG_RST, x.start + (uint32_t)(x.len / 2), 0, 0);
    fe_expect_result(&x.f, TC_FAIL, STAGE, "SACK option sent though our SYN did not permit it",
                     NULL);
    fe_free(&x.f);
}

/* No ACK in time: the alive probe; its answer without SACK passes, with SACK fails; no
 * answer is UNK. */
static void test_sno_alive_probe(void **state)
{
    (void)state;
    for (int outcome = 0; outcome < 3; outcome++) {
        struct sk x;
        sno_open(&x, outcome == 1 ? FE_V6 : FE_V4, false);
        assert_int_equal(fe_fire(&x.f), ACK_WAIT);
        assert_int_equal(fe_n_out(&x.f), 1);
        fe_expect_plain(&x.f, 0, TCP_FLAG_ACK, x.start + (uint32_t)x.len - ALIVE_BEHIND,
                        THEIR_ISN + 1, WINDOW);
        assert_int_equal(fe_timer_in(&x.f), INFLIGHT);
        uint32_t left, right;
        piece(&x, 2, 1, &left, &right);
        struct tcp_sack_block b = {left, right};
        if (outcome == 0) {
            dup_ack(&x, NULL, 0);
            expect_fill_close(&x, 2, first_half, 1);
            fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
        } else if (outcome == 1) {
            dup_ack(&x, &b, 1);
            expect_fill_close(&x, 2, first_half, 1);
            fe_expect_result(&x.f, TC_FAIL, STAGE,
                             "SACK option sent though our SYN did not permit it", NULL);
        } else {
            assert_int_equal(fe_fire(&x.f), INFLIGHT);
            expect_fill_close(&x, 2, first_half, 1);
            fe_expect_result(&x.f, TC_UNK, STAGE, "No ACK while out-of-order data was queued",
                             NULL);
        }
        fe_free(&x.f);
    }
}

/* A RST: the connection is gone, nothing sent after it: UNK. An ACK that is not at the hole
 * (acknowledging nothing of ours) decides nothing. */
static void test_sno_reset(void **state)
{
    (void)state;
    struct sk x;
    sno_open(&x, FE_V4, false);
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_ACK, THEIR_ISN + 1, x.start - 1);
    fe_deliver_seg(&x.f, &seg, false);
    assert_false(x.f.t.done);
    fe_deliver(&x.f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&x.f), 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Connection reset after out-of-order data", NULL);
    fe_free(&x.f);
}

/* No ALP for the port: UNK once open. */
static void test_sno_no_alp(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "SackNotOfferedTest", FE_V6, &tc_timing_default);
    f.t.env.dport = NO_ALP_PORT;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    struct tcp_seg seg;
    fe_target_seg(&seg, SA, THEIR_ISN, p.seg.seq + 1);
    seg.sport = NO_ALP_PORT;
    fe_deliver_seg(&f, &seg, false);
    fe_expect_plain(&f, 1, TCP_FLAG_RST, p.seg.seq + 1, 0, 0);
    fe_expect_result(&f, TC_UNK, STAGE, "Missing ALP module for port 22", NULL);
    fe_free(&f);
}

/* ---- SackFirstBlockTest ---- */

static const unsigned holes[] = {0, 2};

/* Open with SACK-Permitted both ways (and TSopt if ts): quarter 2 goes at once. */
static void sfb_open(struct sk *x, enum fe_family fam, bool ts)
{
    open_ts(x, "SackFirstBlockTest", fam, SFB_SYN_FMT, true, ts);
    assert_int_equal(fe_n_out(&x->f), 2);
    expect_piece(x, 1, 4, 1);
    expect_ts(x, 1);
    assert_int_equal(fe_timer_in(&x->f), ACK_WAIT);
}

/* Its duplicate ACK (SACK: quarter 2): quarter 4 follows. */
static void sfb_second(struct sk *x)
{
    uint32_t left, right;
    piece(x, 4, 1, &left, &right);
    struct tcp_sack_block b = {left, right};
    dup_ack(x, &b, 1);
    assert_int_equal(fe_n_out(&x->f), 1);
    expect_piece(x, 0, 4, 3);
    expect_ts(x, 0);
    assert_int_equal(fe_timer_in(&x->f), ACK_WAIT);
}

/* The ACK after quarter 4 with its blocks: [q4, q2] or [q2, q4]. */
static void sfb_report(struct sk *x, bool newest_first)
{
    uint32_t l2, r2, l4, r4;
    piece(x, 4, 1, &l2, &r2);
    piece(x, 4, 3, &l4, &r4);
    struct tcp_sack_block b[2] = {{l4, r4}, {l2, r2}};
    if (!newest_first) {
        b[0] = (struct tcp_sack_block){l2, r2};
        b[1] = (struct tcp_sack_block){l4, r4};
    }
    dup_ack(x, b, 2);
}

static void test_sfb_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name("SackFirstBlockTest");
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 2018");
    assert_string_equal(k->req.id, "4");
    assert_false(k->default_on);
    assert_true(k->needs_alp);
    assert_int_equal(k->packet_budget, 7);
}

static void sfb_pass(enum fe_family fam, bool ts)
{
    struct sk x;
    sfb_open(&x, fam, ts);
    sfb_second(&x);
    sfb_report(&x, true);
    expect_fill_close(&x, 4, holes, 2);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);
}

static void test_sfb_pass_v4(void **state)
{
    (void)state;
    sfb_pass(FE_V4, false);
}

static void test_sfb_pass_v6(void **state)
{
    (void)state;
    sfb_pass(FE_V6, false);
}

/* The host echoed TSopt: every segment of ours carries it too (RFC 7323 3.2). */
static void test_sfb_pass_timestamps(void **state)
{
    (void)state;
    sfb_pass(FE_V4, true);
    sfb_pass(FE_V6, true);
}

/* Blocks in sequence order: the triggering quarter in the second block: FAIL. */
static void sfb_fail(enum fe_family fam)
{
    struct sk x;
    sfb_open(&x, fam, false);
    sfb_second(&x);
    sfb_report(&x, false);
    expect_fill_close(&x, 4, holes, 2);
    fe_expect_result(
        &x.f, TC_FAIL, STAGE,
        "The ACK for out-of-order data names it in a later SACK block, not in the first",
        "{\"sack_block\":2}");
    fe_free(&x.f);
}

static void test_sfb_fail_v4(void **state)
{
    (void)state;
    sfb_fail(FE_V4);
}

static void test_sfb_fail_v6(void **state)
{
    (void)state;
    sfb_fail(FE_V6);
}

/* After quarter 4, ACKs that do not report it (a late ACK for quarter 2, no SACK at all)
 * decide nothing; a first block reaching beyond quarter 4 on both sides still holds it. */
static void test_sfb_unreported_then_pass(void **state)
{
    (void)state;
    struct sk x;
    sfb_open(&x, FE_V4, false);
    sfb_second(&x);
    uint32_t l2, r2, l4, r4;
    piece(&x, 4, 1, &l2, &r2);
    piece(&x, 4, 3, &l4, &r4);
    struct tcp_sack_block late = {l2, r2};
    dup_ack(&x, &late, 1);
    dup_ack(&x, NULL, 0);
    assert_false(x.f.t.done);
    assert_int_equal(fe_n_out(&x.f), 0);
    struct tcp_sack_block wide[2] = {{l4 - 1, r4 + 1}, {l2, r2}};
    dup_ack(&x, wide, 2);
    expect_fill_close(&x, 4, holes, 2);
    fe_expect_result(&x.f, TC_PASS, -1, "", NULL);
    fe_free(&x.f);
}

/* Never reported: UNK after the ACK wait (SACK blocks are only a SHOULD). A first quarter
 * that draws no ACK: quarter 4 goes after the wait anyway. */
static void test_sfb_not_reported(void **state)
{
    (void)state;
    struct sk x;
    sfb_open(&x, FE_V6, false);
    assert_int_equal(fe_fire(&x.f), ACK_WAIT);
    assert_int_equal(fe_n_out(&x.f), 1);
    expect_piece(&x, 0, 4, 3);
    dup_ack(&x, NULL, 0);
    assert_int_equal(fe_fire(&x.f), ACK_WAIT);
    expect_fill_close(&x, 4, holes, 2);
    fe_expect_result(&x.f, TC_UNK, STAGE, "No SACK block reported the second out-of-order piece",
                     NULL);
    fe_free(&x.f);
}

/* The host does not echo SACK-Permitted: SACK is off: UNK, closed, no data sent. */
static void test_sfb_not_permitted(void **state)
{
    (void)state;
    struct sk x;
    open_case(&x, "SackFirstBlockTest", FE_V4, SFB_SYN_FMT, false);
    assert_int_equal(fe_n_out(&x.f), 2);
    fe_expect_plain(&x.f, 1, TCP_FLAG_RST, x.start, 0, 0);
    fe_expect_result(&x.f, TC_UNK, STAGE,
                     "SACK not permitted by the host (no SACK-Permitted on its SYN-ACK)", NULL);
    fe_free(&x.f);
}

static void test_sfb_reset(void **state)
{
    (void)state;
    struct sk x;
    sfb_open(&x, FE_V4, false);
    sfb_second(&x);
    fe_deliver(&x.f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&x.f), 0);
    fe_expect_result(&x.f, TC_UNK, STAGE, "Connection reset after out-of-order data", NULL);
    fe_free(&x.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sno_registry),        cmocka_unit_test(test_sno_pass_v4),
        cmocka_unit_test(test_sno_pass_v6),         cmocka_unit_test(test_sno_fail_v4),
        cmocka_unit_test(test_sno_fail_v6),         cmocka_unit_test(test_sno_fail_synack),
        cmocka_unit_test(test_sno_alive_probe),     cmocka_unit_test(test_sno_reset),
        cmocka_unit_test(test_sno_no_alp),          cmocka_unit_test(test_sfb_registry),
        cmocka_unit_test(test_sfb_pass_v4),         cmocka_unit_test(test_sfb_pass_v6),
        cmocka_unit_test(test_sfb_pass_timestamps), cmocka_unit_test(test_sfb_fail_v4),
        cmocka_unit_test(test_sfb_fail_v6),         cmocka_unit_test(test_sfb_unreported_then_pass),
        cmocka_unit_test(test_sfb_not_reported),    cmocka_unit_test(test_sfb_not_permitted),
        cmocka_unit_test(test_sfb_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
