#include "summary/topk.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* FNV-1a: the index only spreads a handful of strings chosen by tcpreq's test cases. */
static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

int topk_init(struct topk *t, size_t capacity)
{
    memset(t, 0, sizeof(*t));
    t->capacity = capacity;
    t->index_cap = 1;
    while (t->index_cap < 2 * capacity)
        t->index_cap <<= 1;
    t->entries = calloc(capacity, sizeof(*t->entries));
    t->index = calloc(t->index_cap, sizeof(*t->index));
    if (t->entries == NULL || t->index == NULL) {
        topk_free(t);
        return TCPREQ_ENOMEM;
    }
    return TCPREQ_OK;
}

void topk_free(struct topk *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->entries[i].text);
    free(t->entries);
    free(t->index);
    memset(t, 0, sizeof(*t));
}

/* The index slot holding text, or the free slot where it would go. */
static size_t slot_of(const struct topk *t, const char *text)
{
    size_t i = (size_t)hash(text) & (t->index_cap - 1);
    while (t->index[i] != 0 && strcmp(t->entries[t->index[i] - 1].text, text) != 0)
        i = (i + 1) & (t->index_cap - 1);
    return i;
}

/* Rebuild the index (after an entry's text changed). */
static void reindex(struct topk *t)
{
    memset(t->index, 0, t->index_cap * sizeof(*t->index));
    for (size_t e = 0; e < t->n; e++)
        t->index[slot_of(t, t->entries[e].text)] = (uint32_t)(e + 1);
}

int topk_add(struct topk *t, const char *text)
{
    size_t slot = slot_of(t, text);
    if (t->index[slot] != 0) {
        t->entries[t->index[slot] - 1].count++;
        return TCPREQ_OK;
    }
    char *copy = strdup(text);
    if (copy == NULL)
        return TCPREQ_ENOMEM;
    if (t->n < t->capacity) {
        t->entries[t->n] = (struct topk_entry){.text = copy, .count = 1};
        t->index[slot] = (uint32_t)(++t->n);
        return TCPREQ_OK;
    }
    /* full: the least counted entry takes the new string, with its count as the error */
    size_t min = 0;
    for (size_t e = 1; e < t->n; e++)
        if (t->entries[e].count < t->entries[min].count)
            min = e;
    struct topk_entry *victim = &t->entries[min];
    free(victim->text);
    victim->text = copy;
    victim->error = victim->count;
    victim->count++;
    t->evicted = true;
    reindex(t);
    return TCPREQ_OK;
}

static int by_count(const void *a, const void *b)
{
    const struct topk_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

const struct topk_entry *topk_sorted(struct topk *t)
{
    qsort(t->entries, t->n, sizeof(*t->entries), by_count);
    reindex(t);
    return t->entries;
}
