/* ICMP (RFC 792) and ICMPv6 (RFC 4443) time-exceeded parsing on hand-built packets: the
 * quoted probe is built with ip_tcp_build() and wrapped in an outer IPv4/ICMP or
 * IPv6/ICMPv6 packet with correct checksums; then fields, truncation at every length,
 * extension headers (RFC 8200), RFC 4884 extensions and bad checksums are checked.
 * Every parse runs on a heap copy of exactly the given length, so ASan sees over-reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/err.h"
#include "tcp/checksum.h"
#include "tcp/segment.h"
#include "tracebox/icmp.h"
#include "tracebox/ttl_code.h"

#define PKT_MAX 2048
#define ICMP_HDR 8
#define V4_OFF_TOTAL 2
#define V4_OFF_PROTO 9
#define V4_OFF_CSUM 10
#define V6_OFF_PLEN 4
#define V6_OFF_NEXT 6
#define EXT_HBH 0
#define EXT_DEST_OPTS 60
#define EXT_LEN 8
#define PROTO_UDP 17
#define ICMP_TYPE_DEST_UNREACH 3
#define ICMPV6_TYPE_DEST_UNREACH 1
#define SPORT 40000
#define DPORT 443
#define PROBE_TTL 7

static struct ip_addr me4, tgt4, rtr4, me6, tgt6, rtr6;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(ip_addr_parse("192.0.2.1", &me4), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("198.51.100.7", &tgt4), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("203.0.113.9", &rtr4), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("2001:db8::1", &me6), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("2001:db8:1::7", &tgt6), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("2001:db8:ff::9", &rtr6), TCPREQ_OK);
    return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The probe as sent: TTL code everywhere, optionally with payload. */
static size_t probe(bool v6, size_t payload_len, uint8_t *buf)
{
    static const uint8_t payload[256] = {0};
    struct tcp_seg seg;
    struct ip_params ip = {.ttl = PROBE_TTL};
    tcp_seg_init(&seg);
    seg.sport = SPORT;
    seg.dport = DPORT;
    seg.seq = 0x01020304;
    seg.flags = TCP_FLAG_SYN;
    seg.payload = payload;
    seg.payload_len = payload_len;
    assert_int_equal(ttl_encode(PROBE_TTL, TTL_ENC_ALL, &seg, &ip.ip_id), TCPREQ_OK);
    ip.src = v6 ? me6 : me4;
    ip.dst = v6 ? tgt6 : tgt4;
    size_t len = 0;
    assert_int_equal(ip_tcp_build(&ip, &seg, buf, PKT_MAX, &len), TCPREQ_OK);
    return len;
}

/* IPv4 router -> prober, ICMP type/code, optional RFC 4884 length byte, quote, then extra
 * (extension) bytes. */
static size_t wrap_v4(const uint8_t *quote, size_t qlen, uint8_t type, uint8_t code,
                      uint8_t len_words, size_t extra, uint8_t *out)
{
    size_t icmp_len = ICMP_HDR + qlen + extra;
    size_t total = IPV4_HDR_MIN + icmp_len;
    memset(out, 0, total);
    out[0] = 0x45;
    put16(out + V4_OFF_TOTAL, (uint16_t)total);
    out[8] = 64;
    out[V4_OFF_PROTO] = IPPROTO_ICMP_NUM;
    memcpy(out + 12, rtr4.bytes, 4);
    memcpy(out + 16, me4.bytes, 4);
    put16(out + V4_OFF_CSUM, csum_ipv4_header(out, IPV4_HDR_MIN));
    uint8_t *icmp = out + IPV4_HDR_MIN;
    icmp[0] = type;
    icmp[1] = code;
    icmp[5] = len_words;
    memcpy(icmp + ICMP_HDR, quote, qlen);
    memset(icmp + ICMP_HDR + qlen, 0xab, extra);
    put16(icmp + 2, csum_finish(csum_partial(icmp, icmp_len, 0)));
    return total;
}

