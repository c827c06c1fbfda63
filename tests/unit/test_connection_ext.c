/* What the connection sub-machine (src/testcase/connection.c) does for the RFC 7323 and
 * RFC 2018 cases: the framework's opening with the spec's timestamps and prepared SYN, the
 * Timestamps option on every segment once negotiated (TSval from a millisecond clock, TSecr =
 * TS.Recent, RFC 7323 3.2, 4.3), data at any sequence number and in pieces, the ACK wait, and
 * the port's request (src/testcase/alp_request.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tcp/ext_options.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define IRS 0x5a5a0000u
#define THEIR_TSVAL 0x00c0ffeeu
#define WINDOW 1000
#define SYN_WINDOW 5000
#define RTT (30 * TC_MSEC)
#define STAGE 3
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define NO_ALP_PORT 22

static unsigned opened;

static void count_open(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
    opened++;
}

static void idle_timer(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

/* The SYN gets an MSS option and its own window before the framework adds TSopt. */
static void prepare(const struct tc *t, struct tcp_seg *syn)
{
    (void)t;
    syn->window = SYN_WINDOW;
    tcp_opts_add_mss(&syn->opts, 1460);
}

static const struct test_case ts_kind = {
    .name = "TimestampConnTest",
    .packet_budget = 32,
    .deadline = 10 * TC_SEC,
    .open = {.window = WINDOW, .stage = STAGE, .timestamps = true, .prepare_syn = prepare},
    .on_open = count_open,
    .on_timer = idle_timer,
};

static const struct test_case plain_kind = {
    .name = "PlainConnTest",
    .packet_budget = 32,
    .deadline = 10 * TC_SEC,
    .open = {.window = WINDOW, .stage = STAGE},
    .on_open = count_open,
    .on_timer = idle_timer,
};

/* Start k: the SYN, returned with its TSval (0 without TSopt). */
static uint32_t start(struct fe *f, const struct test_case *k, enum fe_family fam, uint32_t *tsval)
{
    fe_init_kind(f, k, fam, &tc_timing_default);
    opened = 0;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_int_equal(p.seg.flags, TCP_FLAG_SYN);
    uint32_t tsecr = 1;
    *tsval = 0;
    if (tcp_opts_get_timestamp(&p.seg.opts, tsval, &tsecr))
        assert_int_equal(tsecr, 0); /* RFC 7323 3.2: TSecr zero when ACK is clear */
    return p.seg.seq;
}

/* A segment from the host with TSopt (their_tsval) unless their_tsval is 0. */
static void deliver(struct fe *f, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
                    uint32_t their_tsval, uint32_t echo)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, seq, ack);
    if (data != NULL) {
        seg.payload = (const uint8_t *)data;
        seg.payload_len = strlen(data);
    }
    if (their_tsval != 0)
        tcp_opts_add_timestamp(&seg.opts, their_tsval, echo);
    fe_deliver_seg(f, &seg, false);
}

/* t.out[i] carries TSopt with these values. */
static void expect_ts(const struct fe *f, size_t i, uint32_t tsval, uint32_t tsecr)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    uint32_t v, e;
    assert_true(tcp_opts_get_timestamp(&p.seg.opts, &v, &e));
    assert_int_equal(v, tsval);
    assert_int_equal(e, tsecr);
}

static void expect_no_ts(const struct fe *f, size_t i)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    uint32_t v, e;
    assert_false(tcp_opts_get_timestamp(&p.seg.opts, &v, &e));
}

/* Negotiated: the ACK, data, ACKs and the close carry TSopt; TSval counts milliseconds from
 * the SYN, TSecr echoes the host's latest in-order TSval. */
