/* Shared by the unit tests of IncorrectChecksumTest / ZeroChecksumTest: taking apart packets
 * that carry a wrong checksum on purpose (fe_pkt insists on a good one) and building the
 * quotes the path would send back. Header-only: every unit test links fake_engine.c alone. */
#ifndef TCPREQ_CHECKSUM_CASES_UTIL_H
#define TCPREQ_CHECKSUM_CASES_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tcp/checksum.h"
#include "tcp/fault.h"
#include "tests_cases/checksum_case.h"
#include "tracebox/ttl_code.h"

extern const struct test_case incorrect_checksum_test;
extern const struct test_case zero_checksum_test;

#define CU_OFF_CSUM 16
#define CU_OFF_DATA_OFF 12
#define CU_SPARE_BIT 0x0400

/* A packet we sent, parsed without judging its checksum, and its real checksum. */
struct cu_pkt {
    struct ip_view ip;
    struct tcp_seg seg;
    bool csum_ok;
    uint16_t real; /* recomputed over the packet with the checksum field zero */
};

static inline uint16_t cu_real_csum(const struct ip_addr *src, const struct ip_addr *dst,
                                    const uint8_t *l4, size_t len)
{
    uint8_t copy[IP_PACKET_MAX];
    assert_true(len <= sizeof(copy) && len >= TCP_HDR_MIN);
    memcpy(copy, l4, len);
    copy[CU_OFF_CSUM] = copy[CU_OFF_CSUM + 1] = 0;
    return csum_tcp(src, dst, copy, len);
}

static inline void cu_parse(const struct tc_packet *pkt, struct cu_pkt *p)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(ip_parse(pkt->data, pkt->len, &p->ip), 0);
    assert_int_equal(p->ip.proto, IPPROTO_TCP_NUM);
    assert_int_equal(
        tcp_seg_parse(p->ip.l4, p->ip.l4_len, &p->ip.src, &p->ip.dst, &p->seg, &p->csum_ok), 0);
    p->real = cu_real_csum(&p->ip.src, &p->ip.dst, p->ip.l4, p->ip.l4_len);
    /* the verifying parser and the recomputation agree */
    assert_true(p->csum_ok == (p->real == p->seg.checksum));
}

/* The real checksum of seg as the prober would build it to the target. */
static inline uint16_t cu_seg_csum(const struct fe *f, const struct tcp_seg *seg)
{
    uint8_t buf[IP_PACKET_MAX];
    size_t len;
    struct tcp_seg s = *seg;
    s.csum_fixed = false;
    assert_int_equal(tcp_seg_build(&s, &f->t.env.src, &f->t.env.dst, buf, sizeof(buf), &len), 0);
    return (uint16_t)((buf[CU_OFF_CSUM] << 8) | buf[CU_OFF_CSUM + 1]);
}

/* Check the copy of the traced SYN at t.out[i]: TTL ttl, the TTL code in IP ID (v4), ACK,
 * window, urgent pointer and options (ttl NOOPs then EOL), seq isn, and the wrong checksum cs
 * (the spare bit 10 of window and urgent pointer set only where the real checksum collided,
 * counted in *n_fixed). */
static inline void cu_check_copy(const struct fe *f, size_t i, unsigned ttl, uint32_t isn,
                                 uint16_t cs, unsigned *n_fixed)
{
    struct cu_pkt p;
    cu_parse(&f->t.out[i], &p);
    uint16_t code = ttl_code16(ttl);
    bool v4 = f->t.env.src.family == IP_FAMILY_V4;
    assert_int_equal(p.ip.ttl, ttl);
    assert_int_equal(p.ip.ip_id, v4 ? code : 0);
    assert_int_equal(p.seg.flags, TCP_FLAG_SYN);
    assert_int_equal(p.seg.seq, isn);
    assert_int_equal(p.seg.ack, ((uint32_t)code << 16) | code);
    bool fixed = p.seg.window != code;
    if (fixed) {
        (*n_fixed)++;
        assert_int_equal(p.seg.window, code | CU_SPARE_BIT);
        assert_int_equal(p.seg.urg_ptr, code | CU_SPARE_BIT);
    } else {
        assert_int_equal(p.seg.urg_ptr, code);
    }
    size_t hl = (size_t)p.seg.data_off * 4;
    for (size_t k = TCP_HDR_MIN; k < hl; k++)
        assert_int_equal(p.ip.l4[k], k - TCP_HDR_MIN < ttl ? 1 : 0);
    assert_true(hl >= TCP_HDR_MIN + ttl + 1);
    assert_int_equal(p.seg.payload_len, 0);
    /* really wrong, and the same value in all of them */
    assert_int_equal(p.seg.checksum, cs);
    assert_false(p.csum_ok);
    assert_int_not_equal(p.real, cs);
    /* the hop still decodes from every field */
    assert_int_equal(ttl_decode_tcp(p.ip.l4, p.ip.l4_len, 0, HOP_LIMIT, TTL_ENC_TCP), ttl);
}

