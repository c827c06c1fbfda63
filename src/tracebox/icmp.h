/* ICMP (RFC 792) and ICMPv6 (RFC 4443) error messages quoting a TCP segment: time exceeded
 * (tracebox), and for the capture analyzer also destination unreachable, fragmentation
 * needed (RFC 1191) and packet too big (RFC 8201). */
#ifndef TCPREQ_ICMP_H
#define TCPREQ_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "tcp/segment.h"

#define ICMP_TYPE_TIME_EXCEEDED 11
#define ICMPV6_TYPE_TIME_EXCEEDED 3
#define ICMP_CODE_TTL_EXCEEDED 0
#define ICMP_TYPE_DEST_UNREACH 3
#define ICMP_CODE_FRAG_NEEDED 4
#define ICMPV6_TYPE_DEST_UNREACH 1
#define ICMPV6_TYPE_PACKET_TOO_BIG 2
/* RFC 4443 quotes as much as fits in 1280 bytes; keep all of it that a TCP header can use. */
#define QUOTE_MAX 128

struct icmp_quote {
    struct ip_addr router;      /* source of the ICMP message */
    struct ip_addr q_src, q_dst; /* addresses of the quoted packet */
    uint16_t q_sport, q_dport;  /* quoted TCP ports (always present: RFC 792 quotes >= 8 bytes) */
    unsigned hop_guess;         /* IPv4: from the quoted IP ID (0 unknown); IPv6: 0 */
    uint8_t q_tos;              /* quoted TOS / traffic class (DSCP and ECN) as it arrived */
    unsigned hop;               /* filled by mbox detection: decoded hop, 0 = unknown */
    uint8_t quote[QUOTE_MAX];   /* quoted bytes from the TCP header on, as received */
    size_t quote_len;
};

/* Parse a whole IP packet holding an ICMP/ICMPv6 time-exceeded (hop limit exceeded in
 * transit) message that quotes a TCP segment. TCPREQ_EPROTO for any other message,
 * TCPREQ_ETRUNC when the quote holds less than the TCP ports. */
int icmp_parse_time_exceeded(const uint8_t *pkt, size_t len, struct icmp_quote *out);

enum icmp_error_kind {
    ICMP_ERR_TIME_EXCEEDED = 1, /* TTL / hop limit exceeded in transit */
    ICMP_ERR_FRAG_NEEDED,       /* IPv4 fragmentation needed and DF set; ICMPv6 packet too big */
    ICMP_ERR_UNREACHABLE        /* any other destination unreachable code */
};

struct icmp_error {
    enum icmp_error_kind kind;
    uint8_t type, code; /* as on the wire */
    uint32_t mtu;       /* next-hop MTU of FRAG_NEEDED (0 = not given, RFC 1191 old routers) */
};

/* Parse any of the ICMP/ICMPv6 errors above quoting a TCP segment (same checks as
 * icmp_parse_time_exceeded: checksum verified, quote bounded). TCPREQ_EPROTO for other
 * messages. */
int icmp_parse_error(const uint8_t *pkt, size_t len, struct icmp_quote *out,
                     struct icmp_error *err);

#endif
