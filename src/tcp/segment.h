/* TCP segments (RFC 9293 3.1) carried in IPv4 (RFC 791) or IPv6 (RFC 8200): building with
 * every header field settable, including the ones a test sets wrong on purpose, and parsing
 * that never reads past the buffer and reports malformed input with an error code. */
#ifndef TCPREQ_SEGMENT_H
#define TCPREQ_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "tcp/options.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_URG 0x20
#define TCP_FLAG_ECE 0x40
#define TCP_FLAG_CWR 0x80

/* TCP header field offsets (RFC 9293 3.1): the one copy. */
#define TCP_OFF_SPORT 0
#define TCP_OFF_DPORT 2
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_DATA_OFF 12 /* data offset (high nibble) + reserved (low nibble) */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_WINDOW 14
#define TCP_OFF_CSUM 16
#define TCP_OFF_URG 18

#define TCP_HDR_MIN 20
#define TCP_HDR_MAX 60
#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define IPPROTO_TCP_NUM 6
#define IPPROTO_ICMP_NUM 1
#define IPPROTO_ICMPV6_NUM 58
/* Largest packet we ever build or keep a copy of. */
#define IP_PACKET_MAX 1600

struct tcp_seg {
    uint16_t sport, dport;
    uint32_t seq, ack;
    /* Header length in 32-bit words. Parsed: as on the wire. Build: 0 = derive from options;
     * non-zero = written as given (may be inconsistent on purpose). */
    uint8_t data_off;
    uint8_t reserved; /* the 4 reserved bits between data offset and flags (low nibble) */
    uint8_t flags;    /* TCP_FLAG_* */
    uint16_t window;
    uint16_t checksum; /* parsed: as on the wire; build: used only when csum_fixed */
    bool csum_fixed;   /* build: write .checksum verbatim instead of computing it */
    uint16_t urg_ptr;
    struct tcp_opts opts;
    const uint8_t *payload; /* parsed: points into the parsed buffer */
    size_t payload_len;
};

/* IP-level parameters of a packet we build. */
struct ip_params {
    struct ip_addr src, dst; /* same family */
    uint8_t ttl;             /* TTL / hop limit; 0 = IP_DEFAULT_TTL */
    uint16_t ip_id;          /* IPv4 identification (0 lets the kernel pick) */
    uint32_t flow_label;     /* IPv6 only, 20 bits */
    uint8_t tos;             /* IPv4 TOS / IPv6 traffic class */
};
#define IP_DEFAULT_TTL 64
/* The ECN field, the low two bits of the TOS / traffic class (RFC 3168 5). */
#define IP_ECN_MASK 0x03
#define IP_ECN_NOT_ECT 0x00
#define IP_ECN_ECT1 0x01
#define IP_ECN_ECT0 0x02
#define IP_ECN_CE 0x03

/* A parsed IP packet: addresses, TTL and where the transport payload is. */
struct ip_view {
    struct ip_addr src, dst;
    uint8_t ttl;
    uint8_t tos;    /* IPv4 TOS / IPv6 traffic class: DSCP (6 bits) and ECN (2 bits) */
    uint16_t ip_id; /* IPv4 only */
    uint8_t proto;  /* upper-layer protocol after walking IPv6 extension headers */
    const uint8_t *l4;
    size_t l4_len; /* bounded by the IP length fields and the buffer */
};

void tcp_seg_init(struct tcp_seg *seg);
/* Encode the TCP header + options + payload; checksum computed over the pseudo-header
 * unless seg->csum_fixed. */
int tcp_seg_build(const struct tcp_seg *seg, const struct ip_addr *src, const struct ip_addr *dst,
                  uint8_t *buf, size_t cap, size_t *out_len);
/* Encode a whole IPv4 or IPv6 packet carrying the segment (IPv4 header checksum computed). */
int ip_tcp_build(const struct ip_params *ip, const struct tcp_seg *seg, uint8_t *buf, size_t cap,
                 size_t *out_len);
/* Parse a TCP segment. *csum_ok (may be NULL) tells whether the checksum verifies against
 * the pseudo-header built from src/dst. Options that fail to parse give TCPREQ_EINVAL or
 * TCPREQ_ETRUNC (the header itself is still filled in). */
int tcp_seg_parse(const uint8_t *buf, size_t len, const struct ip_addr *src,
                  const struct ip_addr *dst, struct tcp_seg *out, bool *csum_ok);
/* Why tcp_seg_parse rejects buf (data offset below 5 or past the segment, an option's
 * length below 2 or running past the header, ...), in words with the values seen: true and
 * out filled, or false when the header and its options parse. */
bool tcp_seg_describe_error(const uint8_t *buf, size_t len, char *out, size_t cap);
/* Parse an IPv4 or IPv6 packet header (IPv6: walks hop-by-hop, routing, fragment,
 * destination-options, AH extension headers, RFC 8200 4). */
int ip_parse(const uint8_t *buf, size_t len, struct ip_view *out);
/* ip_parse for captured packets, which a snap length may have cut short: the IP headers
 * must be complete, the rest need not be. l4/l4_len cover the bytes present;
 * *wire_l4_len is the upper-layer length the IP header gives (>= l4_len). */
int ip_parse_snapped(const uint8_t *buf, size_t len, struct ip_view *out, size_t *wire_l4_len);
/* Sequence-number comparisons modulo 2^32 (RFC 9293 3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline bool seq_leq(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}
/* Sequence space a segment occupies: payload plus one each for SYN and FIN. */
uint32_t tcp_seg_len(const struct tcp_seg *seg);

#endif
