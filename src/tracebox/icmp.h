/* ICMP (RFC 792) and ICMPv6 (RFC 4443) time-exceeded messages and the segment they quote. */
#ifndef TCPREQ_ICMP_H
#define TCPREQ_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "tcp/segment.h"

#define ICMP_TYPE_TIME_EXCEEDED 11
#define ICMPV6_TYPE_TIME_EXCEEDED 3
#define ICMP_CODE_TTL_EXCEEDED 0
/* RFC 4443 quotes as much as fits in 1280 bytes; keep all of it that a TCP header can use. */
#define QUOTE_MAX 128

struct icmp_quote {
    struct ip_addr router;      /* source of the ICMP message */
    struct ip_addr q_src, q_dst; /* addresses of the quoted packet */
    uint16_t q_sport, q_dport;  /* quoted TCP ports (always present: RFC 792 quotes >= 8 bytes) */
    unsigned hop_guess;         /* IPv4: from the quoted IP ID (0 unknown); IPv6: 0 */
    unsigned hop;               /* filled by mbox detection: decoded hop, 0 = unknown */
    uint8_t quote[QUOTE_MAX];   /* quoted bytes from the TCP header on, as received */
    size_t quote_len;
};

/* Parse a whole IP packet holding an ICMP/ICMPv6 time-exceeded (hop limit exceeded in
 * transit) message that quotes a TCP segment. TCPREQ_EPROTO for any other message,
 * TCPREQ_ETRUNC when the quote holds less than the TCP ports. */
int icmp_parse_time_exceeded(const uint8_t *pkt, size_t len, struct icmp_quote *out);

#endif
