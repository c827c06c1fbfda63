/* The framework around test-case state machines: event delivery, the action queue,
 * evidence (ISNs, quotes, path) and the helpers every case shares. No I/O here. */
#include "tc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/err.h"
#include "tcp/fault.h"
#include "tcp/reply.h"
#include "testcase/connection.h"
#include "testcase/tc_private.h"
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
#define REASON_ACK_NOT_TAKEN "The handshake's ACK was not taken (still in SYN-RECEIVED)"
/* open.confirm: state probes (and ACKs) before giving up on the handshake's ACK. */
#define CONFIRM_TRIES 2
#define ORIGINAL_CONFIRM_WAIT (10 * TC_SEC)
#define REASON_BUILD "Cannot build segment"
#define REASON_TTL_CODE "Cannot encode TTL"
/* xorshift64* must never hold 0: any fixed non-zero value will do (2^64 / golden ratio). */
#define RNG_NONZERO_SEED 0x9e3779b97f4a7c15ull
#define RNG_MULTIPLIER 0x2545f4914f6cdd1dull
#define ISNS_INITIAL 4
/* A quote long enough to hold the TCP sequence number (RFC 792 quotes 8 bytes at least). */
/* Segments of one connection lie within this of each other (the alive probe sits 0x20000
 * below SND.UNA, the state probe's ACK is not a seq): further away is another connection. */
#define SENT_RANGE_SLACK (1u << 20)
#define OUT_INITIAL 4
#define QUOTES_INITIAL 4
#define TCP_WORD_BYTES 4 /* the data offset counts 32-bit words */

const char *tc_status_name(enum tc_status s)
{
    switch (s) {
    case TC_PASS:
        return "PASS";
    case TC_UNK:
        return "UNK";
    case TC_FAIL:
        return "FAIL";
    case TC_ERR:
        return "ERR";
    }
    return "ERR";
}

size_t tc_out_count(const struct tc *t)
{
    return t->n_out;
}

const struct tc_packet *tc_out_packet(const struct tc *t, size_t i)
{
    return i < t->n_out ? &t->out[i] : NULL;
}

tc_time tc_timer(const struct tc *t)
{
    return t->timer_at;
}

bool tc_is_done(const struct tc *t)
{
    return t->done;
}

enum tc_status tc_verdict(const struct tc *t)
{
    return t->result.status;
}

const struct test_case *tc_kind(const struct tc *t)
{
    return t->kind;
}

const struct tc_env *tc_env_of(const struct tc *t)
{
    return &t->env;
}

tc_time tc_measured_rtt(const struct tc *t)
{
    return t->rtt;
}

const struct path_info *tc_path_learned(const struct tc *t)
{
    return &t->learned;
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
    if (kind->on_open != NULL && (t->conn = calloc(1, sizeof(*t->conn))) == NULL) {
        free(t->state);
        t->state = NULL;
        return TCPREQ_ENOMEM;
    }
    return TCPREQ_OK;
}

void tc_destroy(struct tc *t)
{
    if (t->kind != NULL && t->kind->cleanup != NULL && t->state != NULL)
        t->kind->cleanup(t);
    free(t->state);
    if (t->conn != NULL) {
        tc_conn_free(t->conn);
        free(t->conn);
    }
    free(t->out);
    free(t->isns);
    free(t->quotes);
    json_decref(t->result.custom);
    json_decref(t->pending.custom);
    memset(t, 0, sizeof(*t));
}

struct tc_conn *tc_connection(struct tc *t)
{
    return t->conn;
}

void tc_start(struct tc *t, tc_time now)
{
    t->event_at = now;
    t->started_at = now;
    if (t->conn != NULL)
        tc_conn_open(t, t->conn, &t->kind->open, now);
    if (t->kind->start != NULL)
        t->kind->start(t, now);
}

/* The framework's opening for an on_open case: a segment (or the timer: seg NULL). */
/* open.confirm: ask with the state probe whether the handshake's ACK was taken. */
static void confirm_ask(struct tc *t, tc_time now)
{
    t->confirming++;
    tc_conn_send_state_probe(t, t->conn, TC_ORDER_GAP);
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_inflight(t, ORIGINAL_CONFIRM_WAIT));
}

static void opened(struct tc *t, tc_time now)
{
    t->confirming = 0;
    t->confirm_hold = false;
    t->kind->on_open(t, now);
}

/* An answer to the confirming state probe (seg), or its silence (seg NULL). Silence counts as
 * established: a connection still in SYN-RECEIVED answered the probe with a RST on every
 * stack measured (README, "TCP stacks in the lab"), and gVisor is silent in ESTABLISHED. An
 * ACK confirms too, but the host counts it against its ACK throttle (RFC 5961 7): the case
 * starts once that is over, or its own first challenge ACK would be held back. */
