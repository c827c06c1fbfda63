/* The test-case framework (src/testcase/tc.c): event filtering, ISN evidence, the packet
 * budget, waits, reply/reset numbers, handshake classification, mbox detection, finish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tracebox/ttl_code.h"

#define PROBE_BUDGET 3
#define MARK_CHANGED 0xee

/* A minimal case that counts its callbacks; its start sends what probe_start_mode says. */
enum probe_mode { PROBE_SILENT, PROBE_FIVE_SYNS, PROBE_TRACED, PROBE_BAD_TTL };
static enum probe_mode probe_start_mode;

struct probe_state {
    unsigned segs, quotes, timers;
    struct tcp_seg last;
};

static void probe_start(struct tc *t, tc_time now)
{
    (void)now;
    struct tcp_seg seg;
    tc_seg_new(t, &seg);
    seg.flags = TCP_FLAG_SYN;
    switch (probe_start_mode) {
    case PROBE_SILENT:
        break;
    case PROBE_FIVE_SYNS:
        for (uint16_t i = 0; i < 5; i++) {
            seg.seq = i;
            tc_send(t, &seg, 0, (uint16_t)(100 + i));
        }
        break;
    case PROBE_TRACED:
        tc_send_traced(t, &seg, 5, TTL_ENC_IPID);
        break;
    case PROBE_BAD_TTL:
        tc_send_traced(t, &seg, 0, TTL_ENC_IPID);
        break;
    }
}

static void probe_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    (void)now;
    struct probe_state *s = t->state;
    s->segs++;
    s->last = *seg;
    s->last.payload = NULL;
}

static void probe_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    (void)q;
    (void)now;
    ((struct probe_state *)t->state)->quotes++;
}

static void probe_on_timer(struct tc *t, tc_time now)
{
    (void)now;
    ((struct probe_state *)t->state)->timers++;
}

static const struct test_case probe_kind = {
    .name = "ProbeTest",
    .packet_budget = PROBE_BUDGET,
    .deadline = 10 * TC_SEC,
    .state_size = sizeof(struct probe_state),
    .start = probe_start,
    .on_segment = probe_on_segment,
    .on_quote = probe_on_quote,
    .on_timer = probe_on_timer,
};

static struct probe_state *probe(struct fe *f)
{
    return f->t.state;
}

static void start_probe(struct fe *f, enum probe_mode mode)
{
    probe_start_mode = mode;
    fe_init_kind(f, &probe_kind, FE_V4, &tc_timing_default);
    fe_start(f);
}

static void test_isn_recorded_for_syn_segments_only(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_SILENT);
    fe_advance(&f, 5 * TC_MSEC);
    /* with Linux's options: MSS, SACK-permitted, timestamps, NOP, window scale */
    static const uint8_t linux_opts[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0,
                                         0, 1, 0, 0,    0, 0, 1, 3,  3, 7};
    struct tcp_seg synack;
    fe_target_seg(&synack, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x1000, 1);
    tcp_opts_add_raw(&synack.opts, linux_opts, sizeof(linux_opts));
    fe_deliver_seg(&f, &synack, false);
    fe_advance(&f, 5 * TC_MSEC);
    fe_deliver(&f, TCP_FLAG_ACK, 0x2000, 1);
    fe_deliver(&f, TCP_FLAG_RST, 0x3000, 0);
    fe_advance(&f, 5 * TC_MSEC);
    fe_deliver(&f, TCP_FLAG_SYN, 0xfffffffe, 0);
    assert_int_equal(probe(&f)->segs, 4);
    assert_int_equal(f.t.n_isns, 2);
    assert_int_equal(probe(&f)->last.flags, TCP_FLAG_SYN);
    assert_int_equal(f.t.isns[0].isn, 0x1000);
    assert_int_equal(f.t.isns[0].at, FE_T0 + 5 * TC_MSEC);
    assert_int_equal(f.t.isns[1].isn, 0xfffffffe);
    assert_int_equal(f.t.isns[1].at, FE_T0 + 15 * TC_MSEC);
    fe_free(&f);
}

