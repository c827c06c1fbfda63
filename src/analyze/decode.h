/* One captured frame, decoded for the analyzer with the packet core: link layer
 * (tcp/linklayer.h), IPv4/IPv6 with the snap length allowed to cut the payload
 * (ip_parse_snapped), the TCP header and options (tcp_seg_parse), the checksum when the whole
 * segment was captured, or an ICMP error quoting a TCP segment (tracebox/icmp.h). Frames are
 * hostile input: nothing is read past caplen. */
#ifndef TCPREQ_ANALYZE_DECODE_H
#define TCPREQ_ANALYZE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/segment.h"
#include "tracebox/icmp.h"

/* Time in a capture: microseconds since the epoch (pcap's resolution). */
typedef int64_t an_time;
#define AN_USEC_PER_SEC ((an_time)1000000)
#define AN_USEC_PER_MSEC ((an_time)1000)
/* Frame times are clamped to [0, AN_TIME_MAX] (hostile files carry any timestamp), so the
 * difference of two never overflows. */
#define AN_TIME_MAX ((an_time)1 << 62)

struct an_frame {
    uint64_t number; /* 1-based, as tcpdump -# and Wireshark count */
    an_time ts;
    int linktype; /* LINKTYPE_* of the capture's interface */
    const uint8_t *data;
    size_t caplen;       /* bytes present in data */
    size_t wirelen;      /* bytes on the wire */
    const char *comment; /* pcapng opt_comment of the packet, NUL-terminated; NULL = none */
};

enum an_pkt_kind {
    AN_PKT_SKIP = 0,   /* not something the analyzer follows (see an_skip) */
    AN_PKT_TCP,        /* a TCP segment whose header was captured */
    AN_PKT_ICMP_ERROR, /* an ICMP/ICMPv6 error quoting a TCP segment */
};

enum an_skip {
    AN_SKIP_NONE = 0,
    AN_SKIP_LINK,        /* link type unsupported, or not IP behind it */
    AN_SKIP_IP,          /* IP header malformed or truncated, or a later fragment */
    AN_SKIP_OTHER_PROTO, /* neither TCP nor an ICMP error about TCP */
    AN_SKIP_TCP_HEADER,  /* TCP header malformed or not captured */
    AN_SKIP_COUNT
};

enum an_csum {
    AN_CSUM_OK = 0,
    AN_CSUM_BAD,
    AN_CSUM_UNKNOWN /* segment not captured whole */
};

struct an_pkt {
    enum an_pkt_kind kind;
    enum an_skip skip;
    struct ip_view ip;
    size_t ip_wire_len; /* the IP packet's length on the wire (header + upper layer) */
    /* AN_PKT_TCP */
    struct tcp_seg seg;      /* payload: the captured bytes (NULL when none captured) */
    size_t payload_wire_len; /* payload length the IP header gives */
    const uint8_t *tcp_hdr;  /* the raw header with options, for the padding check */
    size_t tcp_hdr_len;
    int opts_err; /* tcp_opts_parse's error, 0 = options well formed */
    enum an_csum csum;
    /* AN_PKT_ICMP_ERROR */
    struct icmp_quote quote;
    struct icmp_error icmp;
};

/* Decode a frame. Always fills out->kind (AN_PKT_SKIP with out->skip telling why). */
void an_decode(const struct an_frame *frame, struct an_pkt *out);
const char *an_skip_name(enum an_skip skip);

#endif
