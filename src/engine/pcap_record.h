/* --pcap FILE: every packet the engine sends and every one it receives (the link header
 * stripped), as LINKTYPE_RAW, readable by tcpdump and tshark. */
#ifndef TCPREQ_PCAP_RECORD_H
#define TCPREQ_PCAP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct pcap_record;

/* Open path for writing (truncating). NULL with a message in err on failure. */
struct pcap_record *pcap_record_open(const char *path, char *err, size_t err_cap);
/* Record one IP packet seen at ts (NULL = now). */
void pcap_record_packet(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                        const struct timeval *ts);
void pcap_record_flush(struct pcap_record *rec);
/* Flush and close; NULL is fine. */
void pcap_record_close(struct pcap_record *rec);

#endif