static void deliver_modified(struct fe *f, const struct tcp_seg *seg, size_t cut, int off_byte)
{
    struct tc_packet pkt;
    const uint8_t *l4;
    size_t len;
    fe_build_target(f, seg, false, &pkt, &l4, &len);
    if (off_byte >= 0)
        pkt.data[(size_t)(l4 - pkt.data) + 12] = (uint8_t)off_byte;
    fe_deliver_bytes(f, l4, cut != 0 ? cut : len);
}

static void test_invalid_segments_ignored(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_SILENT);
    struct tcp_seg syn;
    fe_target_seg(&syn, TCP_FLAG_SYN, 0xabc, 0);
    fe_deliver_seg(&f, &syn, true);                  /* bad checksum */
    deliver_modified(&f, &syn, TCP_HDR_MIN - 1, -1); /* shorter than a header */
    deliver_modified(&f, &syn, 0, 0xf0);             /* data offset 60 > 20 bytes present */
    deliver_modified(&f, &syn, 0, 0x40);             /* data offset 16 < 20 */
    struct tcp_seg bad_opt = syn;
    tcp_opts_add_raw(&bad_opt.opts, "\x02\x00\x00\x00", 4); /* MSS with length 0 */
    fe_deliver_seg(&f, &bad_opt, false);
    struct tcp_seg trunc_opt = syn;
    tcp_opts_add_raw(&trunc_opt.opts, "\x01\x01\x01\x02", 4); /* length byte missing */
    fe_deliver_seg(&f, &trunc_opt, false);
    struct tcp_seg port = syn;
    port.sport = FE_DPORT + 1;
    fe_deliver_seg(&f, &port, false);
    port = syn;
    port.dport = FE_SPORT + 1;
    fe_deliver_seg(&f, &port, false);
    assert_int_equal(f.t.n_isns, 0);
    assert_int_equal(probe(&f)->segs, 0);
    assert_false(f.t.done);
    /* the same SYN intact is taken */
    fe_deliver_seg(&f, &syn, false);
    assert_int_equal(f.t.n_isns, 1);
    assert_int_equal(probe(&f)->segs, 1);
    assert_int_equal(probe(&f)->last.seq, 0xabc);
    fe_free(&f);
}

static void test_events_after_done_reach_no_callback(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_TRACED); /* quotes are of its SYN (seq 0) */
    tc_finish(&f.t, TC_PASS, -1, NULL, NULL, f.now);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, 7, 1);
    struct icmp_quote q = {.quote_len = TCP_HDR_MIN};
    fe_deliver_quote(&f, &q);
    tc_fire_timer(&f.t, f.now);
    assert_int_equal(probe(&f)->segs, 0);
    assert_int_equal(probe(&f)->quotes, 0);
    assert_int_equal(probe(&f)->timers, 0);
    assert_int_equal(f.t.n_isns, 1); /* evidence is still collected */
    assert_int_equal(f.t.n_quotes, 1);
    fe_free(&f);
}

static void test_packet_budget_exceeded(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_FIVE_SYNS);
    assert_int_equal(fe_n_out(&f), PROBE_BUDGET);
    for (size_t i = 0; i < PROBE_BUDGET; i++)
        fe_expect_pkt(&f, i, TCP_FLAG_SYN, (uint32_t)i, 0, 0, IP_DEFAULT_TTL, (uint16_t)(100 + i));
    fe_expect_result(&f, TC_ERR, -1, "Packet budget exceeded", NULL);
    assert_int_equal(f.t.done_at, FE_T0);
    assert_int_equal(f.t.packets_sent, PROBE_BUDGET);
    /* a case that sends, then waits, finds the instance finished by the send: no timer
     * (the fuzzer found the alive check doing so, tests/fuzz/corpus/testcase/regression-*) */
    tc_set_timer(&f.t, FE_T0 + TC_SEC);
    assert_int_equal(f.t.timer_at, 0);
    fe_free(&f);
}

