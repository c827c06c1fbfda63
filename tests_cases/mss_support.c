/* MSSSupportTest: RFC 9293 MUST-14, a TCP must implement both sending and receiving the
 * MSS option (3.7.1): told MSS 515 in the SYN, the target must send no segment larger
 * than 515 bytes of data plus the header. This file also holds the machine LateOptionTest,
 * MultiMSSTest and MissingMSSTest share (see mss_support.h). */
#include "tests_cases/mss_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/mss_rule.h"
#include "testcase/syn_accept.h"

/* Every segment we send offers the largest window without scaling (the original's). */
#define MSS_WINDOW 0xffff
/* A request must fit one segment next to no options on a 1500-byte link (the original's
 * 1460); larger or no request: "ALP data unavailable". */
#define MSS_REQ_MAX 1460
/* MissingMSSTest asks for a request of the largest segment less the IPv6 header's worth
 * (the original's seg_max_len - 40, its seg_max_len being the MSS plus 20). */
#define MISSING_REQ_SLACK (40 - TCP_HDR_MIN)
/* Reply bytes kept for the ALP (the TLS handshake's first flight fits). */
#define MSS_RX_KEEP 16384
/* The reply is watched at most this long after the request, however slowly it trickles. */
#define MSS_OBSERVE_MAX (60 * TC_SEC)
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)
#define MSS_OPT_LEN 4
#define MSS_HEX_LEN (2 * MSS_OPT_LEN + 1)
#define TCP_WORD 4

#define REASON_TOO_LARGE "Segment too large"
#define REASON_NO_ALP_DATA "ALP data unavailable"
#define REASON_NO_DATA "No data from the target: the MSS was not exercised"
#define REASON_MISALIGNED_ONLY                                                                     \
    "Segment too large with the MSS option misaligned, not with it aligned"
#define REASON_ALIGNED_TOO "Segment too large with the MSS option aligned as well"
#define REASON_CONTROL_UNKNOWN "Segment too large with the MSS option misaligned; aligned: %s"

static const struct mss_params *params_of(const struct tc *t)
{
    return t->kind->params;
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
    const struct mss_params *par = params_of(ctx);
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_options)
        return false; /* options not (fully) quoted */
    const uint8_t *opt_bytes = v.options;
    size_t opts_len = v.options_len;
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

/* Whether seg exceeds the limit (src/tcp/mss_rule.h: options + data against the MSS). */
static bool too_large(const struct mss_state *s, const struct tcp_seg *seg)
{
    return mss_exceeded((size_t)seg->data_off * TCP_WORD, seg->payload_len, s->mss);
}

void mss_cleanup(struct tc *t)
{
    struct mss_state *s = t->state;
    free(s->req);
    s->req = NULL;
    s->req_len = 0;
    if (s->alp_sess != NULL) {
        s->alp->close(s->alp_sess);
        s->alp_sess = NULL;
    }
    tc_conn_free(&s->conn);
}

/* The verdict, the path first (tc_conclude: the probe's quotes are in by now). In the
 * aligned control's run, the first run found a segment too large; what the control finds
 * says whether the misalignment was to blame: it was if the aligned options are honoured,
 * and nothing else tells. */
static void finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    const struct mss_state *s = t->state;
    mss_cleanup(t);
    if (!s->control_run) {
        tc_conclude(t, st, st == TC_PASS ? -1 : MSS_STAGE, reason, false, now);
    } else if (st == TC_PASS) {
        tc_conclude(t, TC_FAIL, MSS_STAGE, REASON_MISALIGNED_ONLY, false, now);
    } else {
        char why[sizeof(t->result.reason)];
        snprintf(why, sizeof(why), REASON_CONTROL_UNKNOWN, reason != NULL ? reason : "unknown");
        tc_conclude(t, TC_UNK, MSS_STAGE_CONTROL, why, false, now);
    }
}

/* The observation is over (FIN, RST, silence): within the limit, if it was exercised. */
static void finish_observed(struct tc *t, tc_time now)
{
    const struct mss_state *s = t->state;
    if (s->got_data)
        finish(t, TC_PASS, NULL, now);
    else
        finish(t, TC_UNK, REASON_NO_DATA, now);
}

void mss_syn_options(const struct mss_params *par, struct tcp_opts *opts)
{
    for (unsigned i = 0; i < par->syn_nops_before; i++)
        tcp_opts_add_nop(opts);
    for (size_t i = 0; i < par->n_syn_mss; i++)
        tcp_opts_add_mss(opts, par->syn_mss[i]);
}

