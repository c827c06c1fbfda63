/* The ACK-generation cases, on a connection the framework opens, with the real HTTP ALP:
 * OutOfOrderQueueTest (SHLD-31: the request's second part, then its first; one cumulative
 * ACK covers both) and DelayedAckTest (MUST-40: a small segment acknowledged within 500 ms
 * plus the RTT). Every verdict path, the alive probe's answers, IPv4 and IPv6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tests_cases/registry.h"

#define THEIR_ISN 0x6e6e0000u
#define RTT (40 * TC_MSEC)
#define INFLIGHT (200 * TC_MSEC) /* 4 RTTs clamped to the 200 ms floor */
#define RETRANS (3 * TC_SEC + 2 * RTT)
#define ACK_DELAY_MAX (500 * TC_MSEC)
#define ORDER_GAP (2 * TC_MSEC)
#define ALIVE_BEHIND 0x20000u
#define WIN 0xffff
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define STAGE 1
#define NO_ALP_PORT 22
#define DA_PART 16

#define OOQ "OutOfOrderQueueTest"
#define DA "DelayedAckTest"
#define OOQ_DROPPED                                                                                \
    "Out-of-order segment not queued: after the fill the host acknowledges only the first part"
#define OOQ_UNSEEN                                                                                 \
    "Only the first part acknowledged, and no duplicate ACK showed that the second reached "       \
    "the host"
#define OOQ_NONE "Neither part acknowledged"
#define OOQ_RST "RST in reply to the out-of-order segment"
#define OOQ_GONE "Connection gone after the out-of-order segment"
#define OOQ_NO_ANSWER "No acknowledgment, and no answer to the alive probe"
#define DA_RST "RST in reply to the small segment"
#define DA_NO_ACK "No ACK for the small segment (the connection is still there)"
#define DA_GONE "No ACK for the small segment, and the connection is gone"
#define DA_NO_ANSWER "No ACK for the small segment, and no answer to the alive probe"

static uint8_t filler[1500];

/* The HTTP request (no size hint, no host name). */
static size_t http_request(const struct fe *f, uint8_t *buf, size_t cap)
{
    const struct alp *alp = alp_for_port(FE_DPORT);
    struct alp_peer peer = {.ip = f->t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp->open(&peer);
    ssize_t n = alp->pull(s, 0, buf, cap);
    alp->close(s);
    assert_true(n > 0);
    return (size_t)n;
}

/* The framework's opening: a plain SYN, its SYN-ACK one RTT later, our ACK at t.out[0]. */
static uint32_t open_conn(struct fe *f, const char *name, enum fe_family fam)
{
    fe_init(f, name, fam, &tc_timing_default);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t isn = p.seg.seq;
    fe_expect_plain(f, 0, TCP_FLAG_SYN, isn, 0, WIN);
    fe_advance(f, RTT);
    fe_deliver(f, SYNACK, THEIR_ISN, isn + 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN);
    assert_int_equal(f->t.rtt, RTT);
    return isn + 1;
}

/* A segment from the target at THEIR_ISN + 1, len bytes. */
static void deliver(struct fe *f, uint8_t flags, uint32_t ack, size_t len)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + 1, ack);
    seg.payload = filler;
    seg.payload_len = len;
    fe_deliver_seg(f, &seg, false);
}

static void expect_close(struct fe *f, size_t i, uint32_t nxt)
{
    assert_int_equal(fe_n_out(f), i + 1);
    fe_expect_plain(f, i, TCP_FLAG_RST, nxt, 0, 0);
}

/* The alive probe at t.out[0]: an ACK far behind SND.NXT. */
static void expect_alive_probe(struct fe *f, uint32_t nxt)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, nxt - ALIVE_BEHIND, THEIR_ISN + 1, WIN);
}

static void test_registration(void **state)
{
    (void)state;
    const struct test_case *ooq = test_case_by_name(OOQ), *da = test_case_by_name(DA);
    assert_non_null(ooq);
    assert_non_null(da);
    assert_string_equal(ooq->req.id, "SHLD-31");
    assert_string_equal(da->req.id, "MUST-40");
    assert_false(ooq->default_on);
    assert_false(da->default_on);
    assert_true(ooq->needs_alp && da->needs_alp);
    assert_int_equal(ooq->packet_budget, 7);
    assert_int_equal(da->packet_budget, 6);
}