static void test_traced_send_and_bad_ttl(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_TRACED);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_pkt(&f, 0, TCP_FLAG_SYN, 0, 0, 0, 5, ttl_code16(5));
    assert_int_equal(f.t.ttl_fields, TTL_ENC_IPID);
    fe_free(&f);
    start_probe(&f, PROBE_BAD_TTL);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_ERR, -1, "Cannot encode TTL", NULL);
    fe_free(&f);
}

#define ms(v) ((tc_time)(v)*TC_MSEC)

static void test_waits_default_timing(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_SILENT);
    /* nothing known: ceil, syn_timeout, retrans_wait */
    assert_int_equal(tc_wait_inflight(&f.t, 7 * TC_SEC), 10 * TC_SEC);
    assert_int_equal(tc_wait_synack(&f.t, 7 * TC_SEC), 1 * TC_SEC);
    assert_int_equal(tc_wait_retrans(&f.t, 7 * TC_SEC), 3 * TC_SEC);
    /* hint only: 4 * 100 ms */
    f.t.env.rtt_hint = ms(100);
    assert_int_equal(tc_wait_inflight(&f.t, 0), ms(400));
    assert_int_equal(tc_wait_synack(&f.t, 0), ms(400));
    assert_int_equal(tc_wait_retrans(&f.t, 0), ms(3200));
    /* own RTT wins over the hint */
    f.t.rtt = ms(1000);
    assert_int_equal(tc_wait_inflight(&f.t, 0), ms(4000));
    assert_int_equal(tc_wait_synack(&f.t, 0), ms(4000));
    assert_int_equal(tc_wait_retrans(&f.t, 0), ms(5000));
    /* clamped to the floor ... */
    f.t.rtt = ms(30);
    assert_int_equal(tc_wait_inflight(&f.t, 0), ms(200));
    assert_int_equal(tc_wait_synack(&f.t, 0), ms(200));
    assert_int_equal(tc_wait_retrans(&f.t, 0), ms(3060));
    /* ... and to the ceiling (the retransmission wait is not clamped) */
    f.t.rtt = ms(5000);
    assert_int_equal(tc_wait_inflight(&f.t, 0), 10 * TC_SEC);
    assert_int_equal(tc_wait_synack(&f.t, 0), 10 * TC_SEC);
    assert_int_equal(tc_wait_retrans(&f.t, 0), 13 * TC_SEC);
    fe_free(&f);
}

static void test_waits_custom_and_original_timing(void **state)
{
    (void)state;
    const struct tc_timing custom = {.floor = ms(1000),
                                     .ceil = ms(2000),
                                     .rtt_mult = 2,
                                     .syn_timeout = ms(5000),
                                     .syn_tries = 1,
                                     .retrans_wait = ms(7000),
                                     .original = false};
    struct fe f;
    probe_start_mode = PROBE_SILENT;
    fe_init_kind(&f, &probe_kind, FE_V4, &custom);
    assert_int_equal(tc_wait_inflight(&f.t, 0), ms(2000));
    assert_int_equal(tc_wait_synack(&f.t, 0), ms(5000));
    assert_int_equal(tc_wait_retrans(&f.t, 0), ms(7000));
    f.t.rtt = ms(700);
    assert_int_equal(tc_wait_inflight(&f.t, 0), ms(1400));
    assert_int_equal(tc_wait_retrans(&f.t, 0), ms(8400));
    f.t.rtt = ms(400);
    assert_int_equal(tc_wait_synack(&f.t, 0), ms(1000));
    fe_free(&f);

    fe_init_kind(&f, &probe_kind, FE_V6, &tc_timing_original);
    f.t.rtt = ms(50);
    f.t.env.rtt_hint = ms(80);
    assert_int_equal(tc_wait_inflight(&f.t, 10 * TC_SEC), 10 * TC_SEC);
    assert_int_equal(tc_wait_synack(&f.t, 30 * TC_SEC), 30 * TC_SEC);
    assert_int_equal(tc_wait_retrans(&f.t, 60 * TC_SEC), 60 * TC_SEC);
    assert_int_equal(tc_wait_inflight(&f.t, 0), 0);
    fe_free(&f);
}

