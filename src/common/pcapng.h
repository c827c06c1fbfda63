/* The few pcapng blocks tcpreq writes and the one thing it reads that libpcap does not hand
 * out: a packet's comment (draft-ietf-opsawg-pcapng: Section Header, Interface Description
 * and Enhanced Packet Blocks, option opt_comment).
 *
 * --pcap writes pcapng so that every packet of a test carries the comment
 * "tcpreq test=NAME": Wireshark shows it (frame.comment), and `tcpreq analyze` names each
 * flow after its test. libpcap reads the packets; it has no interface for comments, so the
 * analyzer takes them from the packet blocks with pcapng_packet_comment(). */
#ifndef TCPREQ_PCAPNG_H
#define TCPREQ_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_PB 0x00000002u /* obsolete Packet Block */
#define PCAPNG_BT_SPB 0x00000003u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_BLOCK_HDR 8     /* type, total length */
#define PCAPNG_BLOCK_TRAILER 4 /* total length again */
/* Largest block the reader accepts (libpcap's own limit is 16 MiB). */
#define PCAPNG_BLOCK_MAX (16u * 1024 * 1024)

/* Encoders: write the block into buf and return its length, or 0 when cap is too small.
 * Host byte order (readers follow the section's byte-order magic). */
size_t pcapng_write_shb(uint8_t *buf, size_t cap, const char *userappl);
/* if_tsresol is left at its default: microseconds. */
size_t pcapng_write_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen);
size_t pcapng_write_epb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_usec,
                        const uint8_t *pkt, uint32_t caplen, uint32_t origlen, const char *comment);
/* Bytes pcapng_write_epb needs. */
size_t pcapng_epb_size(uint32_t caplen, const char *comment);

/* Reader side. A block header: its type and total length in the section's byte order. */
uint32_t pcapng_u32(const uint8_t *p, bool swapped);
/* From a whole Section Header Block: whether the section's byte order differs from the
 * host's. False when the magic is neither order (then the block is not an SHB). */
bool pcapng_shb_order(const uint8_t *block, size_t len, bool *swapped);
/* The first opt_comment of a whole Enhanced (or obsolete) Packet Block: a pointer into
 * block and its length (not NUL-terminated). False when there is none or the block is
 * malformed; nothing is read outside [block, block + len). */
bool pcapng_packet_comment(const uint8_t *block, size_t len, bool swapped, const char **comment,
                           size_t *comment_len);

#endif
