/* Capture flow table (lifetime rules and stubs in table.h). */
#include "analyze/table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tcp/fault.h"

/* A stored segment of a stub: this record, then its TCP header (hdr_len bytes). Copied in
 * and out with memcpy: records follow each other at any alignment. */
struct stub_rec {
    uint64_t frame;
    an_time ts;
    uint32_t ip_wire_len;
    uint8_t from_low; /* sent by the key's lower endpoint */
    uint8_t csum;     /* enum an_csum */
    uint8_t hdr_len;
    uint8_t faults; /* enum tcp_fault, from the frame's comment */
};
_Static_assert(TCP_FAULTS_ALL <= UINT8_MAX, "a stub record keeps the faults in a byte");

#define SENDER_LOW 0
#define SENDER_HIGH 1

/* --- lists ------------------------------------------------------------------------------ */

static void list_unlink(struct an_table *t, struct an_flow *fl)
{
    struct an_flow **head = fl->on_closed_list ? &t->closed_head : &t->open_head;
    struct an_flow **tail = fl->on_closed_list ? &t->closed_tail : &t->open_tail;
    if (fl->lru_prev != NULL)
        fl->lru_prev->lru_next = fl->lru_next;
    else
        *head = fl->lru_next;
    if (fl->lru_next != NULL)
        fl->lru_next->lru_prev = fl->lru_prev;
    else
        *tail = fl->lru_prev;
    fl->lru_prev = fl->lru_next = NULL;
}

static void list_append(struct an_table *t, struct an_flow *fl, bool closed)
{
    struct an_flow **head = closed ? &t->closed_head : &t->open_head;
    struct an_flow **tail = closed ? &t->closed_tail : &t->open_tail;
    fl->on_closed_list = closed;
    fl->lru_next = NULL;
    fl->lru_prev = *tail;
    if (*tail != NULL)
        (*tail)->lru_next = fl;
    else
        *head = fl;
    *tail = fl;
}

int an_table_init(struct an_table *t, const struct an_table_config *cfg)
{
    memset(t, 0, sizeof(*t));
    t->cfg = *cfg;
    if (t->cfg.linger == 0)
        t->cfg.linger = AN_LINGER;
    if (t->cfg.idle_timeout == 0)
        t->cfg.idle_timeout = AN_IDLE_TIMEOUT;
    if (t->cfg.max_flows == 0)
        t->cfg.max_flows = AN_MAX_FLOWS_DEFAULT;
    return flow_table_init(&t->flows);
}

/* --- stubs ------------------------------------------------------------------------------ */

/* Which endpoint of the key sent p. */
static int sender_of(const struct an_flow *fl, const struct ip_addr *src, uint16_t sport)
{
    const struct flow_key *k = &fl->entry.key;
    return sport == k->lport && ip_addr_equal(src, &k->lip) ? SENDER_LOW : SENDER_HIGH;
}

/* Whether a stub can take p as it is: no payload, no FIN, the whole segment captured, at
 * most one SYN per sender (a second one, same ISN or not, is for the full analysis). */
static bool stub_takes(const struct an_flow *fl, const struct an_pkt *p)
{
    if (fl->conn != NULL || fl->selected || fl->stub_n >= AN_STUB_SEGMENTS)
        return false;
    if (p->payload_wire_len != 0 || p->csum == AN_CSUM_UNKNOWN || (p->seg.flags & TCP_FLAG_FIN) ||
        p->tcp_hdr_len > TCP_HDR_MAX)
        return false;
    int from = sender_of(fl, &p->ip.src, p->seg.sport);
    return !((p->seg.flags & TCP_FLAG_SYN) && (fl->stub_syn & (1u << from)));
}

