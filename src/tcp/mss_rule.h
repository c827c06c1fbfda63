/* The one rule for "a segment larger than the peer's MSS" (RFC 9293 3.7.1, MUST-14,
 * MUST-15, MUST-16), shared by the live MSS test cases and `tcpreq analyze`, so a capture
 * of a test judged offline reaches the live verdict.
 *
 * - The limit is the MSS of the peer's SYN: its LAST MSS option when it carries several.
 *   RFC 9293 does not say which of several wins; the original tcpreq's MultiMSSTest held
 *   hosts to the last one, and Linux, the BSDs, Windows, lwIP and gVisor all parse options
 *   in order, each MSS option overwriting the one before.
 * - Without an MSS option, the default send MSS: 536 octets over IPv4, 1220 over IPv6
 *   (MUST-15; RFC 8200 5's 1280 minus 60).
 * - What the limit bounds is the TCP options plus the data of a segment: the MSS counts
 *   neither IP nor TCP options, so "if there are any IP or TCP options to be sent in a
 *   packet, then the sender must decrease the size of the TCP data accordingly" (3.7.1).
 *   This is the original's measure (TCP header and payload against MSS + 20). */
#ifndef TCPREQ_MSS_RULE_H
#define TCPREQ_MSS_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "tcp/options.h"

#define MSS_DEFAULT_V4 536
#define MSS_DEFAULT_V6 1220

/* The MSS a SYN's options announce (the last MSS option); *present false and the family's
 * default when it has none. */
uint16_t mss_announced(const struct tcp_opts *syn_opts, int family, bool *present);
/* Octets of a segment the MSS bounds: TCP options (header length beyond 20) plus data. */
size_t mss_counted_len(size_t tcp_header_len, size_t payload_len);
/* Whether a segment with that header and payload length exceeds mss. */
bool mss_exceeded(size_t tcp_header_len, size_t payload_len, uint16_t mss);

#endif
