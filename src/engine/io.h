/* Raw packet I/O behind the engine: libnet injection and libpcap capture. */
#ifndef TCPREQ_ENGINE_IO_H
#define TCPREQ_ENGINE_IO_H

#include <net/if.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

struct injector;
/* Open raw IPv4 and/or IPv6 injection (a family with has_vN false is skipped) and mark
 * the sockets. NULL with a message in err on failure. */
struct injector *injector_open(int want_v4, int want_v6, uint32_t mark, char *err,
                               size_t err_cap);
/* Send a complete IPv4/IPv6 packet. 0 or -1 (errno set). */
int injector_send(struct injector *inj, const uint8_t *pkt, size_t len);
void injector_close(struct injector *inj);

/* Capture of TCP segments to our port range and ICMP/ICMPv6 addressed to our sources. */
struct capture {
    pcap_t *pcap;
    int linktype;
    int fd;
    char iface[IF_NAMESIZE]; /* the device capturing ("any" for all) */
};
/* Name of the local interface holding addr, written into name (IF_NAMESIZE bytes): 0, or
 * -1 when no interface holds it (or the interfaces cannot be listed). */
int iface_of(const struct ip_addr *addr, char *name);

/* iface NULL: the interface holding src4/src6 (or "any" if they differ). */
int capture_open(struct capture *cap, const char *iface, const struct ip_addr *src4,
                 const struct ip_addr *src6, char *err, size_t err_cap);
void capture_close(struct capture *cap);

#endif
