/* The machine shared by the tests whose requirement is "a reset with an acceptable sequence
 * number returns a passively opened connection in SYN-RECEIVED to LISTEN" (RFC 9293 MUST-11,
 * "SYN-RECEIVED remembers last state"; 3.10.7.4, SYN-RECEIVED, "second, check the RST bit"):
 * RSTACKTest resets with a RST-ACK, SynRcvdRstTest with a plain RST. The handshake is a plain
 * SYN (syn_probe, no tracing, no retry); its SYN-ACK is answered with the reset.
 *
 * The original took silence after the reset for success and only a retransmitted SYN-ACK for
 * the reset being ignored, so every host that never retransmits passed. Here a new SYN on
 * the same 4-tuple, far outside the first connection's window, asks: a listener answers it
 * with a SYN-ACK for the new SYN (back in LISTEN: PASS), a surviving SYN-RECEIVED connection
 * with its SYN-ACK again or an ACK for the first SYN (3.10.7.4: an unacceptable segment is
 * answered with an ACK: FAIL). Whichever comes first decides; no answer at all is UNK. */
#ifndef TCPREQ_SYN_RCVD_RESET_H
#define TCPREQ_SYN_RCVD_RESET_H

#include <stdbool.h>
#include <stdint.h>

#include "testcase/syn_probe.h"
#include "testcase/tc.h"

struct syn_rcvd_reset_params {
    /* The reset answering the SYN-ACK, <SEQ=SEG.ACK>: TCP_FLAG_RST, or with TCP_FLAG_ACK
     * (then <ACK=SEG.SEQ+1>). */
    uint8_t reset_flags;
    const char *reset_name; /* in the reasons: "RST-ACK ignored" */
    /* --timing original gives the original RSTACKTest's verdicts: a retransmitted SYN-ACK
     * within 60 s is a FAIL, silence a PASS. Otherwise that mode only lengthens the waits. */
    bool original_verdicts;
};

enum syn_rcvd_reset_phase { SRR_HANDSHAKE = 0, SRR_AFTER_RESET };

struct syn_rcvd_reset_state {
    enum syn_rcvd_reset_phase phase;
    struct syn_probe opener;
    uint32_t new_isn;   /* the SYN asking whether the host listens again */
    uint32_t reset_ack; /* the sequence number after the SYN-ACK's SYN (SEG.SEQ+1) */
    struct tcp_seg synack;
};

/* Callbacks for a test_case whose params is a struct syn_rcvd_reset_params and whose
 * state_size is sizeof(struct syn_rcvd_reset_state). */
void syn_rcvd_reset_start(struct tc *t, tc_time now);
void syn_rcvd_reset_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now);
void syn_rcvd_reset_on_timer(struct tc *t, tc_time now);

#endif
