#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define INITIAL_BUCKETS 1024
#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

void flow_key_make(struct flow_key *k, uint16_t lport, const struct ip_addr *rip, uint16_t rport)
{
    memset(k, 0, sizeof(*k));
    k->lport = lport;
    k->rport = rport;
    k->rip.family = rip->family;
    memcpy(k->rip.bytes, rip->bytes, ip_addr_len(rip));
}

void flow_key_make_pair(struct flow_key *k, const struct ip_addr *lip, uint16_t lport,
                        const struct ip_addr *rip, uint16_t rport)
{
    flow_key_make(k, lport, rip, rport);
    k->lip.family = lip->family;
    memcpy(k->lip.bytes, lip->bytes, ip_addr_len(lip));
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static size_t bucket_of(const struct flow_table *t, const struct flow_key *k)
{
    uint64_t h = fnv1a(FNV_OFFSET, &k->lport, sizeof(k->lport));
    h = fnv1a(h, &k->rport, sizeof(k->rport));
    h = fnv1a(h, k->rip.bytes, ip_addr_len(&k->rip));
    h = fnv1a(h, k->lip.bytes, ip_addr_len(&k->lip));
    return (size_t)(h & (t->n_buckets - 1));
}

static int key_equal(const struct flow_key *a, const struct flow_key *b)
{
    return a->lport == b->lport && a->rport == b->rport && ip_addr_equal(&a->rip, &b->rip) &&
           ip_addr_equal(&a->lip, &b->lip);
}

int flow_table_init(struct flow_table *t)
{
    t->n_buckets = INITIAL_BUCKETS;
    t->count = 0;
    t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
    return t->buckets != NULL ? TCPREQ_OK : TCPREQ_ENOMEM;
}

void flow_table_free(struct flow_table *t)
{
    free(t->buckets);
    t->buckets = NULL;
    t->n_buckets = t->count = 0;
}

struct flow_entry *flow_table_find(const struct flow_table *t, const struct flow_key *k)
{
    for (struct flow_entry *e = t->buckets[bucket_of(t, k)]; e != NULL; e = e->next)
        if (key_equal(&e->key, k))
            return e;
    return NULL;
}

static int grow(struct flow_table *t)
{
    struct flow_table bigger = {.n_buckets = t->n_buckets * 2, .count = t->count};
    bigger.buckets = calloc(bigger.n_buckets, sizeof(*bigger.buckets));
    if (bigger.buckets == NULL)
        return TCPREQ_ENOMEM;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct flow_entry *e = t->buckets[i];
        while (e != NULL) {
            struct flow_entry *next = e->next;
            size_t b = bucket_of(&bigger, &e->key);
            e->next = bigger.buckets[b];
            bigger.buckets[b] = e;
            e = next;
        }
    }
    free(t->buckets);
    *t = bigger;
    return TCPREQ_OK;
}

int flow_table_insert(struct flow_table *t, struct flow_entry *e)
{
    /* Keep chains short: grow at a load factor of 1. */
    if (t->count >= t->n_buckets && grow(t) != TCPREQ_OK)
        return TCPREQ_ENOMEM;
    size_t b = bucket_of(t, &e->key);
    e->next = t->buckets[b];
    t->buckets[b] = e;
    t->count++;
    return TCPREQ_OK;
}

void flow_table_remove(struct flow_table *t, struct flow_entry *e)
{
    struct flow_entry **pp = &t->buckets[bucket_of(t, &e->key)];
    while (*pp != NULL && *pp != e)
        pp = &(*pp)->next;
    if (*pp == e) {
        *pp = e->next;
        t->count--;
    }
}
