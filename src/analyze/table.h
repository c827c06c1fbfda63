/* The flow table of a capture: connections keyed by both endpoints (IPv4 and IPv6, both
 * directions on one entry), created at their first packet, completed when they are over and
 * handed to a callback, then freed. Memory is bounded by the connections open at once, never
 * by the length of the capture.
 *
 * Lifetime, in capture time (packet timestamps):
 * - a connection closed by FINs from both sides or by a RST lingers AN_LINGER, so that
 *   trailing ACKs and retransmitted FINs still count for it, then completes;
 * - any connection idle for AN_IDLE_TIMEOUT completes;
 * - a SYN on the 4-tuple of a known connection whose ISN is not the one that side used
 *   starts a new connection (port reuse: a new incarnation, RFC 9293 3.4), completing the
 *   old one first;
 * - at the end of the capture every remaining connection completes, in index order. */
#ifndef TCPREQ_ANALYZE_TABLE_H
#define TCPREQ_ANALYZE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/conn.h"
#include "common/flow_table.h"

#define AN_LINGER (10 * AN_USEC_PER_SEC)
#define AN_IDLE_TIMEOUT (300 * AN_USEC_PER_SEC)
/* Payload bytes kept per direction to detect conflicting overlaps (reasm max_bytes):
 * conflicts are found in the first this-many bytes of each direction. */
#define AN_KEEP_BYTES ((size_t)16384)

struct an_table;
/* A connection is complete: conn_finish() has run; the table frees it on return. */
typedef void (*an_done_fn)(void *ctx, struct an_conn *c);
/* A connection was created (before its first packet is fed). */
typedef void (*an_new_fn)(void *ctx, struct an_conn *c);

struct an_table_config {
    an_time linger, idle_timeout; /* 0 = the defaults above */
    size_t keep_bytes;
    an_done_fn on_done;
    an_new_fn on_new; /* may be NULL */
    void *ctx;
};

struct an_table {
    struct an_table_config cfg;
    struct flow_table flows;
    /* least recently active first; open and closed connections expire on different clocks */
    struct an_conn *open_head, *open_tail, *closed_head, *closed_tail;
    uint64_t next_index;
    an_time now; /* latest packet time seen */
    size_t active, peak_active;
};

int an_table_init(struct an_table *t, const struct an_table_config *cfg);
/* Complete every connection still open (index order) and free the table. */
void an_table_finish(struct an_table *t);
/* The connection a TCP segment belongs to, created (or replaced on port reuse) as needed.
 * NULL when out of memory. */
struct an_conn *an_table_for_segment(struct an_table *t, const struct an_pkt *p);
/* The connection a quoted segment (ICMP error) belongs to; never creates one. */
struct an_conn *an_table_for_quote(struct an_table *t, const struct an_pkt *p);
/* After a packet of c at time now: move it to the tail of its list and complete whatever
 * has lingered or idled long enough. */
void an_table_touch(struct an_table *t, struct an_conn *c, an_time now);
/* Advance the clock without a packet of a known connection. */
void an_table_advance(struct an_table *t, an_time now);

#endif