/* IPv6 router -> prober, optionally through a hop-by-hop header (PadN only). */
static size_t wrap_v6(const uint8_t *quote, size_t qlen, uint8_t type, uint8_t code, bool hbh,
                      uint8_t len_units, size_t extra, uint8_t *out)
{
    size_t ext = hbh ? EXT_LEN : 0;
    size_t icmp_len = ICMP_HDR + qlen + extra;
    memset(out, 0, IPV6_HDR_LEN + ext + icmp_len);
    out[0] = 0x60;
    put16(out + V6_OFF_PLEN, (uint16_t)(ext + icmp_len));
    out[V6_OFF_NEXT] = hbh ? EXT_HBH : IPPROTO_ICMPV6_NUM;
    out[7] = 64;
    memcpy(out + 8, rtr6.bytes, 16);
    memcpy(out + 24, me6.bytes, 16);
    if (hbh) {
        uint8_t *h = out + IPV6_HDR_LEN;
        h[0] = IPPROTO_ICMPV6_NUM;
        h[1] = 0; /* (0 + 1) * 8 bytes */
        h[2] = 1; /* PadN */
        h[3] = 4;
    }
    uint8_t *icmp = out + IPV6_HDR_LEN + ext;
    icmp[0] = type;
    icmp[1] = code;
    icmp[4] = len_units;
    memcpy(icmp + ICMP_HDR, quote, qlen);
    memset(icmp + ICMP_HDR + qlen, 0xab, extra);
    /* RFC 4443 2.3: pseudo-header of RFC 8200 8.1. */
    uint8_t ph[40] = {0};
    memcpy(ph, rtr6.bytes, 16);
    memcpy(ph + 16, me6.bytes, 16);
    put16(ph + 34, (uint16_t)icmp_len);
    ph[39] = IPPROTO_ICMPV6_NUM;
    put16(icmp + 2, csum_finish(csum_partial(icmp, icmp_len, csum_partial(ph, sizeof(ph), 0))));
    return IPV6_HDR_LEN + ext + icmp_len;
}

/* Parse from an exact-size heap copy. */
static int parse(const uint8_t *pkt, size_t len, struct icmp_quote *q)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, pkt, len);
    int rc = icmp_parse_time_exceeded(copy, len, q);
    free(copy);
    return rc;
}

static void test_v4_fields(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(false, 0, pr);
    size_t len = wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    assert_true(ip_addr_equal(&q.router, &rtr4));
    assert_true(ip_addr_equal(&q.q_src, &me4));
    assert_true(ip_addr_equal(&q.q_dst, &tgt4));
    assert_int_equal(q.q_sport, SPORT);
    assert_int_equal(q.q_dport, DPORT);
    assert_int_equal(q.hop_guess, PROBE_TTL);
    assert_int_equal(q.hop, 0);
    assert_int_equal(q.quote_len, plen - IPV4_HDR_MIN);
    assert_memory_equal(q.quote, pr + IPV4_HDR_MIN, q.quote_len);
    assert_int_equal(ttl_decode_tcp(q.quote, q.quote_len, 0, HOP_LIMIT, TTL_ENC_TCP), PROBE_TTL);
}

/* A quote of every length with consistent outer lengths and checksums: the IP header and
 * the ports are needed, anything beyond is optional. Exactly 8 TCP bytes is RFC 792's
 * minimum and still yields ports and the IP ID hop. */
