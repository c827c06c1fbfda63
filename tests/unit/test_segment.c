/* TCP segments in IPv4 / IPv6 packets: build -> parse round trips with every field set,
 * malformed and truncated input, IPv4 options and IPv6 extension header walking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/err.h"
#include "tcp/checksum.h"
#include "tcp/segment.h"

#define TCP_CSUM_OFFSET 16
#define TCP_DATA_OFF_OFFSET 12
#define IPV4_TOTAL_LEN_OFFSET 2
#define IPV4_FRAG_OFFSET 6
#define IPV4_CSUM_OFFSET 10
#define IPV6_PAYLOAD_LEN_OFFSET 4
#define IPV6_NEXT_HDR_OFFSET 6

static const uint8_t payload_bytes[] = "GET / HTTP/1.0\r\n\r\n";

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void make_params(struct ip_params *ip, const char *src, const char *dst)
{
    memset(ip, 0, sizeof(*ip));
    assert_int_equal(ip_addr_parse(src, &ip->src), TCPREQ_OK);
    assert_int_equal(ip_addr_parse(dst, &ip->dst), TCPREQ_OK);
}

/* A segment with every field away from its default and options of every entry type,
 * 7 bytes of them so that encoding pads with one zero byte. */
static void make_full_segment(struct tcp_seg *seg)
{
    tcp_seg_init(seg);
    seg->sport = 40000;
    seg->dport = 443;
    seg->seq = 0xfffffff0u;
    seg->ack = 0x01020304u;
    seg->reserved = 0x0b;
    seg->flags = TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_URG | TCP_FLAG_ECE | TCP_FLAG_CWR;
    seg->window = 0xabcd;
    seg->urg_ptr = 0x1234;
    assert_int_equal(tcp_opts_add_mss(&seg->opts, 1220), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_nop(&seg->opts), TCPREQ_OK);
    /* A raw entry holding a well-formed SACK-permitted option parses back as sized. */
    assert_int_equal(tcp_opts_add_raw(&seg->opts, "\x04\x02", 2), TCPREQ_OK);
    seg->payload = payload_bytes;
    seg->payload_len = sizeof(payload_bytes) - 1;
}

static void assert_same_segment(const struct tcp_seg *want, const struct tcp_seg *got)
{
    assert_int_equal(got->sport, want->sport);
    assert_int_equal(got->dport, want->dport);
    assert_int_equal(got->seq, want->seq);
    assert_int_equal(got->ack, want->ack);
    assert_int_equal(got->reserved, want->reserved);
    assert_int_equal(got->flags, want->flags);
    assert_int_equal(got->window, want->window);
    assert_int_equal(got->urg_ptr, want->urg_ptr);
    assert_int_equal(got->payload_len, want->payload_len);
    assert_memory_equal(got->payload, want->payload, want->payload_len);
    /* The options pad to 8 bytes with one zero, parsed back as a trailing EOL. */
    assert_int_equal(got->opts.count, want->opts.count + 1);
    for (unsigned i = 0; i < want->opts.count; i++)
        assert_true(tcp_opt_equal(&want->opts.opt[i], &got->opts.opt[i]));
    assert_int_equal(got->opts.opt[want->opts.count].kind, TCP_OPT_KIND_EOL);
}

static void round_trip(const char *src, const char *dst, size_t ip_hdr_len)
{
    struct ip_params ip;
    struct tcp_seg seg, parsed;
    struct ip_view view;
    uint8_t pkt[IP_PACKET_MAX];
    size_t len = 0;
    bool csum_ok = false;

    make_params(&ip, src, dst);
    ip.ip_id = 0xbeef;
    ip.tos = 0xb8;
    ip.flow_label = 0xfedcba98; /* only the low 20 bits are kept */
    make_full_segment(&seg);
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_OK);
    assert_int_equal(len, ip_hdr_len + TCP_HDR_MIN + 8 + seg.payload_len);

    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    assert_true(ip_addr_equal(&view.src, &ip.src));
    assert_true(ip_addr_equal(&view.dst, &ip.dst));
    assert_int_equal(view.ttl, IP_DEFAULT_TTL);
    assert_int_equal(view.proto, IPPROTO_TCP_NUM);
    assert_ptr_equal(view.l4, pkt + ip_hdr_len);
    assert_int_equal(view.l4_len, len - ip_hdr_len);

    assert_int_equal(tcp_seg_parse(view.l4, view.l4_len, &view.src, &view.dst, &parsed, &csum_ok),
                     TCPREQ_OK);
    assert_true(csum_ok);
    assert_int_equal(parsed.data_off, (TCP_HDR_MIN + 8) / 4);
    assert_same_segment(&seg, &parsed);
    assert_true(parsed.payload >= view.l4 && parsed.payload < view.l4 + view.l4_len);
}

