#include "reserved.h"

#include <stdlib.h>
#include <string.h>

#include "prefix_tree.h"

/* Deliberately NOT here, because researchers do scan their own networks and our own lab
 * lives in one of them: 10/8, 172.16/12, 192.168/16 (RFC 1918), 100.64/10 (shared address
 * space, RFC 6598), 198.18/15 (benchmarking, RFC 2544: the lab), fc00::/7 (unique local,
 * RFC 4193), and 64:ff9b:1::/48 (local-use IPv4/IPv6 translation, RFC 8215: private to a
 * domain exactly like fc00::/7, and its addresses lead to real IPv4 hosts). 64:ff9b::/96
 * (RFC 6052) reaches real IPv4 hosts through public NAT64 gateways. */
static const struct reserved_range RESERVED[] = {
    /* IPv4 (RFC 6890 special-purpose registry) */
    {"0.0.0.0/8", "\"this network\" (RFC 791, RFC 1122 3.2.1.3)"},
    {"127.0.0.0/8", "loopback (RFC 1122 3.2.1.3)"},
    {"169.254.0.0/16", "link-local (RFC 3927)"},
    /* IETF protocol assignments. The registry marks two anycast service addresses in it
     * globally reachable (192.0.0.9 PCP, 192.0.0.10 TURN, RFC 7723/8155); they are shared
     * infrastructure, not hosts of a survey, so the whole block stays out. */
    {"192.0.0.0/24", "IETF protocol assignments (RFC 6890)"},
    {"192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"},
    {"198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"},
    {"203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"},
    {"224.0.0.0/4", "multicast (RFC 5771): TCP is unicast only"},
    /* includes limited broadcast 255.255.255.255 (RFC 919, RFC 8190) */
    {"240.0.0.0/4", "reserved for future use (RFC 1112) and broadcast (RFC 919)"},
    /* IPv6 (RFC 6890, IANA IPv6 special-purpose registry) */
    {"::/128", "unspecified address (RFC 4291 2.5.2)"},
    {"::1/128", "loopback (RFC 4291 2.5.3)"},
    /* never on the wire: a socket-API notation for IPv4 peers (its v4 target is listed
     * as IPv4 if it is meant) */
    {"::ffff:0:0/96", "IPv4-mapped (RFC 4291 2.5.5.2)"},
    {"100::/64", "discard-only (RFC 6666): routed to a black hole on purpose"},
    {"2001:db8::/32", "documentation (RFC 3849)"},
    {"3fff::/20", "documentation (RFC 9637)"},
    /* meaningless without a zone (interface) index, which a target list does not carry */
    {"fe80::/10", "link-local unicast (RFC 4291 2.5.6)"},
    {"ff00::/8", "multicast (RFC 4291 2.7): TCP is unicast only"},
};

#define N_RESERVED (sizeof(RESERVED) / sizeof(RESERVED[0]))

/* Parse "addr/len" from the table; the table is ours, so a bad entry is a programming
 * error caught by the unit tests. */
static bool parse_entry(const char *text, struct ip_addr *addr, unsigned *len)
{
    char buf[IP_ADDR_STRLEN + 4];
    const char *slash = strchr(text, '/');
    if (slash == NULL || (size_t)(slash - text) >= sizeof(buf))
        return false;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    *len = (unsigned)strtoul(slash + 1, NULL, 10);
    return ip_addr_parse(buf, addr) == 0 && *len <= prefix_max_len(addr);
}

const struct reserved_range *reserved_range_of(const struct ip_addr *addr)
{
    /* Parsed once; then a linear scan of 17 short prefixes per target, cheaper than a tree. */
    static struct ip_addr nets[N_RESERVED];
    static unsigned lens[N_RESERVED];
    static bool parsed;
    if (!parsed) {
        for (size_t i = 0; i < N_RESERVED; i++)
            if (!parse_entry(RESERVED[i].prefix, &nets[i], &lens[i]))
                abort(); /* a typo in the table above */
        parsed = true;
    }
    for (size_t i = 0; i < N_RESERVED; i++) {
        if (nets[i].family != addr->family)
            continue;
        struct ip_addr masked = *addr;
        prefix_mask(&masked, lens[i]);
        if (ip_addr_equal(&masked, &nets[i]))
            return &RESERVED[i];
    }
    return NULL;
}
