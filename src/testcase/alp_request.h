/* The application request a case sends on a connection the framework opened for it
 * (tc_open_spec, testcase/connection.h): the port's ALP (alp/), its whole first flight (an
 * HTTP GET padded to a length hint; a TLS ClientHello). */
#ifndef TCPREQ_ALP_REQUEST_H
#define TCPREQ_ALP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "testcase/connection.h"
#include "testcase/tc.h"

#define TC_REASON_NO_ALP_MODULE "Missing ALP module for port %u"
#define TC_REASON_NO_ALP_DATA "ALP data unavailable"

/* The request into buf (at most cap bytes) and its length. 0 when there is none (no ALP for
 * the port, or it gave nothing): c is then closed and the test finished UNK at stage with
 * one of the reasons above. */
size_t tc_conn_alp_request(struct tc *t, struct tc_conn *c, size_t length_hint, uint8_t *buf,
                           size_t cap, int stage, tc_time now);

#endif