static void test_round_trip_v4(void **state)
{
    (void)state;
    round_trip("192.0.2.1", "198.51.100.7", IPV4_HDR_MIN);

    struct ip_params ip;
    struct tcp_seg seg;
    struct ip_view view;
    uint8_t pkt[IP_PACKET_MAX];
    size_t len = 0;
    make_params(&ip, "10.0.0.1", "10.0.0.2");
    ip.ttl = 3;
    ip.ip_id = 0x4242;
    ip.tos = 0x10;
    tcp_seg_init(&seg);
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_OK);
    const uint8_t expected_hdr[] = {0x45, 0x10, 0x00, 0x28, 0x42, 0x42, 0x40, 0x00, 0x03, 0x06};
    assert_memory_equal(pkt, expected_hdr, sizeof(expected_hdr));
    assert_int_equal(csum_ipv4_header(pkt, IPV4_HDR_MIN), 0);
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    assert_int_equal(view.ttl, 3);
    assert_int_equal(view.ip_id, 0x4242);
}

static void test_round_trip_v6(void **state)
{
    (void)state;
    round_trip("2001:db8::1", "2001:db8:ffff::2", IPV6_HDR_LEN);

    struct ip_params ip;
    struct tcp_seg seg;
    uint8_t pkt[IP_PACKET_MAX];
    size_t len = 0;
    make_params(&ip, "2001:db8::1", "2001:db8::2");
    ip.ttl = 7;
    ip.tos = 0xb8;
    ip.flow_label = 0xfedcba98;
    tcp_seg_init(&seg);
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_OK);
    /* version 6, traffic class 0xb8, flow label 0xcba98, payload 20, next header 6, hops 7 */
    const uint8_t expected_hdr[] = {0x6b, 0x8c, 0xba, 0x98, 0x00, 0x14, 0x06, 0x07};
    assert_memory_equal(pkt, expected_hdr, sizeof(expected_hdr));
    assert_int_equal(len, IPV6_HDR_LEN + TCP_HDR_MIN);
}

