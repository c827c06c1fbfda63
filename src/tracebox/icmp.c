/* ICMP time-exceeded (RFC 792) and ICMPv6 time-exceeded (RFC 4443 3.3) messages: the router
 * that dropped a probe quotes the probe's IP header and at least the first 8 bytes of its
 * payload (RFC 792; RFC 1812 4.3.2.3 recommends more, RFC 4443 2.4 (c) as much as fits in
 * 1280 bytes). Tracebox compares that quote with what was sent.
 *
 * Everything here is hostile input from the network: every read is bounds-checked, multi-byte
 * fields are read byte by byte, and the ICMP checksum is verified because a capture hands us
 * the packet as it came off the wire, before (or without) any kernel validation. */
#include "tracebox/icmp.h"

#include "common/bytes.h"

#include <string.h>

#include "common/err.h"
#include "tcp/checksum.h"
#include "tracebox/ttl_code.h"

#define BITS_PER_BYTE 8
#define NIBBLE_BITS 4
#define NIBBLE_MASK 0x0f

/* ICMP and ICMPv6 share the first 8 bytes' layout: type, code, checksum, 4 type-specific
 * bytes; for time-exceeded the quote follows (RFC 792, RFC 4443 3.3). */
#define ICMP_OFF_TYPE 0
#define ICMP_OFF_CODE 1
#define ICMP_HDR_LEN 8
/* RFC 4884 4 / 5: with extensions the "length" byte gives the quote length, in 32-bit words
 * for ICMP (byte 5) and in 64-bit words for ICMPv6 (byte 4). Zero means no extensions. */
#define ICMP_OFF_RFC4884_LEN 5
#define ICMP_RFC4884_UNIT 4
#define ICMPV6_OFF_RFC4884_LEN 4
#define ICMPV6_RFC4884_UNIT 8

/* IP header fields needed to bound a quote (RFC 791 3.1, RFC 8200 3). */
#define IPV4_VERSION 4
#define IPV6_VERSION 6
#define IPV4_OFF_TOTAL_LEN 2
#define IPV6_OFF_PAYLOAD_LEN 4
#define IP_WORD_BYTES 4 /* IHL counts 32-bit words */

/* ICMPv6 pseudo-header (RFC 4443 2.3 -> RFC 8200 8.1): source, destination, 32-bit
 * upper-layer length, three zero bytes, next header. */
#define IPV6_ADDR_LEN 16
#define PSEUDO6_OFF_LEN (2 * IPV6_ADDR_LEN)
#define PSEUDO6_OFF_NEXT (PSEUDO6_OFF_LEN + 7)
#define PSEUDO6_LEN (PSEUDO6_OFF_NEXT + 1)

/* TCP ports are the first 4 bytes of the quoted segment. */
#define TCP_PORTS_LEN 4

/* RFC 1071: summing the message with its checksum field in place gives 0 after finishing
 * iff it is intact. ICMPv6 also covers a pseudo-header (RFC 4443 2.3); ICMP does not. */
static bool icmp_csum_ok(const struct ip_view *outer)
{
    uint32_t sum = 0;
    if (outer->src.family == IP_FAMILY_V6) {
        uint8_t ph[PSEUDO6_LEN] = {0};
        memcpy(ph, outer->src.bytes, IPV6_ADDR_LEN);
        memcpy(ph + IPV6_ADDR_LEN, outer->dst.bytes, IPV6_ADDR_LEN);
        put_be32(ph + PSEUDO6_OFF_LEN, (uint32_t)outer->l4_len);
        ph[PSEUDO6_OFF_NEXT] = IPPROTO_ICMPV6_NUM;
        sum = csum_partial(ph, sizeof(ph), sum);
    }
    sum = csum_partial(outer->l4, outer->l4_len, sum);
    return csum_finish(sum) == 0;
}