/* ---- OutOfOrderQueueTest ---- */

struct parts {
    uint32_t start, mid, end;
};

/* After the opening: the second part at once (PSH), the first ORDER_GAP later; the ACKs
 * awaited for the in-flight wait plus MUST-40's delayed-ACK bound. */
static struct parts ooq_to_fill(struct fe *f, enum fe_family fam)
{
    uint32_t start = open_conn(f, OOQ, fam);
    uint8_t req[1460];
    size_t n = http_request(f, req, sizeof(req));
    size_t first = n / 2;
    struct parts p = {start, start + (uint32_t)first, start + (uint32_t)n};
    assert_int_equal(fe_n_out(f), 3);
    struct fe_pkt pkt;
    fe_expect_pkt(f, 1, TCP_FLAG_ACK | TCP_FLAG_PSH, p.mid, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    fe_pkt(f, 1, &pkt);
    assert_int_equal(pkt.seg.payload_len, n - first);
    assert_memory_equal(pkt.seg.payload, req + first, n - first);
    assert_int_equal(f->t.out[1].delay, 0);
    fe_expect_pkt(f, 2, TCP_FLAG_ACK, p.start, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    fe_pkt(f, 2, &pkt);
    assert_int_equal(pkt.seg.payload_len, first);
    assert_memory_equal(pkt.seg.payload, req, first);
    assert_int_equal(f->t.out[2].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + INFLIGHT + ACK_DELAY_MAX);
    return p;
}

static void ooq_custom(const struct parts *p, bool dup, char *buf, size_t cap)
{
    snprintf(buf, cap, "{\"duplicate_ack\":%s,\"first_part\":%u,\"second_part\":%u}",
             dup ? "true" : "false", (unsigned)(p->mid - p->start), (unsigned)(p->end - p->mid));
}

/* The duplicate ACK for the hole, then one ACK covering both parts. */
static void ooq_cumulative_ack_passes(enum fe_family fam)
{
    struct fe f;
    struct parts p = ooq_to_fill(&f, fam);
    fe_advance(&f, RTT);
    deliver(&f, TCP_FLAG_ACK, p.start, 0);
    assert_int_equal(fe_n_out(&f), 0);
    deliver(&f, TCP_FLAG_ACK, p.end, 0);
    expect_close(&f, 0, p.end);
    char custom[128];
    ooq_custom(&p, true, custom, sizeof(custom));
    fe_expect_result(&f, TC_PASS, -1, "", custom);
    fe_free(&f);
}

static void test_ooq_cumulative_ack_passes_v4(void **state)
{
    (void)state;
    ooq_cumulative_ack_passes(FE_V4);
}

static void test_ooq_cumulative_ack_passes_v6(void **state)
{
    (void)state;
    ooq_cumulative_ack_passes(FE_V6);
}

/* The reply's data acknowledges both; an ACK of the first part first is no verdict yet. */
static void test_ooq_other_passes(void **state)
{
    (void)state;
    struct fe f;
    struct parts p = ooq_to_fill(&f, FE_V4);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, p.end, 100);
    expect_close(&f, 0, p.end);
    char custom[128];
    ooq_custom(&p, false, custom, sizeof(custom));
    fe_expect_result(&f, TC_PASS, -1, "", custom);
    fe_free(&f);

    p = ooq_to_fill(&f, FE_V6);
    deliver(&f, TCP_FLAG_ACK, p.mid, 0);
    assert_false(f.t.done);
    deliver(&f, TCP_FLAG_ACK, p.end, 0);
    ooq_custom(&p, false, custom, sizeof(custom));
    fe_expect_result(&f, TC_PASS, -1, "", custom);
    fe_free(&f);
}

/* Asked after the wait: the alive probe's answer gives the host's RCV.NXT. */
static void ooq_asked(enum fe_family fam, bool dup, bool partial, uint32_t rcv_nxt_rel,
                      enum tc_status st, const char *reason)
{
    struct fe f;
    struct parts p = ooq_to_fill(&f, fam);
    if (dup)
        deliver(&f, TCP_FLAG_ACK, p.start, 0);
    if (partial)
        deliver(&f, TCP_FLAG_ACK, p.mid, 0);
    if (dup || partial)
        assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    expect_alive_probe(&f, p.end);
    assert_int_equal(fe_timer_in(&f), INFLIGHT);
    fe_advance(&f, RTT);
    deliver(&f, TCP_FLAG_ACK, p.start + rcv_nxt_rel, 0);
    expect_close(&f, 0, p.end);
    char custom[128];
    ooq_custom(&p, dup, custom, sizeof(custom));
    fe_expect_result(&f, st, st == TC_PASS ? -1 : STAGE, st == TC_PASS ? "" : reason, custom);
    fe_free(&f);
}

static void test_ooq_asked(void **state)
{
    (void)state;
    /* the parts' sizes, from a run up to the fill */
    struct fe f;
    struct parts p = ooq_to_fill(&f, FE_V6);
    uint32_t mid_rel = p.mid - p.start, end_rel = p.end - p.start;
    fe_free(&f);
    /* the hole was seen (duplicate ACK), the host is still at the first part's end */
    ooq_asked(FE_V4, true, true, mid_rel, TC_FAIL, OOQ_DROPPED);
    ooq_asked(FE_V6, true, false, mid_rel, TC_FAIL, OOQ_DROPPED);
    /* no duplicate ACK: the second part may never have arrived */
    ooq_asked(FE_V6, false, true, mid_rel, TC_UNK, OOQ_UNSEEN);
    ooq_asked(FE_V4, false, false, 0, TC_UNK, OOQ_NONE);
    /* silent, but it holds both: queued */
    ooq_asked(FE_V4, true, false, end_rel, TC_PASS, NULL);
}

static void test_ooq_unk(void **state)
{
    (void)state;
    struct fe f;
    struct parts p = ooq_to_fill(&f, FE_V4);
    deliver(&f, TCP_FLAG_RST, 0, 0);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is never answered */
    char custom[128];
    ooq_custom(&p, false, custom, sizeof(custom));
    fe_expect_result(&f, TC_UNK, STAGE, OOQ_RST, custom);
    fe_free(&f);

    p = ooq_to_fill(&f, FE_V6);
    fe_fire(&f);
    expect_alive_probe(&f, p.end);
    deliver(&f, TCP_FLAG_RST, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, OOQ_GONE, custom);
    fe_free(&f);

    p = ooq_to_fill(&f, FE_V4);
    fe_fire(&f);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    expect_close(&f, 0, p.end);
    fe_expect_result(&f, TC_UNK, STAGE, OOQ_NO_ANSWER, custom);
    fe_free(&f);
}

/* No ALP for the port: the opened connection closed, UNK before anything was tested. */
static void no_alp_unk(const char *name)
{
    struct fe f;
    fe_init(&f, name, FE_V4, &tc_timing_default);
    f.t.env.dport = NO_ALP_PORT;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, THEIR_ISN, p.seg.seq + 1);
    seg.sport = NO_ALP_PORT;
    fe_deliver_seg(&f, &seg, false);
    expect_close(&f, 1, p.seg.seq + 1);
    fe_expect_result(&f, TC_UNK, 0, "Missing ALP module for port 22", NULL);
    fe_free(&f);
}

