/* Reading a capture file for `tcpreq analyze`: the one place its I/O happens. libpcap reads
 * pcap and pcapng (pcap_open_offline, pcap_next_ex); packet comments of pcapng files, which
 * libpcap does not expose, come from a second, lock-step pass over the packet blocks. */
#ifndef TCPREQ_OFFLINE_H
#define TCPREQ_OFFLINE_H

#include <stddef.h>

#include "analyze/analyzer.h"

/* Feed every frame of path ("-" = standard input) to the analyzer. 0 at the end of the
 * file. -1 when the file cannot be opened, has an unsupported link type, or is truncated or
 * corrupt: err then says why and where (frame number); the frames before the error have been
 * fed. The caller finishes the analyzer either way. */
int offline_read(const char *path, struct analyzer *a, char *err, size_t err_cap);

#endif
