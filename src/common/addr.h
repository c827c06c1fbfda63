/* IPv4/IPv6 addresses as one value type, plus the "IP:PORT" / "[IPv6]:PORT" notation
 * the original tcpreq accepts on its command line. */
#ifndef TCPREQ_ADDR_H
#define TCPREQ_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IP_FAMILY_V4 4
#define IP_FAMILY_V6 6
/* Longest textual form of either family, including the terminating NUL. */
#define IP_ADDR_STRLEN 46

struct ip_addr {
    uint8_t family;    /* IP_FAMILY_V4 or IP_FAMILY_V6; 0 = unset */
    uint8_t bytes[16]; /* network order; IPv4 uses the first 4 bytes */
};

/* An address and a port: a target as the command line names it. */
struct ip_endpoint {
    struct ip_addr ip;
    uint16_t port;
};

/* Number of address bytes for the family (4 or 16; 0 if unset). */
size_t ip_addr_len(const struct ip_addr *a);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Parse a bare IPv4 or IPv6 address (no brackets, no port). 0 or TCPREQ_EINVAL. */
int ip_addr_parse(const char *text, struct ip_addr *out);
/* Format into buf (at least IP_ADDR_STRLEN bytes); returns buf. IPv6 is compressed. */
const char *ip_addr_format(const struct ip_addr *a, char *buf, size_t cap);
/* Parse "IP:PORT" or "[IPv6]:PORT" (port 1..65535). 0 or TCPREQ_EINVAL. */
int ip_endpoint_parse(const char *text, struct ip_addr *addr, uint16_t *port);
/* Fill from/into struct sockaddr_storage-compatible memory (sockaddr_in / sockaddr_in6). */
struct sockaddr;
int ip_addr_from_sockaddr(const struct sockaddr *sa, struct ip_addr *out);

#endif