static void test_v4_quote_lengths(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(false, 200, pr);
    for (size_t k = 0; k <= plen; k++) {
        size_t len = wrap_v4(pr, k, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
        int rc = parse(pkt, len, &q);
        if (k < IPV4_HDR_MIN + 4) {
            assert_int_equal(rc, TCPREQ_ETRUNC);
            continue;
        }
        assert_int_equal(rc, TCPREQ_OK);
        size_t tcp = k - IPV4_HDR_MIN;
        assert_int_equal(q.quote_len, tcp < QUOTE_MAX ? tcp : QUOTE_MAX);
        assert_int_equal(q.q_sport, SPORT);
        assert_int_equal(q.hop_guess, PROBE_TTL);
        if (k == IPV4_HDR_MIN + 8)
            assert_int_equal(
                ttl_decode_tcp(q.quote, q.quote_len, q.hop_guess, HOP_LIMIT, TTL_ENC_TCP),
                PROBE_TTL);
    }
}

static void test_v6_quote_lengths(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(true, 200, pr);
    for (size_t k = 0; k <= plen; k++) {
        size_t len = wrap_v6(pr, k, ICMPV6_TYPE_TIME_EXCEEDED, 0, false, 0, 0, pkt);
        int rc = parse(pkt, len, &q);
        if (k < IPV6_HDR_LEN + 4) {
            assert_int_equal(rc, TCPREQ_ETRUNC);
            continue;
        }
        assert_int_equal(rc, TCPREQ_OK);
        size_t tcp = k - IPV6_HDR_LEN;
        assert_int_equal(q.quote_len, tcp < QUOTE_MAX ? tcp : QUOTE_MAX);
        assert_int_equal(q.q_dport, DPORT);
        assert_int_equal(q.hop_guess, 0);
    }
}

/* The whole packet cut short at every length: always an error, never a read past it. */
static void test_outer_truncated(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    for (int v6 = 0; v6 <= 1; v6++) {
        size_t plen = probe(v6, 20, pr);
        size_t len = v6 ? wrap_v6(pr, plen, ICMPV6_TYPE_TIME_EXCEEDED, 0, true, 0, 0, pkt)
                        : wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
        assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
        for (size_t l = 0; l < len; l++)
            assert_int_equal(parse(pkt, l, &q), TCPREQ_ETRUNC);
    }
}

static void test_v6_extension_headers(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], quoted[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(true, 0, pr);
    /* Splice a destination-options header (PadN) between the quoted IPv6 and TCP headers. */
    memcpy(quoted, pr, IPV6_HDR_LEN);
    quoted[V6_OFF_NEXT] = EXT_DEST_OPTS;
    put16(quoted + V6_OFF_PLEN, (uint16_t)(plen - IPV6_HDR_LEN + EXT_LEN));
    uint8_t dopt[EXT_LEN] = {IPPROTO_TCP_NUM, 0, 1, 4, 0, 0, 0, 0};
    memcpy(quoted + IPV6_HDR_LEN, dopt, EXT_LEN);
    memcpy(quoted + IPV6_HDR_LEN + EXT_LEN, pr + IPV6_HDR_LEN, plen - IPV6_HDR_LEN);
    size_t qlen = plen + EXT_LEN;

    size_t len = wrap_v6(quoted, qlen, ICMPV6_TYPE_TIME_EXCEEDED, 0, true, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    assert_true(ip_addr_equal(&q.router, &rtr6));
    assert_true(ip_addr_equal(&q.q_src, &me6));
    assert_true(ip_addr_equal(&q.q_dst, &tgt6));
    assert_int_equal(q.q_sport, SPORT);
    assert_int_equal(q.q_dport, DPORT);
    assert_int_equal(q.hop_guess, 0);
    assert_int_equal(q.quote_len, plen - IPV6_HDR_LEN);
    assert_memory_equal(q.quote, pr + IPV6_HDR_LEN, q.quote_len);

    /* Quote cut inside the destination-options header: truncated. */
    for (size_t k = IPV6_HDR_LEN; k < IPV6_HDR_LEN + EXT_LEN + 4; k++) {
        len = wrap_v6(quoted, k, ICMPV6_TYPE_TIME_EXCEEDED, 0, true, 0, 0, pkt);
        assert_int_equal(parse(pkt, len, &q), TCPREQ_ETRUNC);
    }
}

static void test_not_time_exceeded(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(false, 0, pr);
    size_t len = wrap_v4(pr, plen, ICMP_TYPE_DEST_UNREACH, 0, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);
    /* Code 1: fragment reassembly time exceeded. */
    len = wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 1, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);
    /* Not ICMP at all: the probe itself. */
    assert_int_equal(parse(pr, plen, &q), TCPREQ_EPROTO);
    /* ICMP type 11 as an ICMPv6 type means nothing. */
    plen = probe(true, 0, pr);
    len = wrap_v6(pr, plen, ICMPV6_TYPE_DEST_UNREACH, 0, false, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);
    len = wrap_v6(pr, plen, ICMPV6_TYPE_TIME_EXCEEDED, 1, false, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);
    len = wrap_v6(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, false, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);
    /* Shorter than an ICMP header. */
    len = wrap_v4(pr, 0, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
    put16(pkt + V4_OFF_TOTAL, IPV4_HDR_MIN + 4);
    assert_int_equal(parse(pkt, IPV4_HDR_MIN + 4, &q), TCPREQ_ETRUNC);
}

static void test_quoted_not_tcp(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(false, 0, pr);
    pr[V4_OFF_PROTO] = PROTO_UDP;
    size_t len = wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);

    plen = probe(true, 0, pr);
    pr[V6_OFF_NEXT] = PROTO_UDP;
    len = wrap_v6(pr, plen, ICMPV6_TYPE_TIME_EXCEEDED, 0, false, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);

    /* An ICMP message quoting the other family's packet. */
    len = wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EPROTO);

    /* A quoted IPv4 total length shorter than its own header. */
    plen = probe(false, 0, pr);
    put16(pr + V4_OFF_TOTAL, 10);
    len = wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EINVAL);
}

