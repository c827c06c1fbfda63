/* Reassembly of one direction of a TCP connection (RFC 9293 3.4, 3.10.7.4): classifies each
 * segment as new data, retransmission, partial retransmission or out-of-order, measures the
 * payload that is actually new, keeps the in-order bytes (up to a cap) and tells apart
 * overlaps whose bytes conflict. Pure and allocation-bounded: the first user is the probe's
 * view of what a target sends; the capture analyzer (tcpreq analyze) reuses it per flow
 * direction. Sequence numbers wrap at 2^32. */
#ifndef TCPREQ_REASM_STREAM_H
#define TCPREQ_REASM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum reasm_kind {
    REASM_EMPTY = 0,            /* no sequence space (pure ACK, window update) */
    REASM_NEW,                  /* starts at the next expected byte */
    REASM_RETRANSMISSION,       /* entirely below the next expected byte (or a repeated SYN/FIN) */
    REASM_PARTIAL_RETRANSMISSION, /* starts below the next expected byte, ends beyond it */
    REASM_OUT_OF_ORDER,         /* starts beyond the next expected byte (a gap before it) */
    REASM_FILLS_GAP             /* new data that fills (part of) an earlier gap */
};

struct reasm_result {
    enum reasm_kind kind;
    size_t new_bytes;     /* payload bytes never seen before */
    uint32_t rel_seq;     /* seq relative to the ISN (the SYN has relative seq 0) */
    bool conflict;        /* overlapping bytes differ from those seen before */
};

#define REASM_MAX_RANGES 32 /* out-of-order ranges tracked beyond the next expected byte */

struct reasm_range {
    uint32_t start, end; /* [start, end) in absolute sequence numbers */
};

struct reasm_stream {
    bool have_isn;
    uint32_t isn;
    uint32_t next;          /* next expected sequence number (in-order edge) */
    bool fin_seen;
    uint32_t fin_seq;
    struct reasm_range ooo[REASM_MAX_RANGES]; /* received beyond next, sorted, disjoint */
    size_t n_ooo;
    /* In-order payload bytes from ISN+1 on, kept up to max_bytes (0 = keep none); bytes of
     * out-of-order ranges are kept in a side buffer of the same cap while they wait. */
    uint8_t *data;
    size_t data_len, max_bytes;
    uint8_t *pending;       /* bytes at offset (seq - isn - 1) for out-of-order data */
    /* counters */
    uint64_t segments, new_segments, retransmissions, out_of_order, conflicts;
};

/* max_bytes bounds the memory kept for conflict checks and for the ALP. 0 or TCPREQ_ENOMEM. */
int reasm_init(struct reasm_stream *s, size_t max_bytes);
void reasm_free(struct reasm_stream *s);
/* Feed one segment of this direction. The first SYN sets the ISN; data before any SYN sets
 * next to the segment's seq (mid-stream pickup in captures). */
void reasm_add(struct reasm_stream *s, uint32_t seq, bool syn, bool fin, const uint8_t *payload,
               size_t len, struct reasm_result *out);
/* In-order bytes received so far (at most max_bytes). */
const uint8_t *reasm_data(const struct reasm_stream *s, size_t *len);

#endif
