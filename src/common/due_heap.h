/* A min-heap of pointers by due time (microseconds), first-in first-out among equal times:
 * the engine's packets that must wait before they may leave (paced bursts, probes that
 * must not overtake what they follow). Pure: the caller passes the times. */
#ifndef TCPREQ_DUE_HEAP_H
#define TCPREQ_DUE_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct due_entry {
    uint64_t due;
    uint64_t order; /* insertion counter: ties leave in insertion order */
    void *item;
};

struct due_heap {
    struct due_entry *v;
    size_t n, cap;
    uint64_t inserted;
};

void due_heap_init(struct due_heap *h);
void due_heap_free(struct due_heap *h);
/* 0, or TCPREQ_ENOMEM (the heap is unchanged). */
int due_heap_push(struct due_heap *h, uint64_t due, void *item);
/* The earliest entry's due time; false when empty. */
bool due_heap_peek(const struct due_heap *h, uint64_t *due);
/* Remove and return the earliest entry's item if it is due at now; NULL otherwise. */
void *due_heap_pop_due(struct due_heap *h, uint64_t now);
/* Remove and return the earliest entry's item whatever its time; NULL when empty. */
void *due_heap_pop(struct due_heap *h);
/* Call fn on every item (in no particular order). */
void due_heap_each(struct due_heap *h, void (*fn)(void *item, void *ctx), void *ctx);

#endif
