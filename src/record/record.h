/* A finished test instance as it goes into the dataset: the result object of the original
 * tcpreq's schema (test, timestamp, src {ip, port, host}, path, isns, status, stage, reason,
 * custom), and, for --explain only, the evidence that decided it. The engine builds these;
 * the writers in output/ only see the JSON. */
#ifndef TCPREQ_RECORD_H
#define TCPREQ_RECORD_H

#include <jansson.h>
#include <time.h>

#include "testcase/tc.h"

/* The result object of a finished test instance; wall is the UTC time it finished. */
json_t *result_to_json(const struct tc *t, time_t wall);

/* The segments the instance exchanged and its RFC 9293 requirement (for --explain):
 * {segments: [{ms, dir, flags, seq, ack?, win, len, rsv, urg, opts, bad_csum, ttl?}],
 *  dropped, rfc_req, rfc_text}. */
json_t *evidence_to_json(const struct tc *t);

#endif
