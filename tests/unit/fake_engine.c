#include "fake_engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

#define FE_V4_SRC "198.18.1.2"
#define FE_V4_DST "198.18.3.2"
#define FE_V6_SRC "fd00:7463:1::2"
#define FE_V6_DST "fd00:7463:3::2"
#define FE_TARGET_WINDOW 65535
#define TCP_OFF_DATA_OFF 12
#define TCP_OFF_CSUM_LO 17
#define DATA_OFF_SHIFT 4
#define DATA_OFF_WORD 4
#define FE_ROUTERS 3
/* The code of a TTL: three 5-bit copies (written out here, independent of ttl_code.c). */
#define FE_CODE_HI_SHIFT 11
#define FE_CODE_MID_SHIFT 5

static const char *const fe_routers_v4[FE_ROUTERS] = {"198.18.1.1", "198.18.2.2", "198.18.3.1"};
static const char *const fe_routers_v6[FE_ROUTERS] = {"fd00:7463:1::1", "fd00:7463:2::1",
                                                      "fd00:7463:3::1"};

static uint16_t ttl_code(unsigned ttl)
{
    return (uint16_t)((ttl << FE_CODE_HI_SHIFT) | (ttl << FE_CODE_MID_SHIFT) | ttl);
}

struct ip_addr fe_addr(const char *text)
{
    struct ip_addr a;
    assert_int_equal(ip_addr_parse(text, &a), 0);
    return a;
}

void fe_init_kind(struct fe *f, const struct test_case *kind, enum fe_family fam,
                  const struct tc_timing *timing)
{
    assert_non_null(kind);
    memset(f, 0, sizeof(*f));
    struct tc_env env = {
        .src = fe_addr(fam == FE_V4 ? FE_V4_SRC : FE_V6_SRC),
        .dst = fe_addr(fam == FE_V4 ? FE_V4_DST : FE_V6_DST),
        .sport = FE_SPORT,
        .dport = FE_DPORT,
        .rtt_hint = 0,
        .timing = timing,
        .seed = FE_SEED,
    };
    assert_int_equal(tc_create(&f->t, kind, &env), 0);
    f->now = FE_T0;
}

void fe_init(struct fe *f, const char *case_name, enum fe_family fam,
             const struct tc_timing *timing)
{
    fe_init_kind(f, test_case_by_name(case_name), fam, timing);
}

void fe_free(struct fe *f)
{
    tc_destroy(&f->t);
    free(f->log);
    memset(f, 0, sizeof(*f));
}

/* What an engine does after every call into the case: send (here: log) and forget. */
static void drain(struct fe *f)
{
    for (size_t i = 0; i < f->t.n_out; i++) {
        if (f->n_log == f->cap_log) {
            f->cap_log = f->cap_log ? 2 * f->cap_log : 64;
            f->log = realloc(f->log, f->cap_log * sizeof(*f->log));
            assert_non_null(f->log);
        }
        f->log[f->n_log++] = f->t.out[i];
    }
    tc_clear_out(&f->t);
}

void fe_start(struct fe *f)
{
    drain(f);
    tc_start(&f->t, f->now);
}

void fe_advance(struct fe *f, tc_time dt)
{
    f->now += dt;
}

tc_time fe_timer_in(const struct fe *f)
{
    assert_true(f->t.timer_at != 0);
    assert_true(f->t.timer_at >= f->now);
    return f->t.timer_at - f->now;
}

tc_time fe_fire(struct fe *f)
{
    tc_time wait = fe_timer_in(f);
    f->now = f->t.timer_at;
    drain(f);
    tc_fire_timer(&f->t, f->now);
    return wait;
}

void fe_deliver_bytes(struct fe *f, const uint8_t *l4, size_t len)
{
    drain(f);
    tc_deliver_segment(&f->t, l4, len, f->rx_ttl, f->rx_tos, f->now);
}

void fe_target_seg(struct tcp_seg *seg, uint8_t flags, uint32_t seq, uint32_t ack)
{
    tcp_seg_init(seg);
    seg->sport = FE_DPORT;
    seg->dport = FE_SPORT;
    seg->flags = flags;
    seg->seq = seq;
    seg->ack = ack;
    seg->window = FE_TARGET_WINDOW;
}