static enum tc_handshake classify(uint8_t flags, uint32_t ack, uint32_t sent_seq)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, 0x5000, ack);
    return tc_handshake_classify(&seg, sent_seq);
}

static void test_handshake_classify(void **state)
{
    (void)state;
    const uint8_t sa = TCP_FLAG_SYN | TCP_FLAG_ACK;
    assert_int_equal(classify(sa, 1001, 1000), TC_HS_SYNACK);
    assert_int_equal(classify(sa | TCP_FLAG_ECE, 1001, 1000), TC_HS_SYNACK);
    assert_int_equal(classify(TCP_FLAG_RST | TCP_FLAG_ACK, 1001, 1000), TC_HS_RST);
    assert_int_equal(classify(TCP_FLAG_RST, 1001, 1000), TC_HS_RST);
    assert_int_equal(classify(sa | TCP_FLAG_RST, 1001, 1000), TC_HS_RST);
    /* a RST for another sequence number is not a refusal of this SYN */
    assert_int_equal(classify(TCP_FLAG_RST | TCP_FLAG_ACK, 1002, 1000), TC_HS_NOT_SYNACK);
    assert_int_equal(classify(TCP_FLAG_ACK, 1001, 1000), TC_HS_NOT_SYNACK);
    assert_int_equal(classify(TCP_FLAG_SYN, 1001, 1000), TC_HS_NOT_SYNACK);
    assert_int_equal(classify(sa, 1000, 1000), TC_HS_WRONG_ACK);
    assert_int_equal(classify(sa, 1002, 1000), TC_HS_WRONG_ACK);
    /* sequence wrap */
    assert_int_equal(classify(sa, 0, 0xffffffff), TC_HS_SYNACK);
    assert_int_equal(classify(TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0xffffffff), TC_HS_RST);
    assert_string_equal(tc_handshake_reason(TC_HS_SYNACK), "");
    assert_string_equal(tc_handshake_reason(TC_HS_RST), "RST in reply to SYN during handshake");
    assert_string_equal(tc_handshake_reason(TC_HS_NOT_SYNACK),
                        "Non-SYN-ACK in reply to SYN during handshake");
    assert_string_equal(tc_handshake_reason(TC_HS_WRONG_ACK),
                        "Wrong SEQ acked in reply to SYN during handshake");
}

static void expect_seg(const struct tcp_seg *s, uint8_t flags, uint32_t seq, uint32_t ack,
                       uint16_t window)
{
    assert_int_equal(s->sport, FE_SPORT);
    assert_int_equal(s->dport, FE_DPORT);
    assert_int_equal(s->flags, flags);
    assert_int_equal(s->seq, seq);
    assert_int_equal(s->ack, ack);
    assert_int_equal(s->window, window);
    assert_int_equal(s->opts.count, 0);
    assert_int_equal(s->payload_len, 0);
}

static void test_seg_reply_numbers(void **state)
{
    (void)state;
    static const uint8_t data[100];
    struct fe f;
    start_probe(&f, PROBE_SILENT);
    struct tcp_seg rcvd, out;
    fe_target_seg(&rcvd, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x10, 0x20);
    tc_seg_reply(&f.t, &rcvd, TCP_FLAG_ACK, 512, &out);
    expect_seg(&out, TCP_FLAG_ACK, 0x20, 0x11, 512);
    fe_target_seg(&rcvd, TCP_FLAG_SYN | TCP_FLAG_ACK, 0xffffffff, 0x7);
    tc_seg_reply(&f.t, &rcvd, TCP_FLAG_ACK, 1, &out);
    expect_seg(&out, TCP_FLAG_ACK, 0x7, 0, 1);
    fe_target_seg(&rcvd, TCP_FLAG_ACK | TCP_FLAG_FIN | TCP_FLAG_PSH, 0xffffffc0, 0x30);
    rcvd.payload = data;
    rcvd.payload_len = sizeof(data);
    tc_seg_reply(&f.t, &rcvd, TCP_FLAG_RST | TCP_FLAG_ACK, 0, &out);
    expect_seg(&out, TCP_FLAG_RST | TCP_FLAG_ACK, 0x30, 0x25, 0);
    fe_free(&f);
}