static void timestamps_negotiated(enum fe_family fam)
{
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &ts_kind, fam, &base);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    assert_int_equal(p.seg.window, SYN_WINDOW);
    /* the prepared MSS, then TSopt <TSval=base, TSecr=0>, padding */
    char want[2 * TCP_OPTS_MAX_BYTES + 1];
    snprintf(want, sizeof(want), "020405b4080a%08x000000000000", (unsigned)base);
    assert_string_equal(p.opts_hex, want);

    fe_advance(&f, RTT);
    deliver(&f, SYNACK, IRS, iss + 1, NULL, THEIR_TSVAL, base);
    assert_int_equal(opened, 1);
    struct tc_conn *c = tc_connection(&f.t);
    assert_true(c->ts_offered);
    assert_true(c->ts_on);
    assert_int_equal(c->ts_recent, THEIR_TSVAL);
    fe_expect_pkt(&f, 0, TCP_FLAG_ACK, iss + 1, IRS + 1, WINDOW, IP_DEFAULT_TTL, 0);
    expect_ts(&f, 0, base + 30, THEIR_TSVAL);

    /* data 5 ms later: TSval + 5 (the calls below are no events: the queue is not drained) */
    fe_advance(&f, 5 * TC_MSEC);
    f.t.event_at = f.now;
    tc_conn_send_data(&f.t, c, (const uint8_t *)"abc", 3, TCP_FLAG_PSH);
    assert_int_equal(fe_n_out(&f), 2);
    expect_ts(&f, 1, base + 35, THEIR_TSVAL);

    /* in order, a newer TSval: TS.Recent takes it */
    struct conn_rx rx;
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_ACK, IRS + 1, iss + 4);
    seg.payload = (const uint8_t *)"xy";
    seg.payload_len = 2;
    tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL + 7, base + 35);
    tc_conn_receive(c, &seg, &rx);
    assert_int_equal(rx.kind, CONN_RX_DATA);
    assert_int_equal(c->ts_recent, THEIR_TSVAL + 7);
    /* beyond RCV.NXT (a hole before it): not taken (4.3: SEG.SEQ <= Last.ACK.sent) */
    fe_target_seg(&seg, TCP_FLAG_ACK, IRS + 10, iss + 4);
    seg.payload = (const uint8_t *)"zz";
    seg.payload_len = 2;
    tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL + 9, base + 35);
    tc_conn_receive(c, &seg, &rx);
    assert_int_equal(c->ts_recent, THEIR_TSVAL + 7);
    /* an older TSval in order: not taken either */
    fe_target_seg(&seg, TCP_FLAG_ACK, IRS + 3, iss + 4);
    tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL + 1, base + 35);
    tc_conn_receive(c, &seg, &rx);
    assert_int_equal(c->ts_recent, THEIR_TSVAL + 7);

    tc_conn_send_ack(&f.t, c);
    tc_conn_send_close(&f.t, c);
    assert_int_equal(fe_n_out(&f), 4); /* the handshake's ACK, the data, the ACK, the RST */
    fe_expect_pkt(&f, 2, TCP_FLAG_ACK, iss + 4, IRS + 3, WINDOW, IP_DEFAULT_TTL, 0);
    expect_ts(&f, 2, base + 35, THEIR_TSVAL + 7);
    fe_expect_pkt(&f, 3, TCP_FLAG_RST, iss + 4, 0, 0, IP_DEFAULT_TTL, 0);
    expect_ts(&f, 3, base + 35, THEIR_TSVAL + 7); /* RFC 7323 3.2: SHOULD on a RST */
    fe_free(&f);
}

static void test_timestamps_negotiated_v4(void **state)
{
    (void)state;
    timestamps_negotiated(FE_V4);
}

static void test_timestamps_negotiated_v6(void **state)
{
    (void)state;
    timestamps_negotiated(FE_V6);
}

/* Offered, but the SYN-ACK has none: no TSopt on anything we send. */
static void test_timestamps_refused(void **state)
{
    (void)state;
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &ts_kind, FE_V4, &base);
    deliver(&f, SYNACK, IRS, iss + 1, NULL, 0, 0);
    struct tc_conn *c = tc_connection(&f.t);
    assert_true(c->ts_offered);
    assert_false(c->ts_on);
    expect_no_ts(&f, 0);
    tc_conn_send_close(&f.t, c);
    fe_expect_plain(&f, 1, TCP_FLAG_RST, iss + 1, 0, 0);
    fe_free(&f);
}

/* Not offered: a SYN-ACK with TSopt changes nothing (RFC 7323 3.2: only both SYNs negotiate). */
static void test_timestamps_not_offered(void **state)
{
    (void)state;
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &plain_kind, FE_V6, &base);
    assert_int_equal(base, 0);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, iss, 0, WINDOW);
    deliver(&f, SYNACK, IRS, iss + 1, NULL, THEIR_TSVAL, 0);
    assert_int_equal(opened, 1);
    assert_false(tc_connection(&f.t)->ts_on);
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, iss + 1, IRS + 1, WINDOW);
    fe_free(&f);
}

