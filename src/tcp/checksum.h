/* Internet checksum (RFC 1071) and the TCP pseudo-header checksum of RFC 9293 3.1
 * (IPv4) and RFC 8200 8.1 (IPv6). */
#ifndef TCPREQ_CHECKSUM_H
#define TCPREQ_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* One's-complement sum of data folded into 32 bits, to be continued or finished. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
/* Fold and complement a partial sum into the 16-bit checksum (host order). */
uint16_t csum_finish(uint32_t sum);
/* Checksum of an IPv4 header (the checksum field must be zero or is included as is). */
uint16_t csum_ipv4_header(const void *hdr, size_t len);
/* TCP checksum over pseudo-header + segment bytes (segment's checksum field included
 * as it stands: zero it first to compute, or leave it to verify, where 0 means valid). */
uint16_t csum_tcp(const struct ip_addr *src, const struct ip_addr *dst, const void *segment,
                  size_t len);

#endif