static void test_fixed_checksum(void **state)
{
    (void)state;
    struct ip_params ip;
    struct tcp_seg seg, parsed;
    uint8_t buf[IP_PACKET_MAX];
    size_t len = 0;
    bool csum_ok = true;

    make_params(&ip, "192.0.2.1", "192.0.2.2");
    make_full_segment(&seg);
    assert_int_equal(tcp_seg_build(&seg, &ip.src, &ip.dst, buf, sizeof(buf), &len), TCPREQ_OK);
    uint16_t good = (uint16_t)((buf[TCP_CSUM_OFFSET] << 8) | buf[TCP_CSUM_OFFSET + 1]);

    seg.csum_fixed = true;
    seg.checksum = (uint16_t)(good ^ 0x0100);
    assert_int_equal(tcp_seg_build(&seg, &ip.src, &ip.dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(tcp_seg_parse(buf, len, &ip.src, &ip.dst, &parsed, &csum_ok), TCPREQ_OK);
    assert_false(csum_ok);
    assert_int_equal(parsed.checksum, seg.checksum);
    assert_same_segment(&seg, &parsed);

    seg.checksum = good;
    assert_int_equal(tcp_seg_build(&seg, &ip.src, &ip.dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(tcp_seg_parse(buf, len, &ip.src, &ip.dst, &parsed, &csum_ok), TCPREQ_OK);
    assert_true(csum_ok);
    /* Verified against the wrong address pair, or without addresses, it does not verify. */
    assert_int_equal(tcp_seg_parse(buf, len, &ip.dst, &ip.dst, &parsed, &csum_ok), TCPREQ_OK);
    assert_false(csum_ok);
    assert_int_equal(tcp_seg_parse(buf, len, NULL, NULL, &parsed, &csum_ok), TCPREQ_OK);
    assert_false(csum_ok);
    assert_int_equal(tcp_seg_parse(buf, len, &ip.src, &ip.dst, &parsed, NULL), TCPREQ_OK);
}

/* Parse every prefix of pkt from an exact-size heap copy, so ASan sees any over-read. */
static void parse_all_prefixes(const uint8_t *pkt, size_t len, size_t ip_hdr_len,
                               size_t tcp_hdr_len)
{
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = test_malloc(cut ? cut : 1);
        memcpy(copy, pkt, cut);
        struct ip_view view;
        int rc = ip_parse(copy, cut, &view);
        if (cut < len)
            assert_int_equal(rc, TCPREQ_ETRUNC);
        else
            assert_int_equal(rc, TCPREQ_OK);

        /* The TCP part alone, cut at every length. */
        if (cut >= ip_hdr_len) {
            struct ip_addr src, dst;
            struct tcp_seg seg;
            bool csum_ok = true;
            size_t seg_len = cut - ip_hdr_len;
            memset(&src, 0, sizeof(src));
            memset(&dst, 0, sizeof(dst));
            rc = tcp_seg_parse(copy + ip_hdr_len, seg_len, &src, &dst, &seg, &csum_ok);
            assert_int_equal(rc, seg_len < tcp_hdr_len ? TCPREQ_ETRUNC : TCPREQ_OK);
            assert_false(csum_ok);
        }
        test_free(copy);
    }
}

static void test_truncation(void **state)
{
    (void)state;
    struct ip_params ip;
    struct tcp_seg seg;
    uint8_t pkt[IP_PACKET_MAX];
    size_t len = 0;

    make_full_segment(&seg);
    make_params(&ip, "192.0.2.1", "198.51.100.7");
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_OK);
    parse_all_prefixes(pkt, len, IPV4_HDR_MIN, TCP_HDR_MIN + 8);
    make_params(&ip, "2001:db8::1", "2001:db8::2");
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_OK);
    parse_all_prefixes(pkt, len, IPV6_HDR_LEN, TCP_HDR_MIN + 8);

    /* Building into too small a buffer fails cleanly at every size. */
    for (size_t cap = 0; cap < len; cap++) {
        size_t out_len = 1;
        uint8_t *small = test_malloc(cap ? cap : 1);
        assert_int_equal(ip_tcp_build(&ip, &seg, small, cap, &out_len), TCPREQ_ENOSPC);
        assert_int_equal(out_len, 0);
        test_free(small);
    }
}

static void test_inconsistent_data_offset(void **state)
{
    (void)state;
    struct ip_addr src, dst;
    struct tcp_seg seg, parsed;
    uint8_t buf[IP_PACKET_MAX];
    size_t len = 0;
    bool csum_ok = false;

    assert_int_equal(ip_addr_parse("192.0.2.1", &src), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("192.0.2.2", &dst), TCPREQ_OK);
    make_full_segment(&seg);

    /* Claims 60 bytes of header while the segment is 28 bytes long. */
    seg.data_off = 15;
    seg.payload_len = 0;
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(buf[TCP_DATA_OFF_OFFSET], 0xfb);
    assert_int_equal(tcp_seg_parse(buf, len, &src, &dst, &parsed, &csum_ok), TCPREQ_ETRUNC);

    /* Below the 5-word minimum. */
    seg.data_off = 4;
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(tcp_seg_parse(buf, len, &src, &dst, &parsed, &csum_ok), TCPREQ_EINVAL);

    /* Data offset 5 with options present: the options are read as payload. */
    seg.data_off = 5;
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(tcp_seg_parse(buf, len, &src, &dst, &parsed, &csum_ok), TCPREQ_OK);
    assert_true(csum_ok);
    assert_int_equal(parsed.opts.count, 0);
    assert_int_equal(parsed.payload_len, 8);

    /* Does not fit in the 4-bit field. */
    seg.data_off = 16;
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_EINVAL);
}