void fe_build_target(const struct fe *f, const struct tcp_seg *seg, bool bad_csum,
                     struct tc_packet *pkt, const uint8_t **l4, size_t *l4_len)
{
    struct ip_params ip = {.src = f->t.env.dst, .dst = f->t.env.src};
    assert_int_equal(ip_tcp_build(&ip, seg, pkt->data, sizeof(pkt->data), &pkt->len), 0);
    size_t ip_hdr = f->t.env.src.family == IP_FAMILY_V4 ? IPV4_HDR_MIN : IPV6_HDR_LEN;
    *l4 = pkt->data + ip_hdr;
    *l4_len = pkt->len - ip_hdr;
    if (bad_csum)
        pkt->data[ip_hdr + TCP_OFF_CSUM_LO] ^= 1;
}

void fe_deliver_seg(struct fe *f, const struct tcp_seg *seg, bool bad_csum)
{
    struct tc_packet pkt;
    const uint8_t *l4;
    size_t len;
    fe_build_target(f, seg, bad_csum, &pkt, &l4, &len);
    fe_deliver_bytes(f, l4, len);
}

void fe_deliver(struct fe *f, uint8_t flags, uint32_t seq, uint32_t ack)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, seq, ack);
    fe_deliver_seg(f, &seg, false);
}

void fe_deliver_quote(struct fe *f, const struct icmp_quote *q)
{
    drain(f);
    tc_deliver_quote(&f->t, q, f->now);
}

size_t fe_n_out(const struct fe *f)
{
    return f->t.n_out;
}

static void parse_packet(const struct tc_packet *pkt, struct fe_pkt *p)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(ip_parse(pkt->data, pkt->len, &p->ip), 0);
    assert_int_equal(p->ip.proto, IPPROTO_TCP_NUM);
    /* The header must be whole; an option list that does not parse is allowed, since
     * cases send illegal ones on purpose (MUST-7): tcp_seg_parse fills in the header all
     * the same, and opts_hex shows the raw bytes. */
    assert_true(p->ip.l4_len >= TCP_HDR_MIN);
    size_t hdr_len = (size_t)(p->ip.l4[TCP_OFF_DATA_OFF] >> DATA_OFF_SHIFT) * DATA_OFF_WORD;
    assert_true(hdr_len >= TCP_HDR_MIN && hdr_len <= p->ip.l4_len);
    bool csum_ok = false;
    int rc = tcp_seg_parse(p->ip.l4, p->ip.l4_len, &p->ip.src, &p->ip.dst, &p->seg, &csum_ok);
    assert_true(rc == TCPREQ_OK || rc == TCPREQ_EINVAL || rc == TCPREQ_ETRUNC);
    assert_true(csum_ok);
    size_t n = hdr_len - TCP_HDR_MIN;
    for (size_t i = 0; i < n; i++)
        snprintf(p->opts_hex + 2 * i, 3, "%02x", p->ip.l4[TCP_HDR_MIN + i]);
}

void fe_pkt(const struct fe *f, size_t i, struct fe_pkt *p)
{
    assert_true(i < f->t.n_out);
    parse_packet(&f->t.out[i], p);
    assert_true(ip_addr_equal(&p->ip.src, &f->t.env.src));
    assert_true(ip_addr_equal(&p->ip.dst, &f->t.env.dst));
    assert_int_equal(p->seg.sport, FE_SPORT);
    assert_int_equal(p->seg.dport, f->t.env.dport);
}

const struct tc_packet *fe_sent(const struct fe *f, size_t k)
{
    /* the log lags t.out by one event: look there for the latest packets */
    if (k < f->n_log)
        return &f->log[k];
    assert_true(k - f->n_log < f->t.n_out);
    return &f->t.out[k - f->n_log];
}

size_t fe_n_sent(const struct fe *f)
{
    return f->n_log + f->t.n_out;
}

