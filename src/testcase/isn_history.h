/* The ISNs a target sent over its earlier tests, for a case that judges its ISN generator
 * (IsnTest, RFC 9293 MUST-8, SHLD-1): the engine adds every finished test of the target and
 * hands the list to later instances (tc_env.prior_isns). A test records the ISN of every SYN
 * it receives (tc->isns), so a retransmitted SYN-ACK, or one answering a repeated SYN, shows
 * the same ISN again: it is kept once per test. Each test runs on a 4-tuple of its own (a
 * fresh source port), so entries of different tests are different connections. */
#ifndef TCPREQ_ISN_HISTORY_H
#define TCPREQ_ISN_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "testcase/tc.h"

/* Entries kept at most per target (a hostile host must not make it grow without bound;
 * -T '*' with its LivenessTests needs about 60). */
#define ISN_HISTORY_MAX 256

struct isn_history {
    struct tc_prior_isn *v;
    size_t n, cap;
    uint32_t tests; /* tests added so far */
};

/* Add the ISNs of a finished test, each value once. 0 or TCPREQ_ENOMEM (what fitted is kept);
 * beyond ISN_HISTORY_MAX entries the rest is dropped. */
int isn_history_add(struct isn_history *h, const struct tc *finished);
void isn_history_free(struct isn_history *h);

#endif
