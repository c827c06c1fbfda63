/* Reassembly of one direction of a TCP connection (RFC 9293 3.4, 3.10.7.4): classifies each
 * segment as new data, retransmission, partial retransmission or out-of-order, measures the
 * payload that is actually new, keeps the in-order bytes (up to a cap) and tells apart
 * overlaps whose bytes conflict. Pure and allocation-bounded: the first user is the probe's
 * view of what a target sends; the capture analyzer (tcpreq analyze) reuses it per flow
 * direction. Sequence numbers wrap at 2^32.
 *
 * Semantics (chosen to sit close to Wireshark's tcp.analysis where that is cheap):
 * - A segment occupies sequence space [seq, seq + SYN + len + FIN): SYN and FIN consume one
 *   sequence number each (RFC 9293 3.4). "Next expected" is the in-order edge: the first
 *   sequence number not yet received, as an ideal receiver's RCV.NXT.
 * - EMPTY: no sequence space (pure ACK, window update, zero-length keep-alive), whatever seq.
 * - NEW: starts at the next expected seq and no gap is open beyond it.
 * - RETRANSMISSION: every sequence number was received before (a repeated SYN with the same
 *   ISN, a repeated FIN, a 1-byte keep-alive probe at next-1). Anything starting behind the
 *   in-order edge (by less than 2^31) counts as received, including bytes from before a
 *   mid-stream pickup: they cannot be told apart from old data.
 * - PARTIAL_RETRANSMISSION: starts in received data and carries unreceived data after it.
 * - OUT_OF_ORDER: starts at or beyond the highest sequence number received so far while a
 *   gap is open before it. opens_gap tells whether it left a new hole (Wireshark's
 *   tcp.analysis.lost_segment, "previous segment not captured").
 * - FILLS_GAP: starts in a hole (at the in-order edge while data waits beyond it, or between
 *   two out-of-order ranges). Wireshark calls such a segment a retransmission or out-of-order
 *   depending on timing, which is the caller's business.
 * - new_bytes counts payload bytes never received before (SYN and FIN are not payload). Over
 *   a whole stream the sum of new_bytes equals the bytes delivered, whatever the order and
 *   duplication (an untracked segment counts 0 and counts again when resent).
 * - rel_seq = seq - ISN (mod 2^32): the SYN has 0 and the first byte 1. With no SYN seen (a
 *   mid-stream pickup), the first segment occupying sequence space starts the stream with
 *   ISN = seq - 1, so its first byte also has rel_seq 1, as in Wireshark. Zero-length
 *   segments do not start a stream (a stale keep-alive would invent a permanent gap); before
 *   the start they are reported relative to the first one seen, as if it started the stream.
 * - A SYN with another ISN than the one known (a new incarnation of the connection, or a
 *   peer that changes its ISN in a retransmission) restarts the stream: isn_changed is set,
 *   and the counters survive.
 * - conflict: a byte received before and kept differs from the one in this segment (the
 *   first version stays kept); or a FIN at a different place from an earlier FIN, or before
 *   data already received (not believed); or data at or beyond a known FIN (RFC 9293
 *   3.10.7.4: nothing follows a FIN), which is cut off: not counted, not remembered, so the
 *   in-order edge never passes the FIN. A keep-alive (1 byte at next-1) is exempt: RFC 9293
 *   3.8.4 lets it carry one garbage octet. Only kept bytes are compared, so detection covers
 *   the first max_bytes of the stream.
 * - Distances: seq is placed relative to the in-order edge modulo 2^32 (RFC 9293 3.4).
 *   Up to 2^31 behind it (2^31 exactly included) is old data: a retransmission. Ahead, a
 *   segment ending more than REASM_WINDOW beyond the edge cannot lie in any receive window
 *   (RFC 7323 2.3 caps windows at 2^30): it is classified by position but untracked, i.e.
 *   nothing is remembered or kept and new_bytes is 0. Likewise a length above REASM_WINDOW.
 * - Range list: REASM_MAX_RANGES disjoint out-of-order ranges. When it is full, a segment
 *   that touches no range and would need one more is untracked; segments extending or
 *   bridging ranges, or reaching the in-order edge, are always taken. Forgetting the
 *   newcomer never invents received data and never counts a byte twice; its bytes count when
 *   they are resent.
 * - RST segments should not be fed: their payload is diagnostic text (RFC 9293 3.5.3). */
#ifndef TCPREQ_REASM_STREAM_H
#define TCPREQ_REASM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reasm/ranges.h"

