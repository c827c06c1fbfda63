/* The most frequent strings of a stream in bounded memory: the Space-Saving algorithm
 * (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent and top-k elements in
 * data streams", ICDT 2005). With at most `capacity` distinct strings every count is exact;
 * beyond, the least counted entry is replaced and a count may overstate its string by at
 * most its `error`, and any string occurring more than total / capacity times is kept. */
#ifndef TCPREQ_TOPK_H
#define TCPREQ_TOPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct topk_entry {
    char *text;
    uint64_t count;
    uint64_t error; /* 0 while the counts are exact */
};

struct topk {
    struct topk_entry *entries;
    size_t n, capacity;
    uint32_t *index; /* open addressing over entries: entry number + 1, 0 = free */
    size_t index_cap;
    bool evicted; /* a string was ever replaced: counts are upper bounds */
};

int topk_init(struct topk *t, size_t capacity);
void topk_free(struct topk *t);
/* Count one occurrence of text (copied). 0 or TCPREQ_ENOMEM. */
int topk_add(struct topk *t, const char *text);
/* The entries sorted by count, highest first (ties by text); the array is t's. */
const struct topk_entry *topk_sorted(struct topk *t);

#endif
