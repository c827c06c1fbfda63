/* testcase/exchange.h: an exchange whose every host segment a case judges. Driven here
 * through a scripted case: its judge reads its answer from the urgent pointer of each
 * segment the target sends (0 conforms, else JUDGE_*), its request is REQ_LEN counting
 * bytes. The opening, the request within the host's MSS, the reply acknowledged until FIN,
 * RST or silence, and every verdict: FAIL and PASS at once, PASS or UNK at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/exchange.h"

#define THEIR_ISN 0x3c3c0000u
#define RTT (40 * TC_MSEC)
#define INFLIGHT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define RETRANS (3 * TC_SEC + 2 * RTT)
#define SYN_WAIT (1 * TC_SEC) /* no RTT known: timing->syn_timeout */
#define OBSERVE_MAX (30 * TC_SEC)
#define WIN 0xffff
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define STAGE 1
#define REQ_LEN 1300
#define REQ_HINT 77
#define THEIR_MSS 1000
#define SACK_PERM_HEX "04020000" /* SACK-permitted, then zero padding */
#define JUDGE_VIOLATES 1
#define JUDGE_SETTLES 2
#define JUDGE_SKIPS 3
#define BROKEN "broken"
#define NO_REQUEST "no request here"
#define NOT_EXERCISED "nothing to judge"
#define HS_TIMEOUT "Timeout during handshake"
#define HS_RST "RST in reply to SYN during handshake"

static size_t request_len = REQ_LEN;
static size_t request_hint_seen;

static void script_syn_options(const struct tc *t, struct tcp_opts *opts)
{
    (void)t;
    tcp_opts_add_sized(opts, TCP_OPT_KIND_SACK_PERM, NULL, 0);
}

static size_t script_request(const struct tc *t, size_t hint, uint8_t *buf, size_t cap, char *why,
                             size_t why_cap)
{
    (void)t;
    request_hint_seen = hint;
    if (request_len == 0) {
        snprintf(why, why_cap, "%s", NO_REQUEST);
        return 0;
    }
    assert_true(request_len <= cap);
    for (size_t i = 0; i < request_len; i++)
        buf[i] = (uint8_t)i;
    return request_len;
}

/* Evidence for every segment: only a FAIL's reaches custom (the others' is freed, which the
 * leak checker sees). */
static enum ex_judgement script_judge(const struct tc *t, const struct tcp_seg *seg,
                                      const char **why, json_t **evidence)
{
    (void)t;
    *evidence = json_pack("{s:I}", "relative_seq", (json_int_t)(seg->seq - THEIR_ISN));
    switch (seg->urg_ptr) {
    case JUDGE_VIOLATES:
        *why = BROKEN;
        return EX_VIOLATES;
    case JUDGE_SETTLES:
        return EX_SETTLED;
    case JUDGE_SKIPS:
        return EX_NOT_JUDGED;
    default:
        return EX_CONFORMS;
    }
}

static const struct exchange_params script_params = {
    .syn_options = script_syn_options,
    .request = script_request,
    .request_hint = REQ_HINT,
    .judge = script_judge,
    .not_exercised = NOT_EXERCISED,
};

static const struct test_case script_kind = {
    .name = "ScriptedExchange",
    .packet_budget = EXCHANGE_PACKET_BUDGET,
    .deadline = EXCHANGE_DEADLINE,
    .state_size = sizeof(struct exchange_state),
    .params = &script_params,
    .start = exchange_start,
    .on_segment = exchange_on_segment,
    .on_timer = exchange_on_timer,
    .cleanup = exchange_cleanup,
};

static int reset_script(void **state)
{
    (void)state;
    request_len = REQ_LEN;
    request_hint_seen = 0;
    return 0;
}

/* Start: one plain SYN with the case's options, no tracing. Returns its seq. */
static uint32_t start(struct fe *f, enum fe_family fam)
{
    fe_init_kind(f, &script_kind, fam, &tc_timing_default);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, WIN, IP_DEFAULT_TTL, 0);
    assert_string_equal(p.opts_hex, SACK_PERM_HEX);
    assert_int_equal(fe_timer_in(f), SYN_WAIT);
    return p.seg.seq;
}

/* A segment from the target: len bytes at THEIR_ISN + rel, the judge's script in urg. */
static void deliver(struct fe *f, uint8_t flags, uint32_t rel, uint32_t ack, size_t len,
                    uint16_t script)
{
    static uint8_t filler[1500];
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + rel, ack);
    seg.payload = filler;
    seg.payload_len = len;
    seg.urg_ptr = script;
    fe_deliver_seg(f, &seg, false);
}

/* The SYN-ACK one RTT later (MSS option mss, 0 = none; the judge's script): our ACK. */
static void synack(struct fe *f, uint32_t isn, uint16_t mss, uint16_t script)
{
    fe_advance(f, RTT);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, THEIR_ISN, isn + 1);
    if (mss != 0)
        tcp_opts_add_mss(&seg.opts, mss);
    seg.urg_ptr = script;
    fe_deliver_seg(f, &seg, false);
    assert_true(fe_n_out(f) >= 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN);
}