enum reasm_kind {
    REASM_EMPTY = 0,              /* no sequence space (pure ACK, window update) */
    REASM_NEW,                    /* starts at the next expected byte */
    REASM_RETRANSMISSION,         /* all of it received before (or a repeated SYN/FIN) */
    REASM_PARTIAL_RETRANSMISSION, /* starts in received data, ends beyond it */
    REASM_OUT_OF_ORDER,           /* starts beyond the next expected byte (a gap before it) */
    REASM_FILLS_GAP,              /* new data that fills (part of) an earlier gap */
    REASM_KIND_COUNT
};

/* Largest distance beyond the in-order edge that is tracked: RFC 7323 2.3's window limit. */
#define REASM_WINDOW ((int64_t)1 << 30)
/* Largest max_bytes accepted by reasm_init. */
#define REASM_MAX_KEEP ((size_t)1 << 30)
/* The kept bytes are allocated with the first payload byte kept, this size, and grow by
 * doubling up to max_bytes as data arrives: a stream without payload keeps nothing. */
#define REASM_KEEP_INITIAL ((size_t)1024)

struct reasm_result {
    enum reasm_kind kind;
    size_t new_bytes; /* payload bytes never seen before */
    uint32_t rel_seq; /* seq relative to the ISN (the SYN has relative seq 0) */
    bool conflict;    /* overlapping bytes (or FIN position) differ from those seen before */
    bool opens_gap;   /* OUT_OF_ORDER leaving a new hole before it */
    bool keep_alive;  /* seq = next expected - 1 with 0 or 1 byte (RFC 9293 3.8.4) */
    bool untracked;   /* beyond the window or no range left: not remembered, new_bytes 0 */
    bool isn_changed; /* a SYN with another ISN restarted the stream */
};

struct reasm_counters {
    uint64_t segments; /* every reasm_add call */
    uint64_t by_kind[REASM_KIND_COUNT];
    uint64_t new_bytes, conflicts, keep_alives, untracked, isn_changes;
};

/* Positions: sequence numbers unwrapped to 64 bits and counted from the ISN (the SYN is at
 * position 0, the first payload byte at 1, which is byte offset 0 of the kept data). Every
 * comparison is made on positions, so nothing but seq_to_pos sees the 2^32 wrap. */
struct reasm_stream {
    bool started; /* a segment occupying sequence space was seen */
    bool syn_seen;
    bool have_hint; /* rel_seq base for EMPTY segments before the start */
    uint32_t hint_isn;
    uint32_t isn;     /* SYN's seq, or first seq - 1 for a mid-stream pickup */
    uint32_t next;    /* next expected sequence number (in-order edge) */
    int64_t next_pos; /* next as a position */
    bool fin_seen;
    uint32_t fin_seq;
    int64_t fin_pos;
    struct reasm_ranges ooo; /* positions received beyond next */
    /* Payload bytes by offset (position - 1), below keep_limit: in-order ones, and those of
     * out-of-order ranges waiting at their final offset, so filling a gap copies nothing.
     * keep_limit starts at max_bytes and (until a restart) only drops: at a known FIN, or at
     * the first new byte whose value is unknown (payload NULL), so every received byte below
     * it holds the value first seen. */
    uint8_t *kept; /* NULL until a byte is kept; kept_cap bytes, grown with the data */
    size_t kept_cap;
    size_t max_bytes;
    int64_t keep_limit;
    struct reasm_counters count;
};

/* max_bytes bounds the memory kept for conflict checks and for the ALP (one buffer growing
 * up to max_bytes with the data; 0 keeps nothing). Allocates nothing itself. 0 or
 * TCPREQ_EINVAL (above REASM_MAX_KEEP). */
int reasm_init(struct reasm_stream *s, size_t max_bytes);
void reasm_free(struct reasm_stream *s);
/* Feed one segment of this direction; out may be NULL. payload may be NULL with len > 0 when
 * the bytes were not captured (snap length): sequence accounting is unchanged, but those
 * bytes and everything after them are neither kept nor compared. Any seq and len is safe. */
void reasm_add(struct reasm_stream *s, uint32_t seq, bool syn, bool fin, const uint8_t *payload,
               size_t len, struct reasm_result *out);
/* In-order payload bytes received so far (at most max_bytes, stopping early at uncaptured
 * bytes). Valid until the next reasm_add. */
const uint8_t *reasm_data(const struct reasm_stream *s, size_t *len);
/* The next expected sequence number (what an ACK for everything in order carries). False
 * before the stream has started. */
bool reasm_next_seq(const struct reasm_stream *s, uint32_t *next);
const char *reasm_kind_name(enum reasm_kind kind);

#endif
