/* The framework around test-case state machines: event delivery, the action queue,
 * evidence (ISNs, quotes, path) and the helpers every case shares. No I/O here. */
#include "tc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "tcp/reply.h"
#include "tracebox/ttl_code.h"

const struct tc_timing tc_timing_default = {
    .floor = 200 * TC_MSEC,
    .ceil = 10 * TC_SEC,
    .rtt_mult = 4,
    /* RFC 6298 (2.1): the initial RTO is 1 s */
    .syn_timeout = 1 * TC_SEC,
    .syn_tries = 3,
    /* RFC 6298 says 1 s, RFC 1122's older stacks 3 s: wait for the later of the two */
    .retrans_wait = 3 * TC_SEC,
    .original = false,
};

const struct tc_timing tc_timing_original = {
    .floor = 200 * TC_MSEC,
    .ceil = 10 * TC_SEC,
    .rtt_mult = 4,
    .syn_timeout = 1 * TC_SEC,
    .syn_tries = 3,
    .retrans_wait = 3 * TC_SEC,
    .original = true,
};

#define REASON_BUDGET "Packet budget exceeded"
#define REASON_BUILD "Cannot build segment"
#define REASON_TTL_CODE "Cannot encode TTL"
/* xorshift64* must never hold 0: any fixed non-zero value will do (2^64 / golden ratio). */
#define RNG_NONZERO_SEED 0x9e3779b97f4a7c15ull
#define RNG_MULTIPLIER 0x2545f4914f6cdd1dull
#define ISNS_INITIAL 4
/* The quoted TCP header's sequence number (RFC 9293 3.1: bytes 4-7). */
#define QUOTE_SEQ_OFF 4
#define QUOTE_SEQ_END 8
#define OUT_INITIAL 4
#define QUOTES_INITIAL 4

const char *tc_status_name(enum tc_status s)
{
    switch (s) {
    case TC_PASS: return "PASS";
    case TC_UNK: return "UNK";
    case TC_FAIL: return "FAIL";
    case TC_ERR: return "ERR";
    }
    return "ERR";
}

int tc_create(struct tc *t, const struct test_case *kind, const struct tc_env *env)
{
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->env = *env;
    t->result.stage = -1;
    /* xorshift64* must never hold 0 */
    t->rng = env->seed != 0 ? env->seed : RNG_NONZERO_SEED;
    if (kind->state_size > 0 && (t->state = calloc(1, kind->state_size)) == NULL)
        return TCPREQ_ENOMEM;
    return TCPREQ_OK;
}

void tc_destroy(struct tc *t)
{
    if (t->kind != NULL && t->kind->cleanup != NULL && t->state != NULL)
        t->kind->cleanup(t);
    free(t->state);
    free(t->out);
    free(t->isns);
    free(t->quotes);
    json_decref(t->result.custom);
    memset(t, 0, sizeof(*t));
}

void tc_start(struct tc *t, tc_time now)
{
    t->event_at = now;
    t->started_at = now;
    t->kind->start(t, now);
}

static void record_isn(struct tc *t, uint32_t isn, tc_time now)
{
    if (t->n_isns >= TC_MAX_ISNS) {
        t->ignored.isns_over++;
        return;
    }
    if (t->n_isns == t->cap_isns) {
        size_t cap = t->cap_isns ? t->cap_isns * 2 : ISNS_INITIAL;
        struct tc_isn *v = realloc(t->isns, cap * sizeof(*v));
        if (v == NULL)
            return;
        t->isns = v;
        t->cap_isns = cap;
    }
    t->isns[t->n_isns++] = (struct tc_isn){.at = now, .isn = isn};
}

