/* --pcap FILE: every packet the engine sends and every one it receives (the link header
 * stripped), as pcapng with one raw-IP interface (LINKTYPE_RAW). A packet that belongs to a
 * test carries the comment "tcpreq test=NAME" (Wireshark: frame.comment), by which
 * `tcpreq analyze` names its flows. tcpdump and tshark read the file. */
#ifndef TCPREQ_PCAP_RECORD_H
#define TCPREQ_PCAP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct pcap_record;

/* Open path for writing (truncating). NULL with a message in err on failure. */
struct pcap_record *pcap_record_open(const char *path, char *err, size_t err_cap);
/* Record one IP packet seen at ts (NULL = now), sent or received by test (NULL = none). */
void pcap_record_packet(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                        const struct timeval *ts, const char *test);
void pcap_record_flush(struct pcap_record *rec);
/* Flush and close; NULL is fine. */
void pcap_record_close(struct pcap_record *rec);

#endif