/* The request in pieces of at most seg_max at t.out[1..], PSH on the last, the reply awaited
 * a retransmission timeout. Returns our next sequence number. */
static uint32_t expect_request(struct fe *f, uint32_t isn, size_t seg_max)
{
    size_t pieces = (REQ_LEN + seg_max - 1) / seg_max;
    assert_int_equal(fe_n_out(f), 1 + pieces);
    uint32_t seq = isn + 1;
    for (size_t i = 0; i < pieces; i++) {
        struct fe_pkt p;
        fe_pkt(f, 1 + i, &p);
        size_t n = i + 1 < pieces ? seg_max : REQ_LEN - i * seg_max;
        uint8_t flags = (uint8_t)(TCP_FLAG_ACK | (i + 1 == pieces ? TCP_FLAG_PSH : 0));
        fe_expect_pkt(f, 1 + i, flags, seq, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
        assert_int_equal(p.seg.payload_len, n);
        assert_int_equal(p.seg.payload[0], (uint8_t)(i * seg_max));
        seq += (uint32_t)n;
    }
    assert_int_equal(request_hint_seen, REQ_HINT);
    assert_int_equal(fe_timer_in(f), RETRANS);
    return seq;
}

/* Up to the request, the SYN-ACK announcing THEIR_MSS: our next sequence number. */
static uint32_t to_request(struct fe *f, enum fe_family fam)
{
    uint32_t isn = start(f, fam);
    synack(f, isn, THEIR_MSS, 0);
    return expect_request(f, isn, THEIR_MSS);
}

static void expect_ack(struct fe *f, uint32_t nxt, uint32_t rel)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, nxt, THEIR_ISN + rel, WIN);
}

static void expect_close(struct fe *f, size_t i, uint32_t nxt)
{
    assert_int_equal(fe_n_out(f), i + 1);
    fe_expect_plain(f, i, TCP_FLAG_RST, nxt, 0, 0);
}

/* ---- the opening ---- */

static void test_opening_timeout_unk(void **state)
{
    (void)state;
    struct fe f;
    start(&f, FE_V4);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT,
                     "{\"judged\":0,\"segments\":0,\"synack_mss\":null}");
    fe_free(&f);
}

/* A refused SYN: the opening's verdict; but a RST breaking the rule is the host's FAIL. */
static void test_opening_refused(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6);
    deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, HS_RST,
                     "{\"judged\":1,\"segments\":1,\"synack_mss\":null}");
    fe_free(&f);

    isn = start(&f, FE_V6);
    deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, 0, JUDGE_VIOLATES);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, BROKEN,
                     "{\"judged\":1,\"relative_seq\":0,\"segments\":1,\"synack_mss\":null}");
    fe_free(&f);
}

/* ---- the request: within the host's MSS, else the family's default (MUST-15) ---- */

static void test_request_within_mss(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4);
    synack(&f, isn, 0, 0);
    expect_request(&f, isn, 536);
    fe_free(&f);

    isn = start(&f, FE_V6);
    synack(&f, isn, 0, 0);
    expect_request(&f, isn, 1220);
    fe_free(&f);

    to_request(&f, FE_V6);
    fe_free(&f);
}

static void test_no_request_unk(void **state)
{
    (void)state;
    struct fe f;
    request_len = 0;
    uint32_t isn = start(&f, FE_V4);
    synack(&f, isn, THEIR_MSS, 0);
    expect_close(&f, 1, isn + 1);
    fe_expect_result(&f, TC_UNK, EXCHANGE_STAGE_NO_REQUEST, NO_REQUEST,
                     "{\"judged\":1,\"segments\":1,\"synack_mss\":1000}");
    fe_free(&f);
}

/* ---- the end of the exchange: PASS if the rule applied, else UNK ---- */

static void test_reply_until_fin_passes(void **state)
{
    (void)state;
    struct fe f;
    uint32_t nxt = to_request(&f, FE_V4);
    deliver(&f, TCP_FLAG_ACK, 1, nxt, 0, 0); /* an ACK of the request: not acknowledged */
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), RETRANS);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1, nxt, 300, 0);
    expect_ack(&f, nxt, 301);
    assert_int_equal(fe_timer_in(&f), INFLIGHT); /* the reply began: the idle wait */
    deliver(&f, TCP_FLAG_ACK, 1, nxt, 300, 0);   /* again: acknowledged again, no new wait */
    expect_ack(&f, nxt, 301);
    deliver(&f, SYNACK, 0, nxt - REQ_LEN, 0, 0); /* the SYN-ACK again: judged, not answered */
    assert_int_equal(fe_n_out(&f), 0);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 301, nxt, 0, 0);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":6,\"segments\":6,\"synack_mss\":1000}");
    fe_free(&f);
}

