/* The RST probe (src/testcase/reset_probe.c): a RST at the peer's RCV.NXT, with or without
 * data, sent as the test's traced probe (the TTL in fields a RST without ACK does not read),
 * the alive check behind it, and the quote check that finds a path changing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/reset_probe.h"

#define ISS 0x10000000u
#define IRS 0x5a5a0000u
#define WINDOW 2048
#define ALIVE_BEHIND 0x20000u
#define ORDER_GAP (2 * TC_MSEC)
#define RTT (40 * TC_MSEC)
#define WAIT (200 * TC_MSEC)
#define LAB_COPIES 2 /* the lab's hops 1 and 2 quote */
static const uint8_t text[] = "reset: diagnostic text";
#define TEXT_LEN (sizeof(text) - 1)

static void idle(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

static const struct test_case idle_kind = {
    .name = "ResetProbeTest",
    .packet_budget = 64,
    .deadline = 60 * TC_SEC,
    .start = idle,
    .on_timer = idle,
};

static void established(struct fe *f, struct tc_conn *c, enum fe_family fam)
{
    fe_init_kind(f, &idle_kind, fam, &tc_timing_default);
    fe_set_lab_path(f);
    fe_start(f);
    f->t.rtt = RTT;
    tc_conn_init(c, ISS, WINDOW);
    struct tcp_seg synack;
    fe_target_seg(&synack, TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1);
    assert_int_equal(tc_conn_established(c, &synack, 0), 0);
}

static void done(struct fe *f, struct tc_conn *c)
{
    tc_conn_free(c);
    fe_free(f);
}

/* The host's copy first (TTL 30), then one per quoting hop, all <SEQ=ISS+1><CTL=RST> with
 * the data; the TTL's code in ACK, window, urgent pointer and (v4) IP ID; the alive probe
 * ORDER_GAP after the host's copy, its answer awaited from then. */
static void sends_traced_rst(enum fe_family fam, const uint8_t *data, size_t len)
{
    struct fe f;
    struct tc_conn c;
    struct reset_probe r;
    memset(&r, 0, sizeof(r));
    established(&f, &c, fam);
    reset_probe_send(&f.t, &c, &r, data, len, f.now);
    assert_int_equal(fe_n_out(&f), 1 + LAB_COPIES + 1);
    for (size_t i = 0; i <= LAB_COPIES; i++) {
        struct fe_pkt p;
        fe_pkt(&f, i, &p);
        unsigned ttl = i == 0 ? HOP_LIMIT : (unsigned)i;
        uint16_t code = ttl_code16(ttl);
        assert_int_equal(p.seg.flags, TCP_FLAG_RST);
        assert_int_equal(p.seg.seq, ISS + 1);
        assert_int_equal(p.ip.ttl, ttl);
        assert_int_equal(p.seg.ack, (uint32_t)code << 16 | code);
        assert_int_equal(p.seg.window, code);
        assert_int_equal(p.seg.urg_ptr, code);
        assert_int_equal(p.ip.ip_id, fam == FE_V4 ? code : 0);
        assert_string_equal(p.opts_hex, "");
        assert_int_equal(p.seg.payload_len, len);
        if (len > 0)
            assert_memory_equal(p.seg.payload, data, len);
        assert_int_equal(f.t.out[i].delay, (tc_time)i * TC_BURST_GAP);
    }
    fe_expect_plain(&f, 1 + LAB_COPIES, TCP_FLAG_ACK, ISS + 1 - ALIVE_BEHIND, IRS + 1, WINDOW);
    assert_int_equal(f.t.out[1 + LAB_COPIES].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(&f), ORDER_GAP + WAIT);
    assert_true(alive_check_active(&r.alive));
    assert_true(f.t.traced.sent);
    assert_int_equal(f.t.traced.fields, RESET_PROBE_FIELDS);
    assert_int_equal(r.seq, ISS + 1);
    done(&f, &c);
}

static void test_sends_traced_rst(void **state)
{
    (void)state;
    sends_traced_rst(FE_V4, NULL, 0);
    sends_traced_rst(FE_V6, NULL, 0);
    sends_traced_rst(FE_V4, text, TEXT_LEN);
    sends_traced_rst(FE_V6, text, TEXT_LEN);
}

/* A probe sent (with data), and the quote of its TTL-1 copy for the checks to change. */
static void quoted(struct fe *f, struct tc_conn *c, struct reset_probe *r, struct icmp_quote *q)
{
    memset(r, 0, sizeof(*r));
    established(f, c, FE_V4);
    reset_probe_send(&f->t, c, r, text, TEXT_LEN, f->now);
    fe_make_quote(&f->t.out[1], fe_router(FE_V4, 1), q);
}

static bool diff(const struct reset_probe *r, const struct icmp_quote *q, char *exp, char *seen)
{
    exp[0] = seen[0] = '\0';
    return reset_probe_quote_diff(r, q, exp, 128, seen, 128);
}

/* flags, sequence number, the data in hex */
#define EXPECTED_AFTER_FLAGS ",10000001,72657365743a20646961676e6f737469632074657874"
#define EXPECTED "0x04" EXPECTED_AFTER_FLAGS

static void test_quote_diff(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct reset_probe r;
    struct icmp_quote q;
    char exp[128], seen[128];

    quoted(&f, &c, &r, &q);
    assert_false(diff(&r, &q, exp, seen)); /* unchanged, all of it quoted */
    q.quote_len = TCP_HDR_MIN + 5;
    assert_false(diff(&r, &q, exp, seen)); /* part of the data quoted: no change in it */
    q.quote_len = TCP_OFF_FLAGS;
    assert_false(diff(&r, &q, exp, seen)); /* too short to show the flags */
    done(&f, &c);

    quoted(&f, &c, &r, &q);
    q.quote[TCP_OFF_FLAGS] = TCP_FLAG_RST | TCP_FLAG_ACK;
    assert_true(diff(&r, &q, exp, seen));
    assert_string_equal(exp, EXPECTED);
    assert_string_equal(seen, "0x14" EXPECTED_AFTER_FLAGS);
    done(&f, &c);

    quoted(&f, &c, &r, &q);
    q.quote[TCP_OFF_SEQ + 3] ^= 1;
    assert_true(diff(&r, &q, exp, seen));
    assert_memory_equal(seen, "0x04,10000000,", 14);
    done(&f, &c);

    quoted(&f, &c, &r, &q);
    q.quote[TCP_HDR_MIN] = 'R';
    assert_true(diff(&r, &q, exp, seen));
    assert_memory_equal(seen, "0x04,10000001,52", 16);
    done(&f, &c);

    /* more data than was sent */
    quoted(&f, &c, &r, &q);
    q.quote[q.quote_len++] = '!';
    assert_true(diff(&r, &q, exp, seen));
    done(&f, &c);

    /* a RST without data: any data in the quote is a change */
    memset(&r, 0, sizeof(r));
    established(&f, &c, FE_V6);
    reset_probe_send(&f.t, &c, &r, NULL, 0, f.now);
    fe_make_quote(&f.t.out[1], fe_router(FE_V6, 1), &q);
    assert_false(diff(&r, &q, exp, seen));
    q.quote[q.quote_len++] = 0;
    assert_true(diff(&r, &q, exp, seen));
    assert_string_equal(exp, "0x04,10000001");
    assert_string_equal(seen, "0x04,10000001,00");
    done(&f, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sends_traced_rst),
        cmocka_unit_test(test_quote_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