static void test_option_error_keeps_header(void **state)
{
    (void)state;
    struct ip_addr src, dst;
    struct tcp_seg seg, parsed;
    uint8_t buf[IP_PACKET_MAX];
    size_t len = 0;
    bool csum_ok = false;
    const uint8_t bad_mss[] = {0x02, 0x00, 0x02, 0xf1};
    const uint8_t cut_ts[] = {0x01, 0x01, 0x08, 0x0a};

    assert_int_equal(ip_addr_parse("2001:db8::1", &src), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("2001:db8::2", &dst), TCPREQ_OK);
    tcp_seg_init(&seg);
    seg.sport = 1;
    seg.dport = 2;
    seg.flags = TCP_FLAG_SYN;
    assert_int_equal(tcp_opts_add_raw(&seg.opts, bad_mss, sizeof(bad_mss)), TCPREQ_OK);
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(tcp_seg_parse(buf, len, &src, &dst, &parsed, &csum_ok), TCPREQ_EINVAL);
    assert_true(csum_ok);
    assert_int_equal(parsed.sport, 1);
    assert_int_equal(parsed.dport, 2);
    assert_int_equal(parsed.flags, TCP_FLAG_SYN);
    assert_int_equal(parsed.data_off, 6);

    tcp_opts_init(&seg.opts);
    assert_int_equal(tcp_opts_add_raw(&seg.opts, cut_ts, sizeof(cut_ts)), TCPREQ_OK);
    assert_int_equal(tcp_seg_build(&seg, &src, &dst, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(tcp_seg_parse(buf, len, &src, &dst, &parsed, &csum_ok), TCPREQ_ETRUNC);
    assert_int_equal(parsed.sport, 1);
}

/* Build a plain IPv4/TCP packet to edit by hand. */
static size_t build_v4(uint8_t *pkt, size_t cap)
{
    struct ip_params ip;
    struct tcp_seg seg;
    size_t len = 0;
    make_params(&ip, "192.0.2.1", "198.51.100.7");
    make_full_segment(&seg);
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, cap, &len), TCPREQ_OK);
    return len;
}

static void test_ipv4_options_and_length(void **state)
{
    (void)state;
    uint8_t pkt[IP_PACKET_MAX], with_opts[IP_PACKET_MAX];
    struct ip_view view;
    struct tcp_seg seg;
    bool csum_ok = false;
    size_t len = build_v4(pkt, sizeof(pkt));
    const uint8_t ip_opts[] = {0x01, 0x01, 0x01, 0x00}; /* NOP NOP NOP EOL */

    /* IHL 6: four bytes of IP options between the header and TCP. */
    memcpy(with_opts, pkt, IPV4_HDR_MIN);
    memcpy(with_opts + IPV4_HDR_MIN, ip_opts, sizeof(ip_opts));
    memcpy(with_opts + IPV4_HDR_MIN + sizeof(ip_opts), pkt + IPV4_HDR_MIN, len - IPV4_HDR_MIN);
    size_t opts_len = len + sizeof(ip_opts);
    with_opts[0] = 0x46;
    put16(with_opts + IPV4_TOTAL_LEN_OFFSET, (uint16_t)opts_len);
    put16(with_opts + IPV4_CSUM_OFFSET, 0);
    put16(with_opts + IPV4_CSUM_OFFSET, csum_ipv4_header(with_opts, IPV4_HDR_MIN + 4));
    assert_int_equal(ip_parse(with_opts, opts_len, &view), TCPREQ_OK);
    assert_ptr_equal(view.l4, with_opts + IPV4_HDR_MIN + 4);
    assert_int_equal(view.l4_len, len - IPV4_HDR_MIN);
    assert_int_equal(tcp_seg_parse(view.l4, view.l4_len, &view.src, &view.dst, &seg, &csum_ok),
                     TCPREQ_OK);
    assert_true(csum_ok);
    assert_int_equal(seg.dport, 443);

    /* Ethernet padding after the packet is ignored: l4_len follows total length. */
    memset(pkt + len, 0, 6);
    assert_int_equal(ip_parse(pkt, len + 6, &view), TCPREQ_OK);
    assert_int_equal(view.l4_len, len - IPV4_HDR_MIN);

    /* Total length past the buffer, below the header, IHL below 5. */
    put16(pkt + IPV4_TOTAL_LEN_OFFSET, (uint16_t)(len + 1));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_ETRUNC);
    put16(pkt + IPV4_TOTAL_LEN_OFFSET, IPV4_HDR_MIN - 1);
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EINVAL);
    put16(pkt + IPV4_TOTAL_LEN_OFFSET, (uint16_t)len);
    pkt[0] = 0x44;
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EINVAL);
    /* IHL 15 (60 bytes) with a total length covering it is fine as long as it fits. */
    pkt[0] = 0x4f;
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    assert_int_equal(view.l4_len, len - 60);
    pkt[0] = 0x45;

    /* First fragment (MF, offset 0) carries TCP; later fragments do not. */
    put16(pkt + IPV4_FRAG_OFFSET, 0x2000);
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    put16(pkt + IPV4_FRAG_OFFSET, 0x2001);
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EPROTO);
    put16(pkt + IPV4_FRAG_OFFSET, 0x0010);
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EPROTO);
}