static void test_bad_checksum(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    size_t plen = probe(false, 0, pr);
    size_t len = wrap_v4(pr, plen, ICMP_TYPE_TIME_EXCEEDED, 0, 0, 0, pkt);
    pkt[len - 1] ^= 0x01;
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EINVAL);

    plen = probe(true, 0, pr);
    len = wrap_v6(pr, plen, ICMPV6_TYPE_TIME_EXCEEDED, 0, true, 0, 0, pkt);
    pkt[len - 1] ^= 0x01;
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EINVAL);
    /* The ICMPv6 checksum covers the addresses (pseudo-header): a spoofed source fails. */
    pkt[len - 1] ^= 0x01;
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    pkt[8 + 15] ^= 0x01;
    assert_int_equal(parse(pkt, len, &q), TCPREQ_EINVAL);
}

/* RFC 4884: the length byte bounds the quote so extension objects are not taken for it. */
static void test_rfc4884_length(void **state)
{
    (void)state;
    uint8_t pr[PKT_MAX], pkt[PKT_MAX];
    struct icmp_quote q;
    const size_t tcp_quoted = 8, extra = 16;
    size_t plen = probe(false, 100, pr);
    (void)plen;
    size_t k = IPV4_HDR_MIN + tcp_quoted;
    size_t len = wrap_v4(pr, k, ICMP_TYPE_TIME_EXCEEDED, 0, (uint8_t)(k / 4), extra, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    assert_int_equal(q.quote_len, tcp_quoted);
    /* Without the length byte the extension bytes look like quote. */
    len = wrap_v4(pr, k, ICMP_TYPE_TIME_EXCEEDED, 0, 0, extra, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    assert_int_equal(q.quote_len, tcp_quoted + extra);
    /* A length beyond the message is clamped. */
    len = wrap_v4(pr, k, ICMP_TYPE_TIME_EXCEEDED, 0, 0xff, 0, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    assert_int_equal(q.quote_len, tcp_quoted);
    /* A length too short for the ports. */
    len = wrap_v4(pr, k, ICMP_TYPE_TIME_EXCEEDED, 0, IPV4_HDR_MIN / 4, extra, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_ETRUNC);

    /* ICMPv6 counts 64-bit words. */
    probe(true, 100, pr);
    k = IPV6_HDR_LEN + tcp_quoted;
    len = wrap_v6(pr, k, ICMPV6_TYPE_TIME_EXCEEDED, 0, false, (uint8_t)(k / 8), extra, pkt);
    assert_int_equal(parse(pkt, len, &q), TCPREQ_OK);
    assert_int_equal(q.quote_len, tcp_quoted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_fields),
        cmocka_unit_test(test_v4_quote_lengths),
        cmocka_unit_test(test_v6_quote_lengths),
        cmocka_unit_test(test_outer_truncated),
        cmocka_unit_test(test_v6_extension_headers),
        cmocka_unit_test(test_not_time_exceeded),
        cmocka_unit_test(test_quoted_not_tcp),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_rfc4884_length),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