static void test_silence_ends(void **state)
{
    (void)state;
    struct fe f;
    uint32_t nxt = to_request(&f, FE_V6);
    assert_int_equal(fe_fire(&f), RETRANS); /* the server never answered */
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":1,\"segments\":1,\"synack_mss\":1000}");
    fe_free(&f);

    nxt = to_request(&f, FE_V4);
    deliver(&f, TCP_FLAG_ACK, 1, nxt, 100, 0);
    expect_ack(&f, nxt, 101);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":2,\"segments\":2,\"synack_mss\":1000}");
    fe_free(&f);
}

/* A RST ends the exchange; it is never answered. */
static void test_rst_ends(void **state)
{
    (void)state;
    struct fe f;
    to_request(&f, FE_V4);
    deliver(&f, TCP_FLAG_RST, 1, 0, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":2,\"segments\":2,\"synack_mss\":1000}");
    fe_free(&f);
}

static void test_nothing_judged_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6);
    synack(&f, isn, 0, JUDGE_SKIPS);
    uint32_t nxt = expect_request(&f, isn, 1220);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, nxt, 10, JUDGE_SKIPS);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, NOT_EXERCISED,
                     "{\"judged\":0,\"segments\":2,\"synack_mss\":null}");
    fe_free(&f);
}

/* ---- the judge's word at once ---- */

static void test_synack_violates(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V4);
    synack(&f, isn, THEIR_MSS, JUDGE_VIOLATES);
    expect_close(&f, 1, isn + 1); /* the ACK, then the close: no request */
    fe_expect_result(&f, TC_FAIL, STAGE, BROKEN,
                     "{\"judged\":1,\"relative_seq\":0,\"segments\":1,\"synack_mss\":1000}");
    assert_int_equal(request_hint_seen, 0);
    fe_free(&f);
}

static void test_synack_settles(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, FE_V6);
    synack(&f, isn, THEIR_MSS, JUDGE_SETTLES);
    expect_close(&f, 1, isn + 1);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":1,\"segments\":1,\"synack_mss\":1000}");
    fe_free(&f);
}

static void test_reply_violates(void **state)
{
    (void)state;
    struct fe f;
    uint32_t nxt = to_request(&f, FE_V4);
    deliver(&f, TCP_FLAG_ACK, 1, nxt, 100, 0);
    expect_ack(&f, nxt, 101);
    deliver(&f, TCP_FLAG_ACK, 101, nxt, 100, JUDGE_VIOLATES);
    expect_close(&f, 0, nxt); /* not acknowledged: the close at once */
    fe_expect_result(&f, TC_FAIL, STAGE, BROKEN,
                     "{\"judged\":3,\"relative_seq\":101,\"segments\":3,\"synack_mss\":1000}");
    fe_free(&f);

    /* in a RST: nothing to close */
    to_request(&f, FE_V6);
    deliver(&f, TCP_FLAG_RST, 1, 0, 0, JUDGE_VIOLATES);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, BROKEN,
                     "{\"judged\":2,\"relative_seq\":1,\"segments\":2,\"synack_mss\":1000}");
    fe_free(&f);
}

/* ---- bounds: ACKs, the observation's length, the packet budget ---- */

static void test_bounds(void **state)
{
    (void)state;
    struct fe f;
    uint32_t nxt = to_request(&f, FE_V4);
    uint32_t rel = 1;
    size_t acks = 0;
    tc_time began = f.now;
    /* data trickling in just within the idle wait, for longer than the observation lasts */
    for (;;) {
        if (fe_timer_in(&f) < INFLIGHT - TC_MSEC) {
            fe_fire(&f);
            break;
        }
        fe_advance(&f, INFLIGHT - TC_MSEC);
        deliver(&f, TCP_FLAG_ACK, rel, nxt, 10, 0);
        acks += fe_n_out(&f);
        rel += 10;
    }
    assert_int_equal(acks, EXCHANGE_ACK_CAP);
    assert_int_equal(f.t.done_at, began + OBSERVE_MAX);
    expect_close(&f, 0, nxt);
    assert_true(f.t.done);
    assert_int_equal(f.t.result.status, TC_PASS);
    assert_true(fe_n_sent(&f) <= EXCHANGE_PACKET_BUDGET);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_opening_timeout_unk, reset_script),
        cmocka_unit_test_setup(test_opening_refused, reset_script),
        cmocka_unit_test_setup(test_request_within_mss, reset_script),
        cmocka_unit_test_setup(test_no_request_unk, reset_script),
        cmocka_unit_test_setup(test_reply_until_fin_passes, reset_script),
        cmocka_unit_test_setup(test_silence_ends, reset_script),
        cmocka_unit_test_setup(test_rst_ends, reset_script),
        cmocka_unit_test_setup(test_nothing_judged_unk, reset_script),
        cmocka_unit_test_setup(test_synack_violates, reset_script),
        cmocka_unit_test_setup(test_synack_settles, reset_script),
        cmocka_unit_test_setup(test_reply_violates, reset_script),
        cmocka_unit_test_setup(test_bounds, reset_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
