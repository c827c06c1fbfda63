/* The framework hooks the checksum cases brought into src/testcase/tc.c: on_bad_checksum,
 * tc_encode_traced and tc_record_path; and tc_rx_options, the options area as it arrived.
 * (Kept apart from test_tc.c, which is long enough.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tracebox/ttl_code.h"

struct hook_state {
    unsigned segs, bad;
    struct tcp_seg last_bad;
    bool rx_opts_null; /* tc_rx_options in the last on_segment */
    size_t rx_opts_len;
    uint8_t rx_opts[TCP_OPTS_MAX_BYTES];
};

static void hook_start(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

static void hook_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    (void)seg;
    (void)now;
    struct hook_state *s = t->state;
    s->segs++;
    const uint8_t *opts = tc_rx_options(t, &s->rx_opts_len);
    s->rx_opts_null = opts == NULL;
    if (opts != NULL && s->rx_opts_len <= sizeof(s->rx_opts))
        memcpy(s->rx_opts, opts, s->rx_opts_len);
}

static void hook_on_bad_checksum(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    (void)now;
    struct hook_state *s = t->state;
    s->bad++;
    s->last_bad = *seg;
    s->last_bad.payload = NULL;
}

static void hook_on_timer(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

static const struct test_case hook_kind = {
    .name = "HookTest",
    .packet_budget = HOP_LIMIT,
    .deadline = 10 * TC_SEC,
    .state_size = sizeof(struct hook_state),
    .start = hook_start,
    .on_segment = hook_on_segment,
    .on_bad_checksum = hook_on_bad_checksum,
    .on_timer = hook_on_timer,
};

static struct hook_state *hooks(struct fe *f)
{
    return f->t.state;
}

static void test_bad_checksum_callback(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &hook_kind, FE_V6, &tc_timing_default);
    fe_start(&f);
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x1234, 77);
    fe_deliver_seg(&f, &seg, true);
    assert_int_equal(hooks(&f)->bad, 1);
    assert_int_equal(hooks(&f)->segs, 0);
    assert_int_equal(hooks(&f)->last_bad.seq, 0x1234);
    assert_int_equal(hooks(&f)->last_bad.ack, 77);
    assert_int_equal(f.t.n_isns, 0); /* nothing taken from a corrupt SYN */
    /* another flow's bad segment, a bad segment that does not parse: not reported */
    struct tcp_seg other = seg;
    other.sport = FE_DPORT + 1;
    fe_deliver_seg(&f, &other, true);
    struct tc_packet pkt;
    const uint8_t *l4;
    size_t len;
    fe_build_target(&f, &seg, true, &pkt, &l4, &len);
    fe_deliver_bytes(&f, l4, TCP_HDR_MIN - 1);
    assert_int_equal(hooks(&f)->bad, 1);
    /* a good one still goes to on_segment */
    fe_deliver_seg(&f, &seg, false);
    assert_int_equal(hooks(&f)->segs, 1);
    assert_int_equal(f.t.n_isns, 1);
    /* none after the finish */
    tc_finish(&f.t, TC_PASS, -1, NULL, NULL, f.now);
    fe_deliver_seg(&f, &seg, true);
    assert_int_equal(hooks(&f)->bad, 1);
    fe_free(&f);
}

static void test_encode_traced(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &hook_kind, FE_V4, &tc_timing_default);
    fe_start(&f);
    struct tcp_seg seg, out;
    tc_seg_new(&f.t, &seg);
    seg.flags = TCP_FLAG_SYN;
    uint16_t ip_id = 1;
    assert_true(tc_encode_traced(&f.t, &seg, 7, TTL_ENC_WIN | TTL_ENC_IPID, &out, &ip_id));
    assert_int_equal(out.window, ttl_code16(7));
    assert_int_equal(ip_id, ttl_code16(7));
    assert_int_equal(out.ack, 0);
    assert_int_equal(f.t.ttl_fields, TTL_ENC_WIN | TTL_ENC_IPID);
    assert_int_equal(fe_n_out(&f), 0); /* encoding sends nothing */
    assert_true(tc_encode_traced(&f.t, &seg, 7, TTL_ENC_ACK, &out, &ip_id));
    assert_int_equal(ip_id, 0);
    assert_int_equal(f.t.ttl_fields, TTL_ENC_WIN | TTL_ENC_IPID | TTL_ENC_ACK);
    /* a TTL that cannot be encoded ends the test */
    assert_false(tc_encode_traced(&f.t, &seg, 0, TTL_ENC_ACK, &out, &ip_id));
    fe_expect_result(&f, TC_ERR, -1, "Cannot encode TTL", NULL);
    assert_false(tc_encode_traced(&f.t, &seg, 7, TTL_ENC_ACK, &out, &ip_id));
    fe_free(&f);
}

