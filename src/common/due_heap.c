#include "common/due_heap.h"

#include <stdlib.h>

#include "common/err.h"

#define DUE_HEAP_INITIAL 64

void due_heap_init(struct due_heap *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
    h->inserted = 0;
}

void due_heap_free(struct due_heap *h)
{
    free(h->v);
    due_heap_init(h);
}

static bool before(const struct due_entry *a, const struct due_entry *b)
{
    return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static void swap(struct due_entry *a, struct due_entry *b)
{
    struct due_entry t = *a;
    *a = *b;
    *b = t;
}

int due_heap_push(struct due_heap *h, uint64_t due, void *item)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : DUE_HEAP_INITIAL;
        struct due_entry *v = realloc(h->v, cap * sizeof(*v));
        if (v == NULL)
            return TCPREQ_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = (struct due_entry){.due = due, .order = h->inserted++, .item = item};
    while (i > 0 && before(&h->v[i], &h->v[(i - 1) / 2])) {
        swap(&h->v[i], &h->v[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return TCPREQ_OK;
}

bool due_heap_peek(const struct due_heap *h, uint64_t *due)
{
    if (h->n == 0)
        return false;
    *due = h->v[0].due;
    return true;
}

void *due_heap_pop(struct due_heap *h)
{
    if (h->n == 0)
        return NULL;
    void *item = h->v[0].item;
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && before(&h->v[l], &h->v[m]))
            m = l;
        if (r < h->n && before(&h->v[r], &h->v[m]))
            m = r;
        if (m == i)
            break;
        swap(&h->v[i], &h->v[m]);
        i = m;
    }
    return item;
}

void *due_heap_pop_due(struct due_heap *h, uint64_t now)
{
    uint64_t due;
    return due_heap_peek(h, &due) && due <= now ? due_heap_pop(h) : NULL;
}

void due_heap_each(struct due_heap *h, void (*fn)(void *item, void *ctx), void *ctx)
{
    for (size_t i = 0; i < h->n; i++)
        fn(h->v[i].item, ctx);
}
