/* Tracebox TTL coding: every hop under every combination of encoded fields survives a round
 * trip through a built segment, and damaged quotes decode as the original tcpreq's
 * decode_ttl() (tcpreq/tests/ttl_coding.py) decides: majority of the 5-bit copies, ties
 * towards the IP-level guess, unary option run first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/addr.h"
#include "common/err.h"
#include "tcp/segment.h"
#include "tracebox/ttl_code.h"

#define OFF_ACK 8
#define OFF_DATA_OFF 12
#define OFF_WINDOW 14
#define OFF_URG 18
#define OFF_OPTS 20
#define DATA_OFF_20 0x50 /* data offset 5 words, no options */
#define ALL_COMBOS 32    /* 2^5 subsets of the TTL_ENC_* fields */
#define NO_GUESS 0

static struct ip_addr src, dst;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(ip_addr_parse("192.0.2.1", &src), TCPREQ_OK);
    assert_int_equal(ip_addr_parse("198.51.100.7", &dst), TCPREQ_OK);
    return 0;
}

/* A probe with junk in every field, then the TTL code written over the chosen ones: the
 * decoder must only listen to the fields it is told were encoded. */
static void make_seg(unsigned ttl, unsigned fields, struct tcp_seg *seg, uint16_t *ip_id)
{
    tcp_seg_init(seg);
    seg->sport = 40000;
    seg->dport = 80;
    seg->seq = 0x01020304;
    seg->ack = 0xdeadbeef;
    seg->window = 0xfaf0;
    seg->urg_ptr = 0x1234;
    seg->flags = TCP_FLAG_SYN;
    assert_int_equal(tcp_opts_add_mss(&seg->opts, 1460), TCPREQ_OK);
    *ip_id = 0x5a5a;
    assert_int_equal(ttl_encode(ttl, fields, seg, ip_id), TCPREQ_OK);
}

static size_t build(const struct tcp_seg *seg, uint8_t *buf)
{
    size_t len = 0;
    assert_int_equal(tcp_seg_build(seg, &src, &dst, buf, TCP_HDR_MAX, &len), TCPREQ_OK);
    return len;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* An ACK number whose six 5-bit copies (bits 31-27, 25-21, 20-16, 15-11, 9-5, 4-0) are g[]. */
static uint32_t ack_of(const unsigned g[6])
{
    static const unsigned shifts[6] = {27, 21, 16, 11, 5, 0};
    uint32_t v = 0;
    for (int i = 0; i < 6; i++)
        v |= (uint32_t)g[i] << shifts[i];
    return v;
}

/* A bare 20-byte quote with the given vote-carrying fields. */
static void quote20(uint8_t *q, uint32_t ack, uint16_t win, uint16_t urg)
{
    memset(q, 0, TCP_HDR_MIN);
    put32(q + OFF_ACK, ack);
    q[OFF_DATA_OFF] = DATA_OFF_20;
    put16(q + OFF_WINDOW, win);
    put16(q + OFF_URG, urg);
}

static void test_code16(void **state)
{
    (void)state;
    assert_int_equal(ttl_code16(1), 0x0821);
    assert_int_equal(ttl_code16(30), (30 << 11) | (30 << 5) | 30);
    assert_int_equal(ttl_code16(31), 0xfbff);
}

static void test_encode_rejects(void **state)
{
    (void)state;
    struct tcp_seg seg;
    uint16_t id = 0;
    tcp_seg_init(&seg);
    assert_int_equal(ttl_encode(0, TTL_ENC_ALL, &seg, &id), TCPREQ_EINVAL);
    assert_int_equal(ttl_encode(32, TTL_ENC_ALL, &seg, &id), TCPREQ_EINVAL);
    assert_int_equal(ttl_encode(5, TTL_ENC_IPID, &seg, NULL), TCPREQ_EINVAL);
    assert_int_equal(ttl_encode(5, TTL_ENC_ALL << 1, &seg, &id), TCPREQ_EINVAL);
    assert_int_equal(ttl_encode(5, TTL_ENC_ACK, NULL, &id), TCPREQ_EINVAL);
    /* Without the IP ID field a NULL ip_id is fine. */
    assert_int_equal(ttl_encode(5, TTL_ENC_TCP, &seg, NULL), TCPREQ_OK);
}

static void test_encode_fields(void **state)
{
    (void)state;
    struct tcp_seg seg;
    uint16_t id;
    uint8_t buf[TCP_HDR_MAX];
    make_seg(7, TTL_ENC_ALL, &seg, &id);
    uint16_t code = ttl_code16(7);
    assert_int_equal(id, code);
    assert_int_equal(seg.ack, ((uint32_t)code << 16) | code);
    assert_int_equal(seg.window, code);
    assert_int_equal(seg.urg_ptr, code);
    size_t len = build(&seg, buf);
    /* 7 NOOPs + EOL = 8 option bytes. */
    assert_int_equal(len, TCP_HDR_MIN + 8);
    for (int i = 0; i < 7; i++)
        assert_int_equal(buf[OFF_OPTS + i], TCP_OPT_KIND_NOP);
    assert_int_equal(buf[OFF_OPTS + 7], TCP_OPT_KIND_EOL);
}

/* Every hop 1..HOP_LIMIT under every subset of encoded fields. */
static void test_roundtrip_all(void **state)
{
    (void)state;
    for (unsigned fields = 0; fields < ALL_COMBOS; fields++) {
        for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
            struct tcp_seg seg;
            uint16_t id;
            uint8_t buf[TCP_HDR_MAX];
            make_seg(ttl, fields, &seg, &id);
            size_t len = build(&seg, buf);
            unsigned guess = (fields & TTL_ENC_IPID) ? ttl_decode_ipid(id) : NO_GUESS;
            if (fields & TTL_ENC_IPID)
                assert_int_equal(guess, ttl);
            unsigned got = ttl_decode_tcp(buf, len, guess, HOP_LIMIT, fields & TTL_ENC_TCP);
            /* With nothing encoded there is nothing to decode. */
            unsigned want = (fields & TTL_ENC_ALL) ? ttl : 0;
            if (got != want)
                fail_msg("fields %#x ttl %u: decoded %u", fields, ttl, got);
        }
    }
}