static bool stub_store(struct an_flow *fl, const struct an_frame *f, const struct an_pkt *p)
{
    size_t need = fl->stub_len + sizeof(struct stub_rec) + p->tcp_hdr_len;
    uint8_t *grown = realloc(fl->stub, need);
    if (grown == NULL)
        return false;
    fl->stub = grown;
    int from = sender_of(fl, &p->ip.src, p->seg.sport);
    struct stub_rec r = {
        .frame = f->number,
        .ts = f->ts,
        .ip_wire_len = (uint32_t)p->ip_wire_len,
        .from_low = from == SENDER_LOW,
        .csum = (uint8_t)p->csum,
        .hdr_len = (uint8_t)p->tcp_hdr_len,
        .faults = (uint8_t)tcp_faults_from_comment(f->comment),
    };
    memcpy(fl->stub + fl->stub_len, &r, sizeof(r));
    memcpy(fl->stub + fl->stub_len + sizeof(r), p->tcp_hdr, p->tcp_hdr_len);
    fl->stub_len = (uint16_t)need;
    fl->stub_n++;
    if ((p->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_RST)) == TCP_FLAG_SYN) {
        fl->stub_syn |= (uint8_t)(1u << from);
        fl->stub_isn[from] = p->seg.seq;
    }
    if (p->seg.flags & TCP_FLAG_RST)
        fl->stub_rst = true;
    if (fl->test == NULL && f->comment != NULL) {
        char name[CONN_TEST_MAX];
        if (conn_test_name(f->comment, name, sizeof(name)))
            fl->test = strdup(name); /* out of memory: the name is lost, not the flow */
    }
    return true;
}

/* The segment of a record again, as decode made it: the header is the whole TCP segment. */
static void stub_packet(const struct an_flow *fl, const struct stub_rec *r, const uint8_t *hdr,
                        struct an_pkt *p)
{
    const struct flow_key *k = &fl->entry.key;
    memset(p, 0, sizeof(*p));
    p->kind = AN_PKT_TCP;
    p->ip.src = r->from_low ? k->lip : k->rip;
    p->ip.dst = r->from_low ? k->rip : k->lip;
    p->ip.proto = IPPROTO_TCP_NUM;
    p->ip.l4 = hdr;
    p->ip.l4_len = r->hdr_len;
    p->ip_wire_len = r->ip_wire_len;
    p->opts_err = tcp_seg_parse(hdr, r->hdr_len, &p->ip.src, &p->ip.dst, &p->seg, NULL);
    p->seg.payload = NULL;
    p->payload_wire_len = 0;
    p->tcp_hdr = hdr;
    p->tcp_hdr_len = r->hdr_len;
    p->csum = (enum an_csum)r->csum;
}

static void stub_free(struct an_flow *fl)
{
    free(fl->stub);
    free(fl->test);
    fl->stub = NULL;
    fl->test = NULL;
    fl->stub_len = 0;
    fl->stub_n = 0;
}

/* Make fl a full connection: created from its first segment, then fed every stored one in
 * order. False when out of memory (the flow stays a stub). */
static bool make_full(struct an_table *t, struct an_flow *fl, const struct an_pkt *first)
{
    if (fl->conn != NULL)
        return true;
    static struct an_pkt replay; /* large (options); the table is single-threaded */
    struct stub_rec r;
    const struct an_pkt *p0 = first;
    if (fl->stub_n > 0) {
        memcpy(&r, fl->stub, sizeof(r));
        stub_packet(fl, &r, fl->stub + sizeof(r), &replay);
        p0 = &replay;
    }
    if (p0 == NULL)
        return false;
    struct an_conn *c = conn_new(p0, fl->index, t->cfg.keep_bytes);
    if (c == NULL)
        return false;
    c->selected = fl->selected;
    if (fl->test != NULL)
        snprintf(c->test, sizeof(c->test), "%s", fl->test);
    for (size_t off = 0; off < fl->stub_len;) {
        memcpy(&r, fl->stub + off, sizeof(r));
        const uint8_t *hdr = fl->stub + off + sizeof(r);
        stub_packet(fl, &r, hdr, &replay);
        struct an_frame f = {.number = r.frame, .ts = r.ts};
        struct seg_verdict v;
        conn_segment(c, &f, &replay, r.faults, &v);
        off += sizeof(r) + r.hdr_len;
    }
    stub_free(fl);
    fl->conn = c;
    return true;
}

/* --- completing -------------------------------------------------------------------------- */

static bool flow_closed(const struct an_flow *fl)
{
    return fl->conn != NULL ? conn_closed(fl->conn) : fl->stub_rst;
}

static void complete(struct an_table *t, struct an_flow *fl)
{
    list_unlink(t, fl);
    flow_table_remove(&t->flows, &fl->entry);
    t->active--;
    /* a stub is diagnosed as a full connection (out of memory: it is lost, not the program) */
    if (make_full(t, fl, NULL)) {
        conn_finish(fl->conn);
        t->cfg.on_done(t->cfg.ctx, fl->conn);
        conn_free(fl->conn);
    }
    stub_free(fl);
    free(fl);
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
    const struct an_flow *x = *(const struct an_flow *const *)a;
    const struct an_flow *y = *(const struct an_flow *const *)b;
    return x->index < y->index ? -1 : x->index > y->index;
}

