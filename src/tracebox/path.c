/* Path knowledge per target (see path.h). */
#include "tracebox/path.h"

#define HOP_BIT(h) ((uint32_t)1u << (h))
/* Initial TTLs of today's stacks (Linux/BSD/macOS 64, Windows 128, network gear 255). */
static const unsigned initial_ttls[] = {64, 128, 255};
#define N_INITIAL_TTLS (sizeof(initial_ttls) / sizeof(initial_ttls[0]))

static bool hop_valid(unsigned hop)
{
    return hop >= 1 && hop <= HOP_LIMIT;
}

bool path_hop_quotes(const struct path_info *p, unsigned hop)
{
    return hop_valid(hop) && (p->quoting & HOP_BIT(hop)) != 0;
}

void path_add_quoting_hop(struct path_info *p, unsigned hop)
{
    if (hop_valid(hop))
        p->quoting |= HOP_BIT(hop);
}

unsigned path_before_host(const struct path_info *p)
{
    /* Only a distance measured by the host's own RSTs bounds anything. An estimate from the
     * reply's TTL does not: a quote from hop h proves the host lies beyond h. */
    return p->host_hop_source == PATH_HOP_ACK_RST && p->host_hop > 0 ? (unsigned)p->host_hop - 1
                                                                     : HOP_LIMIT;
}

unsigned path_trace_limit(const struct path_info *p)
{
    /* A quote whose hop a middlebox garbled must not send copies that reach the host. */
    for (unsigned h = path_before_host(p); h >= 1; h--)
        if (path_hop_quotes(p, h))
            return h;
    return 0;
}

void path_merge(struct path_info *into, const struct path_info *from)
{
    into->discovered = into->discovered || from->discovered;
    into->quoting |= from->quoting;
    /* The host's own answer beats an estimate; a first value beats none. */
    bool better =
        from->host_hop != 0 && (into->host_hop == 0 || (from->host_hop_source == PATH_HOP_ACK_RST &&
                                                        into->host_hop_source != PATH_HOP_ACK_RST));
    if (better) {
        into->host_hop = from->host_hop;
        into->host_hop_source = from->host_hop_source;
    }
}

const char *path_hop_source_name(enum path_hop_source s)
{
    switch (s) {
    case PATH_HOP_UNKNOWN:
        return "unknown";
    case PATH_HOP_ACK_RST:
        return "ack-rst";
    case PATH_HOP_SYNACK_TTL:
        return "synack-ttl";
    }
    return "unknown";
}

unsigned path_hops_from_ttl(unsigned rcvd_ttl)
{
    if (rcvd_ttl == 0)
        return 0;
    for (size_t i = 0; i < N_INITIAL_TTLS; i++)
        if (rcvd_ttl <= initial_ttls[i])
            return initial_ttls[i] - rcvd_ttl + 1;
    return 0;
}
