/* The opening most test cases share (the original tcpreq's SYN burst, _synchronize and
 * its retry): the SYN under test goes out as the test's traced probe (tc_send_probe: the host
 * gets one copy, routers the TTL-limited ones, the TTL encoded in the given header fields so
 * ICMP quotes show where the path changed it); if that draws no SYN-ACK (silence, or a RST
 * acknowledging it), the same SYN is sent once more without encoding, because the encoded
 * copy can itself trip a middlebox. If that fails too, a control SYN without what is under
 * test tells the two cases apart that the original could not: a host that answers plain SYNs
 * but not this one (the failure is the host's: positive evidence), and a host, port or path
 * that answers no SYN at all right now (unknown).
 *
 * A sub-machine embedded in a case's state: the case forwards its segments and timer
 * events while syn_probe_active() and gets an outcome back. */
#ifndef TCPREQ_SYN_PROBE_H
#define TCPREQ_SYN_PROBE_H

#include <stdbool.h>

#include "testcase/tc.h"

/* The original's handshake wait (30 s) in --timing original mode. */
#define SYN_PROBE_ORIGINAL_WAIT (30 * TC_SEC)

enum syn_probe_phase { SP_IDLE = 0, SP_BURST, SP_RETRY, SP_SINGLE, SP_CONTROL, SP_DONE };

struct syn_probe {
    /* Set by the case before syn_probe_start. */
    struct tcp_seg syn;    /* the SYN under test; seq, window, options, reserved bits set */
    unsigned fields;       /* TTL_ENC_* for the traced probe; never a field under test */
    bool burst;            /* false: one plain SYN, no tracing, no retry (UrgentPointerTest) */
    uint16_t retry_window; /* window of the retry SYN */
    /* A plain SYN (no options, no reserved bits) when the SYN under test failed twice; only
     * for a SYN that carries something under test. */
    bool control;
    /* Internal. */
    enum syn_probe_phase phase;
    tc_time first_sent_at;     /* the only transmission an RTT may be sampled from (Karn) */
    enum tc_handshake failure; /* how the SYN under test failed (TC_HS_RST or a timeout) */
    bool failure_timeout;
    uint32_t control_seq;
};

enum syn_probe_outcome {
    SP_PENDING = 0, /* still waiting (or the retry just went out) */
    SP_ESTABLISHED, /* a SYN-ACK acknowledging our SYN arrived: *seg is it */
    SP_FAILED,      /* the handshake failed: see struct syn_probe_failure */
};

struct syn_probe_failure {
    /* FAIL for a wrong reply, or for a SYN under test that failed while the control SYN
     * was answered; UNK for silence or a RST without that contrast. */
    enum tc_status status;
    const char *reason; /* the original's _synchronize reason, e.g. "Timeout during handshake" */
    /* What the control SYN showed, for the end of the reason ("" = no control was sent). */
    const char *detail;
    bool by_silence; /* the SYN under test drew no answer at all */
};

/* Send the traced probe (or the single SYN) and arm the SYN wait. */
void syn_probe_start(struct tc *t, struct syn_probe *p, tc_time now);
/* While active, the case hands over every segment and timer event. */
bool syn_probe_active(const struct syn_probe *p);
/* A segment while active. A wrong reply is reset "to be sure" as in the original; a
 * SYN-ACK is left to the case (complete or reset it). On SP_ESTABLISHED t->rtt holds the
 * handshake RTT when the SYN-ACK answers the first transmission. */
enum syn_probe_outcome syn_probe_segment(struct tc *t, struct syn_probe *p,
                                         const struct tcp_seg *seg, tc_time now,
                                         struct syn_probe_failure *fail);
/* The SYN wait ran out. */
enum syn_probe_outcome syn_probe_timer(struct tc *t, struct syn_probe *p, tc_time now,
                                       struct syn_probe_failure *fail);
/* "<reason><suffix><detail>" into buf: the failure named for the case. */
void syn_probe_failure_reason(const struct syn_probe_failure *f, const char *suffix, char *buf,
                              size_t cap);

#endif
