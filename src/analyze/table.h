/* The flow table of a capture: connections keyed by both endpoints (IPv4 and IPv6, both
 * directions on one entry), created at their first packet, completed when they are over and
 * handed to a callback, then freed. Memory is bounded by the connections open at once, never
 * by the length of the capture, and the number open at once is bounded too.
 *
 * Lifetime, in capture time (packet timestamps):
 * - a connection closed by FINs from both sides or by a RST lingers AN_LINGER, so that
 *   trailing ACKs and retransmitted FINs still count for it, then completes;
 * - any connection idle for AN_IDLE_TIMEOUT completes;
 * - a SYN on the 4-tuple of a known connection whose ISN is not the one that side used
 *   starts a new connection (port reuse: a new incarnation, RFC 9293 3.4), completing the
 *   old one first;
 * - when max_flows are open and another one starts, the one idle longest (a lingering one
 *   first) completes early, and is counted (evicted);
 * - at the end of the capture every remaining connection completes, in index order.
 *
 * Memory per flow. Most flows of a large capture carry no payload (a SYN scan: SYN, SYN-ACK
 * or RST, maybe a RST back), yet the analysis of a connection (struct an_conn: both
 * directions' sequence analysis, counters, checksum evidence) takes about 2.5 KB. So a flow
 * starts as a stub: the table entry and the TCP headers of its first few segments (under 512
 * bytes in all). The first segment that needs more (payload, a FIN, a second SYN from one
 * side, one segment too many, an ICMP error quoting it, a -Y selection) makes it a full
 * connection, into which the stored segments are fed first, in order, with their frame
 * numbers and times: the result is the same as if it had been full from the start. A stub
 * that completes is made full the same way, diagnosed and reported. */
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
/* Flows open at once (analyze --max-flows): at most about 0.5 GB of stubs, or up to about
 * 43 KB per full connection whose directions filled their kept bytes and range lists. */
#define AN_MAX_FLOWS_DEFAULT ((size_t)1000000)
/* Segments a stub holds before it becomes a full connection. */
#define AN_STUB_SEGMENTS 3

struct an_table;
/* A connection is complete: conn_finish() has run; the table frees it on return. */
typedef void (*an_done_fn)(void *ctx, struct an_conn *c);
/* A flow was created from its first packet p with this index: return whether it is
 * selected (then it is a full connection from the start, so that every segment's verdict is
 * there for the listing). */
typedef bool (*an_new_fn)(void *ctx, uint64_t index, const struct an_pkt *p);

struct an_table_config {
    an_time linger, idle_timeout; /* 0 = the defaults above */
    size_t keep_bytes;
    size_t max_flows; /* 0 = AN_MAX_FLOWS_DEFAULT */
    an_done_fn on_done;
    an_new_fn on_new; /* may be NULL: nothing selected */
    void *ctx;
};

/* One flow of the table: a stub, or a full connection (conn != NULL). */
struct an_flow {
    struct flow_entry entry; /* both endpoints, lower one first (an_conn_key) */
    struct an_flow *lru_prev, *lru_next;
    an_time last_ts;
    uint64_t index;
    struct an_conn *conn; /* NULL while a stub */
    bool on_closed_list;
    bool selected;
    /* the stub: its segments (see table.c), which senders' SYN it holds, a RST seen */
    bool stub_rst;
    uint8_t stub_n;
    uint8_t stub_syn; /* bit 0: the lower endpoint's SYN stored, bit 1: the other's */
    uint32_t stub_isn[2];
    uint16_t stub_len;
    uint8_t *stub;
    char *test; /* the stub's test name (pcapng comment), escaped; NULL = none */
};

struct an_table {
    struct an_table_config cfg;
    struct flow_table flows;
    /* least recently active first; open and closed connections expire on different clocks */
    struct an_flow *open_head, *open_tail, *closed_head, *closed_tail;
    uint64_t next_index;
    an_time now; /* latest packet time seen */
    size_t active, peak_active;
    uint64_t evicted; /* completed early because max_flows were open */
};

int an_table_init(struct an_table *t, const struct an_table_config *cfg);
/* Complete every connection still open (index order) and free the table. */
void an_table_finish(struct an_table *t);
/* The flow a TCP segment belongs to, created (or replaced on port reuse) as needed. NULL
 * when out of memory. */
struct an_flow *an_table_for_segment(struct an_table *t, const struct an_pkt *p);
/* Feed one TCP segment of fl. Returns the connection when the segment was analysed in full
 * (v holds its verdict), NULL when a stub stored it (v zeroed) or out of memory. */
struct an_conn *an_table_segment(struct an_table *t, struct an_flow *fl, const struct an_frame *f,
                                 const struct an_pkt *p, struct seg_verdict *v);
/* The flow a quoted segment (ICMP error) belongs to, made a full connection; never creates
 * one. NULL when none (or out of memory). */
struct an_conn *an_table_for_quote(struct an_table *t, const struct an_pkt *p, struct an_flow **fl);
/* After a packet of fl at time now: move it to the tail of its list and complete whatever
 * has lingered or idled long enough. */
void an_table_touch(struct an_table *t, struct an_flow *fl, an_time now);
/* Advance the clock without a packet of a known connection. */
void an_table_advance(struct an_table *t, an_time now);

#endif
