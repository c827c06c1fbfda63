/* Address ranges no survey should send to: documentation, reserved, loopback, link-local,
 * multicast and broadcast. Targets there are DISC (the original tcpreq's status): written at
 * once, never sent anything. */
#ifndef TCPREQ_RESERVED_H
#define TCPREQ_RESERVED_H

#include "common/addr.h"

struct reserved_range {
    const char *prefix; /* "192.0.2.0/24" */
    const char *why;    /* "documentation (RFC 5737)" */
};

/* The range addr lies in, or NULL if it may be tested. */
const struct reserved_range *reserved_range_of(const struct ip_addr *addr);

#endif