/* Data at any sequence number: beyond SND.NXT it moves SND.NXT to its end, behind it
 * (filling a hole) it does not; piece bounds. */
static void test_send_at_and_pieces(void **state)
{
    (void)state;
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &plain_kind, FE_V4, &base);
    deliver(&f, SYNACK, IRS, iss + 1, NULL, 0, 0);
    struct tc_conn *c = tc_connection(&f.t);
    static const uint8_t req[] = "0123456789";
    tc_conn_send_at(&f.t, c, iss + 6, req + 5, 5, 0);
    assert_int_equal(c->snd_nxt, iss + 11);
    tc_conn_send_at(&f.t, c, iss + 1, req, 5, TCP_FLAG_PSH);
    assert_int_equal(c->snd_nxt, iss + 11);
    fe_expect_pkt(&f, 1, TCP_FLAG_ACK, iss + 6, IRS + 1, WINDOW, IP_DEFAULT_TTL, 0);
    fe_expect_pkt(&f, 2, TCP_FLAG_ACK | TCP_FLAG_PSH, iss + 1, IRS + 1, WINDOW, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(&f, 1, &p);
    assert_int_equal(p.seg.payload_len, 5);
    assert_memory_equal(p.seg.payload, "56789", 5);

    fe_deliver(&f, TCP_FLAG_ACK, IRS + 1, iss + 11); /* drains the queue */
    tc_conn_send_pieces(&f.t, c, req, 10, 8, 0);     /* within the default MSS: one */
    assert_int_equal(fe_n_out(&f), 1);
    fe_pkt(&f, 0, &p);
    assert_int_equal(p.seg.payload_len, 10);
    assert_int_equal(c->snd_nxt, iss + 21);

    fe_deliver(&f, TCP_FLAG_ACK, IRS + 1, iss + 21);
    struct tc_pieces pc = {.data = req, .len = 10, .start = iss + 21, .n = 4};
    uint32_t left, right;
    const uint32_t bounds[] = {0, 2, 5, 7, 10}; /* k * 10 / 4 */
    for (unsigned k = 0; k < 4; k++) {
        tc_piece_bounds(&pc, k, &left, &right);
        assert_int_equal(left, iss + 21 + bounds[k]);
        assert_int_equal(right, iss + 21 + bounds[k + 1]);
    }
    tc_conn_send_piece(&f.t, c, &pc, 3);
    fe_pkt(&f, 0, &p);
    assert_int_equal(p.seg.seq, iss + 28);
    assert_memory_equal(p.seg.payload, "789", 3);
    assert_int_equal(c->snd_nxt, iss + 31);
    fe_free(&f);
}

/* Segments within the peer's MSS less our options (RFC 9293 3.7.1), at most segs_max of
 * them; the default MSS without an option (MUST-15: 536 over IPv4, 1220 over IPv6). */
static void test_payload_max_and_pieces(void **state)
{
    (void)state;
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &ts_kind, FE_V4, &base);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, IRS, iss + 1);
    tcp_opts_add_mss(&seg.opts, 100);
    tcp_opts_add_timestamp(&seg.opts, THEIR_TSVAL, base);
    fe_deliver_seg(&f, &seg, false);
    struct tc_conn *c = tc_connection(&f.t);
    assert_int_equal(tc_conn_payload_max(&f.t, c), 100 - 12); /* TSopt, padded */
    static uint8_t req[200];
    tc_conn_send_pieces(&f.t, c, req, sizeof(req), 8, TCP_FLAG_PSH);
    assert_int_equal(fe_n_out(&f), 4); /* the handshake's ACK, then 88 + 88 + 24 */
    const size_t sizes[] = {88, 88, 24};
    struct fe_pkt p;
    for (size_t i = 0; i < 3; i++) {
        fe_pkt(&f, i + 1, &p);
        assert_int_equal(p.seg.seq, iss + 1 + 88 * i);
        assert_int_equal(p.seg.payload_len, sizes[i]);
        assert_int_equal(p.seg.flags, TCP_FLAG_ACK | TCP_FLAG_PSH);
    }
    /* two segments at most: 100 each, beyond the MSS rather than a flood */
    fe_deliver(&f, TCP_FLAG_ACK, IRS + 1, iss + 201);
    tc_conn_send_pieces(&f.t, c, req, sizeof(req), 2, 0);
    assert_int_equal(fe_n_out(&f), 2);
    fe_pkt(&f, 1, &p);
    assert_int_equal(p.seg.seq, iss + 301);
    assert_int_equal(p.seg.payload_len, 100);
    fe_free(&f);

    for (int fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
        iss = start(&f, &plain_kind, (enum fe_family)fam, &base);
        deliver(&f, SYNACK, IRS, iss + 1, NULL, 0, 0);
        assert_int_equal(tc_conn_payload_max(&f.t, tc_connection(&f.t)), fam == FE_V4 ? 536 : 1220);
        fe_free(&f);
    }
}