void an_table_finish(struct an_table *t)
{
    struct an_flow **all = t->active ? malloc(t->active * sizeof(*all)) : NULL;
    if (all != NULL) {
        size_t n = 0;
        for (struct an_flow *fl = t->open_head; fl != NULL; fl = fl->lru_next)
            all[n++] = fl;
        for (struct an_flow *fl = t->closed_head; fl != NULL; fl = fl->lru_next)
            all[n++] = fl;
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

/* --- finding and creating ------------------------------------------------------------------ */

static struct an_flow *create(struct an_table *t, const struct an_pkt *p)
{
    /* the one idle longest makes room: a lingering (already closed) flow first */
    if (t->active >= t->cfg.max_flows && (t->closed_head != NULL || t->open_head != NULL)) {
        complete(t, t->closed_head != NULL ? t->closed_head : t->open_head);
        t->evicted++;
    }
    struct an_flow *fl = calloc(1, sizeof(*fl));
    if (fl == NULL)
        return NULL;
    an_conn_key(&fl->entry.key, &p->ip.src, p->seg.sport, &p->ip.dst, p->seg.dport);
    if (flow_table_insert(&t->flows, &fl->entry) != TCPREQ_OK) {
        free(fl);
        return NULL;
    }
    fl->index = t->next_index++;
    fl->last_ts = t->now;
    list_append(t, fl, false);
    if (++t->active > t->peak_active)
        t->peak_active = t->active;
    fl->selected = t->cfg.on_new != NULL && t->cfg.on_new(t->cfg.ctx, fl->index, p);
    return fl;
}

/* Port reuse (conn_is_reuse): a SYN without ACK whose ISN is not the one its sender used. A
 * stub knows its senders' SYNs. */
static bool is_reuse(const struct an_flow *fl, const struct an_pkt *p)
{
    if (fl->conn != NULL)
        return conn_is_reuse(fl->conn, conn_side_of(fl->conn, &p->ip.src, p->seg.sport), p);
    int from = sender_of(fl, &p->ip.src, p->seg.sport);
    uint8_t f = p->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST);
    return f == TCP_FLAG_SYN && (fl->stub_syn & (1u << from)) && p->seg.seq != fl->stub_isn[from];
}

struct an_flow *an_table_for_segment(struct an_table *t, const struct an_pkt *p)
{
    struct flow_key k;
    an_conn_key(&k, &p->ip.src, p->seg.sport, &p->ip.dst, p->seg.dport);
    struct an_flow *fl = (struct an_flow *)flow_table_find(&t->flows, &k);
    if (fl != NULL && is_reuse(fl, p)) {
        complete(t, fl);
        fl = NULL;
    }
    return fl != NULL ? fl : create(t, p);
}

struct an_conn *an_table_segment(struct an_table *t, struct an_flow *fl, const struct an_frame *f,
                                 const struct an_pkt *p, struct seg_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (fl->conn == NULL && stub_takes(fl, p) && stub_store(fl, f, p))
        return NULL;
    if (!make_full(t, fl, p))
        return NULL; /* out of memory: the segment is lost to the analysis, not the program */
    conn_segment(fl->conn, f, p, tcp_faults_from_comment(f->comment), v);
    return fl->conn;
}

struct an_conn *an_table_for_quote(struct an_table *t, const struct an_pkt *p, struct an_flow **out)
{
    struct flow_key k;
    an_conn_key(&k, &p->quote.q_src, p->quote.q_sport, &p->quote.q_dst, p->quote.q_dport);
    struct an_flow *fl = (struct an_flow *)flow_table_find(&t->flows, &k);
    *out = fl;
    return fl != NULL && make_full(t, fl, NULL) ? fl->conn : NULL;
}

void an_table_advance(struct an_table *t, an_time now)
{
    if (now > t->now)
        t->now = now;
    expire(t);
}

void an_table_touch(struct an_table *t, struct an_flow *fl, an_time now)
{
    if (now > fl->last_ts)
        fl->last_ts = now;
    list_unlink(t, fl);
    list_append(t, fl, flow_closed(fl));
    an_table_advance(t, now);
}