/* A new SYN with a random ISS and the case's options, the connection reset to it. */
static void new_syn(struct tc *t, const struct tcp_opts *opts)
{
    struct mss_state *s = t->state;
    struct syn_probe *p = &s->probe;
    memset(p, 0, sizeof(*p));
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = MSS_WINDOW;
    p->syn.opts = *opts;
    tc_conn_init(&s->conn, p->syn.seq, MSS_WINDOW);
    s->phase = MSS_HANDSHAKE;
}

void mss_start(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    const struct mss_params *par = params_of(t);
    s->alp = alp_for_port(t->env.dport);
    if (s->alp == NULL) {
        char reason[sizeof(t->result.reason)];
        snprintf(reason, sizeof(reason), "Missing ALP module for port %u", (unsigned)t->env.dport);
        tc_finish(t, TC_UNK, 0, reason, NULL, now);
        return;
    }
    struct tcp_opts opts;
    tcp_opts_init(&opts);
    mss_syn_options(par, &opts);
    new_syn(t, &opts);
    struct syn_probe *p = &s->probe;
    /* The limit is what the SYN under test announces (its last MSS, else the default). */
    s->mss = mss_announced(&p->syn.opts, t->env.dst.family, NULL);
    p->fields = t->kind->mbox.fields;
    p->burst = true;
    p->retry_window = MSS_WINDOW;
    /* With MSS options under test, a SYN without them is the control. */
    p->control = par->n_syn_mss > 0;
    syn_probe_start(t, p, now);
}

/* The aligned control: the same MSS options without the NOPs before them, in one plain SYN
 * on a fresh connection (the first one closed TC_ORDER_GAP before). */
static void start_aligned_control(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    const struct mss_params *par = params_of(t);
    struct tcp_opts opts;
    tcp_opts_init(&opts);
    for (size_t i = 0; i < par->n_syn_mss; i++)
        tcp_opts_add_mss(&opts, par->syn_mss[i]);
    new_syn(t, &opts);
    s->too_large = s->peer_closed = s->got_data = false;
    s->req_resent = s->app_waited = false;
    s->pushed = 0;
    s->acks_sent = 0;
    syn_probe_start(t, &s->probe, now);
}

/* A segment over the limit: FAIL, unless the case asks the aligned control first (the path
 * cleared: a changed option is the path's UNK, which tc_conclude gives). */
static void too_large_found(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    tc_conn_send_close(t, &s->conn);
    if (!params_of(t)->aligned_control || tc_path_changed(t)) {
        finish(t, TC_FAIL, REASON_TOO_LARGE, now);
    } else if (s->control_run) {
        mss_cleanup(t);
        tc_conclude(t, TC_UNK, MSS_STAGE_CONTROL, REASON_ALIGNED_TOO, false, now);
    } else {
        mss_cleanup(t);
        s->control_run = true;
        s->phase = MSS_CONTROL_WAIT;
        tc_set_timer(t, now + TC_ORDER_GAP); /* its SYN must not overtake the close */
    }
}

static void handshake_failed(struct tc *t, const struct syn_probe_failure *f, tc_time now)
{
    const struct mss_state *s = t->state;
    char reason[sizeof(t->result.reason)];
    if (s->control_run) {
        syn_probe_failure_reason(f, NULL, reason, sizeof(reason));
        finish(t, TC_UNK, reason, now);
        return;
    }
    syn_probe_failure_reason(f, params_of(t)->failure_suffix, reason, sizeof(reason));
    tc_conclude(t, f->status, MSS_STAGE, reason, f->by_silence, now);
}

/* Acknowledge what the target sent in order. */
static void send_ack(struct tc *t)
{
    struct mss_state *s = t->state;
    tc_conn_send_ack(t, &s->conn);
}

/* In-order reply bytes not yet handed to the ALP (HTTP ignores them, TLS consumes them). */
static void push_new(struct mss_state *s)
{
    if (s->alp_sess == NULL)
        return;
    size_t len;
    const uint8_t *data = tc_conn_rx_data(&s->conn, &len);
    if (len > s->pushed) {
        s->alp->push(s->alp_sess, data + s->pushed, len - s->pushed);
        s->pushed = len;
    }
}

static void quotes_in(struct tc *t, tc_time now);

/* The SYN-ACK came: complete the handshake, start following the target's direction, and
 * wait for the probe's quotes. */
