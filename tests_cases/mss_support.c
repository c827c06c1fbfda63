/* MSSSupportTest: RFC 9293 MUST-14, a TCP must implement both sending and receiving the
 * MSS option (3.7.1): told MSS 515 in the SYN, the target must send no segment larger
 * than 515 bytes of data plus the header. This file also holds the machine LateOptionTest,
 * MultiMSSTest and MissingMSSTest share (see mss_support.h). */
#include "tests_cases/mss_support.h"

#include <stdio.h>
#include <string.h>

#include "testcase/syn_accept.h"

/* Every segment we send offers the largest window without scaling (the original's). */
#define MSS_WINDOW 0xffff
/* A request must fit one segment next to no options on a 1500-byte link (the original's
 * 1460); larger or no request: "ALP data unavailable". */
#define MSS_REQ_MAX 1460
/* MissingMSSTest asks for a request of the largest segment less the IPv6 header's worth
 * (the original's seg_max_len - 40). */
#define MISSING_REQ_SLACK 40
/* RFC 9293 MUST-15: without an MSS option the send MSS is 536 (IPv4) or 1220 (IPv6). */
#define DEFAULT_MSS_V4 536
#define DEFAULT_MSS_V6 1220
/* Reply bytes kept for the ALP (the TLS handshake's first flight fits). */
#define MSS_RX_KEEP 16384
/* The reply is watched at most this long after the request, however slowly it trickles. */
#define MSS_OBSERVE_MAX (60 * TC_SEC)
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)
/* The original returned a failed handshake at once, without looking at quotes. */
#define ORIGINAL_FAILURE_WAIT 0
#define MSS_OPT_LEN 4
#define MSS_HEX_LEN (2 * MSS_OPT_LEN + 1)
#define TCP_WORD 4

#define REASON_TOO_LARGE "Segment too large"
#define REASON_NO_ALP_DATA "ALP data unavailable"

static const struct mss_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

static struct mbox_check mbox_of(const struct tc *t)
{
    const struct mss_params *par = params_of(t);
    return (struct mbox_check){.fields = par->ttl_fields,
                               .diff = par->diff,
                               .ctx = par,
                               .info = par->mbox_info,
                               .stage = MSS_STAGE};
}

/* ---- the quote check ---- */

static void mss_hex(uint16_t mss, char *buf, size_t cap)
{
    struct tcp_opts o;
    tcp_opts_init(&o);
    tcp_opts_add_mss(&o, mss);
    tcp_opt_hex(&o.opt[0], buf, cap);
}

static uint16_t mss_value(const struct tcp_opt *o)
{
    return (uint16_t)((o->bytes[0] << 8) | o->bytes[1]);
}

bool mss_options_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                      char *seen, size_t seen_cap)
{
    const struct mss_params *par = ctx;
    const uint8_t *opt_bytes;
    size_t opts_len;
    if (!quote_option_bytes(q, &opt_bytes, &opts_len))
        return false; /* options not (fully) quoted */
    /* Entries before a malformed one are kept: the original's parser yielded them before
     * it raised, and an MSS option of another length than 4 raised too. */
    struct tcp_opts opts;
    tcp_opts_parse(opt_bytes, opts_len, &opts);
    size_t idx = 0;
    bool match = false;
    for (unsigned i = 0; i < opts.count; i++) {
        const struct tcp_opt *o = &opts.opt[i];
        if (o->type != TCP_OPT_SIZED || o->kind != TCP_OPT_KIND_MSS)
            continue;
        if (o->len != MSS_OPT_LEN)
            break;
        if (match || mss_value(o) != par->syn_mss[idx]) {
            snprintf(exp, exp_cap, "%s", "");
            tcp_opt_hex(o, seen, seen_cap);
            return true;
        }
        if (idx + 1 == par->n_syn_mss)
            match = true;
        else
            idx++;
    }
    if (match)
        return false;
    /* The sent options not (yet) seen, comma-separated. */
    size_t n = 0;
    exp[0] = '\0';
    for (size_t k = idx; k < par->n_syn_mss && n < exp_cap; k++) {
        char hex[MSS_HEX_LEN];
        mss_hex(par->syn_mss[k], hex, sizeof(hex));
        n += (size_t)snprintf(exp + n, exp_cap - n, "%s%s", k > idx ? "," : "", hex);
    }
    snprintf(seen, seen_cap, "%s", "");
    return true;
}

/* ---- the machine ---- */

