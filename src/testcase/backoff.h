/* Exponential backoff of a host's retransmission timer, judged from the times its
 * transmissions arrive: RFC 6298 5.5 doubles the RTO at each expiry ("back off the timer"),
 * RFC 9293 MUST-19 asks for exponential backoff, RFC 1122 4.2.2.17 (RFC 9293 SHLD-30) the same
 * for zero-window probes. Used by the cases that watch a timer: the SYN-ACK retransmissions of
 * SynAckBackoffTest and the probes of ZeroWindowProbeTest.
 *
 * What is compared is each interval between two arrivals with the one before. Two things
 * blur an interval:
 * - the host's timer fires up to 1/6 off its nominal time (backoff.c: TOL_*): Linux's timer
 *   wheel expires a timeout at most 1/8 late; a 500 ms tick timer (4.4BSD's slow timeout,
 *   lwIP's slow timer) cuts at most one tick off an RTO of six or more ticks (their initial
 *   3 s);
 * - the path and the prober's scheduling delay each arrival by up to the jitter allowance
 *   the case gives (from the RTT).
 * A doubled interval, measured with both errors at their worst, is still at least
 * 2 (1 - 1/6) / (1 + 1/6) = 10/7 times the one before, less the jitter; an interval that did
 * not grow measures at most (1 + 1/6) / (1 - 1/6) = 7/5 of the one before. So an interval
 * below 10/7 of the previous one, even with the jitter added, did not back off: a conforming
 * host never falls below that line, a timer that does not back off is caught once its
 * intervals are long against the jitter. A timer that grows by less than doubling but by more
 * than 10/7 passes: RFC 9293 asks for exponential backoff, which it is. */
#ifndef TCPREQ_BACKOFF_H
#define TCPREQ_BACKOFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "testcase/tc.h"

/* Arrivals kept at most (the first transmission and its retransmissions). */
#define BACKOFF_MAX_TIMES 8

struct backoff {
    tc_time at[BACKOFF_MAX_TIMES]; /* arrival times, the first transmission first */
    size_t n;
    unsigned duplicates; /* arrivals within the jitter of the one before: copies, not timers */
    tc_time jitter;      /* allowance for the path's and the prober's delays, per arrival */
};

enum backoff_verdict {
    BACKOFF_TOO_FEW = 0,    /* fewer than three arrivals: no interval to compare */
    BACKOFF_BACKED_OFF,     /* every interval grew by at least 10/7 (within the jitter) */
    BACKOFF_NOT_BACKED_OFF, /* an interval did not grow: see *bad */
};

void backoff_init(struct backoff *b, tc_time jitter);
/* An arrival. False if it is not taken: a copy within the jitter of the one before (counted
 * in duplicates), an arrival before the last one, or the series is full. */
bool backoff_add(struct backoff *b, tc_time at);
/* Interval k: from arrival k to arrival k + 1 (k < n - 1). */
tc_time backoff_interval(const struct backoff *b, size_t k);
/* Every interval against the one before; on BACKOFF_NOT_BACKED_OFF *bad is the first interval
 * (index as backoff_interval) that did not grow. */
enum backoff_verdict backoff_judge(const struct backoff *b, size_t *bad);
/* The time by which a doubling timer has fired again, with every tolerance given: the last
 * arrival plus twice the last interval stretched by the timer tolerance both ways, plus the
 * jitter. With one arrival, first_max (the slowest first timeout the case knows of) stands for
 * the doubled interval. A host silent beyond it has stopped retransmitting. 0 if no arrival. */
tc_time backoff_next_due(const struct backoff *b, tc_time first_max);
/* The jitter allowance for t: two RTTs (each arrival may queue up to an RTT longer on the
 * path than another), at least BACKOFF_JITTER_FLOOR (the prober's own scheduling). */
tc_time backoff_jitter(const struct tc *t);
#define BACKOFF_JITTER_FLOOR (10 * TC_MSEC)
/* {"intervals_ms": [...], "duplicates": n}, and when an interval did not grow (backoff_judge),
 * "not_grown_index": the first such interval's index in intervals_ms (the one before it is
 * what it failed to outgrow): the cases' reasons name no times. */
json_t *backoff_json(const struct backoff *b);

#endif
