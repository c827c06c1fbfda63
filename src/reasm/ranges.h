/* A bounded, sorted list of disjoint half-open ranges of stream positions: what one direction
 * of a connection has received beyond its in-order edge. Positions are unwrapped 64-bit
 * sequence offsets (see stream.h), so no wrap-around arithmetic is needed here. */
#ifndef TCPREQ_REASM_RANGES_H
#define TCPREQ_REASM_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Holes tracked beyond the in-order edge. A probe's peer rarely leaves more than one or two,
 * but a capture of a fast path that reorders (tcpreq analyze) shows a transient hole for
 * every segment overtaken within a window: 256 covers a 10 % reordering rate over a window
 * of 2500 segments. Beyond that, further detail is not worth memory (4 KiB per stream). */
#define REASM_MAX_RANGES 256
/* The list is allocated when the first range is added and grows by doubling from this, so a
 * stream that never leaves a hole (most do not) costs nothing for it. */
#define REASM_RANGES_INITIAL 4

struct reasm_range {
    int64_t start, end; /* [start, end), start < end */
};

struct reasm_ranges {
    struct reasm_range *r; /* sorted by start, disjoint, never touching; NULL until needed */
    size_t n, cap;
};

/* An empty list holding no memory (as a zeroed struct is). */
void reasm_ranges_init(struct reasm_ranges *rs);
/* Forget every range (the memory stays for reuse). */
void reasm_ranges_clear(struct reasm_ranges *rs);
void reasm_ranges_free(struct reasm_ranges *rs);
/* The range holding pos, or NULL. */
const struct reasm_range *reasm_ranges_find(const struct reasm_ranges *rs, int64_t pos);
/* Whether [start, end) can be added: it touches (overlaps or abuts) a range, or there is room
 * for one more (growing the list now if needed, so the add that follows cannot fail). */
bool reasm_ranges_reserve(struct reasm_ranges *rs, int64_t start, int64_t end);
/* Add [start, end), merging every range it touches. Returns false, changing nothing, when it
 * touches none and the list is full or cannot grow (the caller decides what forgetting
 * means). */
bool reasm_ranges_add(struct reasm_ranges *rs, int64_t start, int64_t end);
/* Remove the ranges that start at or before edge and return the edge moved past them: called
 * when the in-order edge advances, so out-of-order data that is now contiguous joins it. */
int64_t reasm_ranges_absorb(struct reasm_ranges *rs, int64_t edge);

#endif
