/* Sequence analysis of one direction of a captured connection, built on the reassembly
 * module (reasm/stream.h), which says what each segment is in sequence space: new data,
 * retransmission (all of it received before), partial retransmission, out-of-order (beyond a
 * gap) or gap filler, with conflicts between overlapping bytes and wrap-around at 2^32.
 *
 * On top of that come the verdicts a capture reader expects, with Wireshark's definitions
 * (tcp.analysis, packet-tcp.c tcp_analyze_sequence_number) so the two can be compared frame
 * by frame:
 * - A segment starting below the highest sequence number seen in its direction (reasm:
 *   retransmission, partial retransmission or gap filler) is a retransmission, unless it
 *   arrived within the reordering time (the handshake RTT seen at the capture point, 3 ms
 *   without one) of the highest segment and does not end there: then it is out-of-order.
 *   Spurious (already acknowledged by the peer) and fast (answering two or more duplicate
 *   ACKs within 20 ms) retransmissions are retransmissions too.
 *   Which of the two a capture shows depends on where it was taken: near the receiver a
 *   late segment that fills a hole is reordering or the retransmission of a loss; near the
 *   sender a quick retransmission of lost data looks "out of order" by the timing rule. The
 *   reassembly tells what timing cannot: "duplicate" marks a segment every byte of which
 *   was captured before, "fills-gap" one that brought data missing so far.
 * - A segment starting beyond the highest sequence number seen leaves a hole: "previous
 *   segment not captured". Holes still open when the flow ends are lost segments.
 * - Duplicate ACK, zero window, zero-window probe, window update, window full, keep-alive and
 *   its ACK, ACK of unseen data: Wireshark's definitions.
 * - Shrinking window (RFC 9293 3.8.6): the right edge ACK + window moved left by at least
 *   one window-scale unit on an ACK that is not older than the last one. */
#ifndef TCPREQ_ANALYZE_SEQAN_H
#define TCPREQ_ANALYZE_SEQAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/decode.h"
#include "reasm/stream.h"

/* Verdict flags of one segment (a segment can have several). */
enum seg_flag {
    SV_NEW = 1u << 0,               /* carries bytes never seen before, in order */
    SV_RETRANSMISSION = 1u << 1,    /* data (or SYN/FIN) sent before */
    SV_FAST_RETRANS = 1u << 2,      /* ... answering duplicate ACKs (RFC 5681 3.2) */
    SV_SPURIOUS = 1u << 3,          /* ... of data the peer had already acknowledged */
    SV_PARTIAL = 1u << 4,           /* starts in data seen before, ends beyond it */
    SV_OUT_OF_ORDER = 1u << 5,      /* arrived after later data, within the reordering time */
    SV_FILLS_GAP = 1u << 6,         /* new data in a hole left earlier */
    SV_PREV_NOT_CAPTURED = 1u << 7, /* starts beyond everything seen: a hole before it */
    SV_CONFLICT = 1u << 8,          /* overlapping bytes differ, or data after FIN */
    SV_DUP_ACK = 1u << 9,
    SV_ZERO_WINDOW = 1u << 10,
    SV_ZERO_WINDOW_PROBE = 1u << 11,
    SV_ZERO_WINDOW_PROBE_ACK = 1u << 12,
    SV_WINDOW_UPDATE = 1u << 13,
    SV_WINDOW_FULL = 1u << 14,
    SV_KEEP_ALIVE = 1u << 15,
    SV_KEEP_ALIVE_ACK = 1u << 16,
    SV_ACKED_UNSEEN = 1u << 17, /* acknowledges data the capture never held */
    SV_SHRINK = 1u << 18,       /* right window edge moved left */
    SV_UNTRACKED = 1u << 19,    /* beyond any window: not reassembled */
    SV_DUPLICATE = 1u << 20,    /* every byte (or the SYN/FIN) was captured before */
};
#define SV_FLAG_COUNT 21