/* The ACK wait: in-flight wait (4 RTTs, at least 200 ms) plus 500 ms; the original's fixed
 * wait in --timing original. */
static void test_ack_wait(void **state)
{
    (void)state;
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &plain_kind, FE_V4, &base);
    fe_advance(&f, 100 * TC_MSEC);
    deliver(&f, SYNACK, IRS, iss + 1, NULL, 0, 0);
    assert_int_equal(tc_conn_ack_wait(&f.t, 7 * TC_SEC), 400 * TC_MSEC + TC_ACK_DELAY_MAX);
    fe_free(&f);
    fe_init_kind(&f, &plain_kind, FE_V4, &tc_timing_original);
    assert_int_equal(tc_conn_ack_wait(&f.t, 7 * TC_SEC), 7 * TC_SEC);
    fe_free(&f);
}

/* The port's request: HTTP's for port 80, the same bytes its ALP gives. */
static void test_alp_request(void **state)
{
    (void)state;
    struct fe f;
    uint32_t base;
    uint32_t iss = start(&f, &plain_kind, FE_V4, &base);
    deliver(&f, SYNACK, IRS, iss + 1, NULL, 0, 0);
    uint8_t buf[2048], want[2048];
    size_t n = tc_conn_alp_request(&f.t, tc_connection(&f.t), 300, buf, sizeof(buf), STAGE, f.now);
    assert_true(n > 0);
    struct alp_peer peer = {.ip = f.t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp_http.open(&peer);
    ssize_t w = alp_http.pull(s, 300, want, sizeof(want));
    alp_http.close(s);
    assert_int_equal(n, (size_t)w);
    assert_memory_equal(buf, want, n);
    assert_int_equal(fe_n_out(&f), 1); /* only the handshake's ACK */
    assert_false(f.t.done);

    /* too large for the buffer: none, the connection closed, UNK */
    n = tc_conn_alp_request(&f.t, tc_connection(&f.t), 300, buf, 16, STAGE, f.now);
    assert_int_equal(n, 0);
    fe_expect_plain(&f, 1, TCP_FLAG_RST, iss + 1, 0, 0);
    fe_expect_result(&f, TC_UNK, STAGE, ALP_REQUEST_NO_DATA, NULL);
    fe_free(&f);
}

static void test_alp_request_no_module(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &plain_kind, FE_V6, &tc_timing_default);
    f.t.env.dport = NO_ALP_PORT;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, IRS, p.seg.seq + 1);
    seg.sport = NO_ALP_PORT;
    fe_deliver_seg(&f, &seg, false);
    uint8_t buf[64];
    assert_int_equal(
        tc_conn_alp_request(&f.t, tc_connection(&f.t), 0, buf, sizeof(buf), STAGE, f.now), 0);
    fe_expect_plain(&f, 1, TCP_FLAG_RST, p.seg.seq + 1, 0, 0);
    fe_expect_result(&f, TC_UNK, STAGE, "Missing ALP module for port 22", NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps_negotiated_v4),
        cmocka_unit_test(test_timestamps_negotiated_v6),
        cmocka_unit_test(test_timestamps_refused),
        cmocka_unit_test(test_timestamps_not_offered),
        cmocka_unit_test(test_send_at_and_pieces),
        cmocka_unit_test(test_payload_max_and_pieces),
        cmocka_unit_test(test_ack_wait),
        cmocka_unit_test(test_alp_request),
        cmocka_unit_test(test_alp_request_no_module),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