static void established(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct mss_state *s = t->state;
    if (tc_conn_established(&s->conn, synack, MSS_RX_KEEP) != 0) {
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_ERR, -1, TC_REASON_NO_MEMORY, NULL, now);
        return;
    }
    /* RFC 9293 MUST-14: the SYN-ACK is held to the MSS as well. */
    s->too_large = too_large(s, synack);
    send_ack(t);
    s->phase = MSS_QUOTES;
    if (tc_probe_quotes_in(t, now))
        quotes_in(t, now);
    else
        tc_set_timer(t, tc_probe_quotes_at(t));
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

/* One request segment at seq (SND.NXT, or behind it for the resend), the first with the late
 * MSS option if the case has one. */
static void send_request_segment(struct tc *t, uint32_t seq, const uint8_t *req, size_t len,
                                 uint16_t late_mss)
{
    struct mss_state *s = t->state;
    struct tcp_seg seg;
    tc_conn_seg(t, &s->conn, TCP_FLAG_ACK, &seg); /* no PSH: the original's request segment */
    seg.seq = seq;
    seg.payload = req;
    seg.payload_len = len;
    if (late_mss != 0)
        tcp_opts_add_mss(&seg.opts, late_mss);
    tc_send(t, &seg, 0, 0);
}

/* Keep a piece of the request for its resend; false when out of memory. */
static bool keep_request(struct mss_state *s, const uint8_t *piece, size_t len)
{
    uint8_t *grown = realloc(s->req, s->req_len + len);
    if (grown == NULL)
        return false;
    memcpy(grown + s->req_len, piece, len);
    s->req = grown;
    s->req_len += len;
    return true;
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
    size_t hint = par->req_hint != 0 ? par->req_hint : (size_t)s->mss - MISSING_REQ_SLACK;
    ssize_t n = s->alp_sess != NULL ? s->alp->pull(s->alp_sess, hint, req, sizeof(req)) : -1;
    if (n <= 0 || (size_t)n > sizeof(req)) {
        tc_conn_send_close(t, &s->conn);
        finish(t, TC_UNK, REASON_NO_ALP_DATA, now);
        return;
    }
    s->req_seq = s->conn.snd_nxt;
    s->req_piece = (size_t)n;
    for (unsigned i = 0; i < MSS_REQ_SEGS_MAX && n > 0; i++) {
        if (!keep_request(s, req, (size_t)n)) {
            tc_conn_send_close(t, &s->conn);
            mss_cleanup(t);
            tc_finish(t, TC_ERR, -1, TC_REASON_NO_MEMORY, NULL, now);
            return;
        }
        send_request_segment(t, s->conn.snd_nxt, req, (size_t)n, i == 0 ? par->late_mss : 0);
        tc_conn_sent(&s->conn, (uint32_t)n);
        /* the flight is out at 0 (or the ALP failed at < 0: what went out stands) */
        n = s->alp->pull(s->alp_sess, s->req_piece, req, s->req_piece);
    }
    s->phase = MSS_OBSERVE;
    s->observe_until = now + MSS_OBSERVE_MAX;
    push_new(s);
    arm_reply_wait(t, now);
}

/* The request again from the first octet the host has not acknowledged, in the pieces it
 * went out in (a retransmission: the same octets at the same sequence numbers, the late
 * MSS option again on the first piece). */
static void resend_request(struct tc *t)
{
    struct mss_state *s = t->state;
    size_t from = (size_t)(s->conn.snd_una - s->req_seq);
    for (size_t off = 0; off < s->req_len; off += s->req_piece) {
        size_t len = s->req_len - off < s->req_piece ? s->req_len - off : s->req_piece;
        if (off + len <= from)
            continue; /* acknowledged */
        send_request_segment(t, s->req_seq + (uint32_t)off, s->req + off, len,
                             off == 0 ? params_of(t)->late_mss : 0);
    }
}

/* Silence before any data. A conforming host has either not got the whole request (our
 * segment or its ACK lost: send it again, once) or got it and its application is slow
 * (wait once more). Only then is the MSS not exercised. */
static bool wait_for_first_data(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    if (s->got_data || s->peer_closed || now >= s->observe_until)
        return false;
    bool unacknowledged =
        seq_lt(s->conn.snd_una, s->conn.snd_nxt) && seq_leq(s->req_seq, s->conn.snd_una);
    if (unacknowledged && !s->req_resent) {
        s->req_resent = true;
        resend_request(t);
    } else if (!unacknowledged && !s->app_waited) {
        s->app_waited = true;
    } else {
        return false;
    }
    arm_reply_wait(t, now);
    return true;
}

