/* --pcap FILE: every packet the engine sends and every one it receives (the link header
 * stripped), as pcapng with one raw-IP interface (LINKTYPE_RAW). A packet that belongs to a
 * test carries the comment "tcpreq test=NAME" (Wireshark: frame.comment), by which
 * `tcpreq analyze` names its flows; one the test made wrong on purpose adds
 * " fault=checksum,reserved,..." (tcp/fault.h), so analyze does not judge it as the
 * prober's fault. tcpdump and tshark read the file.
 *
 * Wire order: a sent packet is stamped when it is handed to the kernel, a received one with
 * the capture's time, and the file holds them in time order. A sent packet is therefore
 * held back until no reply captured before it can still be waiting to be read: until a
 * received packet stamped later is recorded, or pcap_record_sync says the capture was read
 * up to a time after it. */
#ifndef TCPREQ_PCAP_RECORD_H
#define TCPREQ_PCAP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct pcap_record;

/* Open path for writing (truncating). NULL with a message in err on failure. */
struct pcap_record *pcap_record_open(const char *path, char *err, size_t err_cap);
/* A packet handed to the kernel at ts, sent by test (NULL = none) with faults (enum
 * tcp_fault, 0 = none). Held until it can be written in order. */
void pcap_record_sent(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                      const struct timeval *ts, const char *test, unsigned faults);
/* A packet captured at ts, for test (NULL = none): written after every held sent packet
 * stamped no later. */
void pcap_record_received(struct pcap_record *rec, const uint8_t *pkt, size_t len,
                          const struct timeval *ts, const char *test);
/* The capture holds nothing captured before `until` that was not read: write every held
 * sent packet stamped before it. */
void pcap_record_sync(struct pcap_record *rec, const struct timeval *until);
/* Write what is held, flush the file. */
void pcap_record_flush(struct pcap_record *rec);
/* Flush and close; NULL is fine. */
void pcap_record_close(struct pcap_record *rec);

#endif
