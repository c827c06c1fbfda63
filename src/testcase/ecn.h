/* Explicit Congestion Notification (RFC 3168) for the ECN cases: the codepoints of the IP
 * ECN field by name, what a SYN-ACK negotiates (6.1.1), and the middlebox check of a probe
 * whose ECN signals are under test: the TCP ECE and CWR flags and the IP ECN field must
 * reach each quoting hop as they were sent (path transparency). */
#ifndef TCPREQ_ECN_H
#define TCPREQ_ECN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/segment.h"
#include "tracebox/icmp.h"

/* The ECE and CWR flags: both set make an ECN-setup SYN (RFC 3168 6.1.1). */
#define ECN_SETUP_SYN_FLAGS (TCP_FLAG_ECE | TCP_FLAG_CWR)

/* "not-ECT", "ECT(1)", "ECT(0)" or "CE" for the ECN field of a TOS / traffic class. */
const char *ecn_codepoint_name(uint8_t tos);
/* Whether the ECN field of a TOS / traffic class is ECT(0), ECT(1) or CE: a packet sent
 * ECN-capable (a router marks CE only on an ECT packet, RFC 3168 5). */
bool ecn_capable(uint8_t tos);
/* RFC 3168 6.1.1: an ECN-setup SYN-ACK has ECE set and CWR clear; any other SYN-ACK
 * negotiates no ECN. */
bool ecn_setup_synack(uint8_t tcp_flags);
/* The ECE and CWR flags among tcp_flags by name: "ECE+CWR", "ECE", "CWR" or "no ECE/CWR". */
const char *ecn_flags_name(uint8_t tcp_flags);

/* The middlebox check: does quote q show the ECE/CWR flags (when quoted) or the ECN field
 * changed from what was sent (sent_flags, sent_tos)? A router may turn ECT into CE (that is
 * what ECN is for); anything else is a change. DSCP is shown, never judged: remarking it is
 * common and says nothing about ECN. Writes "<flags> <ECN> DSCP <n>" expected and seen. */
bool ecn_quote_diff(const struct icmp_quote *q, uint8_t sent_flags, uint8_t sent_tos, char *exp,
                    size_t exp_cap, char *seen, size_t seen_cap);

#endif
