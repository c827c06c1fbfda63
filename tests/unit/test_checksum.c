/* Internet checksum (RFC 1071) and TCP pseudo-header checksum (RFC 9293 3.1, RFC 8200 8.1)
 * against known vectors. The SYN packets below were built by an independent Python script and
 * their checksums confirmed by tcpdump -vv ("cksum 0xf98b (correct)", "0x8a53 (correct)"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/addr.h"
#include "tcp/checksum.h"

#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define TCP_CSUM_OFFSET 16

/* RFC 1071 section 3 numerical example. */
static const uint8_t rfc1071_bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

/* IPv4 header with checksum 0xb861 (checksum field zeroed here). */
static const uint8_t ipv4_hdr_zeroed[IPV4_HDR_LEN] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                                      0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
                                                      0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

/* 192.0.2.1:40000 -> 198.51.100.7:80 SYN, options mss 1460, sackOK, TS, nop, wscale 7. */
static const uint8_t syn_v4[] = {
    0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x3c, 0x4c, 0xc0, 0x00, 0x02,
    0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xf9, 0x8b, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
    0x02, 0x08, 0x0a, 0x00, 0xbc, 0x61, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
#define SYN_V4_TCP_CSUM 0xf98b
#define SYN_V4_IP_CSUM 0x3c4c

/* Same SYN from 2001:db8::1 to 2001:db8::2. */
static const uint8_t syn_v6[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x8a, 0x53, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
    0x04, 0x02, 0x08, 0x0a, 0x00, 0xbc, 0x61, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
#define SYN_V6_TCP_CSUM 0x8a53

/* 192.0.2.1:1234 -> 198.51.100.7:80 PSH|ACK with the 3-byte payload "abc" (odd length). */
static const uint8_t odd_seg_v4[] = {0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
                                     0x00, 0x00, 0x00, 0x02, 0x50, 0x18, 0x03, 0xe8,
                                     0xf6, 0x1d, 0x00, 0x00, 0x61, 0x62, 0x63};
#define ODD_SEG_V4_CSUM 0xf61d

static uint16_t fold16(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static void addr(const char *text, struct ip_addr *out)
{
    assert_int_equal(ip_addr_parse(text, out), 0);
}

static void test_rfc1071_example(void **state)
{
    (void)state;
    uint32_t sum = csum_partial(rfc1071_bytes, sizeof(rfc1071_bytes), 0);
    assert_int_equal(fold16(sum), 0xddf2);
    assert_int_equal(csum_finish(sum), 0x220d);
}

static void test_partial_chaining(void **state)
{
    (void)state;
    /* Even-length pieces chain to the same result as one pass. */
    uint32_t sum = csum_partial(rfc1071_bytes, 2, 0);
    sum = csum_partial(rfc1071_bytes + 2, 4, sum);
    sum = csum_partial(rfc1071_bytes + 6, 2, sum);
    assert_int_equal(csum_finish(sum), 0x220d);
    assert_int_equal(csum_finish(csum_partial(NULL, 0, 0)), 0xffff);
}

static void test_odd_length(void **state)
{
    (void)state;
    /* RFC 1071 4.1: the last odd byte is the high byte of a zero-padded word. */
    const uint8_t odd[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0xab};
    const uint8_t padded[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0xab, 0x00};
    assert_int_equal(csum_finish(csum_partial(odd, sizeof(odd), 0)), 0x770c);
    assert_int_equal(csum_finish(csum_partial(odd, sizeof(odd), 0)),
                     csum_finish(csum_partial(padded, sizeof(padded), 0)));
    const uint8_t one = 0x12;
    assert_int_equal(csum_finish(csum_partial(&one, 1, 0)), (uint16_t)~0x1200);
}

static void test_ipv4_header(void **state)
{
    (void)state;
    assert_int_equal(csum_ipv4_header(ipv4_hdr_zeroed, sizeof(ipv4_hdr_zeroed)), 0xb861);
    uint8_t with_csum[IPV4_HDR_LEN];
    memcpy(with_csum, ipv4_hdr_zeroed, sizeof(with_csum));
    with_csum[10] = 0xb8;
    with_csum[11] = 0x61;
    assert_int_equal(csum_ipv4_header(with_csum, sizeof(with_csum)), 0);
    /* The captured SYN's IPv4 header verifies too. */
    assert_int_equal(csum_ipv4_header(syn_v4, IPV4_HDR_LEN), 0);
    uint8_t zeroed[IPV4_HDR_LEN];
    memcpy(zeroed, syn_v4, IPV4_HDR_LEN);
    zeroed[10] = zeroed[11] = 0;
    assert_int_equal(csum_ipv4_header(zeroed, IPV4_HDR_LEN), SYN_V4_IP_CSUM);
}

/* Verify (0 expected) and recompute (with the checksum field zeroed) a TCP checksum. */
static void check_tcp(const char *src_text, const char *dst_text, const uint8_t *seg, size_t len,
                      uint16_t expected)
{
    struct ip_addr src, dst;
    uint8_t copy[128];
    addr(src_text, &src);
    addr(dst_text, &dst);
    assert_true(len <= sizeof(copy));
    assert_int_equal(csum_tcp(&src, &dst, seg, len), 0);
    memcpy(copy, seg, len);
    copy[TCP_CSUM_OFFSET] = copy[TCP_CSUM_OFFSET + 1] = 0;
    assert_int_equal(csum_tcp(&src, &dst, copy, len), expected);
    /* A flipped payload bit is detected, and so is a different destination address. */
    copy[TCP_CSUM_OFFSET] = (uint8_t)(expected >> 8);
    copy[TCP_CSUM_OFFSET + 1] = (uint8_t)expected;
    copy[len - 1] ^= 0x01;
    assert_int_not_equal(csum_tcp(&src, &dst, copy, len), 0);
    struct ip_addr other = dst;
    other.bytes[0] ^= 0x80;
    assert_int_not_equal(csum_tcp(&src, &other, seg, len), 0);
}

static void test_tcp_syn_v4(void **state)
{
    (void)state;
    check_tcp("192.0.2.1", "198.51.100.7", syn_v4 + IPV4_HDR_LEN, sizeof(syn_v4) - IPV4_HDR_LEN,
              SYN_V4_TCP_CSUM);
}

static void test_tcp_syn_v6(void **state)
{
    (void)state;
    check_tcp("2001:db8::1", "2001:db8::2", syn_v6 + IPV6_HDR_LEN, sizeof(syn_v6) - IPV6_HDR_LEN,
              SYN_V6_TCP_CSUM);
}

static void test_tcp_odd_payload(void **state)
{
    (void)state;
    check_tcp("192.0.2.1", "198.51.100.7", odd_seg_v4, sizeof(odd_seg_v4), ODD_SEG_V4_CSUM);
}

/* The word-at-a-time sum equals the plain RFC 1071 one, big-endian 16-bit words added byte
 * by byte, for every length, alignment and incoming partial sum. */
static uint32_t reference_partial(const uint8_t *p, size_t len, uint32_t sum)
{
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        acc += ((uint32_t)p[i] << 8) | p[i + 1];
    if (i < len)
        acc += (uint32_t)p[i] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

static void test_partial_matches_reference(void **state)
{
    (void)state;
    uint8_t buf[300];
    uint64_t rng = 12345;
    for (size_t i = 0; i < sizeof(buf); i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(rng >> 56);
    }
    static const uint32_t sums[] = {0, 1, 0xffff, 0x1234, 0xfffff, 0xffffffffu};
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len + off <= 260; len++)
            for (size_t k = 0; k < sizeof(sums) / sizeof(sums[0]); k++)
                assert_int_equal(csum_partial(buf + off, len, sums[k]),
                                 reference_partial(buf + off, len, sums[k]));
    /* all ones and all zeros (the two zeros of one's complement) */
    memset(buf, 0xff, sizeof(buf));
    for (size_t len = 0; len < 40; len++)
        assert_int_equal(csum_partial(buf, len, 0), reference_partial(buf, len, 0));
    memset(buf, 0, sizeof(buf));
    for (size_t len = 0; len < 40; len++)
        assert_int_equal(csum_partial(buf, len, 7), reference_partial(buf, len, 7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1071_example), cmocka_unit_test(test_partial_chaining),
        cmocka_unit_test(test_odd_length),      cmocka_unit_test(test_ipv4_header),
        cmocka_unit_test(test_tcp_syn_v4),      cmocka_unit_test(test_tcp_syn_v6),
        cmocka_unit_test(test_tcp_odd_payload), cmocka_unit_test(test_partial_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
