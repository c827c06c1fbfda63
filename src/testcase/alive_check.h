/* Whether a connection is still there, asked so that a host's ACK throttle is not taken for
 * an answer: the alive probe (connection.h) and, if it goes unanswered, the same probe once
 * more, no sooner than TC_ACK_THROTTLE after the first.
 *
 * RFC 5961 7 lets a host throttle the ACKs it sends for unacceptable segments. Linux counts
 * the alive probe's answer (an ACK for a segment outside the window, RFC 9293 3.10.7.4)
 * against the same per-connection limit as its challenge ACKs: one per tcp_invalid_ratelimit,
 * 500 ms by default (tcp_oow_rate_limited). An alive probe sent right after the host's
 * challenge ACK therefore goes unanswered by a connection that is there; the repeat is not.
 * A connection that is gone answers with a RST (3.10.7.1), which nothing throttles.
 *
 * A sub-machine embedded in a case's state, like syn_probe: the case hands over its segments
 * and timer events while alive_check_active() and gets the outcome back. */
#ifndef TCPREQ_ALIVE_CHECK_H
#define TCPREQ_ALIVE_CHECK_H

#include <stdbool.h>

#include "testcase/connection.h"
#include "testcase/tc.h"

enum alive_check_phase { AC_IDLE = 0, AC_ASKED, AC_HOLD, AC_REPEATED, AC_DONE };

struct alive_check {
    enum alive_check_phase phase;
    tc_time first_at; /* when the first probe leaves */
};

/* The reason of an UNK when neither probe was answered. */
#define ALIVE_CHECK_REASON_SILENT "No answer to the alive probe"

enum alive_check_outcome {
    AC_PENDING = 0, /* still asking */
    AC_ALIVE,       /* the connection answered: it is there */
    AC_GONE,        /* a RST: the connection is gone */
    AC_SILENT,      /* neither probe was answered */
};

/* Send the alive probe delay after the current event (so that it cannot overtake what it
 * asks about) and arm the wait for its answer. */
void alive_check_start(struct tc *t, const struct tc_conn *c, struct alive_check *a, tc_time delay,
                       tc_time now);
bool alive_check_active(const struct alive_check *a);
/* A segment while active: AC_ALIVE or AC_GONE if it answers, else AC_PENDING. */
enum alive_check_outcome alive_check_segment(const struct tc_conn *c, struct alive_check *a,
                                             const struct tcp_seg *seg);
/* The timer while active: the repeat goes out (at once, or after holding until
 * TC_ACK_THROTTLE after the first probe), AC_PENDING; after the repeat's wait, AC_SILENT. */
enum alive_check_outcome alive_check_timer(struct tc *t, const struct tc_conn *c,
                                           struct alive_check *a, tc_time now);

#endif