/* Parse a quoted IP packet. The quote is usually truncated, while its length field still
 * describes the original packet, so ip_parse() would call it truncated. We require the
 * quoted IP header to be complete, then give ip_parse() a copy whose length field is
 * clamped to the bytes actually quoted: it then walks IPv6 extension headers (RFC 8200 4)
 * and bounds the upper-layer bytes to min(claimed, present) without reading past them. The
 * copy is bounded by IP_PACKET_MAX, more than the largest compliant quote (RFC 4443 2.4 (c):
 * whole message <= 1280 bytes; RFC 1812 4.3.2.3: <= 576). view->l4 points into *copy. */
static int quote_parse(const uint8_t *q, size_t len, uint8_t family, uint8_t *copy,
                       struct ip_view *view)
{
    if (len > IP_PACKET_MAX)
        len = IP_PACKET_MAX;
    if (len < 1)
        return TCPREQ_ETRUNC;
    unsigned version = q[0] >> NIBBLE_BITS;
    /* An ICMP message quotes a packet of its own family. */
    if ((family == IP_FAMILY_V4 && version != IPV4_VERSION) ||
        (family == IP_FAMILY_V6 && version != IPV6_VERSION))
        return TCPREQ_EPROTO;
    memcpy(copy, q, len);

    if (version == IPV4_VERSION) {
        if (len < IPV4_HDR_MIN)
            return TCPREQ_ETRUNC;
        size_t hdr_len = (size_t)(q[0] & NIBBLE_MASK) * IP_WORD_BYTES;
        if (hdr_len > len)
            return TCPREQ_ETRUNC;
        size_t total = get_be16(q + IPV4_OFF_TOTAL_LEN);
        if (total > len)
            put_be16(copy + IPV4_OFF_TOTAL_LEN, (uint16_t)len);
    } else {
        /* The fixed header and at least one byte after it, or the clamped payload length
         * would be 0, which ip_parse() takes for a jumbogram. */
        if (len <= IPV6_HDR_LEN)
            return TCPREQ_ETRUNC;
        size_t payload = get_be16(q + IPV6_OFF_PAYLOAD_LEN);
        if (payload > len - IPV6_HDR_LEN)
            put_be16(copy + IPV6_OFF_PAYLOAD_LEN, (uint16_t)(len - IPV6_HDR_LEN));
    }
    return ip_parse(copy, len, view);
}

/* The ICMP error kinds a TCP flow can be told about, by type and code (RFC 792, RFC 1191,
 * RFC 4443 3.1-3.3); 0 for anything else (echo, redirect, parameter problem, ...). Fragment
 * reassembly timeouts (time exceeded code 1) come from the destination and quote a fragment,
 * not a hop's view of the packet, so they are not taken. */
static int error_kind(bool v6, uint8_t type, uint8_t code)
{
    if (v6) {
        switch (type) {
        case ICMPV6_TYPE_TIME_EXCEEDED:
            return code == ICMP_CODE_TTL_EXCEEDED ? ICMP_ERR_TIME_EXCEEDED : 0;
        case ICMPV6_TYPE_PACKET_TOO_BIG:
            return ICMP_ERR_FRAG_NEEDED;
        case ICMPV6_TYPE_DEST_UNREACH:
            return ICMP_ERR_UNREACHABLE;
        default:
            return 0;
        }
    }
    switch (type) {
    case ICMP_TYPE_TIME_EXCEEDED:
        return code == ICMP_CODE_TTL_EXCEEDED ? ICMP_ERR_TIME_EXCEEDED : 0;
    case ICMP_TYPE_DEST_UNREACH:
        return code == ICMP_CODE_FRAG_NEEDED ? ICMP_ERR_FRAG_NEEDED : ICMP_ERR_UNREACHABLE;
    default:
        return 0;
    }
}

/* Next-hop MTU: RFC 1191 4 puts it in bytes 6-7 of "fragmentation needed"; RFC 4443 3.2 in
 * bytes 4-7 of "packet too big". */
#define ICMP_OFF_MTU16 6
#define ICMPV6_OFF_MTU32 4

static uint32_t error_mtu(bool v6, const uint8_t *icmp)
{
    if (v6)
        return (uint32_t)icmp[ICMPV6_OFF_MTU32] << 24 | (uint32_t)icmp[ICMPV6_OFF_MTU32 + 1] << 16 |
               (uint32_t)icmp[ICMPV6_OFF_MTU32 + 2] << 8 | icmp[ICMPV6_OFF_MTU32 + 3];
    return get_be16(icmp + ICMP_OFF_MTU16);
}

