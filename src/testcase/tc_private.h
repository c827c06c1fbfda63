/* Framework internals shared by tc.c and traced.c; test cases use tc.h only. */
#ifndef TCPREQ_TC_PRIVATE_H
#define TCPREQ_TC_PRIVATE_H

#include "common/bytes.h"
#include "testcase/tc.h"

/* The sequence number a quote carries (RFC 792 quotes at least 8 bytes of TCP: the ports
 * and the seq); false when it was cut shorter. */
static inline bool tc_quote_seq(const struct icmp_quote *q, uint32_t *seq)
{
    if (q->quote_len < TCP_OFF_SEQ + 4)
        return false;
    *seq = get_be32(q->quote + TCP_OFF_SEQ);
    return true;
}

/* A quote arrived: note which hop of the traced probe it shows. False when, with path
 * knowledge, it quotes a segment other than the probe, which went out with a full TTL
 * (traced.c): ignore it. */
bool tc_traced_quote(struct tc *t, const struct icmp_quote *q);
/* The highest hop a quote of the traced probe can come from (mbox_detect's hop_max). */
unsigned tc_quote_hop_max(const struct tc *t);
/* While a verdict is held (t->pending.active): a quote arrived / the timer fired. */
void tc_pending_quote(struct tc *t, tc_time now);
void tc_pending_timer(struct tc *t, tc_time now);

#endif
