#include "testcase/evidence.h"

#include <string.h>

#include "tcp/segment.h"

/* A burst probe continues the previous entry when it is the same segment one TTL further. */
static bool continues_burst(const struct evidence_entry *prev, const struct tcp_seg *seg,
                            bool sent, unsigned ttl)
{
    return sent && prev->sent && ttl != 0 && prev->ttl_last != 0 && prev->ttl_last + 1u == ttl &&
           prev->seq == seg->seq && prev->flags == seg->flags &&
           prev->payload_len == seg->payload_len;
}

static struct evidence_entry *slot(struct evidence_log *log)
{
    if (log->n < EVIDENCE_MAX)
        return &log->entry[log->n++];
    if (log->tail_next < EVIDENCE_HEAD || log->tail_next >= EVIDENCE_MAX)
        log->tail_next = EVIDENCE_HEAD;
    log->dropped++;
    return &log->entry[log->tail_next++];
}

static struct evidence_entry *latest(struct evidence_log *log)
{
    if (log->n == 0)
        return NULL;
    if (log->n < EVIDENCE_MAX || log->dropped == 0)
        return &log->entry[log->n - 1];
    size_t last = log->tail_next == EVIDENCE_HEAD ? EVIDENCE_MAX - 1 : log->tail_next - 1;
    return &log->entry[last];
}

void evidence_add(struct evidence_log *log, const struct tcp_seg *seg, bool sent, unsigned ttl,
                  bool bad_checksum, uint64_t at)
{
    struct evidence_entry *prev = latest(log);
    if (prev != NULL && continues_burst(prev, seg, sent, ttl)) {
        prev->ttl_last = (uint8_t)ttl;
        return;
    }
    struct evidence_entry *e = slot(log);
    memset(e, 0, sizeof(*e));
    e->at = at;
    e->sent = sent;
    e->bad_checksum = bad_checksum;
    e->ttl_first = e->ttl_last = (uint8_t)ttl;
    e->flags = seg->flags;
    e->reserved = seg->reserved;
    e->seq = seg->seq;
    e->ack = seg->ack;
    e->window = seg->window;
    e->urg_ptr = seg->urg_ptr;
    e->payload_len = seg->payload_len > UINT16_MAX ? UINT16_MAX : (uint16_t)seg->payload_len;
    size_t len = 0;
    if (tcp_opts_encode(&seg->opts, e->opts, sizeof(e->opts), &len) == 0)
        e->opts_len = (uint8_t)len;
}

void evidence_each(const struct evidence_log *log,
                   void (*fn)(const struct evidence_entry *e, void *ctx), void *ctx)
{
    /* Kept in the order recorded: head, then the ring from its oldest entry. */
    const struct evidence_entry *order[EVIDENCE_MAX];
    size_t n = 0;
    if (log->dropped == 0) {
        for (size_t i = 0; i < log->n; i++)
            order[n++] = &log->entry[i];
    } else {
        for (size_t i = 0; i < EVIDENCE_HEAD; i++)
            order[n++] = &log->entry[i];
        /* the ring's oldest entry is the one to be overwritten next */
        size_t start = log->tail_next >= EVIDENCE_MAX ? EVIDENCE_HEAD : log->tail_next;
        for (size_t k = 0; k < EVIDENCE_MAX - EVIDENCE_HEAD; k++)
            order[n++] = &log->entry[EVIDENCE_HEAD +
                                     (start - EVIDENCE_HEAD + k) % (EVIDENCE_MAX - EVIDENCE_HEAD)];
    }
    /* Handed over in time order: a paced copy is recorded when queued but leaves later,
     * after replies to what went before it. Insertion sort keeps equal times in order. */
    for (size_t i = 1; i < n; i++) {
        const struct evidence_entry *e = order[i];
        size_t j = i;
        for (; j > 0 && order[j - 1]->at > e->at; j--)
            order[j] = order[j - 1];
        order[j] = e;
    }
    for (size_t i = 0; i < n; i++)
        fn(order[i], ctx);
}