static void test_bad_version(void **state)
{
    (void)state;
    uint8_t pkt[IP_PACKET_MAX];
    struct ip_view view;
    size_t len = build_v4(pkt, sizeof(pkt));
    pkt[0] = 0x55;
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EPROTO);
    pkt[0] = 0x05;
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EPROTO);
    assert_int_equal(ip_parse(pkt, 0, &view), TCPREQ_ETRUNC);
    /* Version 6 on a 20-byte IPv4 packet is a truncated IPv6 header. */
    pkt[0] = 0x65;
    assert_int_equal(ip_parse(pkt, IPV4_HDR_MIN, &view), TCPREQ_ETRUNC);
}

/* IPv6 packet with an extension chain inserted between the fixed header and TCP. */
static size_t build_v6_with_ext(uint8_t *pkt, size_t cap, uint8_t first_next, const uint8_t *ext,
                                size_t ext_len)
{
    struct ip_params ip;
    struct tcp_seg seg;
    uint8_t plain[IP_PACKET_MAX];
    size_t len = 0;
    make_params(&ip, "2001:db8::1", "2001:db8::2");
    make_full_segment(&seg);
    assert_int_equal(ip_tcp_build(&ip, &seg, plain, sizeof(plain), &len), TCPREQ_OK);
    assert_true(len + ext_len <= cap);
    memcpy(pkt, plain, IPV6_HDR_LEN);
    if (ext_len > 0)
        memcpy(pkt + IPV6_HDR_LEN, ext, ext_len);
    memcpy(pkt + IPV6_HDR_LEN + ext_len, plain + IPV6_HDR_LEN, len - IPV6_HDR_LEN);
    pkt[IPV6_NEXT_HDR_OFFSET] = first_next;
    put16(pkt + IPV6_PAYLOAD_LEN_OFFSET, (uint16_t)(len - IPV6_HDR_LEN + ext_len));
    return len + ext_len;
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    uint8_t pkt[IP_PACKET_MAX];
    struct ip_view view;
    struct tcp_seg seg;
    bool csum_ok = false;

    /* Hop-by-hop (PadN) -> fragment (offset 0, M=1) -> TCP. */
    uint8_t hbh_frag[] = {44, 0, 0x01, 0x04, 0, 0, 0, 0,  /* hop-by-hop, 8 bytes */
                          6,  0, 0x00, 0x01, 0, 0, 0, 9}; /* fragment, id 9 */
    size_t len = build_v6_with_ext(pkt, sizeof(pkt), 0, hbh_frag, sizeof(hbh_frag));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    assert_int_equal(view.proto, IPPROTO_TCP_NUM);
    assert_ptr_equal(view.l4, pkt + IPV6_HDR_LEN + sizeof(hbh_frag));
    assert_int_equal(view.l4_len, len - IPV6_HDR_LEN - sizeof(hbh_frag));
    assert_int_equal(tcp_seg_parse(view.l4, view.l4_len, &view.src, &view.dst, &seg, &csum_ok),
                     TCPREQ_OK);
    assert_true(csum_ok);
    parse_all_prefixes(pkt, len, IPV6_HDR_LEN + sizeof(hbh_frag), TCP_HDR_MIN + 8);

    /* A later fragment has no TCP header. */
    hbh_frag[8 + 3] = 0x08; /* offset 1 */
    len = build_v6_with_ext(pkt, sizeof(pkt), 0, hbh_frag, sizeof(hbh_frag));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EPROTO);

    /* Routing (16 bytes: hdr ext len 1) -> destination options -> AH (len 4: 24 bytes). */
    uint8_t chain[16 + 8 + 24];
    memset(chain, 0, sizeof(chain));
    chain[0] = 60;
    chain[1] = 1;
    chain[16] = 51;
    chain[16 + 1] = 0;
    chain[24] = 6;
    chain[24 + 1] = 4;
    len = build_v6_with_ext(pkt, sizeof(pkt), 43, chain, sizeof(chain));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    assert_int_equal(view.proto, IPPROTO_TCP_NUM);
    assert_ptr_equal(view.l4, pkt + IPV6_HDR_LEN + sizeof(chain));
    assert_int_equal(tcp_seg_parse(view.l4, view.l4_len, &view.src, &view.dst, &seg, &csum_ok),
                     TCPREQ_OK);
    assert_true(csum_ok);
    parse_all_prefixes(pkt, len, IPV6_HDR_LEN + sizeof(chain), TCP_HDR_MIN + 8);

    /* An extension header claiming more than the payload length. */
    chain[24 + 1] = 200;
    len = build_v6_with_ext(pkt, sizeof(pkt), 43, chain, sizeof(chain));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_ETRUNC);

    /* Unknown next header stops the walk and is reported. */
    chain[24 + 1] = 4;
    chain[24] = 17;
    len = build_v6_with_ext(pkt, sizeof(pkt), 43, chain, sizeof(chain));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_OK);
    assert_int_equal(view.proto, 17);
    assert_ptr_equal(view.l4, pkt + IPV6_HDR_LEN + sizeof(chain));
}

