/* ICMP/ICMPv6 errors quoting TCP (src/tracebox/icmp.c), TTL decoding (ttl_code.c) and
 * middlebox attribution (mbox.c). The input is a list of packets, each prefixed by a 16-bit
 * length; the ICMP checksum of each is fixed before parsing (a mutated one would stop every
 * input at the checksum check), the input as it is is parsed too.
 * Invariants: a parsed quote stays within QUOTE_MAX and its ports are its first bytes; a
 * time-exceeded parse agrees with the general error parse; decoded hops are never above
 * the hop limit (the option coding's 39 NOOPs aside); a probe encoded with a TTL and quoted whole
 * by a router decodes back to that TTL; the path mbox_detect returns is bounded, sorted by hop and
 * without duplicates. */
#include "fuzz_util.h"

#include "common/err.h"
#include "tcp/segment.h"
#include "tracebox/icmp.h"
#include "tracebox/mbox.h"
#include "tracebox/ttl_code.h"

#define MAX_QUOTES 16
/* The NOOP run of the option coding is trusted as it stands, as the original does
 * (test_ttl_code.c: test_above_hop_limit): up to 39 NOOPs and an EOL in 40 option bytes. */
#define OPTS_HOP_MAX (TCP_OPTS_MAX_BYTES - 1)
#define PKT_MAX 2048
#define ICMP_HDR 8

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Recompute the ICMP/ICMPv6 checksum of pkt in place when it parses as such. */
static void fix_icmp_checksum(uint8_t *pkt, size_t len)
{
    struct ip_view ip;
    if (ip_parse(pkt, len, &ip) != TCPREQ_OK || ip.l4_len < ICMP_HDR)
        return;
    bool v6 = ip.src.family == IP_FAMILY_V6;
    if (ip.proto != (v6 ? IPPROTO_ICMPV6_NUM : IPPROTO_ICMP_NUM))
        return;
    /* the ICMP message runs to the end of the IP packet, which may be shorter than len */
    size_t hdr = (size_t)(ip.l4 - pkt);
    fuzz_icmp_checksum(pkt, hdr, hdr + ip.l4_len, v6);
}

static void check_quote(const uint8_t *pkt, size_t len, struct icmp_quote *keep, size_t *n_keep)
{
    struct icmp_quote q, te;
    struct icmp_error err;
    int rc = icmp_parse_error(pkt, len, &q, &err);
    int rt = icmp_parse_time_exceeded(pkt, len, &te);
    if (rt == TCPREQ_OK) {
        FUZZ_CHECK(rc == TCPREQ_OK && err.kind == ICMP_ERR_TIME_EXCEEDED);
        FUZZ_CHECK(te.quote_len == q.quote_len && memcmp(te.quote, q.quote, q.quote_len) == 0);
    }
    if (rc != TCPREQ_OK)
        return;
    FUZZ_CHECK(q.quote_len >= 4 && q.quote_len <= QUOTE_MAX);
    FUZZ_CHECK(q.q_sport == be16(q.quote) && q.q_dport == be16(q.quote + 2));
    FUZZ_CHECK(q.q_src.family == q.router.family && q.q_dst.family == q.router.family);
    for (unsigned fields = 0; fields <= TTL_ENC_TCP; fields++) {
        unsigned hop = ttl_decode_tcp(q.quote, q.quote_len, q.hop_guess, HOP_LIMIT, fields);
        FUZZ_CHECK(hop <= ((fields & TTL_ENC_OPTS) ? OPTS_HOP_MAX : HOP_LIMIT));
    }
    FUZZ_CHECK(ttl_decode_ipid((uint16_t)q.hop_guess) <= 31);
    if (rt == TCPREQ_OK && *n_keep < MAX_QUOTES)
        keep[(*n_keep)++] = te;
}

/* The tracebox round trip: a probe whose TTL is encoded in fields, quoted whole by a
 * router's time-exceeded, decodes back to that TTL. */
