/* Capture flow table (lifetime rules in table.h). */
#include "analyze/table.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

static void list_unlink(struct an_table *t, struct an_conn *c)
{
    struct an_conn **head = c->on_closed_list ? &t->closed_head : &t->open_head;
    struct an_conn **tail = c->on_closed_list ? &t->closed_tail : &t->open_tail;
    if (c->lru_prev != NULL)
        c->lru_prev->lru_next = c->lru_next;
    else
        *head = c->lru_next;
    if (c->lru_next != NULL)
        c->lru_next->lru_prev = c->lru_prev;
    else
        *tail = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

static void list_append(struct an_table *t, struct an_conn *c, bool closed)
{
    struct an_conn **head = closed ? &t->closed_head : &t->open_head;
    struct an_conn **tail = closed ? &t->closed_tail : &t->open_tail;
    c->on_closed_list = closed;
    c->lru_next = NULL;
    c->lru_prev = *tail;
    if (*tail != NULL)
        (*tail)->lru_next = c;
    else
        *head = c;
    *tail = c;
}

int an_table_init(struct an_table *t, const struct an_table_config *cfg)
{
    memset(t, 0, sizeof(*t));
    t->cfg = *cfg;
    if (t->cfg.linger == 0)
        t->cfg.linger = AN_LINGER;
    if (t->cfg.idle_timeout == 0)
        t->cfg.idle_timeout = AN_IDLE_TIMEOUT;
    return flow_table_init(&t->flows);
}

static void complete(struct an_table *t, struct an_conn *c)
{
    list_unlink(t, c);
    flow_table_remove(&t->flows, &c->entry);
    t->active--;
    conn_finish(c);
    t->cfg.on_done(t->cfg.ctx, c);
    conn_free(c);
}

static void expire(struct an_table *t)
{
    while (t->closed_head != NULL && t->now - t->closed_head->last_ts >= t->cfg.linger)
        complete(t, t->closed_head);
    while (t->open_head != NULL && t->now - t->open_head->last_ts >= t->cfg.idle_timeout)
        complete(t, t->open_head);
}

static int by_index(const void *a, const void *b)
{
    const struct an_conn *x = *(const struct an_conn *const *)a;
    const struct an_conn *y = *(const struct an_conn *const *)b;
    return x->index < y->index ? -1 : x->index > y->index;
}

void an_table_finish(struct an_table *t)
{
    struct an_conn **all = t->active ? malloc(t->active * sizeof(*all)) : NULL;
    if (all != NULL) {
        size_t n = 0;
        for (struct an_conn *c = t->open_head; c != NULL; c = c->lru_next)
            all[n++] = c;
        for (struct an_conn *c = t->closed_head; c != NULL; c = c->lru_next)
            all[n++] = c;
        qsort(all, n, sizeof(*all), by_index);
        for (size_t i = 0; i < n; i++)
            complete(t, all[i]);
        free(all);
    }
    /* out of memory for the sort: complete them in list order */
    while (t->open_head != NULL)
        complete(t, t->open_head);
    while (t->closed_head != NULL)
        complete(t, t->closed_head);
    flow_table_free(&t->flows);
}

static struct an_conn *create(struct an_table *t, const struct an_pkt *p)
{
    struct an_conn *c = conn_new(p, t->next_index, t->cfg.keep_bytes);
    if (c == NULL)
        return NULL;
    if (flow_table_insert(&t->flows, &c->entry) != TCPREQ_OK) {
        conn_free(c);
        return NULL;
    }
    t->next_index++;
    c->last_ts = t->now;
    list_append(t, c, false);
    if (++t->active > t->peak_active)
        t->peak_active = t->active;
    if (t->cfg.on_new != NULL)
        t->cfg.on_new(t->cfg.ctx, c);
    return c;
}

struct an_conn *an_table_for_segment(struct an_table *t, const struct an_pkt *p)
{
    struct flow_key k;
    an_conn_key(&k, &p->ip.src, p->seg.sport, &p->ip.dst, p->seg.dport);
    struct an_conn *c = (struct an_conn *)flow_table_find(&t->flows, &k);
    if (c != NULL && conn_is_reuse(c, conn_side_of(c, &p->ip.src, p->seg.sport), p)) {
        complete(t, c);
        c = NULL;
    }
    return c != NULL ? c : create(t, p);
}

struct an_conn *an_table_for_quote(struct an_table *t, const struct an_pkt *p)
{
    struct flow_key k;
    an_conn_key(&k, &p->quote.q_src, p->quote.q_sport, &p->quote.q_dst, p->quote.q_dport);
    return (struct an_conn *)flow_table_find(&t->flows, &k);
}

void an_table_advance(struct an_table *t, an_time now)
{
    if (now > t->now)
        t->now = now;
    expire(t);
}

void an_table_touch(struct an_table *t, struct an_conn *c, an_time now)
{
    list_unlink(t, c);
    list_append(t, c, conn_closed(c));
    an_table_advance(t, now);
}