static void test_ipv6_lengths(void **state)
{
    (void)state;
    uint8_t pkt[IP_PACKET_MAX];
    struct ip_view view;
    size_t len = build_v6_with_ext(pkt, sizeof(pkt), IPPROTO_TCP_NUM, NULL, 0);

    /* Trailing bytes beyond the payload length are not part of the segment. */
    memset(pkt + len, 0xee, 4);
    assert_int_equal(ip_parse(pkt, len + 4, &view), TCPREQ_OK);
    assert_int_equal(view.l4_len, len - IPV6_HDR_LEN);
    put16(pkt + IPV6_PAYLOAD_LEN_OFFSET, (uint16_t)(len - IPV6_HDR_LEN + 1));
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_ETRUNC);
    put16(pkt + IPV6_PAYLOAD_LEN_OFFSET, 0); /* jumbogram */
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_EPROTO);
    /* A hop-by-hop header whose length byte lies beyond the payload length. */
    put16(pkt + IPV6_PAYLOAD_LEN_OFFSET, 1);
    pkt[IPV6_NEXT_HDR_OFFSET] = 0;
    assert_int_equal(ip_parse(pkt, len, &view), TCPREQ_ETRUNC);
}

static void test_build_errors(void **state)
{
    (void)state;
    struct ip_params ip;
    struct tcp_seg seg;
    uint8_t pkt[IP_PACKET_MAX];
    size_t len = 1;
    make_params(&ip, "192.0.2.1", "2001:db8::1");
    tcp_seg_init(&seg);
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_EINVAL);
    assert_int_equal(len, 0);
    make_params(&ip, "192.0.2.1", "192.0.2.2");
    seg.payload_len = 1; /* no payload pointer */
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, sizeof(pkt), &len), TCPREQ_EINVAL);
}

static void test_sequence_space(void **state)
{
    (void)state;
    struct tcp_seg seg;
    tcp_seg_init(&seg);
    assert_int_equal(tcp_seg_len(&seg), 0);
    seg.flags = TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_ACK;
    seg.payload = payload_bytes;
    seg.payload_len = 5;
    assert_int_equal(tcp_seg_len(&seg), 7);
    assert_true(seq_lt(0xfffffff0u, 0x10));
    assert_false(seq_lt(0x10, 0xfffffff0u));
    assert_true(seq_leq(5, 5));
    assert_false(seq_lt(5, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_v4),
        cmocka_unit_test(test_round_trip_v6),
        cmocka_unit_test(test_fixed_checksum),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_inconsistent_data_offset),
        cmocka_unit_test(test_option_error_keeps_header),
        cmocka_unit_test(test_ipv4_options_and_length),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ipv6_lengths),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_sequence_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