static void test_decode_ipid(void **state)
{
    (void)state;
    assert_int_equal(ttl_decode_ipid(ttl_code16(1)), 1);
    assert_int_equal(ttl_decode_ipid(ttl_code16(30)), 30);
    /* One copy rewritten: the other two still agree, whichever copy it was. */
    assert_int_equal(ttl_decode_ipid((uint16_t)((ttl_code16(9) & ~0x1fu) | 4)), 9);
    assert_int_equal(ttl_decode_ipid((uint16_t)((ttl_code16(9) & ~0x3e0u) | (4 << 5))), 9);
    assert_int_equal(ttl_decode_ipid((uint16_t)((ttl_code16(9) & ~0xf800u) | (4 << 11))), 9);
    /* Three different copies: unknown. Bit 10 is not part of any copy. */
    assert_int_equal(ttl_decode_ipid((3 << 11) | (5 << 5) | 7), 0);
    assert_int_equal(ttl_decode_ipid((uint16_t)(ttl_code16(12) | 0x0400)), 12);
}

/* A middlebox rewriting the window (e.g. clamping it) is out-voted by ACK and urgent pointer,
 * with the options stripped so they cannot decide. */
static void test_window_rewritten(void **state)
{
    (void)state;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        struct tcp_seg seg;
        uint16_t id;
        uint8_t buf[TCP_HDR_MAX];
        make_seg(ttl, TTL_ENC_TCP, &seg, &id);
        tcp_opts_init(&seg.opts);
        seg.window = ttl_code16(ttl == 5 ? 6 : 5);
        size_t len = build(&seg, buf);
        assert_int_equal(ttl_decode_tcp(buf, len, NO_GUESS, HOP_LIMIT, TTL_ENC_TCP), ttl);
    }
}

/* A random-looking ACK (e.g. a sequence-number randomising firewall) loses to window and
 * urgent pointer; an ACK rewritten to another hop's code ties and the guess decides. */
static void test_ack_rewritten(void **state)
{
    (void)state;
    const unsigned fields = TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        uint8_t q[TCP_HDR_MIN];
        quote20(q, 0xdeadbeef, ttl_code16(ttl), ttl_code16(ttl));
        assert_int_equal(ttl_decode_tcp(q, sizeof(q), NO_GUESS, HOP_LIMIT, fields), ttl);
    }
    const unsigned ttl = 9, other = 5;
    uint8_t q[TCP_HDR_MIN];
    quote20(q, ((uint32_t)ttl_code16(other) << 16) | ttl_code16(other), ttl_code16(ttl),
            ttl_code16(ttl));
    /* 6 votes each; the ACK's value was counted first. */
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), ttl, HOP_LIMIT, fields), ttl);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), other, HOP_LIMIT, fields), other);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), 3, HOP_LIMIT, fields), 0);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), NO_GUESS, HOP_LIMIT, fields), 0);
    /* An ACK zeroed (ACK flag off) gives value 0 six votes: with guess 0 it "wins", which
     * is 0 = unknown anyway; with the right guess the hop is recovered. */
    quote20(q, 0, ttl_code16(ttl), ttl_code16(ttl));
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), NO_GUESS, HOP_LIMIT, fields), 0);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), ttl, HOP_LIMIT, fields), ttl);
}