int icmp_parse_error(const uint8_t *pkt, size_t len, struct icmp_quote *out,
                     struct icmp_error *err)
{
    struct ip_view outer;
    int rc;

    if (pkt == NULL || out == NULL || err == NULL)
        return TCPREQ_EINVAL;
    memset(out, 0, sizeof(*out));
    memset(err, 0, sizeof(*err));
    rc = ip_parse(pkt, len, &outer);
    if (rc != TCPREQ_OK)
        return rc;

    bool v6 = outer.src.family == IP_FAMILY_V6;
    uint8_t want_proto = v6 ? IPPROTO_ICMPV6_NUM : IPPROTO_ICMP_NUM;
    if (outer.proto != want_proto)
        return TCPREQ_EPROTO;
    if (outer.l4_len < ICMP_HDR_LEN)
        return TCPREQ_ETRUNC;
    uint8_t type = outer.l4[ICMP_OFF_TYPE], code = outer.l4[ICMP_OFF_CODE];
    int kind = error_kind(v6, type, code);
    if (kind == 0)
        return TCPREQ_EPROTO;
    if (!icmp_csum_ok(&outer))
        return TCPREQ_EINVAL;

    const uint8_t *quote = outer.l4 + ICMP_HDR_LEN;
    size_t quote_len = outer.l4_len - ICMP_HDR_LEN;
    /* RFC 4884: extension objects may follow the quote; the length field says where the
     * quote ends. A length beyond the message is clamped, never trusted. ICMPv6 "packet too
     * big" has no length field (its MTU takes those bytes). */
    bool has_rfc4884 = !(v6 && type == ICMPV6_TYPE_PACKET_TOO_BIG);
    size_t ext_len = !has_rfc4884 ? 0
                     : v6 ? (size_t)outer.l4[ICMPV6_OFF_RFC4884_LEN] * ICMPV6_RFC4884_UNIT
                          : (size_t)outer.l4[ICMP_OFF_RFC4884_LEN] * ICMP_RFC4884_UNIT;
    if (ext_len != 0 && ext_len < quote_len)
        quote_len = ext_len;

    uint8_t copy[IP_PACKET_MAX];
    struct ip_view inner;
    rc = quote_parse(quote, quote_len, outer.src.family, copy, &inner);
    if (rc != TCPREQ_OK)
        return rc;
    if (inner.proto != IPPROTO_TCP_NUM)
        return TCPREQ_EPROTO;
    if (inner.l4_len < TCP_PORTS_LEN)
        return TCPREQ_ETRUNC;

    err->kind = (enum icmp_error_kind)kind;
    err->type = type;
    err->code = code;
    err->mtu = kind == ICMP_ERR_FRAG_NEEDED ? error_mtu(v6, outer.l4) : 0;
    out->router = outer.src;
    out->q_src = inner.src;
    out->q_dst = inner.dst;
    out->q_sport = get_be16(inner.l4 + TCP_OFF_SPORT);
    out->q_dport = get_be16(inner.l4 + TCP_OFF_DPORT);
    /* IPv6 has no identification field to carry the TTL code (the original could not set
     * the flow label either), so only IPv4 gives an IP-level guess. */
    out->hop_guess = v6 ? 0 : ttl_decode_ipid(inner.ip_id);
    out->q_tos = inner.tos;
    out->hop = 0;
    out->quote_len = inner.l4_len < QUOTE_MAX ? inner.l4_len : QUOTE_MAX;
    memcpy(out->quote, inner.l4, out->quote_len);
    return TCPREQ_OK;
}

int icmp_parse_time_exceeded(const uint8_t *pkt, size_t len, struct icmp_quote *out)
{
    struct icmp_error err;
    int rc = icmp_parse_error(pkt, len, out, &err);
    if (rc == TCPREQ_OK && err.kind != ICMP_ERR_TIME_EXCEEDED) {
        memset(out, 0, sizeof(*out));
        return TCPREQ_EPROTO;
    }
    return rc;
}