static void test_seg_reset_numbers(void **state)
{
    (void)state;
    static const uint8_t data[10];
    struct fe f;
    start_probe(&f, PROBE_SILENT);
    struct tcp_seg rcvd, out;
    /* with ACK: <SEQ=SEG.ACK><CTL=RST> */
    fe_target_seg(&rcvd, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x10, 0xdeadbeef);
    tc_seg_reset(&f.t, &rcvd, &out);
    expect_seg(&out, TCP_FLAG_RST, 0xdeadbeef, 0, 0);
    /* without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
    fe_target_seg(&rcvd, TCP_FLAG_SYN, 0xffffffff, 0x1234);
    tc_seg_reset(&f.t, &rcvd, &out);
    expect_seg(&out, TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0, 0);
    fe_target_seg(&rcvd, TCP_FLAG_PSH, 0xfffffffa, 0);
    rcvd.payload = data;
    rcvd.payload_len = sizeof(data);
    tc_seg_reset(&f.t, &rcvd, &out);
    expect_seg(&out, TCP_FLAG_RST | TCP_FLAG_ACK, 0, 4, 0);
    fe_free(&f);
}

/* A quote whose hop is carried only by hop_guess (checked with fields = TTL_ENC_IPID). */
static void deliver_hop_quote(struct fe *f, unsigned hop, const char *router, uint8_t mark)
{
    struct icmp_quote q;
    memset(&q, 0, sizeof(q));
    q.router = fe_addr(router);
    q.hop_guess = hop;
    q.quote_len = TCP_HDR_MIN;
    q.quote[0] = mark;
    fe_deliver_quote(f, &q);
}

static bool marked_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                        char *seen, size_t seen_cap)
{
    (void)ctx;
    if (q->quote[0] != MARK_CHANGED)
        return false;
    snprintf(exp, exp_cap, "exp%u", q->hop);
    snprintf(seen, seen_cap, "seen%u", q->hop);
    return true;
}

static void test_check_mboxes_sorts_path(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_TRACED); /* quotes are of its SYN (seq 0) */
    deliver_hop_quote(&f, 3, "10.0.0.3", 0);
    deliver_hop_quote(&f, 1, "10.0.0.1", 0);
    deliver_hop_quote(&f, 2, "10.0.0.2", 0);
    deliver_hop_quote(&f, 1, "10.0.0.1", 0); /* the same router twice: listed once */
    deliver_hop_quote(&f, 2, "10.0.1.2", 0); /* load balancing: both, in arrival order */
    assert_int_equal(probe(&f)->quotes, 5);
    assert_false(tc_check_mboxes(&f.t, TTL_ENC_IPID, marked_diff, NULL, "x", 1, f.now));
    assert_false(f.t.done);
    assert_true(f.t.path_done);
    assert_int_equal(f.t.path_len, 4);
    fe_expect_hop(&f, 0, 1, "10.0.0.1");
    fe_expect_hop(&f, 1, 2, "10.0.0.2");
    fe_expect_hop(&f, 2, 2, "10.0.1.2");
    fe_expect_hop(&f, 3, 3, "10.0.0.3");
    fe_free(&f);
}