static void test_no_alp_unk(void **state)
{
    (void)state;
    no_alp_unk(OOQ);
    no_alp_unk(DA);
}

/* ---- DelayedAckTest ---- */

/* After the opening: the request's first DA_PART octets (PSH), an ACK awaited for a
 * retransmission timeout. Returns our next sequence number. */
static uint32_t da_to_segment(struct fe *f, enum fe_family fam)
{
    uint32_t start = open_conn(f, DA, fam);
    uint8_t req[1460];
    http_request(f, req, sizeof(req));
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_pkt(f, 1, TCP_FLAG_ACK | TCP_FLAG_PSH, start, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    struct fe_pkt pkt;
    fe_pkt(f, 1, &pkt);
    assert_int_equal(pkt.seg.payload_len, DA_PART);
    assert_memory_equal(pkt.seg.payload, req, DA_PART);
    assert_int_equal(fe_timer_in(f), RETRANS);
    return start + DA_PART;
}

static void da_acked_after(enum fe_family fam, tc_time after, uint8_t flags, size_t len,
                           enum tc_status st, const char *custom, const char *reason)
{
    struct fe f;
    uint32_t nxt = da_to_segment(&f, fam);
    fe_advance(&f, after);
    deliver(&f, flags, nxt, len);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, st, st == TC_PASS ? -1 : STAGE, reason, custom);
    fe_free(&f);
}

