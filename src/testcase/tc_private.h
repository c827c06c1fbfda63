/* Framework internals shared by tc.c and traced.c; test cases use tc.h only. */
#ifndef TCPREQ_TC_PRIVATE_H
#define TCPREQ_TC_PRIVATE_H

#include "testcase/tc.h"

/* A quote arrived: note which hop of the traced probe it shows. */
void tc_traced_quote(struct tc *t, const struct icmp_quote *q);
/* While a verdict is held (t->pending.active): a quote arrived / the timer fired. */
void tc_pending_quote(struct tc *t, tc_time now);
void tc_pending_timer(struct tc *t, tc_time now);

#endif
