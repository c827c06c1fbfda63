/* The traced probe and the conclusion that waits for its quotes: path first, then verdict.
 *
 * A traced probe (tracebox) goes out as one copy with a full TTL, which the host answers,
 * and one TTL-limited copy per hop known to quote this target's probes, which routers
 * answer with time-exceeded messages quoting what reached them. Knowing which hops quote
 * (tracebox/path.h) also tells when all quotes are in, so a verdict waits no longer than
 * it must, and which hop went silent when the path dropped the probe. */
#include <stdio.h>
#include <string.h>

#include "testcase/tc_private.h"
#include "tracebox/ttl_code.h"

#define HOP_BIT(h) ((uint32_t)1u << (h))
#define HOP_NONE 0
#define REASON_DROPPED_INFO "probe dropped"
/* The original's fixed wait for quotes, for --timing original. */
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)

/* One copy: the TTL code in fields, then the case's touch, then queued. */
static void send_copy(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields,
                      tc_probe_touch_fn touch, void *ctx, tc_time delay)
{
    struct tcp_seg copy;
    uint16_t ip_id;
    if (!tc_encode_traced(t, seg, ttl, fields, &copy, &ip_id))
        return;
    if (touch != NULL)
        touch(t, &copy, ctx);
    tc_send_after(t, &copy, ttl, ip_id, delay);
}

void tc_send_probe(struct tc *t, const struct tcp_seg *seg, unsigned fields,
                   tc_probe_touch_fn touch, void *ctx)
{
    struct tc_traced *p = &t->traced;
    const struct path_info *path = &t->env.path;
    memset(p, 0, sizeof(*p));
    p->sent = true;
    p->fields = fields;
    p->seq = seg->seq;
    p->sent_at = t->event_at;
    if (t->env.trace_full || !path->discovered) {
        /* The original's burst: the host gets every copy from TTL = its distance on. */
        p->copies = HOP_LIMIT;
        for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++)
            send_copy(t, seg, ttl, fields, touch, ctx, 0);
        return;
    }
    p->path_known = true;
    p->copies = path_trace_limit(path);
    /* The host's copy first: nothing delays the handshake, and its RTT sample is clean. */
    send_copy(t, seg, HOP_LIMIT, fields, touch, ctx, 0);
    for (unsigned ttl = 1; ttl <= p->copies; ttl++) {
        send_copy(t, seg, ttl, fields, touch, ctx, (tc_time)ttl * TC_BURST_GAP);
        if (path_hop_quotes(path, ttl))
            p->expected |= HOP_BIT(ttl);
    }
}

bool tc_traced_quote(struct tc *t, const struct icmp_quote *q)
{
    struct tc_traced *p = &t->traced;
    if (!p->sent)
        return true;
    /* IPv4's IP ID carries the code only when the probe wrote it there. */
    unsigned guess = (p->fields & TTL_ENC_IPID) ? q->hop_guess : HOP_NONE;
    unsigned hop =
        ttl_decode_tcp(q->quote, q->quote_len, guess, HOP_LIMIT, p->fields & TTL_ENC_TCP);
    uint32_t seq;
    bool other_segment = tc_quote_seq(q, &seq) && seq != p->seq;
    if (hop >= 1 && hop <= p->copies && !other_segment)
        p->quoted |= HOP_BIT(hop);
    /* With path knowledge every segment of the test but the probe's TTL-limited copies goes
     * out with a full TTL, and no router before the host sees one expire: a time exceeded
     * quoting another segment is forged (anyone on the path can write one of what reaches
     * it), and compared with the probe it would show changes that are none. */
    return !(p->path_known && other_segment);
}

unsigned tc_quote_hop_max(const struct tc *t)
{
    /* Past the hops that got a TTL-limited copy (a traced probe's copies stop at p->copies;
     * any copy with a TTL of the host's distance or more reaches the host), a decoded hop
     * names no router that got a copy: the host's copy (coded HOP_LIMIT) or a code no copy
     * carried. The quote is forged or its code was rewritten on the way: what it shows
     * changed still counts, at an unknown hop (never the host's FAIL for what the path may
     * have done), and it adds no hop to the path. */
    const struct tc_traced *p = &t->traced;
    if (p->sent && p->path_known)
        return p->copies;
    unsigned before = path_before_host(&t->env.path);
    /* else the discovery of this very test (LivenessTest's) */
    return before < HOP_LIMIT ? before : path_before_host(&t->learned);
}

tc_time tc_probe_quotes_at(const struct tc *t)
{
    const struct tc_traced *p = &t->traced;
    if (!p->sent)
        return 0;
    tc_time last_copy = p->path_known ? (tc_time)p->copies * TC_BURST_GAP : 0;
    return p->sent_at + last_copy + tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT);
}

bool tc_probe_quotes_in(const struct tc *t, tc_time now)
{
    const struct tc_traced *p = &t->traced;
    if (!p->sent)
        return true;
    /* --timing original waits its fixed time, as the original did. */
    bool complete = p->path_known && !t->env.timing->original && (p->expected & ~p->quoted) == 0;
    return complete || now >= tc_probe_quotes_at(t);
}