static size_t default_seg_max_len(const struct tc *t)
{
    return (t->env.dst.family == IP_FAMILY_V6 ? DEFAULT_MSS_V6 : DEFAULT_MSS_V4) + TCP_HDR_MIN;
}

/* The size the MSS limits, as the original measured it: header (options included) and
 * payload. */
static size_t seg_tcp_len(const struct tcp_seg *seg)
{
    return (size_t)seg->data_off * TCP_WORD + seg->payload_len;
}

void mss_cleanup(struct tc *t)
{
    struct mss_state *s = t->state;
    if (s->alp_sess != NULL) {
        s->alp->close(s->alp_sess);
        s->alp_sess = NULL;
    }
    if (s->rx_ready) {
        reasm_free(&s->rx);
        s->rx_ready = false;
    }
}

static void finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    mss_cleanup(t);
    tc_finish(t, st, st == TC_PASS ? -1 : MSS_STAGE, reason, NULL, now);
}

void mss_start(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    const struct mss_params *par = params_of(t);
    s->alp = alp_for_port(t->env.dport);
    if (s->alp == NULL) {
        char reason[sizeof(t->result.reason)];
        snprintf(reason, sizeof(reason), "Missing ALP module for port %u",
                 (unsigned)t->env.dport);
        tc_finish(t, TC_UNK, 0, reason, NULL, now);
        return;
    }
    s->seg_max_len = par->seg_max_len != 0 ? par->seg_max_len : default_seg_max_len(t);
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = MSS_WINDOW;
    for (size_t i = 0; i < par->n_syn_mss; i++)
        tcp_opts_add_mss(&p->syn.opts, par->syn_mss[i]);
    p->fields = par->ttl_fields;
    p->burst = true;
    p->retry_window = MSS_WINDOW;
    s->phase = MSS_HANDSHAKE;
    syn_probe_start(t, p, now);
}

/* A RST at our next sequence number: after the SYN-ACK that is its ACK number, after the
 * request the byte past it (RFC 5961 stacks take a RST only at exactly RCV.NXT). */
static void send_close(struct tc *t)
{
    const struct mss_state *s = t->state;
    struct tcp_seg rst;
    tc_seg_new(t, &rst);
    rst.seq = s->snd_nxt;
    rst.flags = TCP_FLAG_RST;
    tc_send(t, &rst, 0, 0);
}

/* The sequence number up to which the target's direction arrived in order. */
static uint32_t rcv_edge(const struct mss_state *s)
{
    return s->rx.next;
}

static bool fin_in_order(const struct mss_state *s)
{
    return s->rx.fin_seen && seq_lt(s->rx.fin_seq, s->rx.next);
}

static void send_ack(struct tc *t)
{
    struct mss_state *s = t->state;
    struct tcp_seg ack;
    tc_seg_new(t, &ack);
    ack.seq = s->snd_nxt;
    ack.ack = rcv_edge(s);
    ack.flags = TCP_FLAG_ACK;
    ack.window = MSS_WINDOW;
    tc_send(t, &ack, 0, 0);
}

/* In-order reply bytes not yet handed to the ALP (HTTP ignores them, TLS consumes them). */
static void push_new(struct mss_state *s)
{
    if (s->alp_sess == NULL)
        return;
    size_t len;
    const uint8_t *data = reasm_data(&s->rx, &len);
    if (len > s->pushed) {
        s->alp->push(s->alp_sess, data + s->pushed, len - s->pushed);
        s->pushed = len;
    }
}

static void handshake_failed(struct tc *t, const struct syn_probe_failure *f, tc_time now)
{
    struct mss_state *s = t->state;
    const char *suffix = params_of(t)->failure_suffix;
    snprintf(s->failure, sizeof(s->failure), "%s%s", f->reason, suffix != NULL ? suffix : "");
    /* The original's MSS tests turned every failed handshake into a FAIL. */
    s->failure_status = suffix != NULL ? TC_FAIL : f->status;
    s->phase = MSS_FAILING;
    tc_time wait = f->quotes_settled ? 0 : tc_wait_inflight(t, ORIGINAL_FAILURE_WAIT);
    struct mbox_check mc = mbox_of(t);
    if (wait == 0)
        tc_finish_unless_mbox(t, &mc, s->failure_status, MSS_STAGE, s->failure, now);
    else
        tc_set_timer(t, now + wait);
}

/* The SYN-ACK came: complete the handshake, start following the target's direction, and
 * wait for the burst's quotes. */
