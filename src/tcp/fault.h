/* Things a prober's segment carries wrong on purpose (a test's fault injection). The engine
 * names them in a --pcap recording's packet comment ("tcpreq test=NAME fault=checksum"), so
 * `tcpreq analyze` reports them as deliberate instead of judging them as the prober's own
 * faults. Shared by the test-case framework, which derives them from the segments it sends,
 * and by analyze, which reads them back. */
#ifndef TCPREQ_FAULT_H
#define TCPREQ_FAULT_H

#include <stddef.h>

#include "tcp/segment.h"

enum tcp_fault {
    TCP_FAULT_CHECKSUM = 1 << 0, /* TCP checksum set wrong */
    TCP_FAULT_RESERVED = 1 << 1, /* reserved header bits set */
    TCP_FAULT_MSS_LATE = 1 << 2, /* MSS option on a segment without SYN */
    TCP_FAULT_OPTIONS = 1 << 3,  /* an option list that does not parse (illegal length) */
};
#define TCP_FAULTS_ALL                                                                             \
    (TCP_FAULT_CHECKSUM | TCP_FAULT_RESERVED | TCP_FAULT_MSS_LATE | TCP_FAULT_OPTIONS)

/* The comment key: " fault=a,b" follows the test name. */
#define TCP_FAULT_KEY "fault="

/* The faults a segment about to be sent carries: only tests set these fields so. */
unsigned tcp_faults_of(const struct tcp_seg *seg);
/* "checksum,reserved" into buf. */
const char *tcp_fault_names(unsigned faults, char *buf, size_t cap);
/* The faults named after TCP_FAULT_KEY in a packet comment (0 when there is none; unknown
 * names are ignored). */
unsigned tcp_faults_from_comment(const char *comment);

#endif
