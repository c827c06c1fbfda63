/* Hash tables keyed by a flow's (local port, remote ip, remote port), or, for flows seen in a
 * capture where neither end is ours, by both addresses and ports (flow_key_make_pair). */
#ifndef TCPREQ_FLOW_TABLE_H
#define TCPREQ_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

struct flow_key {
    uint16_t lport, rport;
    struct ip_addr rip;
    struct ip_addr lip; /* family 0 (unset) for the engine's own flows */
};

struct flow_entry {
    struct flow_entry *next;
    struct flow_key key;
};

/* Intrusive chained table: callers embed struct flow_entry in their own structs. */
struct flow_table {
    struct flow_entry **buckets;
    size_t n_buckets, count;
};

int flow_table_init(struct flow_table *t);
void flow_table_free(struct flow_table *t); /* frees the buckets only */
struct flow_entry *flow_table_find(const struct flow_table *t, const struct flow_key *k);
/* Insert (key must not be present); grows the table. 0 or TCPREQ_ENOMEM. */
int flow_table_insert(struct flow_table *t, struct flow_entry *e);
void flow_table_remove(struct flow_table *t, struct flow_entry *e);
void flow_key_make(struct flow_key *k, uint16_t lport, const struct ip_addr *rip, uint16_t rport);
/* A key naming both ends: (lip, lport) and (rip, rport) as given (callers that want both
 * directions of a connection on one key order the ends themselves). */
void flow_key_make_pair(struct flow_key *k, const struct ip_addr *lip, uint16_t lport,
                        const struct ip_addr *rip, uint16_t rport);

#endif
