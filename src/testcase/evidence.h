/* The segments a test instance exchanged, kept for the single-host report (--explain):
 * what an implementor needs to see why a verdict was reached. Bounded: the first half of
 * the log keeps the opening exchange, the second half is a ring of the latest segments
 * (those that usually decide). A traced burst (the same SYN with TTL 1..30) is one entry. */
#ifndef TCPREQ_EVIDENCE_H
#define TCPREQ_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/options.h"

#define EVIDENCE_MAX 32
#define EVIDENCE_HEAD (EVIDENCE_MAX / 2)

struct evidence_entry {
    uint64_t at;               /* monotonic microseconds */
    bool sent;                 /* prober -> target */
    bool bad_checksum;         /* sent wrong on purpose, or received wrong */
    uint8_t ttl_first, ttl_last; /* sent with explicit TTLs (a burst: a range); 0 = default */
    uint8_t flags, reserved;
    uint32_t seq, ack;
    uint16_t window, urg_ptr, payload_len;
    uint8_t opts_len;
    uint8_t opts[TCP_OPTS_MAX_BYTES];
};

struct evidence_log {
    struct evidence_entry entry[EVIDENCE_MAX];
    size_t n;          /* entries held (<= EVIDENCE_MAX) */
    size_t tail_next;  /* next ring slot once full, in [EVIDENCE_HEAD, EVIDENCE_MAX) */
    size_t dropped;    /* entries overwritten in the ring */
};

struct tcp_seg;
/* Record a segment; seg's options are encoded for the log. */
void evidence_add(struct evidence_log *log, const struct tcp_seg *seg, bool sent, unsigned ttl,
                  bool bad_checksum, uint64_t at);
/* Entries in time order (equal times in the order recorded): calls fn for each. */
void evidence_each(const struct evidence_log *log,
                   void (*fn)(const struct evidence_entry *e, void *ctx), void *ctx);

#endif