/* The path decides first: a host told another MSS than ours is not to blame. */
static void quotes_in(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    if (s->too_large) {
        too_large_found(t, now);
        return;
    }
    if (tc_path_changed(t)) {
        /* Close before the verdict (a finished test sends nothing more); the middlebox
         * check then decides it. */
        tc_conn_send_close(t, &s->conn);
        finish(t, TC_UNK, NULL, now);
        return;
    }
    if (s->peer_closed) {
        /* The target closed before our request: nothing more will come. Its FIN gets our
         * close; after its RST there is nothing left to close (a RST would only be
         * discarded, RFC 9293 3.10.7.1), and a RST is never answered. */
        if (!s->conn.peer_rst)
            tc_conn_send_close(t, &s->conn);
        finish_observed(t, now);
        return;
    }
    send_request(t, now);
}

/* A segment from the target while its reply is watched (or before our request). */
static void take(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct mss_state *s = t->state;
    bool observing = s->phase == MSS_OBSERVE;
    if (too_large(s, seg)) {
        if (!observing) {
            s->too_large = true; /* held against the host once the path is cleared */
            return;
        }
        /* MUST-14/MUST-15 (and MUST-5 for a late option honoured): certain at once. */
        too_large_found(t, now);
        return;
    }
    struct conn_rx rx;
    tc_conn_receive(&s->conn, seg, &rx);
    if (rx.reasm.new_bytes > 0)
        s->got_data = true;
    if (rx.kind == CONN_RX_RST) {
        s->peer_closed = true;
        if (observing)
            finish_observed(t, now); /* the connection is gone: nothing more will come */
        return;
    }
    if (rx.kind != CONN_RX_DATA && rx.kind != CONN_RX_RETRANS)
        return; /* ACKs, repeated SYN-ACKs */
    push_new(s);
    if (rx.fin) {
        s->peer_closed = true;
        if (observing) {
            tc_conn_send_close(t, &s->conn);
            finish_observed(t, now);
        }
        return;
    }
    /* Acknowledge what carries data or a FIN, retransmissions included (our ACK may have
     * been lost); never a bare ACK or a repeated SYN-ACK, which would start an ACK loop. */
    if (s->acks_sent < MSS_ACK_CAP) {
        s->acks_sent++;
        send_ack(t);
    }
    if (observing && rx.reasm.new_bytes > 0)
        arm_reply_wait(t, now);
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
        case SP_FAILED:
            handshake_failed(t, &f, now);
            break;
        case SP_ESTABLISHED:
            established(t, seg, now);
            break;
        case SP_PENDING:
            break;
        }
        break;
    case MSS_QUOTES:
    case MSS_OBSERVE:
        take(t, seg, now);
        break;
    case MSS_CONTROL_WAIT:
        break; /* the closed first connection's last segments */
    }
}

void mss_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    struct mss_state *s = t->state;
    (void)q;
    if (s->phase == MSS_QUOTES && tc_probe_quotes_in(t, now))
        quotes_in(t, now);
}

void mss_on_timer(struct tc *t, tc_time now)
{
    struct mss_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case MSS_HANDSHAKE:
        if (syn_probe_timer(t, &s->probe, now, &f) == SP_FAILED)
            handshake_failed(t, &f, now);
        break;
    case MSS_QUOTES:
        quotes_in(t, now);
        break;
    case MSS_OBSERVE:
        if (wait_for_first_data(t, now))
            break;
        /* Silence (or the observation's end): every segment was within the MSS. */
        tc_conn_send_close(t, &s->conn);
        finish_observed(t, now);
        break;
    case MSS_CONTROL_WAIT:
        start_aligned_control(t, now);
        break;
    }
}

static const uint16_t mss_support_syn_mss[] = {MSS_TESTED};

static const struct mss_params mss_support_params = {
    .syn_mss = mss_support_syn_mss,
    .n_syn_mss = sizeof(mss_support_syn_mss) / sizeof(mss_support_syn_mss[0]),
    .failure_suffix = " with MSS option",
    .req_hint = MSS_REQ_HINT,
};

const struct test_case mss_support_test = {
    .name = "MSSSupportTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-14",
            .text = "Implement sending and receiving the MSS option"},
    .checks = "MSS 515 announced: no segment from the host carries more than 515 bytes of options "
              "and data",
    .default_on = true,
    .needs_alp = true,
    .packet_budget = MSS_PACKET_BUDGET,
    .deadline = MSS_DEADLINE,
    .state_size = sizeof(struct mss_state),
    .mbox = MSS_OPTIONS_MBOX,
    .params = &mss_support_params,
    .start = mss_start,
    .on_segment = mss_on_segment,
    .on_quote = mss_on_quote,
    .on_timer = mss_on_timer,
    .cleanup = mss_cleanup,
};