static void check_roundtrip(struct fz *f)
{
    unsigned ttl = 1 + fz_u8(f) % HOP_LIMIT;
    unsigned fields = fz_u8(f) & TTL_ENC_ALL;
    bool v6 = fz_u8(f) & 1;
    struct tcp_seg seg;
    tcp_seg_init(&seg);
    seg.sport = fz_u16(f);
    seg.dport = fz_u16(f);
    seg.seq = fz_u32(f);
    seg.ack = fz_u32(f);
    seg.flags = fz_u8(f);
    seg.window = fz_u16(f);
    seg.urg_ptr = fz_u16(f);
    uint16_t ip_id = fz_u16(f);
    if (ttl_encode(ttl, fields, &seg, &ip_id) != TCPREQ_OK)
        return;
    struct ip_params p = {.ttl = (uint8_t)ttl, .ip_id = ip_id};
    p.src.family = p.dst.family = v6 ? IP_FAMILY_V6 : IP_FAMILY_V4;
    p.src.bytes[0] = v6 ? 0xfd : 198;
    p.dst.bytes[0] = v6 ? 0xfd : 198;
    p.dst.bytes[3] = 2;
    uint8_t probe[IP_PACKET_MAX];
    size_t probe_len;
    FUZZ_CHECK(ip_tcp_build(&p, &seg, probe, sizeof(probe), &probe_len) == TCPREQ_OK);
    /* the router's message: outer header, ICMP header, the probe as quote */
    uint8_t msg[PKT_MAX] = {0};
    size_t hdr = v6 ? 40 : 20, icmp_len = ICMP_HDR + probe_len, len = hdr + icmp_len;
    if (v6) {
        msg[0] = 0x60;
        msg[4] = (uint8_t)(icmp_len >> 8);
        msg[5] = (uint8_t)icmp_len;
        msg[6] = IPPROTO_ICMPV6_NUM;
        msg[7] = 64;
        msg[8] = 0xfd;
        msg[23] = 9;
        memcpy(msg + 24, p.src.bytes, 16);
        msg[hdr] = ICMPV6_TYPE_TIME_EXCEEDED;
    } else {
        msg[0] = 0x45;
        msg[2] = (uint8_t)(len >> 8);
        msg[3] = (uint8_t)len;
        msg[8] = 64;
        msg[9] = IPPROTO_ICMP_NUM;
        msg[12] = 198;
        msg[15] = 9;
        memcpy(msg + 16, p.src.bytes, 4);
        msg[hdr] = ICMP_TYPE_TIME_EXCEEDED;
    }
    memcpy(msg + hdr + ICMP_HDR, probe, probe_len);
    fix_icmp_checksum(msg, len);
    struct icmp_quote q;
    FUZZ_CHECK(icmp_parse_time_exceeded(msg, len, &q) == TCPREQ_OK);
    FUZZ_CHECK(q.q_sport == seg.sport && q.q_dport == seg.dport);
    unsigned tcp_fields = fields & TTL_ENC_TCP;
    unsigned guess = (fields & TTL_ENC_IPID) ? ttl_decode_ipid(ip_id) : q.hop_guess;
    if (!v6 && (fields & TTL_ENC_IPID))
        FUZZ_CHECK(q.hop_guess == ttl);
    if (tcp_fields != 0 && q.quote_len >= probe_len - hdr)
        FUZZ_CHECK(ttl_decode_tcp(q.quote, q.quote_len, guess, HOP_LIMIT, tcp_fields) == ttl);
}

static void check_path(struct icmp_quote *q, size_t n, unsigned fields)
{
    struct mbox_result res;
    mbox_detect(q, n, fields, HOP_LIMIT, NULL, NULL, &res);
    FUZZ_CHECK(!res.detected);
    FUZZ_CHECK(res.path_len <= PATH_MAX_HOPS && res.path_len <= n);
    for (size_t i = 0; i < res.path_len; i++) {
        FUZZ_CHECK(res.path[i].hop <= OPTS_HOP_MAX);
        if (i > 0)
            FUZZ_CHECK(res.path[i - 1].hop <= res.path[i].hop);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(res.path[j].hop != res.path[i].hop ||
                       !ip_addr_equal(&res.path[j].router, &res.path[i].router));
    }
    char reason[256];
    mbox_reason(&res, "info", reason, sizeof(reason));
    FUZZ_CHECK(memchr(reason, '\0', sizeof(reason)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct icmp_quote quotes[MAX_QUOTES];
    size_t n = 0;
    struct fz f = {data, size};
    unsigned fields = fz_u8(&f) & TTL_ENC_ALL;
    check_roundtrip(&f);
    while (f.left > 2) {
        size_t want = fz_u16(&f) % PKT_MAX, len;
        const uint8_t *raw = fz_bytes(&f, want, &len);
        uint8_t pkt[PKT_MAX];
        memcpy(pkt, raw, len);
        check_quote(pkt, len, quotes, &n);
        fix_icmp_checksum(pkt, len);
        check_quote(pkt, len, quotes, &n);
    }
    check_path(quotes, n, fields);
    return 0;
}
