/* Link-layer framing of captured packets: find the IP packet inside a frame of the
 * capture's link type. Shared by live capture and offline reading of captures. */
#ifndef TCPREQ_LINKLAYER_H
#define TCPREQ_LINKLAYER_H

#include <stddef.h>
#include <stdint.h>

/* pcap LINKTYPE_* values (tcpdump.org link-layer header types). */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_LINUX_SLL2 276
/* DLT_RAW's historic values on some platforms. */
#define DLT_RAW_ALT1 12
#define DLT_RAW_ALT2 14

/* Offset of the IP header in the frame, or a negative error (unsupported link type,
 * non-IP payload, truncated frame). */
int linklayer_ip_offset(int linktype, const uint8_t *frame, size_t caplen);

#endif
