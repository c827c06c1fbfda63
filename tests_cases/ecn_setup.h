/* The machine shared by the ECN handshake cases (RFC 3168 6.1.1): EcnSetupTest (an
 * ECN-setup SYN: ECE and CWR set), EcnEceOnlySynTest and EcnCwrOnlySynTest (a SYN with one
 * of the two: not an ECN-setup SYN, so it must never draw an ECN-setup SYN-ACK).
 *
 * The SYN goes out as the test's traced probe (syn_probe: the host's copy, the routers'
 * copies, the plain retry, then a control SYN without ECE and CWR); its SYN-ACK is judged
 * and reset at once. Path first: the quotes show the ECE and CWR flags and the IP ECN field
 * (and DSCP) as each hop saw them, so a router that clears the flags or changes the
 * codepoint makes the test UNK at its hop (path transparency); a hop known to quote that
 * stays silent while the host does too dropped the probe.
 *
 * Connectivity, as path-transparency studies class it (Trammell et al., "Enabling
 * Internet-wide deployment of explicit congestion notification", PAM 2015), goes into
 * `custom.connectivity`: the attempt with the flags paired with a plain handshake. The plain
 * handshake is the control SYN when the attempt failed, else the LivenessTest that precedes
 * every test on the target (a target that fails it is not tested further): "works" (both
 * answered at once), "transient" (the SYN under test answered only on its retry, or after
 * the control), "broken" (the plain SYN answered, this one not), "offline" (neither). With a
 * SYN-ACK, `custom` also says what it negotiated: "negotiated" (an ECN-setup SYN-ACK: ECE
 * set, CWR clear), "synack_flags" and "synack_ecn" (its IP ECN field). */
#ifndef TCPREQ_ECN_SETUP_H
#define TCPREQ_ECN_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testcase/syn_probe.h"
#include "testcase/tc.h"
#include "tracebox/ttl_code.h"

/* The TTL goes everywhere a quote carries it but the flags and the IP ECN field. */
#define ECN_SYN_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define ECN_SYN_STAGE 1
/* The traced SYN, its retry, the control SYN and the reset of whichever was answered. */
#define ECN_SYN_PACKET_BUDGET (HOP_LIMIT + 4)
#define ECN_SYN_DEADLINE (300 * TC_SEC)

struct ecn_syn_params {
    uint8_t syn_flags;      /* ECE and/or CWR, on the SYN besides SYN */
    bool setup;             /* they make an ECN-setup SYN (both set) */
    const char *syn_suffix; /* the SYN in reasons: "a SYN<suffix>" */
};

struct ecn_syn_state {
    struct syn_probe probe;
};

/* The quote check: ECE, CWR and the ECN field as sent. ctx: the instance. */
bool ecn_syn_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                  char *seen, size_t seen_cap);

#define ECN_SYN_MBOX                                                                               \
    {                                                                                              \
        .fields = ECN_SYN_TTL_FIELDS, .diff = ecn_syn_diff,                                        \
        .info = "ECN flags or codepoint modified", .stage = ECN_SYN_STAGE                          \
    }

/* Callbacks for a test_case whose params is a struct ecn_syn_params, whose state_size is
 * sizeof(struct ecn_syn_state) and whose mbox is ECN_SYN_MBOX. */
void ecn_syn_start(struct tc *t, tc_time now);
void ecn_syn_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now);
void ecn_syn_on_timer(struct tc *t, tc_time now);

#endif