void fe_expect_pkt(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint16_t window, unsigned ttl, uint16_t ip_id)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    assert_int_equal(p.seg.flags, flags);
    assert_int_equal(p.seg.seq, seq);
    assert_int_equal(p.seg.ack, ack);
    assert_int_equal(p.seg.window, window);
    assert_int_equal(p.ip.ttl, ttl);
    assert_int_equal(p.ip.ip_id, ip_id);
}

void fe_expect_plain(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                     uint16_t window)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    fe_expect_pkt(f, i, flags, seq, ack, window, IP_DEFAULT_TTL, 0);
    assert_string_equal(p.opts_hex, "");
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_int_equal(p.seg.payload_len, 0);
}

void fe_expect_result(const struct fe *f, enum tc_status st, int stage, const char *reason,
                      const char *custom_json)
{
    assert_true(f->t.done);
    assert_string_equal(tc_status_name(f->t.result.status), tc_status_name(st));
    assert_int_equal(f->t.result.stage, stage);
    assert_string_equal(f->t.result.reason, reason);
    assert_int_equal(f->t.timer_at, 0);
    if (custom_json == NULL) {
        assert_null(f->t.result.custom);
        return;
    }
    assert_non_null(f->t.result.custom);
    char *text = json_dumps(f->t.result.custom, JSON_COMPACT | JSON_SORT_KEYS);
    assert_non_null(text);
    assert_string_equal(text, custom_json);
    free(text);
}

void fe_expect_hop(const struct fe *f, size_t i, unsigned hop, const char *router)
{
    assert_true(i < f->t.path_len);
    assert_int_equal(f->t.path[i].hop, hop);
    struct ip_addr want = fe_addr(router);
    assert_true(ip_addr_equal(&f->t.path[i].router, &want));
}

void fe_make_quote(const struct tc_packet *sent, const char *router, struct icmp_quote *q)
{
    struct ip_view ip;
    memset(q, 0, sizeof(*q));
    assert_int_equal(ip_parse(sent->data, sent->len, &ip), 0);
    assert_true(ip.l4_len >= TCP_HDR_MIN);
    q->router = fe_addr(router);
    q->q_src = ip.src;
    q->q_dst = ip.dst;
    q->q_sport = (uint16_t)((ip.l4[0] << 8) | ip.l4[1]);
    q->q_dport = (uint16_t)((ip.l4[2] << 8) | ip.l4[3]);
    q->hop_guess = ip.src.family == IP_FAMILY_V4 ? ttl_decode_ipid(ip.ip_id) : 0;
    q->q_tos = ip.tos;
    q->quote_len = ip.l4_len < QUOTE_MAX ? ip.l4_len : QUOTE_MAX;
    memcpy(q->quote, ip.l4, q->quote_len);
}

uint32_t fe_expect_burst(const struct fe *f, const char *opts_hex)
{
    assert_int_equal(fe_n_out(f), HOP_LIMIT);
    bool v4 = f->t.env.src.family == IP_FAMILY_V4;
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t seq = p.seg.seq;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        uint16_t code = ttl_code(ttl);
        fe_expect_pkt(f, ttl - 1, TCP_FLAG_SYN, seq, ((uint32_t)code << 16) | code, code, ttl,
                      v4 ? code : 0);
        fe_pkt(f, ttl - 1, &p);
        assert_int_equal(p.seg.urg_ptr, code);
        assert_string_equal(p.opts_hex, opts_hex);
        assert_int_equal(p.seg.payload_len, 0);
    }
    return seq;
}

void fe_set_path(struct fe *f, unsigned host_hop, uint32_t quoting)
{
    f->t.env.path = (struct path_info){
        .discovered = true,
        .host_hop = (uint8_t)host_hop,
        .host_hop_source = host_hop != 0 ? PATH_HOP_ACK_RST : PATH_HOP_UNKNOWN,
        .quoting = quoting,
    };
}

void fe_set_lab_path(struct fe *f)
{
    fe_set_path(f, 3, (1u << 1) | (1u << 2));
}