static void test_da_in_time_passes(void **state)
{
    (void)state;
    da_acked_after(
        FE_V4, 100 * TC_MSEC, TCP_FLAG_ACK, 0, TC_PASS,
        "{\"ack_after_us\":100000,\"ack_delay_us\":60000,\"ack_with_data\":false,\"rtt_us\":40000}",
        "");
    /* at the bound exactly, riding on data */
    da_acked_after(
        FE_V6, ACK_DELAY_MAX + RTT, TCP_FLAG_ACK | TCP_FLAG_PSH, 50, TC_PASS,
        "{\"ack_after_us\":540000,\"ack_delay_us\":500000,\"ack_with_data\":true,\"rtt_us\":40000}",
        "");
    /* sooner than the handshake's RTT: no negative delay */
    da_acked_after(
        FE_V6, 10 * TC_MSEC, TCP_FLAG_ACK, 0, TC_PASS,
        "{\"ack_after_us\":10000,\"ack_delay_us\":0,\"ack_with_data\":false,\"rtt_us\":40000}", "");
}

static void test_da_late_fails(void **state)
{
    (void)state;
    da_acked_after(FE_V4, ACK_DELAY_MAX + RTT + TC_MSEC, TCP_FLAG_ACK, 0, TC_FAIL,
                   "{\"ack_after_us\":541000,\"ack_delay_us\":501000,\"ack_with_data\":false,\"rtt_"
                   "us\":40000}",
                   "ACK later than 500 ms plus the RTT");
    da_acked_after(FE_V6, 2 * TC_SEC, TCP_FLAG_ACK, 0, TC_FAIL,
                   "{\"ack_after_us\":2000000,\"ack_delay_us\":1960000,\"ack_with_data\":false,"
                   "\"rtt_us\":40000}",
                   "ACK later than 500 ms plus the RTT");
}

/* ACKs of less than the segment are not its ACK; a RST ends the test. */
static void test_da_other_segments(void **state)
{
    (void)state;
    struct fe f;
    uint32_t nxt = da_to_segment(&f, FE_V4);
    deliver(&f, TCP_FLAG_ACK, nxt - DA_PART, 0);
    deliver(&f, TCP_FLAG_ACK, nxt - 1, 0);
    deliver(&f, TCP_FLAG_ACK, nxt + 1, 0); /* beyond what we sent */
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    deliver(&f, TCP_FLAG_RST, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, DA_RST, NULL);
    fe_free(&f);
}

/* No ACK within a retransmission timeout: the alive probe, and UNK whatever it says. */
static void test_da_silence_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t nxt = da_to_segment(&f, FE_V6);
    fe_fire(&f);
    expect_alive_probe(&f, nxt);
    assert_int_equal(fe_timer_in(&f), INFLIGHT);
    deliver(&f, TCP_FLAG_ACK, nxt, 0); /* its answer, which acknowledges the segment */
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, DA_NO_ACK, NULL);
    fe_free(&f);

    nxt = da_to_segment(&f, FE_V4);
    fe_fire(&f);
    deliver(&f, TCP_FLAG_RST, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, DA_GONE, NULL);
    fe_free(&f);

    nxt = da_to_segment(&f, FE_V4);
    fe_fire(&f);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, DA_NO_ANSWER, NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration),
        cmocka_unit_test(test_ooq_cumulative_ack_passes_v4),
        cmocka_unit_test(test_ooq_cumulative_ack_passes_v6),
        cmocka_unit_test(test_ooq_other_passes),
        cmocka_unit_test(test_ooq_asked),
        cmocka_unit_test(test_ooq_unk),
        cmocka_unit_test(test_no_alp_unk),
        cmocka_unit_test(test_da_in_time_passes),
        cmocka_unit_test(test_da_late_fails),
        cmocka_unit_test(test_da_other_segments),
        cmocka_unit_test(test_da_silence_unk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