static void test_record_path(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &hook_kind, FE_V4, &tc_timing_default);
    fe_start(&f);
    struct tcp_seg seg;
    tc_seg_new(&f.t, &seg);
    seg.flags = TCP_FLAG_SYN;
    for (unsigned ttl = 1; ttl <= 3; ttl++)
        tc_send_traced(&f.t, &seg, ttl, TTL_ENC_ALL);
    struct icmp_quote q;
    fe_make_quote(fe_sent(&f, 2), "198.18.3.1", &q);
    fe_deliver_quote(&f, &q);
    fe_make_quote(fe_sent(&f, 0), "198.18.1.1", &q);
    fe_deliver_quote(&f, &q);
    fe_make_quote(fe_sent(&f, 1), "198.18.2.1", &q);
    memset(q.quote + 8, 0, 12); /* every TCP-level code gone, and no IP ID guess */
    memset(q.quote + TCP_HDR_MIN, 2, 4);
    q.hop_guess = 0;
    fe_deliver_quote(&f, &q);
    tc_record_path(&f.t, TTL_ENC_ALL);
    assert_true(f.t.path_done);
    assert_int_equal(f.t.quotes[0].hop, 3);
    assert_int_equal(f.t.quotes[1].hop, 1);
    assert_int_equal(f.t.quotes[2].hop, 0);
    assert_int_equal(f.t.path_len, 3);
    fe_expect_hop(&f, 0, 0, "198.18.2.1");
    fe_expect_hop(&f, 1, 1, "198.18.1.1");
    fe_expect_hop(&f, 2, 3, "198.18.3.1");
    /* the finish keeps it, later quotes notwithstanding */
    fe_deliver_quote(&f, &q);
    tc_finish(&f.t, TC_PASS, -1, NULL, NULL, f.now);
    assert_int_equal(f.t.path_len, 3);
    fe_free(&f);
}

/* The options area as it arrived, padding after EOL included (the parsed options stop at
 * the EOL), during on_segment only. */
static void test_rx_options(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &hook_kind, FE_V4, &tc_timing_default);
    fe_start(&f);
    size_t len = 99;
    assert_null(tc_rx_options(&f.t, &len));
    assert_int_equal(len, 0);
    struct tcp_seg seg;
    fe_target_seg(&seg, TCP_FLAG_ACK, 1, 1);
    static const uint8_t raw[] = {0x02, 0x04, 0x05, 0xb4, 0x00, 0x5a};
    tcp_opts_add_raw(&seg.opts, raw, sizeof(raw));
    fe_deliver_seg(&f, &seg, false);
    static const uint8_t want[] = {0x02, 0x04, 0x05, 0xb4, 0x00, 0x5a, 0x00, 0x00};
    assert_false(hooks(&f)->rx_opts_null);
    assert_int_equal(hooks(&f)->rx_opts_len, sizeof(want));
    assert_memory_equal(hooks(&f)->rx_opts, want, sizeof(want));
    assert_null(tc_rx_options(&f.t, &len)); /* the delivery is over */
    /* a header without options: an empty area */
    fe_deliver(&f, TCP_FLAG_ACK, 1, 1);
    assert_false(hooks(&f)->rx_opts_null);
    assert_int_equal(hooks(&f)->rx_opts_len, 0);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_checksum_callback),
        cmocka_unit_test(test_encode_traced),
        cmocka_unit_test(test_record_path),
        cmocka_unit_test(test_rx_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