void tc_deliver_segment(struct tc *t, const uint8_t *l4, size_t len, tc_time now)
{
    struct tcp_seg seg;
    bool csum_ok = false;
    t->event_at = now;
    /* The original discarded segments that fail to parse (options included) or carry a bad
     * checksum: a receiver must not act on them (RFC 9293 3.1, MUST-2/MUST-3). */
    if (tcp_seg_parse(l4, len, &t->env.dst, &t->env.src, &seg, &csum_ok) != TCPREQ_OK) {
        /* of this flow (its ports are the first 4 bytes): counted and, the first, described */
        if (len >= 4 && (uint16_t)(l4[0] << 8 | l4[1]) == t->env.dport &&
            (uint16_t)(l4[2] << 8 | l4[3]) == t->env.sport && t->ignored.malformed++ == 0)
            tcp_seg_describe_error(l4, len, t->ignored.first_malformed,
                                   sizeof(t->ignored.first_malformed));
        return;
    }
    if (seg.sport != t->env.dport || seg.dport != t->env.sport)
        return;
    evidence_add(&t->evidence, &seg, false, 0, !csum_ok, now);
    if (!csum_ok) {
        if (!t->done && t->kind->on_bad_checksum != NULL)
            t->kind->on_bad_checksum(t, &seg, now);
        return;
    }
    if (seg.flags & TCP_FLAG_SYN)
        record_isn(t, seg.seq, now);
    if (!t->done && t->kind->on_segment != NULL)
        t->kind->on_segment(t, &seg, now);
}

/* Whether the quoted segment can be one of ours: its seq within what this instance sent
 * (RFC 792 quotes at least 8 bytes: the ports and the seq). A shorter quote cannot tell. */
static bool quote_is_ours(const struct tc *t, const struct icmp_quote *q)
{
    if (q->quote_len < QUOTE_SEQ_END)
        return true;
    uint32_t seq = (uint32_t)q->quote[QUOTE_SEQ_OFF] << 24 |
                   (uint32_t)q->quote[QUOTE_SEQ_OFF + 1] << 16 |
                   (uint32_t)q->quote[QUOTE_SEQ_OFF + 2] << 8 | q->quote[QUOTE_SEQ_OFF + 3];
    return t->snd_any && seq_leq(t->snd_lo, seq) && seq_leq(seq, t->snd_hi);
}

void tc_deliver_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    t->event_at = now;
    if (!quote_is_ours(t, q)) {
        t->ignored.foreign_quotes++;
        return;
    }
    if (t->n_quotes >= TC_MAX_QUOTES)
        t->ignored.quotes_over++;
    if (t->n_quotes < TC_MAX_QUOTES && t->n_quotes == t->cap_quotes) {
        size_t cap = t->cap_quotes ? t->cap_quotes * 2 : QUOTES_INITIAL;
        struct icmp_quote *v = realloc(t->quotes, cap * sizeof(*v));
        if (v != NULL) {
            t->quotes = v;
            t->cap_quotes = cap;
        }
    }
    if (t->n_quotes < t->cap_quotes)
        t->quotes[t->n_quotes++] = *q;
    if (!t->done && t->kind->on_quote != NULL)
        t->kind->on_quote(t, q, now);
}

void tc_fire_timer(struct tc *t, tc_time now)
{
    t->event_at = now;
    t->timer_at = 0;
    if (!t->done)
        t->kind->on_timer(t, now);
}

void tc_abort(struct tc *t, const char *reason, tc_time now)
{
    t->event_at = now;
    tc_finish(t, TC_ERR, -1, reason, NULL, now);
}

void tc_clear_out(struct tc *t)
{
    t->n_out = 0;
    /* A traced burst grows the buffer to 32 packets (51 KB); with thousands of flows in
     * flight, each keeping that while it only waits, it was most of tcpreq's memory. */
    if (t->cap_out > OUT_INITIAL) {
        free(t->out);
        t->out = NULL;
        t->cap_out = 0;
    }
}

