#include "testcase/ecn.h"

#include <stdio.h>

#include "tcp/segment.h"
#include "tracebox/quote_view.h"

/* The DSCP is the upper six bits of the TOS / traffic class (RFC 2474 3). */
#define DSCP_SHIFT 2

const char *ecn_codepoint_name(uint8_t tos)
{
    switch (tos & IP_ECN_MASK) {
    case IP_ECN_ECT1:
        return "ECT(1)";
    case IP_ECN_ECT0:
        return "ECT(0)";
    case IP_ECN_CE:
        return "CE";
    default:
        return "not-ECT";
    }
}

bool ecn_capable(uint8_t tos)
{
    return (tos & IP_ECN_MASK) != IP_ECN_NOT_ECT;
}

bool ecn_setup_synack(uint8_t tcp_flags)
{
    return (tcp_flags & ECN_SETUP_SYN_FLAGS) == TCP_FLAG_ECE;
}

const char *ecn_flags_name(uint8_t tcp_flags)
{
    switch (tcp_flags & ECN_SETUP_SYN_FLAGS) {
    case ECN_SETUP_SYN_FLAGS:
        return "ECE+CWR";
    case TCP_FLAG_ECE:
        return "ECE";
    case TCP_FLAG_CWR:
        return "CWR";
    default:
        return "no ECE/CWR";
    }
}

/* Whether the ECN field arrived as sent, or marked CE by a router from an ECT codepoint. */
static bool ecn_field_kept(uint8_t sent_tos, uint8_t seen_tos)
{
    uint8_t sent = sent_tos & IP_ECN_MASK, seen = seen_tos & IP_ECN_MASK;
    return seen == sent || (ecn_capable(sent_tos) && seen == IP_ECN_CE);
}

static void describe(uint8_t flags, bool flags_known, uint8_t tos, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s %s DSCP %u", flags_known ? ecn_flags_name(flags) : "?",
             ecn_codepoint_name(tos), (unsigned)(tos >> DSCP_SHIFT));
}

bool ecn_quote_diff(const struct icmp_quote *q, uint8_t sent_flags, uint8_t sent_tos, char *exp,
                    size_t exp_cap, char *seen, size_t seen_cap)
{
    struct quote_view v;
    quote_view_parse(q, &v);
    /* RFC 792 guarantees only the first 8 bytes of the segment: the ports and the sequence
     * number. The flags byte is judged only when quoted; the IP header always is. */
    bool flags_changed =
        v.has_flags && (v.flags & ECN_SETUP_SYN_FLAGS) != (sent_flags & ECN_SETUP_SYN_FLAGS);
    if (!flags_changed && ecn_field_kept(sent_tos, v.tos))
        return false;
    describe(sent_flags, true, sent_tos, exp, exp_cap);
    describe(v.flags, v.has_flags, v.tos, seen, seen_cap);
    return true;
}