static void confirm_event(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    if (t->confirm_hold) {
        if (seg == NULL)
            opened(t, now);
        return;
    }
    enum conn_state_answer a =
        seg != NULL ? tc_conn_state_answer(t->conn, seg) : CONN_STATE_ESTABLISHED;
    if (a == CONN_STATE_ESTABLISHED && seg == NULL) {
        opened(t, now);
    } else if (a == CONN_STATE_ESTABLISHED) {
        t->confirm_hold = true;
        tc_set_timer(t, now + TC_ACK_THROTTLE);
    } else if (a == CONN_STATE_NOT_SYNCED && t->confirming < CONFIRM_TRIES) {
        tc_conn_send_ack(t, t->conn); /* our ACK was lost: once more */
        confirm_ask(t, now);
    } else if (a == CONN_STATE_NOT_SYNCED) {
        tc_conn_send_close(t, t->conn);
        tc_finish(t, TC_UNK, t->kind->open.stage, REASON_ACK_NOT_TAKEN, NULL, now);
    }
}

static void opening_event(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct syn_probe_failure f;
    switch (tc_conn_open_event(t, t->conn, seg, now, &f)) {
    case CONN_OPEN_DONE:
        if (t->kind->open.confirm)
            confirm_ask(t, now);
        else
            opened(t, now);
        break;
    case CONN_OPEN_FAILED: {
        char reason[sizeof(t->result.reason)];
        syn_probe_failure_reason(&f, NULL, reason, sizeof(reason));
        tc_finish(t, f.status, t->kind->open.stage, reason, NULL, now);
        break;
    }
    case CONN_OPEN_PENDING:
        break;
    }
}

static bool opening(const struct tc *t)
{
    return t->conn != NULL && tc_conn_opening(t->conn);
}

