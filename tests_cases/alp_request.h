/* The application request of the cases that send one after the handshake without measuring
 * the MSS (the exchange of testcase/exchange.h, OutOfOrderQueueTest, DelayedAckTest): the
 * first flight of the target's ALP (alp/, chosen by port), in one buffer. */
#ifndef TCPREQ_ALP_REQUEST_H
#define TCPREQ_ALP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "testcase/tc.h"

#define ALP_REQUEST_NO_DATA "ALP data unavailable"

/* The target's ALP request, about hint bytes (0: the ALP's own size), into buf: its
 * length, the whole first flight up to cap. 0 when there is none, with the reason of the
 * UNK in why: "Missing ALP module for port N", or "ALP data unavailable" when the ALP fails
 * or gives nothing. (The signature of exchange_params.request.) */
size_t alp_request_pull(const struct tc *t, size_t hint, uint8_t *buf, size_t cap, char *why,
                        size_t why_cap);

#endif