static struct tc_packet *out_slot(struct tc *t)
{
    if (t->n_out == t->cap_out) {
        size_t cap = t->cap_out ? t->cap_out * 2 : OUT_INITIAL;
        struct tc_packet *v = realloc(t->out, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        t->out = v;
        t->cap_out = cap;
    }
    return &t->out[t->n_out];
}

static void send_with_id(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id)
{
    if (t->done)
        return;
    if (t->packets_sent >= t->kind->packet_budget) {
        tc_finish(t, TC_ERR, -1, REASON_BUDGET, NULL, t->event_at);
        return;
    }
    struct tc_packet *p = out_slot(t);
    struct ip_params ip = {
        .src = t->env.src, .dst = t->env.dst, .ttl = (uint8_t)ttl, .ip_id = ip_id};
    if (p == NULL || ip_tcp_build(&ip, seg, p->data, sizeof(p->data), &p->len) != TCPREQ_OK) {
        tc_finish(t, TC_ERR, -1, REASON_BUILD, NULL, t->event_at);
        return;
    }
    t->n_out++;
    t->packets_sent++;
    uint32_t end = seg->seq + tcp_seg_len(seg);
    if (!t->snd_any || seq_lt(seg->seq, t->snd_lo))
        t->snd_lo = seg->seq;
    if (!t->snd_any || seq_lt(t->snd_hi, end))
        t->snd_hi = end;
    t->snd_any = true;
    evidence_add(&t->evidence, seg, true, ttl, seg->csum_fixed, t->event_at);
}

void tc_send(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id)
{
    send_with_id(t, seg, ttl, ip_id);
}

bool tc_encode_traced(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields,
                      struct tcp_seg *out, uint16_t *ip_id)
{
    if (t->done)
        return false;
    *out = *seg;
    *ip_id = 0;
    if (ttl_encode(ttl, fields, out, ip_id) != TCPREQ_OK) {
        tc_finish(t, TC_ERR, -1, REASON_TTL_CODE, NULL, t->event_at);
        return false;
    }
    t->ttl_fields |= fields;
    return true;
}

void tc_send_traced(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields)
{
    struct tcp_seg copy;
    uint16_t ip_id;
    if (tc_encode_traced(t, seg, ttl, fields, &copy, &ip_id))
        send_with_id(t, &copy, ttl, ip_id);
}

void tc_set_timer(struct tc *t, tc_time at)
{
    t->timer_at = at;
}

void tc_cancel_timer(struct tc *t)
{
    t->timer_at = 0;
}

static void compute_path(struct tc *t, const struct mbox_result *res)
{
    t->path_len = res->path_len < PATH_MAX_HOPS ? res->path_len : PATH_MAX_HOPS;
    memcpy(t->path, res->path, t->path_len * sizeof(t->path[0]));
    t->path_done = true;
}

/* A verdict other than PASS says what the instance did not believe: a peer that answered
 * with garbage shows as such, not only as a timeout. */
static void note_ignored(struct tc *t)
{
    const struct tc_ignored *ig = &t->ignored;
    char *r = t->result.reason;
    size_t cap = sizeof(t->result.reason), len = strlen(r);
    if (ig->malformed > 0 && len < cap) {
        snprintf(r + len, cap - len, "%s(ignored %u malformed segment%s: %s)", len ? " " : "",
                 ig->malformed, ig->malformed == 1 ? "" : "s", ig->first_malformed);
        len = strlen(r);
    }
    if (ig->foreign_quotes > 0 && len < cap)
        snprintf(r + len, cap - len,
                 "%s(ignored %u ICMP quote%s of segments this test did not "
                 "send)",
                 len ? " " : "", ig->foreign_quotes, ig->foreign_quotes == 1 ? "" : "s");
}

void tc_finish(struct tc *t, enum tc_status st, int stage, const char *reason, json_t *custom,
               tc_time now)
{
    if (t->done) {
        json_decref(custom);
        return;
    }
    t->done = true;
    t->done_at = now;
    t->timer_at = 0;
    t->result.status = st;
    t->result.stage = stage;
    snprintf(t->result.reason, sizeof(t->result.reason), "%s", reason != NULL ? reason : "");
    if (st != TC_PASS)
        note_ignored(t);
    t->result.custom = custom;
    if (!t->path_done) {
        struct mbox_result res;
        mbox_detect(t->quotes, t->n_quotes, t->ttl_fields, NULL, NULL, &res);
        compute_path(t, &res);
    }
}

void tc_record_path(struct tc *t, unsigned fields)
{
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, fields, NULL, NULL, &res);
    compute_path(t, &res);
}

