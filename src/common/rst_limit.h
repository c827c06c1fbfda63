/* How many RSTs a flow that belongs to no running test gets (a SYN-ACK retransmitted after
 * its test ended, a stray segment to our port range): at most RST_LIMIT_PER_FLOW per
 * (local port, remote ip, remote port), as the original tcpreq, in a table of bounded size
 * whose entries age out. A flow is forgotten RST_LIMIT_MEMORY after its last segment (a
 * peer that goes on sending keeps its entry, so it never gets a fourth RST); when the table
 * is full, the flow seen least recently is forgotten to make room and counted, so a flood of
 * distinct flows can neither grow memory nor stop later flows from getting their RSTs (the
 * table used to stop answering for good after 65,536 flows). Pure: the caller passes the time. */
#ifndef TCPREQ_RST_LIMIT_H
#define TCPREQ_RST_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/flow_table.h"

#define RST_LIMIT_PER_FLOW 3
/* Entries kept at most: about 80 bytes each with the hash table. */
#define RST_LIMIT_MAX_FLOWS 65536
/* Microseconds after its last segment that a flow is forgotten: longer than a peer keeps
 * retransmitting a SYN-ACK (Linux: 5 retries over 63 s, tcp_synack_retries). */
#define RST_LIMIT_MEMORY (120ull * 1000000)

struct rst_entry;

struct rst_limit {
    struct flow_table keys;
    struct rst_entry *oldest, *newest; /* by last segment seen */
    size_t max_flows;
    uint64_t memory;  /* microseconds */
    uint64_t evicted; /* forgotten for room before their time */
    uint64_t expired; /* forgotten after RST_LIMIT_MEMORY */
};

/* max_flows 0 = RST_LIMIT_MAX_FLOWS, memory 0 = RST_LIMIT_MEMORY. 0 or TCPREQ_ENOMEM. */
int rst_limit_init(struct rst_limit *r, size_t max_flows, uint64_t memory);
void rst_limit_free(struct rst_limit *r);
/* A segment of flow k arrived at now (microseconds, never decreasing): whether to answer it
 * with a RST. False once the flow had its RST_LIMIT_PER_FLOW, and when out of memory. */
bool rst_limit_allow(struct rst_limit *r, const struct flow_key *k, uint64_t now);
/* Flows held. */
size_t rst_limit_count(const struct rst_limit *r);

#endif