static void established(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct mss_state *s = t->state;
    s->snd_nxt = synack->ack;
    if (reasm_init(&s->rx, MSS_RX_KEEP) != 0) {
        send_close(t);
        tc_finish(t, TC_ERR, -1, "Out of memory", NULL, now);
        return;
    }
    s->rx_ready = true;
    struct reasm_result r;
    reasm_add(&s->rx, synack->seq, true, false, synack->payload, synack->payload_len, &r);
    /* RFC 9293 MUST-14: the SYN-ACK is held to the MSS as well. */
    s->too_large = seg_tcp_len(synack) > s->seg_max_len;
    send_ack(t);
    s->phase = MSS_QUOTES;
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT));
}

static void arm_reply_wait(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    /* Before the reply began, the server's think time is not bounded by the RTT: give it a
     * retransmission timeout. After, silence for the in-flight wait means it is done. */
    tc_time wait = s->got_data ? tc_wait_inflight(t, ORIGINAL_REPLY_WAIT)
                               : tc_wait_retrans(t, ORIGINAL_REPLY_WAIT);
    tc_time at = now + wait;
    tc_set_timer(t, at < s->observe_until ? at : s->observe_until);
}

/* One request segment at our next sequence number. */
static void send_request_segment(struct tc *t, const uint8_t *req, size_t len, uint16_t late_mss)
{
    struct mss_state *s = t->state;
    struct tcp_seg seg;
    tc_seg_new(t, &seg);
    seg.seq = s->snd_nxt;
    seg.ack = rcv_edge(s);
    seg.flags = TCP_FLAG_ACK; /* no PSH: the original's request segment */
    seg.window = MSS_WINDOW;
    seg.payload = req;
    seg.payload_len = len;
    if (late_mss != 0)
        tcp_opts_add_mss(&seg.opts, late_mss);
    tc_send(t, &seg, 0, 0);
    s->snd_nxt += (uint32_t)len;
}

/* Quotes in, path checked: the request, sized by the ALP, the first segment with the late
 * MSS option if the case has one (MUST-5: an MSS option after the SYN must not be
 * honoured). The original sent only the first length-hinted piece, so a TLS server, left
 * with part of a ClientHello, never answered and the size check watched nothing: the rest
 * of the ALP's first flight follows in segments no larger than the first, so the host has
 * a reply to send within the MSS. */
static void send_request(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    const struct mss_params *par = params_of(t);
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    s->alp_sess = s->alp->open(&peer);
    uint8_t req[MSS_REQ_MAX];
    size_t hint = par->req_hint != 0 ? par->req_hint : s->seg_max_len - MISSING_REQ_SLACK;
    ssize_t n = s->alp_sess != NULL ? s->alp->pull(s->alp_sess, hint, req, sizeof(req)) : -1;
    if (n <= 0 || (size_t)n > sizeof(req)) {
        send_close(t);
        finish(t, TC_UNK, REASON_NO_ALP_DATA, now);
        return;
    }
    send_request_segment(t, req, (size_t)n, par->late_mss);
    size_t piece = (size_t)n;
    for (unsigned i = 1; i < MSS_REQ_SEGS_MAX; i++) {
        n = s->alp->pull(s->alp_sess, piece, req, piece);
        if (n <= 0)
            break; /* the flight is out (or the ALP failed: what went out stands) */
        send_request_segment(t, req, (size_t)n, 0);
    }
    s->phase = MSS_OBSERVE;
    s->observe_until = now + MSS_OBSERVE_MAX;
    push_new(s);
    arm_reply_wait(t, now);
}

static void quotes_in(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    const struct mss_params *par = params_of(t);
    struct mbox_check mc = mbox_of(t);
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, par->ttl_fields, par->diff, par, &res);
    if (res.detected || s->too_large) {
        /* The path's change is reported first: a host told another MSS is not to blame. */
        send_close(t);
        mss_cleanup(t);
        tc_finish_unless_mbox(t, &mc, TC_FAIL, MSS_STAGE, REASON_TOO_LARGE, now);
        return;
    }
    tc_check_path(t, &mc, now); /* records the path */
    if (s->rx.fin_seen || s->peer_reset) {
        /* The target closed before our request: nothing more will come, and nothing it
         * sent was too large (the original went on and saw nothing larger either). */
        if (!s->peer_reset)
            send_close(t);
        finish(t, TC_PASS, NULL, now);
        return;
    }
    send_request(t, now);
}

