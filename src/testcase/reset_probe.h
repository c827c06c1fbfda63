/* A RST at the peer's RCV.NXT, sent as the test's traced probe, and the alive check asking
 * whether it reset the connection. RFC 9293 3.10.7.4 ("second, check the RST bit"; RFC 5961
 * 3.2): a RST at exactly RCV.NXT resets a synchronized connection; the alive probe is then
 * answered by a RST (3.10.7.1). The RST may carry data (RFC 9293 3.5.3, SHLD-2).
 *
 * A verdict that the RST was ignored rests on the RST having reached the host, which only
 * the path can vouch for: conclude it by_silence (tc_conclude), so a hop that quoted the
 * target's other probes but not this one makes it UNK (probe dropped), and declare
 * RESET_PROBE_FIELDS and a diff calling reset_probe_quote_diff as the case's mbox check. */
#ifndef TCPREQ_RESET_PROBE_H
#define TCPREQ_RESET_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "testcase/alive_check.h"
#include "testcase/connection.h"
#include "testcase/tc.h"
#include "tracebox/ttl_code.h"

/* The TTL goes into fields a RST without the ACK bit does not use (RFC 9293 3.10.7.4 reads
 * only its sequence number). */
#define RESET_PROBE_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)

struct reset_probe {
    uint32_t seq;        /* the RST's sequence number: the peer's RCV.NXT */
    const uint8_t *data; /* what it carries (static: outlives the instance), len bytes */
    size_t len;
    struct alive_check alive; /* asking whether it took */
};

/* Send the RST (traced) and start the alive check TC_ORDER_GAP after it. */
void reset_probe_send(struct tc *t, const struct tc_conn *c, struct reset_probe *r,
                      const uint8_t *data, size_t len, tc_time now);
/* The verdict on the alive check's outcome, path first (tc_conclude): AC_GONE, the RST took:
 * PASS; AC_ALIVE, the connection survived it: closed, FAIL reason_ignored at stage, by
 * silence; AC_SILENT: closed, UNK. Nothing for AC_PENDING. */
void reset_probe_conclude(struct tc *t, enum alive_check_outcome o, int stage,
                          const char *reason_ignored, tc_time now);
/* Does a quote of the RST differ from what was sent: its flags, its sequence number or the
 * data as far as quoted? exp / seen as "flags,seq[,data]" in hex. */
bool reset_probe_quote_diff(const struct reset_probe *r, const struct icmp_quote *q, char *exp,
                            size_t exp_cap, char *seen, size_t seen_cap);

#endif
