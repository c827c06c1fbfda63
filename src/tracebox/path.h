/* What tcpreq knows about the path to one target, learned once (by the hop-distance
 * discovery of the target's first LivenessTest) and grown by every test's ICMP quotes:
 * how far away the host is, and which hops send time-exceeded messages for our probes.
 *
 * It decides how a test's traced probe goes out: one copy with a full TTL for the host, and
 * TTL-limited copies only for hops that are known to quote and known to lie before the host,
 * so that the host under test sees every probe exactly once (a burst of identical SYNs hangs
 * some stacks and changes what others do). It also tells a probe dropped by the path from a
 * host that stayed silent: a hop that quoted the target's other probes and is silent for this
 * one marks where the probe was lost. */
#ifndef TCPREQ_PATH_H
#define TCPREQ_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "tracebox/ttl_code.h"

/* How the host's hop distance was learned. */
enum path_hop_source {
    PATH_HOP_UNKNOWN = 0,
    PATH_HOP_ACK_RST,    /* the smallest TTL of the discovery ACKs the host answered with RST */
    PATH_HOP_SYNACK_TTL, /* estimated from the TTL of the host's SYN-ACK (reverse path) */
};

struct path_info {
    bool discovered;         /* the discovery ran (whatever it found): never run it again */
    uint8_t host_hop;        /* hop distance of the host (1..HOP_LIMIT); 0 = unknown */
    uint8_t host_hop_source; /* enum path_hop_source */
    uint32_t quoting;        /* bit h (1..HOP_LIMIT): hop h quoted one of our probes */
};

/* The last hop before the host when its distance was measured (the discovery's RSTs), else
 * HOP_LIMIT: no router at or past the host sees a packet of ours expire. */
unsigned path_before_host(const struct path_info *p);
/* The TTLs a traced probe's TTL-limited copies are sent with: 1..path_trace_limit(). Only
 * hops that quoted before and lie before the host: a copy with TTL h <= the highest quoting
 * hop expired at that router, so it can never reach the host. 0 = no traced copies. */
unsigned path_trace_limit(const struct path_info *p);
/* Whether hop h is known to send time-exceeded for this target's probes. */
bool path_hop_quotes(const struct path_info *p, unsigned hop);
void path_add_quoting_hop(struct path_info *p, unsigned hop);
/* Merge what a test learned into what is known (hops quoting, a better hop distance). */
void path_merge(struct path_info *into, const struct path_info *from);
const char *path_hop_source_name(enum path_hop_source s);

/* Hop distance estimated from the TTL a reply arrived with: the initial TTLs in use are 64,
 * 128 and 255 (32 and 60 are extinct), so the host sent the smallest of those not below it.
 * Assumes a symmetric path. 0 if ttl is 0. */
unsigned path_hops_from_ttl(unsigned rcvd_ttl);

#endif