/* The copy at t.out[i]: TTL ttl, its code in fields, the rest as the probe. */
static void expect_copy(const struct fe *f, size_t i, unsigned ttl, unsigned fields, uint8_t flags,
                        uint32_t seq, const char *opts_hex)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    uint16_t code = ttl_code(ttl);
    bool v4 = f->t.env.src.family == IP_FAMILY_V4;
    assert_int_equal(p.seg.flags, flags);
    assert_int_equal(p.seg.seq, seq);
    assert_int_equal(p.ip.ttl, ttl);
    assert_int_equal(p.seg.payload_len, 0);
    if (fields & TTL_ENC_ACK)
        assert_int_equal(p.seg.ack, ((uint32_t)code << 16) | code);
    if (fields & TTL_ENC_WIN)
        assert_int_equal(p.seg.window, code);
    if (fields & TTL_ENC_URG)
        assert_int_equal(p.seg.urg_ptr, code);
    if ((fields & TTL_ENC_IPID) && v4)
        assert_int_equal(p.ip.ip_id, code);
    if (opts_hex != NULL)
        assert_string_equal(p.opts_hex, opts_hex);
}

uint32_t fe_expect_probe(const struct fe *f, size_t first, unsigned copies, unsigned fields,
                         uint8_t flags, const char *opts_hex)
{
    assert_true(fe_n_out(f) >= first + 1 + copies);
    struct fe_pkt p;
    fe_pkt(f, first, &p);
    uint32_t seq = p.seg.seq;
    expect_copy(f, first, HOP_LIMIT, fields, flags, seq, NULL);
    assert_int_equal(f->t.out[first].delay, 0);
    for (unsigned ttl = 1; ttl <= copies; ttl++) {
        expect_copy(f, first + ttl, ttl, fields, flags, seq, opts_hex);
        assert_int_equal(f->t.out[first + ttl].delay, (tc_time)ttl * TC_BURST_GAP);
    }
    return seq;
}

const char *fe_router(enum fe_family fam, unsigned hop)
{
    assert_true(hop >= 1 && hop <= FE_ROUTERS);
    return (fam == FE_V4 ? fe_routers_v4 : fe_routers_v6)[hop - 1];
}

static enum fe_family family_of(const struct fe *f)
{
    return f->t.env.src.family == IP_FAMILY_V4 ? FE_V4 : FE_V6;
}

/* The first packet sent with IP TTL ttl. */
static const struct tc_packet *sent_with_ttl(const struct fe *f, unsigned ttl)
{
    for (size_t k = 0; k < fe_n_sent(f); k++) {
        struct ip_view ip;
        const struct tc_packet *pkt = fe_sent(f, k);
        assert_int_equal(ip_parse(pkt->data, pkt->len, &ip), 0);
        if (ip.ttl == ttl)
            return pkt;
    }
    fail_msg("no packet sent with TTL %u", ttl);
    return NULL;
}

void fe_deliver_burst_quote(struct fe *f, unsigned ttl, const void *opts, size_t n)
{
    struct icmp_quote q;
    assert_true(ttl >= 1);
    fe_make_quote(sent_with_ttl(f, ttl), fe_router(family_of(f), ttl), &q);
    if (opts != NULL) {
        assert_true(q.quote_len >= TCP_HDR_MIN + n);
        memcpy(q.quote + TCP_HDR_MIN, opts, n);
    }
    fe_deliver_quote(f, &q);
}

void fe_deliver_burst_quote_stripped(struct fe *f, unsigned ttl)
{
    struct icmp_quote q;
    assert_true(ttl >= 1);
    fe_make_quote(sent_with_ttl(f, ttl), fe_router(family_of(f), ttl), &q);
    q.quote[TCP_OFF_DATA_OFF] = (uint8_t)((TCP_HDR_MIN / DATA_OFF_WORD) << DATA_OFF_SHIFT);
    q.quote_len = TCP_HDR_MIN;
    fe_deliver_quote(f, &q);
}

void fe_expect_lab_path(const struct fe *f, size_t n)
{
    assert_int_equal(f->t.path_len, n);
    for (size_t i = 0; i < n; i++)
        fe_expect_hop(f, i, (unsigned)i + 1, fe_router(family_of(f), (unsigned)i + 1));
}
