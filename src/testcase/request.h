/* The application request on an established connection (connection.h): the first flight of
 * the ALP chosen by the target's port (alp/: an HTTP request on 80, a TLS ClientHello on the
 * TLS ports), sent whole, so that the host has a reply to send. For cases that need the host
 * to hold data (ZeroWindowProbeTest) rather than a request of a given size. */
#ifndef TCPREQ_TC_REQUEST_H
#define TCPREQ_TC_REQUEST_H

#include <stddef.h>

#include "testcase/connection.h"
#include "testcase/tc.h"

/* Segments a request is sent in at most (a TLS ClientHello of a few KB fits in 536-byte
 * pieces). */
#define TC_REQUEST_SEGS_MAX 8

/* Send the port's request at SND.NXT in segments of at most seg_max bytes (ACK, PSH on each),
 * at most TC_REQUEST_SEGS_MAX of them, SND.NXT advanced; *sent = its length. TCPREQ_OK;
 * TCPREQ_ENOTFOUND: no ALP for the port (nothing sent); TCPREQ_EPROTO: the ALP produced
 * nothing (nothing sent). */
int tc_conn_send_request(struct tc *t, struct tc_conn *c, size_t seg_max, size_t *sent);
/* "Missing ALP module for port N", the original's reason, into buf. */
void tc_request_missing_reason(const struct tc *t, char *buf, size_t cap);

#endif
