/* The opening most test cases share (the original tcpreq's SYN burst, _synchronize and
 * its retry): the SYN under test is sent with TTL 1..HOP_LIMIT, the TTL encoded in the
 * given header fields so ICMP quotes show where the path changed it; if that draws no
 * SYN-ACK (silence, or a RST acknowledging it), one plain SYN without encoding is tried,
 * because a burst of 30 SYNs can itself trip a middlebox or a SYN-flood guard.
 *
 * A sub-machine embedded in a case's state: the case forwards its segments and timer
 * events while syn_probe_active() and gets an outcome back. */
#ifndef TCPREQ_SYN_PROBE_H
#define TCPREQ_SYN_PROBE_H

#include <stdbool.h>

#include "testcase/tc.h"

/* The original's handshake wait (30 s) in --timing original mode. */
#define SYN_PROBE_ORIGINAL_WAIT (30 * TC_SEC)

enum syn_probe_phase { SP_IDLE = 0, SP_BURST, SP_RETRY, SP_SINGLE, SP_DONE };

struct syn_probe {
    /* Set by the case before syn_probe_start. */
    struct tcp_seg syn;     /* the SYN under test; seq, window, options, reserved bits set */
    unsigned fields;        /* TTL_ENC_* for the burst; never a field under test */
    bool burst;             /* false: one plain SYN, no burst, no retry (UrgentPointerTest) */
    uint16_t retry_window;  /* window of the retry SYN */
    /* Internal. */
    enum syn_probe_phase phase;
    tc_time first_sent_at;  /* the only transmission an RTT may be sampled from (Karn) */
    bool burst_timed_out;   /* the retry followed a full SYN wait, not a RST */
};

enum syn_probe_outcome {
    SP_PENDING = 0,  /* still waiting (or the retry just went out) */
    SP_ESTABLISHED,  /* a SYN-ACK acknowledging our SYN arrived: *seg is it */
    SP_FAILED,       /* the handshake failed: see struct syn_probe_failure */
};

struct syn_probe_failure {
    enum tc_status status; /* UNK for silence / RST, FAIL for a wrong reply (the original) */
    const char *reason;    /* the original's _synchronize reason */
    /* True when the burst went out long enough ago that its quotes are in: the case may
     * check the path at once instead of waiting for quotes in flight. */
    bool quotes_settled;
};

/* Send the burst (or the single SYN) and arm the SYN wait. */
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

/* What a case's middlebox check looks at (the original's _detect_mboxes arguments). */
struct mbox_check {
    unsigned fields;    /* TTL_ENC_* the probes carried */
    quote_diff_fn diff; /* does a quote differ in what the test depends on? */
    const void *ctx;
    const char *info;   /* "(...)" part of the reason */
    int stage;          /* stage of the UNK verdict */
};

/* tc_check_mboxes with the case's check. */
bool tc_check_path(struct tc *t, const struct mbox_check *mc, tc_time now);
/* Finish with the middlebox verdict if the quotes show the path changed what the test
 * depends on (the path is to blame, not the host), else with the given verdict. */
void tc_finish_unless_mbox(struct tc *t, const struct mbox_check *mc, enum tc_status st,
                           int stage, const char *reason, tc_time now);

#endif