/* The name of one flag bit ("retransmission", "dup-ack", ...). */
const char *seg_flag_name(uint32_t bit);

struct seg_verdict {
    uint32_t flags;
    enum reasm_kind kind; /* what the reassembly made of it (REASM_EMPTY for a RST) */
    uint32_t rel_seq;     /* relative to the ISN (SYN = 0) */
    uint32_t rel_next;    /* rel_seq + payload + SYN + FIN */
    uint32_t rel_ack;     /* relative to the peer's ISN; valid when the ACK flag is set */
    uint32_t window;      /* scaled when the scale is known */
    size_t len;           /* payload length on the wire */
    size_t new_bytes;     /* payload bytes never seen before */
    unsigned dupack_num;  /* n-th duplicate of this ACK */
    uint32_t shrink;      /* bytes the right edge moved left (SV_SHRINK) */
};

struct seq_counters {
    uint64_t segments, payload_bytes, new_bytes;
    uint64_t retransmissions, retrans_bytes, fast_retrans, spurious, partial, duplicates;
    uint64_t out_of_order, fills_gap, prev_not_captured, conflicts, untracked;
    uint64_t dup_acks, zero_windows, zero_window_probes, window_updates, window_full;
    uint64_t keep_alives, acked_unseen, shrinks;
};

/* Segments that left a hole: evidence for lost segments if the hole never fills. */
#define SEQ_GAP_OPENERS 32
struct gap_opener {
    uint32_t rel_start; /* the hole ends here */
    uint64_t frame;
};

struct seq_dir {
    struct reasm_stream rs;
    bool rs_ready;
    /* Wireshark-compatible state (tcp.analysis) */
    bool have_next;
    uint32_t next_hi; /* highest seq + length seen (zero-window probes excluded) */
    an_time next_hi_time;
    bool seen;         /* any segment in this direction */
    uint32_t last_ack; /* ack field of the last segment (0 = none, as Wireshark) */
    an_time last_ack_time;
    bool have_window;
    uint32_t window; /* scaled window of the last segment */
    unsigned dupacks;
    uint32_t last_flags;
    bool have_ack_base;
    uint32_t ack_base; /* ISN guess for the peer when its stream has not started */
    bool have_unseen_mark;
    uint32_t unseen_mark; /* ACK of unseen data reported up to here */
    bool have_edge;
    uint32_t right_edge, edge_ack;
    /* this side's SYN */
    bool syn_seen;
    bool mss_present;
    uint16_t mss;
    int wscale; /* -1 = no window scale option */
    bool sack_perm;
    struct seq_counters c;
    struct gap_opener gaps[SEQ_GAP_OPENERS];
    unsigned n_gaps, next_gap;
};

/* Connection-wide inputs of the analysis. */
struct seq_conn {
    an_time first_rtt; /* SYN to the handshake's ACK at the capture point; 0 = unknown */
    size_t keep_bytes; /* bytes kept per direction for conflict checks */
};

void seqan_init(struct seq_dir *d);
void seqan_free(struct seq_dir *d);
/* Window scale shift that applies to d's windows: -1 unknown (a SYN missing), else 0..14
 * (RFC 7323 2.2: both SYNs must carry the option). */
int seqan_scale(const struct seq_dir *d, const struct seq_dir *peer);
/* Analyse one TCP segment of direction fwd (rev is the other direction). */
void seqan_segment(struct seq_dir *fwd, struct seq_dir *rev, const struct seq_conn *conn,
                   const struct an_pkt *p, an_time now, uint64_t frame, struct seg_verdict *v);

/* A hole still open in d: [rel_start, rel_end) and the frame that came after it (0 if not
 * remembered). Returns false past the last hole. */
struct seq_hole {
    uint32_t rel_start, rel_end;
    uint64_t bytes;
    uint64_t frame;
};
bool seqan_hole(const struct seq_dir *d, unsigned i, struct seq_hole *h);

#endif