static void test_check_mboxes_unk_with_diff(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_TRACED); /* quotes are of its SYN (seq 0) */
    deliver_hop_quote(&f, 3, "10.0.0.3", MARK_CHANGED);
    deliver_hop_quote(&f, 1, "10.0.0.1", 0);
    deliver_hop_quote(&f, 4, "10.0.0.4", MARK_CHANGED);
    deliver_hop_quote(&f, 2, "10.0.0.2", MARK_CHANGED);
    deliver_hop_quote(&f, 0, "10.0.0.9", MARK_CHANGED); /* unknown hop: never blamed */
    fe_advance(&f, 1 * TC_SEC);
    assert_true(tc_check_mboxes(&f.t, TTL_ENC_IPID, marked_diff, NULL, "probe info", 4, f.now));
    fe_expect_result(&f, TC_UNK, 4,
                     "Middlebox interference detected at or before hop 2 (probe info)",
                     "{\"diff\":[\"exp2\",\"seen2\"]}");
    assert_int_equal(f.t.done_at, FE_T0 + TC_SEC);
    assert_int_equal(f.t.path_len, 2);
    fe_expect_hop(&f, 0, 1, "10.0.0.1");
    fe_expect_hop(&f, 1, 2, "10.0.0.2");
    fe_free(&f);
}

static void test_check_mboxes_unknown_hop(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_TRACED); /* quotes are of its SYN (seq 0) */
    deliver_hop_quote(&f, 0, "10.0.0.9", MARK_CHANGED);
    assert_true(tc_check_mboxes(&f.t, TTL_ENC_IPID, marked_diff, NULL, "i", -1, f.now));
    fe_expect_result(&f, TC_UNK, -1, "Middlebox interference detected at unknown hop (i)",
                     "{\"diff\":[\"exp0\",\"seen0\"]}");
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 0, "10.0.0.9");
    fe_free(&f);
}

static void test_finish_idempotent_and_records_path(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_TRACED); /* the IP ID carries the code: quotes have a hop */
    deliver_hop_quote(&f, 2, "10.0.0.2", 0);
    tc_set_timer(&f.t, f.now + TC_SEC);
    fe_advance(&f, 10 * TC_MSEC);
    tc_finish(&f.t, TC_PASS, -1, NULL, NULL, f.now);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 2, "10.0.0.2");
    fe_advance(&f, 10 * TC_MSEC);
    deliver_hop_quote(&f, 1, "10.0.0.1", 0);
    tc_finish(&f.t, TC_FAIL, 2, "second", json_pack("{s:i}", "x", 1), f.now);
    tc_abort(&f.t, "aborted", f.now);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 10 * TC_MSEC);
    assert_int_equal(f.t.path_len, 1);
    fe_free(&f);
}

static void test_abort_is_err(void **state)
{
    (void)state;
    struct fe f;
    start_probe(&f, PROBE_SILENT);
    fe_advance(&f, 3 * TC_SEC);
    tc_abort(&f.t, "Deadline exceeded", f.now);
    fe_expect_result(&f, TC_ERR, -1, "Deadline exceeded", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + 3 * TC_SEC);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isn_recorded_for_syn_segments_only),
        cmocka_unit_test(test_invalid_segments_ignored),
        cmocka_unit_test(test_events_after_done_reach_no_callback),
        cmocka_unit_test(test_packet_budget_exceeded),
        cmocka_unit_test(test_traced_send_and_bad_ttl),
        cmocka_unit_test(test_waits_default_timing),
        cmocka_unit_test(test_waits_custom_and_original_timing),
        cmocka_unit_test(test_handshake_classify),
        cmocka_unit_test(test_seg_reply_numbers),
        cmocka_unit_test(test_seg_reset_numbers),
        cmocka_unit_test(test_check_mboxes_sorts_path),
        cmocka_unit_test(test_check_mboxes_unk_with_diff),
        cmocka_unit_test(test_check_mboxes_unknown_hop),
        cmocka_unit_test(test_finish_idempotent_and_records_path),
        cmocka_unit_test(test_abort_is_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