/* The nearest hop known to quote that did not quote this probe, beyond every hop that did:
 * a quote from hop h shows the probe passed hops 1..h-1, so silence there is a lost ICMP
 * message (a rate limit), not a drop. HOP_NONE if none. */
static unsigned first_silent_hop(const struct tc_traced *p)
{
    uint32_t missing = p->expected & ~p->quoted;
    unsigned h = HOP_LIMIT;
    while (h >= 1 && !(p->quoted & HOP_BIT(h)))
        h--;
    for (h++; h <= HOP_LIMIT; h++)
        if (missing & HOP_BIT(h))
            return h;
    return HOP_NONE;
}

/* An UNK for the path: its diff stays, the case's other keys join it. Takes custom. */
static void add_case_custom(struct tc *t, json_t *custom)
{
    if (custom != NULL && json_is_object(t->result.custom))
        json_object_update_missing(t->result.custom, custom);
    json_decref(custom);
}

static void conclude_now(struct tc *t, tc_time now)
{
    struct tc_pending *v = &t->pending;
    v->active = false;
    json_t *custom = v->custom;
    v->custom = NULL;
    /* The declared check may have found these very quotes clean already (tc_path_changed):
     * then only the path is recorded. */
    bool clean = v->has_check && v->check.ctx == t && t->path_clear_quotes == t->n_quotes + 1;
    if (v->has_check && !clean &&
        tc_check_mboxes(t, v->check.fields, v->check.diff, v->check.ctx, v->check.info,
                        v->check.stage, now)) {
        add_case_custom(t, custom);
        return;
    }
    unsigned silent =
        v->by_silence && t->traced.path_known ? first_silent_hop(&t->traced) : HOP_NONE;
    if (silent != HOP_NONE) {
        /* The host did not answer and the path lost the probe before hop `silent`, which
         * quoted every other probe to this target: the path is to blame, not the host. A
         * drop between the last quoting hop and the host stays invisible (README). */
        struct mbox_result where = {.detected = true, .hop = silent};
        char reason[sizeof(t->result.reason)], expected[MBOX_DIFF_TEXT];
        mbox_reason(&where, REASON_DROPPED_INFO, reason, sizeof(reason));
        snprintf(expected, sizeof(expected), "quote from hop %u", silent);
        int stage = v->has_check ? v->check.stage : v->stage;
        tc_record_path(t, t->traced.fields);
        tc_finish(t, TC_UNK, stage, reason, json_pack("{s:[ss]}", "diff", expected, ""), now);
        add_case_custom(t, custom);
        return;
    }
    tc_finish(t, v->status, v->stage, v->reason[0] != '\0' ? v->reason : NULL, custom, now);
}

/* The case's declared check, its diff handed the instance. */
static const struct mbox_check *declared_check(const struct tc *t, struct mbox_check *out)
{
    const struct mbox_check *d = &t->kind->mbox;
    if (d->fields == 0 && d->diff == NULL)
        return NULL;
    *out = *d;
    out->ctx = t;
    return out;
}

bool tc_path_changed(struct tc *t)
{
    struct mbox_check mc;
    if (declared_check(t, &mc) == NULL || t->path_clear_quotes == t->n_quotes + 1)
        return false;
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, mc.fields, tc_quote_hop_max(t), mc.diff, mc.ctx, &res);
    if (!res.detected)
        t->path_clear_quotes = t->n_quotes + 1;
    return res.detected;
}

static void conclude(struct tc *t, const struct mbox_check *mc, enum tc_status st, int stage,
                     const char *reason, json_t *custom, bool by_silence, tc_time now)
{
    if (t->done) {
        json_decref(custom);
        return;
    }
    struct tc_pending *v = &t->pending;
    json_decref(v->custom);
    memset(v, 0, sizeof(*v));
    v->custom = custom;
    v->active = true;
    v->status = st;
    v->stage = stage;
    v->by_silence = by_silence;
    if (mc != NULL) {
        v->has_check = true;
        v->check = *mc;
    }
    snprintf(v->reason, sizeof(v->reason), "%s", reason != NULL ? reason : "");
    if (tc_probe_quotes_in(t, now))
        conclude_now(t, now);
    else
        tc_set_timer(t, tc_probe_quotes_at(t));
}

void tc_conclude(struct tc *t, enum tc_status st, int stage, const char *reason, bool by_silence,
                 tc_time now)
{
    struct mbox_check mc;
    conclude(t, declared_check(t, &mc), st, stage, reason, NULL, by_silence, now);
}

void tc_conclude_custom(struct tc *t, enum tc_status st, int stage, const char *reason,
                        json_t *custom, bool by_silence, tc_time now)
{
    struct mbox_check mc;
    conclude(t, declared_check(t, &mc), st, stage, reason, custom, by_silence, now);
}

void tc_conclude_with(struct tc *t, const struct mbox_check *mc, enum tc_status st, int stage,
                      const char *reason, bool by_silence, tc_time now)
{
    conclude(t, mc, st, stage, reason, NULL, by_silence, now);
}

void tc_pending_quote(struct tc *t, tc_time now)
{
    if (tc_probe_quotes_in(t, now))
        conclude_now(t, now);
}

void tc_pending_timer(struct tc *t, tc_time now)
{
    conclude_now(t, now);
}
