/* The application request on an established connection (testcase/request.h): HTTP in one
 * segment, TLS's first flight in pieces of at most seg_max, contiguous at SND.NXT, bounded
 * in segments; no ALP or a failing one sends nothing. The fake ALPs come from flags_fixture
 * (linked with --wrap=alp_for_port). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "flags_fixture.h"
#include "testcase/request.h"
#include "tests_cases/registry.h"

#define ISS 0x10000000u
#define IRS 0x20000000u
#define WINDOW 1024
#define SEG_MAX 536
#define TLS_PORT 443
#define TLS_SEG_MAX 100
#define TLS_HANDSHAKE_RECORD 0x16

/* A fake engine (any case will do: it is not started) and an established connection. */
static void setup(struct fe *f, struct tc_conn *c, enum fe_family fam, uint16_t port)
{
    ff_init(f, test_case_by_name("LivenessTest"), fam, &tc_timing_default, port);
    tc_conn_init(c, ISS, WINDOW);
    struct tcp_seg synack;
    fe_target_seg(&synack, TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1);
    assert_int_equal(tc_conn_established(c, &synack, 0), TCPREQ_OK);
}

/* The segments queued carry sent bytes from ISS + 1 on, contiguous, each at most seg_max,
 * ACK and PSH, our window; returns the first's payload in first (at least 16 bytes). */
static size_t expect_segments(const struct fe *f, size_t seg_max, uint8_t *first)
{
    size_t total = 0;
    for (size_t i = 0; i < fe_n_out(f); i++) {
        struct fe_pkt p;
        ff_out(f, i, &p);
        assert_int_equal(p.seg.flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
        assert_int_equal(p.seg.seq, ISS + 1 + (uint32_t)total);
        assert_int_equal(p.seg.ack, IRS + 1);
        assert_int_equal(p.seg.window, WINDOW);
        assert_true(p.seg.payload_len > 0 && p.seg.payload_len <= seg_max);
        if (i == 0)
            memcpy(first, p.seg.payload, 16);
        total += p.seg.payload_len;
    }
    return total;
}

static void test_http_one_segment(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    size_t sent = 0;
    uint8_t first[16];
    setup(&f, &c, FE_V4, HTTP_PORT);
    assert_int_equal(tc_conn_send_request(&f.t, &c, SEG_MAX, &sent), TCPREQ_OK);
    assert_int_equal(fe_n_out(&f), 1);
    assert_int_equal(expect_segments(&f, SEG_MAX, first), sent);
    assert_memory_equal(first, "GET / HTTP/1.1\r\n", 16);
    assert_int_equal(c.snd_nxt, ISS + 1 + sent);
    tc_conn_free(&c);
    fe_free(&f);
}

/* TLS: the whole ClientHello, in pieces of the segment size asked for. */
static void test_tls_in_pieces(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    size_t sent = 0;
    uint8_t first[16];
    setup(&f, &c, FE_V6, TLS_PORT);
    assert_int_equal(tc_conn_send_request(&f.t, &c, TLS_SEG_MAX, &sent), TCPREQ_OK);
    assert_true(fe_n_out(&f) > 1);
    assert_int_equal(expect_segments(&f, TLS_SEG_MAX, first), sent);
    assert_int_equal(first[0], TLS_HANDSHAKE_RECORD);
    /* the record's length (bytes 3-4) plus its header is the whole flight */
    assert_int_equal(sent, (size_t)((first[3] << 8) | first[4]) + 5);
    assert_int_equal(c.snd_nxt, ISS + 1 + sent);
    tc_conn_free(&c);
    fe_free(&f);
}

/* An ALP that never stops: TC_REQUEST_SEGS_MAX segments at most. */
static void test_segments_bounded(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    size_t sent = 0;
    uint8_t first[16];
    setup(&f, &c, FE_V4, SMALL_ALP_PORT);
    assert_int_equal(tc_conn_send_request(&f.t, &c, SEG_MAX, &sent), TCPREQ_OK);
    assert_int_equal(fe_n_out(&f), TC_REQUEST_SEGS_MAX);
    assert_int_equal(sent, TC_REQUEST_SEGS_MAX * (sizeof(SMALL_REQ) - 1));
    assert_int_equal(expect_segments(&f, SEG_MAX, first), sent);
    tc_conn_free(&c);
    fe_free(&f);
}

/* No ALP, or one that fails: nothing sent, SND.NXT unchanged. */
static void expect_nothing(uint16_t port, int rc)
{
    struct fe f;
    struct tc_conn c;
    size_t sent = 99;
    setup(&f, &c, FE_V4, port);
    assert_int_equal(tc_conn_send_request(&f.t, &c, SEG_MAX, &sent), rc);
    assert_int_equal(sent, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(c.snd_nxt, ISS + 1);
    tc_conn_free(&c);
    fe_free(&f);
}

static void test_no_alp(void **state)
{
    (void)state;
    expect_nothing(NO_ALP_PORT, TCPREQ_ENOTFOUND);
    struct fe f;
    char reason[64];
    ff_init(&f, test_case_by_name("LivenessTest"), FE_V6, &tc_timing_default, NO_ALP_PORT);
    tc_request_missing_reason(&f.t, reason, sizeof(reason));
    assert_string_equal(reason, "Missing ALP module for port 22");
    fe_free(&f);
}

static void test_failing_alp(void **state)
{
    (void)state;
    expect_nothing(BROKEN_ALP_PORT, TCPREQ_EPROTO);
    expect_nothing(NO_SESSION_ALP_PORT, TCPREQ_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_one_segment), cmocka_unit_test(test_tls_in_pieces),
        cmocka_unit_test(test_segments_bounded), cmocka_unit_test(test_no_alp),
        cmocka_unit_test(test_failing_alp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
