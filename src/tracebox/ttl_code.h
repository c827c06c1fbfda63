/* Tracebox-style TTL coding: the TTL a probe was sent with is written into header fields
 * that ICMP time-exceeded quotes carry back, so each quote names the hop that sent it
 * even when the router's own address says nothing about distance. */
#ifndef TCPREQ_TTL_CODE_H
#define TCPREQ_TTL_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "tcp/segment.h"

/* Probes are sent with TTL 1..HOP_LIMIT. 30 fits a 5-bit field three times over (IP ID)
 * and below the 39 NOOPs that still leave room for EOL in 40 option bytes. */
#define HOP_LIMIT 30

/* Fields the TTL may be encoded into; a test never encodes into a field it tests. */
enum ttl_field {
    TTL_ENC_IPID = 1 << 0, /* IPv4 identification: three 5-bit copies */
    TTL_ENC_ACK = 1 << 1,  /* acknowledgment number: the 16-bit code twice */
    TTL_ENC_WIN = 1 << 2,  /* window: the 16-bit code */
    TTL_ENC_URG = 1 << 3,  /* urgent pointer: the 16-bit code */
    TTL_ENC_OPTS = 1 << 4  /* options: TTL NOOPs then EOL (replaces the option list) */
};
#define TTL_ENC_ALL (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG | TTL_ENC_OPTS)
/* Fields the TCP-level decoder reads (IP ID is decoded from the quoted IP header). */
#define TTL_ENC_TCP (TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG | TTL_ENC_OPTS)

/* The 16-bit code: three copies of the 5-bit TTL at bits 15-11, 9-5 and 4-0. */
uint16_t ttl_code16(unsigned ttl);
/* Write the code for ttl into the chosen fields of seg (and *ip_id if TTL_ENC_IPID).
 * TTL_ENC_OPTS replaces seg->opts with ttl NOOPs and an EOL. 0 or TCPREQ_EINVAL. */
int ttl_encode(unsigned ttl, unsigned fields, struct tcp_seg *seg, uint16_t *ip_id);
/* Hop from a quoted IPv4 identification: the value at least two of the three 5-bit
 * copies agree on, else 0 (unknown). */
unsigned ttl_decode_ipid(uint16_t ip_id);
/* Hop from the quoted TCP bytes (quote starts at the TCP header). As the original tcpreq:
 * a unary NOOP run ended by EOL decides first; otherwise the 5-bit copies of the enabled
 * fields vote, a value needs at least a third of the votes (ack counts twice), ties are
 * broken towards ttl_guess; with no candidate the guess is returned. 0 means unknown.
 * hop_limit bounds plausible values. */
unsigned ttl_decode_tcp(const uint8_t *quote, size_t len, unsigned ttl_guess, unsigned hop_limit,
                        unsigned fields);

#endif