static void observe(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct mss_state *s = t->state;
    if (seg_tcp_len(seg) > s->seg_max_len) {
        /* MUST-14/MUST-15 (and MUST-5 for a late option honoured): certain at once. */
        send_close(t);
        finish(t, TC_FAIL, REASON_TOO_LARGE, now);
        return;
    }
    if (seg->flags & TCP_FLAG_RST) {
        finish(t, TC_PASS, NULL, now); /* the connection is gone: nothing more will come */
        return;
    }
    struct reasm_result r;
    reasm_add(&s->rx, seg->seq, (seg->flags & TCP_FLAG_SYN) != 0, (seg->flags & TCP_FLAG_FIN) != 0,
              seg->payload, seg->payload_len, &r);
    push_new(s);
    if (fin_in_order(s)) {
        send_close(t);
        finish(t, TC_PASS, NULL, now);
        return;
    }
    /* Acknowledge what carries data or a FIN, retransmissions included (our ACK may have
     * been lost); never a bare ACK or a repeated SYN-ACK, which would start an ACK loop. */
    bool carries = seg->payload_len > 0 || (seg->flags & TCP_FLAG_FIN);
    if (carries && r.kind != REASM_EMPTY && s->acks_sent < MSS_ACK_CAP) {
        s->acks_sent++;
        send_ack(t);
    }
    if (r.new_bytes > 0) {
        s->got_data = true;
        arm_reply_wait(t, now);
    }
}

/* Repeated SYN-ACKs and challenge ACKs answering the burst's other SYNs, while the quotes
 * are awaited; a size over the limit is held against the host once the path is cleared. */
static void before_request(struct tc *t, const struct tcp_seg *seg)
{
    struct mss_state *s = t->state;
    if (seg_tcp_len(seg) > s->seg_max_len)
        s->too_large = true;
    if (seg->flags & TCP_FLAG_RST) {
        s->peer_reset = true;
        return;
    }
    struct reasm_result r;
    reasm_add(&s->rx, seg->seq, (seg->flags & TCP_FLAG_SYN) != 0, (seg->flags & TCP_FLAG_FIN) != 0,
              seg->payload, seg->payload_len, &r);
}

void mss_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct mss_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case MSS_HANDSHAKE:
        if (!syn_probe_active(&s->probe))
            return;
        switch (syn_probe_segment(t, &s->probe, seg, now, &f)) {
        case SP_FAILED: handshake_failed(t, &f, now); break;
        case SP_ESTABLISHED: established(t, seg, now); break;
        case SP_PENDING: break;
        }
        break;
    case MSS_FAILING:
        break;
    case MSS_QUOTES:
        before_request(t, seg);
        break;
    case MSS_OBSERVE:
        observe(t, seg, now);
        break;
    }
}

void mss_on_timer(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    struct syn_probe_failure f;
    struct mbox_check mc;
    switch (s->phase) {
    case MSS_HANDSHAKE:
        if (syn_probe_timer(t, &s->probe, now, &f) == SP_FAILED)
            handshake_failed(t, &f, now);
        break;
    case MSS_FAILING:
        mc = mbox_of(t);
        tc_finish_unless_mbox(t, &mc, s->failure_status, MSS_STAGE, s->failure, now);
        break;
    case MSS_QUOTES:
        quotes_in(t, now);
        break;
    case MSS_OBSERVE:
        /* Silence (or the observation's end): every segment was within the MSS. */
        send_close(t);
        finish(t, TC_PASS, NULL, now);
        break;
    }
}

static const uint16_t mss_support_syn_mss[] = {MSS_TESTED};

static const struct mss_params mss_support_params = {
    .syn_mss = mss_support_syn_mss,
    .n_syn_mss = sizeof(mss_support_syn_mss) / sizeof(mss_support_syn_mss[0]),
    .ttl_fields = MSS_TTL_FIELDS,
    .failure_suffix = " with MSS option",
    .diff = mss_options_diff,
    .mbox_info = "MSS modified or deleted",
    .seg_max_len = MSS_SEG_MAX_LEN,
    .req_hint = MSS_REQ_HINT,
};

const struct test_case mss_support_test = {
    .name = "MSSSupportTest",
    .rfc_req = "MUST-14",
    .rfc_text = "Implement sending and receiving the MSS option",
    .default_on = true,
    .needs_alp = true,
    .packet_budget = MSS_PACKET_BUDGET,
    .deadline = MSS_DEADLINE,
    .state_size = sizeof(struct mss_state),
    .params = &mss_support_params,
    .start = mss_start,
    .on_segment = mss_on_segment,
    .on_timer = mss_on_timer,
    .cleanup = mss_cleanup,
};