/* Options replaced, NOOPed out, or zeroed: the option run does not decide (or decides 0
 * where the original does), and the votes do. */
static void test_options_damaged(void **state)
{
    (void)state;
    const unsigned ttl = 10; /* 10 NOOPs + EOL + one padding byte */
    struct tcp_seg seg;
    uint16_t id;
    uint8_t buf[TCP_HDR_MAX];

    /* Replaced by an MSS option: the run breaks at the first byte. */
    make_seg(ttl, TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG, &seg, &id);
    size_t len = build(&seg, buf);
    assert_int_equal(ttl_decode_tcp(buf, len, NO_GUESS, HOP_LIMIT, TTL_ENC_TCP), ttl);
    /* Option-only encoding with options replaced: nothing left but the guess. */
    assert_int_equal(ttl_decode_tcp(buf, len, 4, HOP_LIMIT, TTL_ENC_OPTS), 4);

    /* All NOOPs (no EOL), or NOOPs, EOL and then non-zero garbage: no decision. */
    make_seg(ttl, TTL_ENC_TCP, &seg, &id);
    len = build(&seg, buf);
    uint8_t mod[TCP_HDR_MAX];
    memcpy(mod, buf, len);
    memset(mod + OFF_OPTS, TCP_OPT_KIND_NOP, len - OFF_OPTS);
    put16(mod + OFF_WINDOW, ttl_code16(3));
    assert_int_equal(ttl_decode_tcp(mod, len, NO_GUESS, HOP_LIMIT, TTL_ENC_TCP), ttl);
    memcpy(mod, buf, len);
    assert_int_equal(mod[len - 1], 0); /* padding after the EOL */
    mod[len - 1] = 0x42;
    assert_int_equal(ttl_decode_tcp(mod, len, NO_GUESS, HOP_LIMIT, TTL_ENC_TCP), ttl);
    /* Options zeroed: EOL at index 0 decodes as 0 (unknown), as in the original. */
    memcpy(mod, buf, len);
    memset(mod + OFF_OPTS, TCP_OPT_KIND_EOL, len - OFF_OPTS);
    assert_int_equal(ttl_decode_tcp(mod, len, NO_GUESS, HOP_LIMIT, TTL_ENC_TCP), 0);
    /* The intact option run beats every field vote. */
    memcpy(mod, buf, len);
    put32(mod + OFF_ACK, 0);
    put16(mod + OFF_WINDOW, 0);
    put16(mod + OFF_URG, 0);
    assert_int_equal(ttl_decode_tcp(mod, len, NO_GUESS, HOP_LIMIT, TTL_ENC_TCP), ttl);
}

static void test_ties(void **state)
{
    (void)state;
    const unsigned a = 4, b = 8, c = 12, x = 20, y = 21;
    const unsigned all = TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG;
    uint8_t q[TCP_HDR_MIN];

    /* ACK only (threshold 2): a,a,b,b,c,c is a 3-way tie, whatever the guess. */
    quote20(q, ack_of((const unsigned[6]){a, a, b, b, c, c}), 0, 0);
    for (unsigned g = 0; g <= HOP_LIMIT; g++)
        assert_int_equal(ttl_decode_tcp(q, sizeof(q), g, HOP_LIMIT, TTL_ENC_ACK), 0);

    /* Counts a=5, b=4, c=3 (threshold 4): candidates a and b, one vote apart. */
    quote20(q, ack_of((const unsigned[6]){a, a, a, a, a, b}), ttl_code16(b), ttl_code16(c));
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), a, HOP_LIMIT, all), a);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), b, HOP_LIMIT, all), b);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), c, HOP_LIMIT, all), a);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), NO_GUESS, HOP_LIMIT, all), a);

    /* a=6, b=4: two votes apart is a clear majority even against the guess. */
    quote20(q, ack_of((const unsigned[6]){a, a, a, a, a, a}), ttl_code16(b),
            (uint16_t)((b << 11) | (x << 5) | y));
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), b, HOP_LIMIT, all), a);

    /* a=6, b=6: an exact tie goes to the guess, else unknown. */
    quote20(q, ack_of((const unsigned[6]){a, a, a, a, a, a}), ttl_code16(b), ttl_code16(b));
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), a, HOP_LIMIT, all), a);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), b, HOP_LIMIT, all), b);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), c, HOP_LIMIT, all), 0);

    /* No value reaches a third of the votes: the guess. */
    quote20(q, ack_of((const unsigned[6]){1, 2, 3, 4, 5, 6}), 0, 0);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), 17, HOP_LIMIT, TTL_ENC_ACK), 17);
}

