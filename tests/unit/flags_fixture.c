/* Shared fixture of the ReservedFlagsTest and UrgentPointerTest unit tests. */
#include "flags_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"

/* ---- fake ALPs ---- */

static char fake_session;

static struct alp_session *fake_open(const struct alp_peer *peer)
{
    (void)peer;
    return (struct alp_session *)(void *)&fake_session;
}

static struct alp_session *failing_open(const struct alp_peer *peer)
{
    (void)peer;
    return NULL;
}

static ssize_t small_pull(struct alp_session *s, size_t hint, uint8_t *buf, size_t cap)
{
    (void)s;
    (void)hint;
    assert_true(cap >= sizeof(SMALL_REQ) - 1);
    memcpy(buf, SMALL_REQ, sizeof(SMALL_REQ) - 1);
    return (ssize_t)(sizeof(SMALL_REQ) - 1);
}

static ssize_t big_pull(struct alp_session *s, size_t hint, uint8_t *buf, size_t cap)
{
    (void)s;
    (void)hint;
    assert_true(cap >= BIG_REQ_LEN);
    memset(buf, 'x', BIG_REQ_LEN);
    return BIG_REQ_LEN;
}

static ssize_t broken_pull(struct alp_session *s, size_t hint, uint8_t *buf, size_t cap)
{
    (void)s;
    (void)hint;
    (void)buf;
    (void)cap;
    return -1;
}

static void fake_push(struct alp_session *s, const uint8_t *data, size_t len)
{
    (void)s;
    (void)data;
    (void)len;
}

static void fake_close(struct alp_session *s)
{
    assert_ptr_equal(s, &fake_session);
}

#define FAKE_ALP(n, pull_fn)                                                                       \
    {                                                                                              \
        .name = (n), .open = fake_open, .pull = (pull_fn), .push = fake_push, .close = fake_close  \
    }
static const struct alp small_alp = FAKE_ALP("small", small_pull);
static const struct alp big_alp = FAKE_ALP("big", big_pull);
static const struct alp broken_alp = FAKE_ALP("broken", broken_pull);
static const struct alp no_session_alp = {.name = "no-session",
                                          .open = failing_open,
                                          .pull = broken_pull,
                                          .push = fake_push,
                                          .close = fake_close};

const struct alp *__real_alp_for_port(uint16_t port);
const struct alp *__wrap_alp_for_port(uint16_t port);
const struct alp *__wrap_alp_for_port(uint16_t port)
{
    switch (port) {
    case SMALL_ALP_PORT:
        return &small_alp;
    case BIG_ALP_PORT:
        return &big_alp;
    case BROKEN_ALP_PORT:
        return &broken_alp;
    case NO_SESSION_ALP_PORT:
        return &no_session_alp;
    default:
        return __real_alp_for_port(port);
    }
}

/* The request the real HTTP ALP gives for the fake engine's target. */
size_t ff_http_request(const struct fe *f, uint8_t *buf, size_t cap)
{
    const struct alp *alp = __real_alp_for_port(HTTP_PORT);
    assert_non_null(alp);
    struct alp_peer peer = {.ip = f->t.env.dst, .port = HTTP_PORT, .host = NULL};
    struct alp_session *s = alp->open(&peer);
    assert_non_null(s);
    ssize_t n = alp->pull(s, 500, buf, cap);
    alp->close(s);
    assert_true(n > 0 && n <= 1460);
    return (size_t)n;
}

/* ---- the fake engine on any target port ---- */

void ff_init(struct fe *f, const struct test_case *kind, enum fe_family fam,
             const struct tc_timing *timing, uint16_t port)
{
    fe_init_kind(f, kind, fam, timing);
    f->t.env.dport = port;
}

/* t.out[i] taken apart: a valid packet prober -> target with a good checksum. */
void ff_out(const struct fe *f, size_t i, struct fe_pkt *p)
{
    assert_true(i < f->t.n_out);
    memset(p, 0, sizeof(*p));
    assert_int_equal(ip_parse(f->t.out[i].data, f->t.out[i].len, &p->ip), 0);
    bool csum_ok = false;
    assert_int_equal(
        tcp_seg_parse(p->ip.l4, p->ip.l4_len, &p->ip.src, &p->ip.dst, &p->seg, &csum_ok), 0);
    assert_true(csum_ok);
    assert_int_equal(p->seg.sport, FE_SPORT);
    assert_int_equal(p->seg.dport, f->t.env.dport);
    size_t n = (size_t)p->seg.data_off * 4 - TCP_HDR_MIN;
    for (size_t k = 0; k < n; k++)
        snprintf(p->opts_hex + 2 * k, 3, "%02x", p->ip.l4[TCP_HDR_MIN + k]);
}

/* A plain packet: default TTL, IP ID 0, no options. */
void ff_expect(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
               uint16_t window, uint8_t reserved, size_t payload_len)
{
    struct fe_pkt p;
    ff_out(f, i, &p);
    assert_int_equal(p.seg.flags, flags);
    assert_int_equal(p.seg.seq, seq);
    assert_int_equal(p.seg.ack, ack);
    assert_int_equal(p.seg.window, window);
    assert_int_equal(p.seg.reserved, reserved);
    assert_int_equal(p.seg.payload_len, payload_len);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_int_equal(p.ip.ttl, IP_DEFAULT_TTL);
    assert_int_equal(p.ip.ip_id, 0);
    assert_string_equal(p.opts_hex, "");
}

void ff_expect_rst(const struct fe *f, size_t i, uint32_t seq)
{
    ff_expect(f, i, TCP_FLAG_RST, seq, 0, 0, 0, 0);
}

void ff_deliver(struct fe *f, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t reserved,
                size_t payload_len)
{
    static const uint8_t data[64];
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, seq, ack);
    seg.sport = f->t.env.dport;
    seg.reserved = reserved;
    assert_true(payload_len <= sizeof(data));
    seg.payload = data;
    seg.payload_len = payload_len;
    fe_deliver_seg(f, &seg, false);
}

void ff_noops_eol_hex(unsigned ttl, char *buf)
{
    size_t n = 0;
    for (unsigned k = 0; k < ttl; k++)
        n += (size_t)sprintf(buf + n, "01");
    n += (size_t)sprintf(buf + n, "00");
    while (n % 8 != 0) /* padding to a 32-bit boundary */
        n += (size_t)sprintf(buf + n, "00");
}

/* A quote of the k-th packet sent, its reserved nibble or URG fields as given. */
void ff_quote_of(const struct fe *f, size_t k, const char *router, struct icmp_quote *q)
{
    fe_make_quote(fe_sent(f, k), router, q);
}

void ff_quote_ttl(const struct fe *f, unsigned ttl, struct icmp_quote *q)
{
    enum fe_family fam = f->t.env.src.family == IP_FAMILY_V4 ? FE_V4 : FE_V6;
    for (size_t k = 0; k < fe_n_sent(f); k++) {
        struct ip_view ip;
        const struct tc_packet *pkt = fe_sent(f, k);
        assert_int_equal(ip_parse(pkt->data, pkt->len, &ip), 0);
        if (ip.ttl == ttl) {
            fe_make_quote(pkt, fe_router(fam, ttl), q);
            return;
        }
    }
    fail_msg("no packet sent with TTL %u", ttl);
}