/* Where the framework's opening still has the events: the handshake, or its confirmation. */
static bool opening_or_confirming(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    if (opening(t)) {
        opening_event(t, seg, now);
        return true;
    }
    if (t->confirming > 0) {
        confirm_event(t, seg, now);
        return true;
    }
    return false;
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

void tc_deliver_segment(struct tc *t, const uint8_t *l4, size_t len, unsigned ttl, uint8_t tos,
                        tc_time now)
{
    struct tcp_seg seg;
    bool csum_ok = false;
    t->event_at = now;
    t->rx_ttl = (uint8_t)(ttl <= UINT8_MAX ? ttl : 0);
    t->rx_tos = tos;
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
    /* A held verdict no longer listens (tc_conclude); the evidence above still counts. */
    bool listening = !t->done && !t->pending.active;
    t->rx_hdr = l4;
    t->rx_hdr_len = (size_t)seg.data_off * TCP_WORD_BYTES;
    if (!csum_ok) {
        if (listening && t->kind->on_bad_checksum != NULL)
            t->kind->on_bad_checksum(t, &seg, now);
    } else {
        if (seg.flags & TCP_FLAG_SYN)
            record_isn(t, seg.seq, now);
        if (listening && !opening_or_confirming(t, &seg, now) && t->kind->on_segment != NULL)
            t->kind->on_segment(t, &seg, now);
    }
    t->rx_hdr = NULL; /* the engine's buffer: not ours after the delivery */
    t->rx_hdr_len = 0;
}

const uint8_t *tc_rx_options(const struct tc *t, size_t *len)
{
    *len = t->rx_hdr != NULL ? t->rx_hdr_len - TCP_HDR_MIN : 0;
    return t->rx_hdr != NULL ? t->rx_hdr + TCP_HDR_MIN : NULL;
}

/* Whether the quoted segment can be one of ours: its seq within what this instance sent
 * (RFC 792 quotes at least 8 bytes: the ports and the seq). A shorter quote cannot tell. */
static bool quote_is_ours(const struct tc *t, const struct icmp_quote *q)
{
    uint32_t seq;
    if (!tc_quote_seq(q, &seq) || t->sent_overflow)
        return true;
    for (unsigned i = 0; i < t->n_sent; i++)
        if (seq_leq(t->sent[i].lo, seq) && seq_leq(seq, t->sent[i].hi))
            return true;
    return false;
}

void tc_deliver_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    t->event_at = now;
    if (!quote_is_ours(t, q)) {
        t->ignored.foreign_quotes++;
        return;
    }
    if (!tc_traced_quote(t, q)) {
        t->ignored.full_ttl_quotes++;
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
    if (t->done)
        return;
    if (t->pending.active)
        tc_pending_quote(t, now);
    else if (t->kind->on_quote != NULL)
        t->kind->on_quote(t, q, now);
}

void tc_fire_timer(struct tc *t, tc_time now)
{
    t->event_at = now;
    t->timer_at = 0;
    if (t->done)
        return;
    if (t->pending.active)
        tc_pending_timer(t, now);
    else if (!opening_or_confirming(t, NULL, now))
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

/* Remember [seq, end) as sent: it extends the range of its connection, or starts one. */
static void note_sent(struct tc *t, uint32_t seq, uint32_t end)
{
    for (unsigned i = 0; i < t->n_sent; i++) {
        struct tc_sent_range *r = &t->sent[i];
        if (seq_leq(r->lo - SENT_RANGE_SLACK, seq) && seq_leq(seq, r->hi + SENT_RANGE_SLACK)) {
            if (seq_lt(seq, r->lo))
                r->lo = seq;
            if (seq_lt(r->hi, end))
                r->hi = end;
            return;
        }
    }
    if (t->n_sent < TC_SENT_RANGES)
        t->sent[t->n_sent++] = (struct tc_sent_range){.lo = seq, .hi = end};
    else
        t->sent_overflow = true;
}

static void send_with_id(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id,
                         tc_time delay)
{
    if (t->done)
        return;
    if (t->packets_sent >= t->kind->packet_budget) {
        tc_finish(t, TC_ERR, -1, REASON_BUDGET, NULL, t->event_at);
        return;
    }
    struct tc_packet *p = out_slot(t);
    struct ip_params ip = {.src = t->env.src,
                           .dst = t->env.dst,
                           .ttl = (uint8_t)ttl,
                           .ip_id = ip_id,
                           .tos = t->tx_tos};
    if (p == NULL || ip_tcp_build(&ip, seg, p->data, sizeof(p->data), &p->len) != TCPREQ_OK) {
        tc_finish(t, TC_ERR, -1, REASON_BUILD, NULL, t->event_at);
        return;
    }
    p->delay = delay;
    p->faults = tcp_faults_of(seg);
    t->n_out++;
    t->packets_sent++;
    note_sent(t, seg->seq, seg->seq + tcp_seg_len(seg));
    evidence_add(&t->evidence, seg, true, ttl, seg->csum_fixed, t->event_at + delay);
}

void tc_set_tos(struct tc *t, uint8_t tos)
{
    t->tx_tos = tos;
}

void tc_send(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id)
{
    send_with_id(t, seg, ttl, ip_id, 0);
}

void tc_send_after(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id,
                   tc_time delay)
{
    send_with_id(t, seg, ttl, ip_id, delay);
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
        send_with_id(t, &copy, ttl, ip_id, 0);
}

void tc_set_timer(struct tc *t, tc_time at)
{
    /* Any send may have finished the instance under the case's feet (its packet budget
     * spent, a packet that cannot be built): a finished instance has no timer. */
    if (t->done)
        return;
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
    /* Every hop that quoted is one that quotes this target's probes (mbox_detect decoded
     * them all into q[i].hop). */
    for (size_t i = 0; i < t->n_quotes; i++)
        path_add_quoting_hop(&t->learned, t->quotes[i].hop);
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
    if (ig->foreign_quotes > 0 && len < cap) {
        snprintf(r + len, cap - len,
                 "%s(ignored %u ICMP quote%s of segments this test did not "
                 "send)",
                 len ? " " : "", ig->foreign_quotes, ig->foreign_quotes == 1 ? "" : "s");
        len = strlen(r);
    }
    if (ig->full_ttl_quotes > 0 && len < cap)
        snprintf(r + len, cap - len, "%s(ignored %u ICMP quote%s of segments sent with a full TTL)",
                 len ? " " : "", ig->full_ttl_quotes, ig->full_ttl_quotes == 1 ? "" : "s");
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
    /* A held verdict that never came (the test aborted while it waited) drops its custom. */
    t->pending.active = false;
    json_decref(t->pending.custom);
    t->pending.custom = NULL;
    t->result.status = st;
    t->result.stage = stage;
    snprintf(t->result.reason, sizeof(t->result.reason), "%s", reason != NULL ? reason : "");
    if (st != TC_PASS)
        note_ignored(t);
    t->result.custom = custom;
    if (!t->path_done) {
        struct mbox_result res;
        mbox_detect(t->quotes, t->n_quotes, t->ttl_fields, tc_quote_hop_max(t), NULL, NULL, &res);
        compute_path(t, &res);
    }
}

void tc_record_path(struct tc *t, unsigned fields)
{
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, fields, tc_quote_hop_max(t), NULL, NULL, &res);
    compute_path(t, &res);
}

bool tc_check_mboxes(struct tc *t, unsigned fields, quote_diff_fn diff, const void *ctx,
                     const char *info, int stage, tc_time now)
{
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, fields, tc_quote_hop_max(t), diff, ctx, &res);
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

tc_time tc_rtt_estimate(const struct tc *t)
{
    tc_time rtt = rtt_of(t);
    return rtt != 0 ? rtt : t->env.timing->floor;
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

tc_time tc_wait_inflight_for(const struct tc *t, tc_time rtt, tc_time original_wait)
{
    const struct tc_timing *tm = t->env.timing;
    if (tm->original)
        return original_wait;
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

void tc_send_reset(struct tc *t, const struct tcp_seg *rcvd)
{
    if (rcvd->flags & TCP_FLAG_RST)
        return;
    struct tcp_seg rst;
    tc_seg_reset(t, rcvd, &rst);
    tc_send(t, &rst, 0, 0);
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
    case TC_HS_SYNACK:
        return "";
    case TC_HS_RST:
        return "RST in reply to SYN during handshake";
    case TC_HS_NOT_SYNACK:
        return "Non-SYN-ACK in reply to SYN during handshake";
    case TC_HS_WRONG_ACK:
        return "Wrong SEQ acked in reply to SYN during handshake";
    }
    return "";
}