static void test_above_hop_limit(void **state)
{
    (void)state;
    const unsigned all = TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG;
    uint8_t q[TCP_HDR_MIN];
    /* 31 has six votes but is no plausible hop; 5 has the other six. */
    quote20(q, 0xffffffff, ttl_code16(5), ttl_code16(5));
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), NO_GUESS, HOP_LIMIT, all), 5);
    /* With a lower limit neither qualifies; the guess is clamped to the limit. */
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), 9, 4, all), 4);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), 3, 4, all), 3);
    /* A window code of 31 alone: ignored, the guess stands. */
    quote20(q, 0, ttl_code16(31), 0);
    assert_int_equal(ttl_decode_tcp(q, sizeof(q), 7, HOP_LIMIT, TTL_ENC_WIN), 7);
    /* The option run is not bounded by the limit: the original trusts it as it stands. */
    struct tcp_seg seg;
    uint16_t id;
    uint8_t buf[TCP_HDR_MAX];
    make_seg(31, TTL_ENC_OPTS, &seg, &id);
    size_t len = build(&seg, buf);
    assert_int_equal(ttl_decode_tcp(buf, len, 7, HOP_LIMIT, TTL_ENC_OPTS), 31);
}

/* RFC 792 only guarantees 8 quoted bytes: fields beyond the quote cannot vote. */
static void test_short_quotes(void **state)
{
    (void)state;
    const unsigned ttl = 3;
    struct tcp_seg seg;
    uint16_t id;
    uint8_t buf[TCP_HDR_MAX];
    make_seg(ttl, TTL_ENC_ALL, &seg, &id);
    size_t len = build(&seg, buf);
    assert_int_equal(len, 24); /* 3 NOOPs + EOL */

    for (size_t l = 0; l < 12; l++) {
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_TCP), 7);
        assert_int_equal(ttl_decode_tcp(buf, l, 50, HOP_LIMIT, TTL_ENC_TCP), HOP_LIMIT);
    }
    assert_int_equal(ttl_decode_tcp(NULL, 0, 7, HOP_LIMIT, TTL_ENC_TCP), 7);
    for (size_t l = 12; l < 16; l++) {
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_TCP), ttl);
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_WIN), 7);
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_WIN | TTL_ENC_URG), 7);
    }
    for (size_t l = 16; l < 20; l++) {
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_WIN), ttl);
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_URG), 7);
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_WIN | TTL_ENC_URG), ttl);
    }
    for (size_t l = 20; l < 24; l++) {
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_URG), ttl);
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_OPTS), 7);
    }
    assert_int_equal(ttl_decode_tcp(buf, 24, 7, HOP_LIMIT, TTL_ENC_OPTS), ttl);

    /* The option run counts only if the whole header is quoted. */
    make_seg(9, TTL_ENC_OPTS, &seg, &id);
    len = build(&seg, buf);
    assert_int_equal(len, 32);
    for (size_t l = 24; l < len; l++)
        assert_int_equal(ttl_decode_tcp(buf, l, 7, HOP_LIMIT, TTL_ENC_OPTS), 7);
    assert_int_equal(ttl_decode_tcp(buf, len, 7, HOP_LIMIT, TTL_ENC_OPTS), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code16),        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_encode_fields), cmocka_unit_test(test_roundtrip_all),
        cmocka_unit_test(test_decode_ipid),   cmocka_unit_test(test_window_rewritten),
        cmocka_unit_test(test_ack_rewritten), cmocka_unit_test(test_options_damaged),
        cmocka_unit_test(test_ties),          cmocka_unit_test(test_above_hop_limit),
        cmocka_unit_test(test_short_quotes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
