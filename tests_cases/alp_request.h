/* The application request of a case that sends one on a connection after the handshake
 * (tc_open_spec, testcase/connection.h) without measuring the MSS: the first flight of the
 * target's ALP (alp/, chosen by port) in one buffer: an HTTP GET padded to a length hint, a
 * TLS ClientHello. Here rather than in src/testcase/, which may not depend on alp/. */
#ifndef TCPREQ_ALP_REQUEST_H
#define TCPREQ_ALP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "testcase/connection.h"
#include "testcase/tc.h"

#define ALP_REQUEST_NO_MODULE "Missing ALP module for port %u"
#define ALP_REQUEST_NO_DATA "ALP data unavailable"

/* The request, about hint bytes (0: the ALP's own size), into buf: its length, the whole
 * first flight. 0 when there is none, the reason of the UNK in why: "Missing ALP module for
 * port N", or "ALP data unavailable" when the ALP fails, gives nothing or its flight does
 * not fit in cap (half a request is never sent). */
size_t alp_request_pull(const struct tc *t, size_t hint, uint8_t *buf, size_t cap, char *why,
                        size_t why_cap);

/* The same for a case with an open connection: when there is no request, c is closed and
 * the test finished UNK at stage with the reason. */
size_t tc_conn_alp_request(struct tc *t, struct tc_conn *c, size_t hint, uint8_t *buf, size_t cap,
                           int stage, tc_time now);

#endif