/* Check the traced SYN of a freshly started instance without path knowledge: the original's
 * burst, TTL 1..30 back to back, every copy as cu_check_copy says. Returns the ISN; *cs gets
 * the checksum, *n_fixed the number of collision fixes. */
static inline uint32_t cu_check_burst(const struct fe *f, uint16_t *cs, unsigned *n_fixed)
{
    assert_int_equal(fe_n_out(f), HOP_LIMIT);
    struct cu_pkt p;
    cu_parse(&f->t.out[0], &p);
    uint32_t isn = p.seg.seq;
    *cs = p.seg.checksum;
    *n_fixed = 0;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        cu_check_copy(f, ttl - 1, ttl, isn, *cs, n_fixed);
        assert_int_equal(f->t.out[ttl - 1].delay, 0);
    }
    assert_int_equal(f->t.ttl_fields, TTL_ENC_ALL);
    return isn;
}

/* The same with path knowledge (tc_send_probe): the host's copy with TTL 30 at once, then one
 * copy for each hop 1..copies, copy k leaving k ms later. */
static inline uint32_t cu_check_probe(const struct fe *f, unsigned copies, uint16_t *cs,
                                      unsigned *n_fixed)
{
    assert_int_equal(fe_n_out(f), 1 + copies);
    struct cu_pkt p;
    cu_parse(&f->t.out[0], &p);
    uint32_t isn = p.seg.seq;
    *cs = p.seg.checksum;
    *n_fixed = 0;
    cu_check_copy(f, 0, HOP_LIMIT, isn, *cs, n_fixed);
    assert_int_equal(f->t.out[0].delay, 0);
    for (unsigned ttl = 1; ttl <= copies; ttl++) {
        cu_check_copy(f, ttl, ttl, isn, *cs, n_fixed);
        assert_int_equal(f->t.out[ttl].delay, (tc_time)ttl * TC_MSEC);
    }
    assert_int_equal(f->t.ttl_fields, TTL_ENC_ALL);
    return isn;
}

/* The first packet sent with IP TTL ttl (a copy of the traced SYN in either mode). */
static inline const struct tc_packet *cu_sent_with_ttl(const struct fe *f, unsigned ttl)
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

enum cu_quote { CU_UNCHANGED, CU_CORRECTED, CU_MODIFIED, CU_STILL_WRONG };

/* A quote of the traced SYN's copy with this TTL as the path changed it. unknown_hop: the TTL
 * code destroyed in every field, so the hop cannot be decoded. */
static inline void cu_quote(const struct fe *f, unsigned ttl, const char *router,
                            enum cu_quote kind, bool unknown_hop, struct icmp_quote *q)
{
    fe_make_quote(cu_sent_with_ttl(f, ttl), router, q);
    if (unknown_hop) {
        memset(q->quote + 8, 0, 4);  /* ACK */
        memset(q->quote + 14, 0, 2); /* window */
        memset(q->quote + 18, 0, 2); /* urgent pointer */
        size_t hl = (size_t)(q->quote[CU_OFF_DATA_OFF] >> 4) * 4;
        memset(q->quote + TCP_HDR_MIN, 2, hl - TCP_HDR_MIN); /* no NOOP run */
        q->hop_guess = 0;
    }
    uint16_t sent = (uint16_t)((q->quote[CU_OFF_CSUM] << 8) | q->quote[CU_OFF_CSUM + 1]);
    uint16_t real = cu_real_csum(&q->q_src, &q->q_dst, q->quote, q->quote_len);
    uint16_t v = sent;
    switch (kind) {
    case CU_UNCHANGED:
        break;
    case CU_CORRECTED:
        v = real;
        break;
    case CU_MODIFIED: /* changed, but only the first 19 bytes are quoted */
        v = (uint16_t)(sent ^ 0x1234);
        q->quote_len = CU_OFF_CSUM + 3;
        break;
    case CU_STILL_WRONG:
        v = (uint16_t)(real + 1);
        if (v == sent)
            v++;
        break;
    }
    q->quote[CU_OFF_CSUM] = (uint8_t)(v >> 8);
    q->quote[CU_OFF_CSUM + 1] = (uint8_t)v;
}

static inline uint16_t cu_quoted_csum(const struct icmp_quote *q)
{
    return (uint16_t)((q->quote[CU_OFF_CSUM] << 8) | q->quote[CU_OFF_CSUM + 1]);
}

#endif