bool tc_check_mboxes(struct tc *t, unsigned fields, quote_diff_fn diff, const void *ctx,
                     const char *info, int stage, tc_time now)
{
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, fields, diff, ctx, &res);
    compute_path(t, &res);
    if (!res.detected)
        return false;
    char reason[sizeof(t->result.reason)];
    mbox_reason(&res, info, reason, sizeof(reason));
    json_t *custom = json_pack("{s:[ss]}", "diff", res.expected, res.seen);
    tc_finish(t, TC_UNK, stage, reason, custom, now);
    return true;
}

uint32_t tc_random32(struct tc *t)
{
    /* xorshift64* (Vigna): fast, full period, good enough for ISNs of probes */
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return (uint32_t)((t->rng * RNG_MULTIPLIER) >> 32);
}

static tc_time rtt_of(const struct tc *t)
{
    return t->rtt != 0 ? t->rtt : t->env.rtt_hint;
}

static tc_time clamp_wait(const struct tc_timing *tm, tc_time rtt)
{
    tc_time w = rtt * tm->rtt_mult;
    if (w < tm->floor)
        w = tm->floor;
    if (w > tm->ceil)
        w = tm->ceil;
    return w;
}

tc_time tc_wait_inflight(const struct tc *t, tc_time original_wait)
{
    const struct tc_timing *tm = t->env.timing;
    if (tm->original)
        return original_wait;
    tc_time rtt = rtt_of(t);
    return rtt != 0 ? clamp_wait(tm, rtt) : tm->ceil;
}

tc_time tc_wait_synack(const struct tc *t, tc_time original_wait)
{
    const struct tc_timing *tm = t->env.timing;
    if (tm->original)
        return original_wait;
    tc_time rtt = rtt_of(t);
    return rtt != 0 ? clamp_wait(tm, rtt) : tm->syn_timeout;
}

tc_time tc_wait_retrans(const struct tc *t, tc_time original_wait)
{
    const struct tc_timing *tm = t->env.timing;
    if (tm->original)
        return original_wait;
    return tm->retrans_wait + 2 * rtt_of(t);
}

void tc_seg_new(const struct tc *t, struct tcp_seg *seg)
{
    tcp_seg_init(seg);
    seg->sport = t->env.sport;
    seg->dport = t->env.dport;
}

void tc_seg_reply(const struct tc *t, const struct tcp_seg *rcvd, uint8_t flags, uint16_t window,
                  struct tcp_seg *out)
{
    tc_seg_new(t, out);
    out->seq = rcvd->ack;
    out->ack = rcvd->seq + tcp_seg_len(rcvd);
    out->flags = flags;
    out->window = window;
}

void tc_seg_reset(const struct tc *t, const struct tcp_seg *rcvd, struct tcp_seg *out)
{
    (void)t;
    tcp_seg_reset_for(rcvd, out);
}

enum tc_handshake tc_handshake_classify(const struct tcp_seg *seg, uint32_t sent_seq)
{
    /* Simultaneous open is not supported: targets are listening hosts. */
    uint32_t expected_ack = sent_seq + 1;
    if ((seg->flags & TCP_FLAG_RST) && seg->ack == expected_ack)
        return TC_HS_RST;
    if ((seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != (TCP_FLAG_SYN | TCP_FLAG_ACK))
        return TC_HS_NOT_SYNACK;
    if (seg->ack != expected_ack)
        return TC_HS_WRONG_ACK;
    return TC_HS_SYNACK;
}

const char *tc_handshake_reason(enum tc_handshake hs)
{
    switch (hs) {
    case TC_HS_SYNACK: return "";
    case TC_HS_RST: return "RST in reply to SYN during handshake";
    case TC_HS_NOT_SYNACK: return "Non-SYN-ACK in reply to SYN during handshake";
    case TC_HS_WRONG_ACK: return "Wrong SEQ acked in reply to SYN during handshake";
    }
    return "";
}
