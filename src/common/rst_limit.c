/* Bounded per-flow RST counts (see rst_limit.h): a hash table for lookup and a list in order
 * of the last segment seen, oldest first, for aging and eviction. */
#include "common/rst_limit.h"

#include <stdlib.h>

#include "common/err.h"

struct rst_entry {
    struct flow_entry entry;       /* first: the table hands entries back */
    struct rst_entry *prev, *next; /* towards oldest, towards newest */
    uint64_t last_seen;
    unsigned sent;
};

int rst_limit_init(struct rst_limit *r, size_t max_flows, uint64_t memory)
{
    r->oldest = r->newest = NULL;
    r->max_flows = max_flows != 0 ? max_flows : RST_LIMIT_MAX_FLOWS;
    r->memory = memory != 0 ? memory : RST_LIMIT_MEMORY;
    r->evicted = r->expired = 0;
    return flow_table_init(&r->keys);
}

static void unlink_entry(struct rst_limit *r, struct rst_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        r->oldest = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        r->newest = e->prev;
    e->prev = e->next = NULL;
}

static void append(struct rst_limit *r, struct rst_entry *e)
{
    e->next = NULL;
    e->prev = r->newest;
    if (r->newest != NULL)
        r->newest->next = e;
    else
        r->oldest = e;
    r->newest = e;
}

static void forget(struct rst_limit *r, struct rst_entry *e)
{
    unlink_entry(r, e);
    flow_table_remove(&r->keys, &e->entry);
    free(e);
}

void rst_limit_free(struct rst_limit *r)
{
    while (r->oldest != NULL)
        forget(r, r->oldest);
    flow_table_free(&r->keys);
}

size_t rst_limit_count(const struct rst_limit *r)
{
    return r->keys.count;
}

bool rst_limit_allow(struct rst_limit *r, const struct flow_key *k, uint64_t now)
{
    while (r->oldest != NULL && now - r->oldest->last_seen >= r->memory) {
        forget(r, r->oldest);
        r->expired++;
    }
    struct rst_entry *e = (struct rst_entry *)flow_table_find(&r->keys, k);
    if (e != NULL) {
        unlink_entry(r, e);
    } else {
        if (r->keys.count >= r->max_flows) {
            forget(r, r->oldest);
            r->evicted++;
        }
        if ((e = calloc(1, sizeof(*e))) == NULL)
            return false;
        e->entry.key = *k;
        if (flow_table_insert(&r->keys, &e->entry) != TCPREQ_OK) {
            free(e);
            return false;
        }
    }
    e->last_seen = now;
    append(r, e);
    if (e->sent >= RST_LIMIT_PER_FLOW)
        return false;
    e->sent++;
    return true;
}
