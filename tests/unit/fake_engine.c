/* A fake engine for unit tests: see fake_engine.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fake_engine.h"

#include "common/err.h"
#include "tracebox/ttl_code.h"

#define LOG_INITIAL 8

struct ip_addr fake_addr(const char *text)
{
    struct ip_addr a;
    assert_int_equal(ip_addr_parse(text, &a), TCPREQ_OK);
    return a;
}

/* Take what the case queued, as the engine's flow_after_event does. */
static void drain(struct fake *f)
{
    struct tc *t = &f->tc;
    for (size_t i = 0; i < t->n_out; i++) {
        if (f->n_log == f->cap_log) {
            size_t cap = f->cap_log ? f->cap_log * 2 : LOG_INITIAL;
            struct fake_packet *v = realloc(f->log, cap * sizeof(*v));
            assert_non_null(v);
            f->log = v;
            f->cap_log = cap;
        }
        f->log[f->n_log].at = f->now;
        f->log[f->n_log].pkt = t->out[i];
        f->n_log++;
    }
    tc_clear_out(t);
}

void fake_init(struct fake *f, const struct test_case *kind, int family,
               const struct tc_timing *timing, tc_time rtt_hint)
{
    assert_non_null(kind);
    memset(f, 0, sizeof(*f));
    bool v4 = family == IP_FAMILY_V4;
    f->env.src = fake_addr(v4 ? FAKE_PROBER_V4 : FAKE_PROBER_V6);
    f->env.dst = fake_addr(v4 ? FAKE_TARGET_V4 : FAKE_TARGET_V6);
    f->env.sport = FAKE_SPORT;
    f->env.dport = FAKE_DPORT;
    f->env.rtt_hint = rtt_hint;
    f->env.timing = timing != NULL ? timing : &tc_timing_default;
    f->env.seed = FAKE_SEED;
    f->now = FAKE_T0;
    assert_int_equal(tc_create(&f->tc, kind, &f->env), TCPREQ_OK);
}

void fake_destroy(struct fake *f)
{
    tc_destroy(&f->tc);
    free(f->log);
    memset(f, 0, sizeof(*f));
}

void fake_start(struct fake *f)
{
    tc_start(&f->tc, f->now);
    drain(f);
}

void fake_deliver_raw(struct fake *f, const uint8_t *l4, size_t len)
{
    tc_deliver_segment(&f->tc, l4, len, f->now);
    drain(f);
}

void fake_deliver(struct fake *f, const struct tcp_seg *seg)
{
    struct ip_params ip = {.src = f->env.dst, .dst = f->env.src};
    uint8_t buf[IP_PACKET_MAX];
    size_t len = 0;
    struct ip_view view;
    assert_int_equal(ip_tcp_build(&ip, seg, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(ip_parse(buf, len, &view), TCPREQ_OK);
    fake_deliver_raw(f, view.l4, view.l4_len);
}

void fake_deliver_quote(struct fake *f, const struct icmp_quote *q)
{
    tc_deliver_quote(&f->tc, q, f->now);
    drain(f);
}

void fake_advance(struct fake *f, tc_time dt)
{
    tc_time end = f->now + dt;
    while (!f->tc.done && f->tc.timer_at != 0 && f->tc.timer_at <= end) {
        f->now = f->tc.timer_at > f->now ? f->tc.timer_at : f->now;
        tc_fire_timer(&f->tc, f->now);
        drain(f);
    }
    f->now = end;
}

tc_time fake_timer_in(const struct fake *f)
{
    assert_false(f->tc.done);
    assert_int_not_equal(f->tc.timer_at, 0);
    assert_true(f->tc.timer_at >= f->now);
    return f->tc.timer_at - f->now;
}

tc_time fake_fire(struct fake *f)
{
    tc_time dt = fake_timer_in(f);
    f->now = f->tc.timer_at;
    tc_fire_timer(&f->tc, f->now);
    drain(f);
    return dt;
}

size_t fake_n_sent(const struct fake *f)
{
    return f->n_log;
}

const uint8_t *fake_sent_l4(const struct fake *f, size_t i, size_t *len)
{
    struct ip_view ip;
    assert_true(i < f->n_log);
    const struct tc_packet *p = &f->log[i].pkt;
    assert_int_equal(ip_parse(p->data, p->len, &ip), TCPREQ_OK);
    *len = ip.l4_len;
    return ip.l4;
}

void fake_sent(const struct fake *f, size_t i, struct ip_view *ip, struct tcp_seg *seg)
{
    struct ip_view local;
    struct ip_view *v = ip != NULL ? ip : &local;
    bool csum_ok = false;
    assert_true(i < f->n_log);
    const struct tc_packet *p = &f->log[i].pkt;
    assert_int_equal(ip_parse(p->data, p->len, v), TCPREQ_OK);
    assert_int_equal(v->proto, IPPROTO_TCP_NUM);
    assert_true(ip_addr_equal(&v->src, &f->env.src));
    assert_true(ip_addr_equal(&v->dst, &f->env.dst));
    assert_int_equal(tcp_seg_parse(v->l4, v->l4_len, &v->src, &v->dst, seg, &csum_ok),
                     TCPREQ_OK);
    assert_true(csum_ok);
    assert_int_equal(seg->sport, f->env.sport);
    assert_int_equal(seg->dport, f->env.dport);
}

void fake_expect_seg(const struct fake *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                     uint16_t window)
{
    struct tcp_seg seg;
    fake_sent(f, i, NULL, &seg);
    assert_int_equal(seg.flags, flags);
    assert_int_equal(seg.seq, seq);
    assert_int_equal(seg.ack, ack);
    assert_int_equal(seg.window, window);
}

void fake_target_seg(const struct fake *f, struct tcp_seg *seg, uint8_t flags, uint32_t seq,
                     uint32_t ack)
{
    tcp_seg_init(seg);
    seg->sport = f->env.dport;
    seg->dport = f->env.sport;
    seg->flags = flags;
    seg->seq = seq;
    seg->ack = ack;
}

void fake_synack(const struct fake *f, struct tcp_seg *seg, uint32_t their_isn, uint32_t our_isn)
{
    /* a window a real stack would offer, so that nothing depends on it being 0 */
    const uint16_t target_window = 65160;
    fake_target_seg(f, seg, TCP_FLAG_SYN | TCP_FLAG_ACK, their_isn, our_isn + 1);
    seg->window = target_window;
}

void fake_quote(const struct fake *f, size_t i, const char *router, struct icmp_quote *q)
{
    struct ip_view ip;
    assert_true(i < f->n_log);
    const struct tc_packet *p = &f->log[i].pkt;
    assert_int_equal(ip_parse(p->data, p->len, &ip), TCPREQ_OK);
    memset(q, 0, sizeof(*q));
    q->router = fake_addr(router);
    q->q_src = ip.src;
    q->q_dst = ip.dst;
    q->q_sport = f->env.sport;
    q->q_dport = f->env.dport;
    q->hop_guess = ip.src.family == IP_FAMILY_V4 ? ttl_decode_ipid(ip.ip_id) : 0;
    q->quote_len = ip.l4_len < QUOTE_MAX ? ip.l4_len : QUOTE_MAX;
    memcpy(q->quote, ip.l4, q->quote_len);
}
