/* The exchange whose host segments a case judges (see exchange.h). */
#include "testcase/exchange.h"

#include "tcp/mss_rule.h"

/* The window we offer: the largest without scaling, so the reply is never held back. */
#define EX_WINDOW 0xffff
/* The reply is watched at most this long after the request, however slowly it trickles. */
#define EX_OBSERVE_MAX (30 * TC_SEC)
/* --timing original: the original's reply wait. */
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)

static const struct exchange_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

const struct tcp_seg *exchange_synack(const struct tc *t)
{
    const struct exchange_state *s = t->state;
    return s->conn.established ? &s->conn.synack : NULL;
}

void exchange_cleanup(struct tc *t)
{
    struct exchange_state *s = t->state;
    tc_conn_free(&s->conn);
}

static json_t *custom_of(const struct tc *t)
{
    const struct exchange_state *s = t->state;
    const struct tcp_seg *synack = exchange_synack(t);
    uint16_t mss;
    json_t *synack_mss =
        synack != NULL && tcp_opts_get_mss(&synack->opts, &mss) ? json_integer(mss) : json_null();
    return json_pack("{s:I,s:I,s:o}", "segments", (json_int_t)s->segments, "judged",
                     (json_int_t)s->judged, "synack_mss", synack_mss);
}

/* The end, with what was seen in custom, evidence (owned, may be NULL) joining it; the
 * connection closed first unless the host reset it (a RST is never answered, and there is
 * nothing left to close). */
static void end_with(struct tc *t, enum tc_status st, int stage, const char *reason,
                     json_t *evidence, tc_time now)
{
    struct exchange_state *s = t->state;
    if (s->conn.established && !s->conn.peer_rst)
        tc_conn_send_close(t, &s->conn);
    json_t *custom = custom_of(t);
    if (evidence != NULL)
        json_object_update_missing(custom, evidence);
    json_decref(evidence);
    exchange_cleanup(t);
    tc_finish(t, st, stage, reason, custom, now);
}

static void end(struct tc *t, enum tc_status st, int stage, const char *reason, tc_time now)
{
    end_with(t, st, stage, reason, NULL, now);
}

static void finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    end(t, st, st == TC_PASS ? -1 : EXCHANGE_STAGE, reason, now);
}

/* The opening failed: its own verdict (syn_probe.h). */
static void open_failed(struct tc *t, const struct syn_probe_failure *f, tc_time now)
{
    char reason[sizeof(t->result.reason)];
    syn_probe_failure_reason(f, NULL, reason, sizeof(reason));
    end(t, f->status, EXCHANGE_STAGE, reason, now);
}

/* The exchange is over (FIN, RST, silence): PASS if the rule was exercised. */
static void finish_observed(struct tc *t, tc_time now)
{
    const struct exchange_state *s = t->state;
    if (s->judged > 0)
        finish(t, TC_PASS, NULL, now);
    else
        finish(t, TC_UNK, params_of(t)->not_exercised, now);
}

static void prepare_syn(const struct tc *t, struct tcp_seg *syn)
{
    const struct exchange_params *par = params_of(t);
    if (par->syn_options != NULL)
        par->syn_options(t, &syn->opts);
}

void exchange_start(struct tc *t, tc_time now)
{
    struct exchange_state *s = t->state;
    const struct tc_open_spec spec = {
        .window = EX_WINDOW, .stage = EXCHANGE_STAGE, .prepare_syn = prepare_syn};
    s->phase = EX_OPENING;
    tc_conn_open(t, &s->conn, &spec, now);
}

static void arm_reply_wait(struct tc *t, tc_time now)
{
    struct exchange_state *s = t->state;
    /* Before the reply began, the server's think time is not bounded by the RTT: give it a
     * retransmission timeout. After, silence for the in-flight wait means it is done. */
    tc_time wait = s->got_data ? tc_wait_inflight(t, ORIGINAL_REPLY_WAIT)
                               : tc_wait_retrans(t, ORIGINAL_REPLY_WAIT);
    tc_time at = now + wait;
    tc_set_timer(t, at < s->observe_until ? at : s->observe_until);
}

/* The request in segments no larger than the host's MSS (its SYN-ACK's, else the default:
 * RFC 9293 MUST-15 binds us too), PSH on the last. */
static void send_request(struct tc *t, tc_time now)
{
    struct exchange_state *s = t->state;
    const struct exchange_params *par = params_of(t);
    char why[sizeof(t->result.reason)] = "";
    s->req_len = par->request(t, par->request_hint, s->req, sizeof(s->req), why, sizeof(why));
    if (s->req_len == 0) {
        end(t, TC_UNK, EXCHANGE_STAGE_NO_REQUEST, why, now);
        return;
    }
    size_t seg_max = mss_announced(&s->conn.synack.opts, t->env.dst.family, NULL);
    size_t off = 0;
    for (unsigned i = 0; i < EXCHANGE_REQUEST_SEGS_MAX && off < s->req_len; i++) {
        size_t n = s->req_len - off < seg_max ? s->req_len - off : seg_max;
        bool last = off + n == s->req_len || i + 1 == EXCHANGE_REQUEST_SEGS_MAX;
        tc_conn_send_data(t, &s->conn, s->req + off, n, last ? TCP_FLAG_PSH : 0);
        off += n;
    }
    s->phase = EX_OBSERVING;
    s->observe_until = now + EX_OBSERVE_MAX;
    arm_reply_wait(t, now);
}

/* The judge's word on seg; true if it ended the test. */
static bool judged(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct exchange_state *s = t->state;
    const char *why = NULL;
    json_t *evidence = NULL;
    enum ex_judgement j = params_of(t)->judge(t, seg, &why, &evidence);
    if (j != EX_VIOLATES)
        json_decref(evidence); /* evidence goes with a FAIL only */
    switch (j) {
    case EX_NOT_JUDGED:
        return false;
    case EX_CONFORMS:
        s->judged++;
        return false;
    case EX_VIOLATES:
        s->judged++;
        end_with(t, TC_FAIL, EXCHANGE_STAGE, why, evidence, now);
        return true;
    case EX_SETTLED:
        s->judged++;
        finish(t, TC_PASS, NULL, now);
        return true;
    }
    return false;
}

static void opening_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct exchange_state *s = t->state;
    struct syn_probe_failure f;
    enum tc_conn_open_outcome o = tc_conn_open_event(t, &s->conn, seg, now, &f);
    /* Judged after the opening took it: a SYN-ACK that breaks the rule is then closed with
     * the connection it opened (the opening resets a wrong reply itself), and what the host
     * sent outweighs a failed opening. */
    if (judged(t, seg, now))
        return;
    switch (o) {
    case CONN_OPEN_DONE:
        send_request(t, now);
        break;
    case CONN_OPEN_FAILED:
        open_failed(t, &f, now);
        break;
    case CONN_OPEN_PENDING:
        break;
    }
}

static void observing_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct exchange_state *s = t->state;
    struct conn_rx rx;
    tc_conn_receive(&s->conn, seg, &rx);
    if (judged(t, seg, now))
        return;
    if (rx.kind == CONN_RX_RST) {
        finish_observed(t, now); /* the connection is gone: nothing more will come */
        return;
    }
    if (rx.kind != CONN_RX_DATA && rx.kind != CONN_RX_RETRANS)
        return; /* ACKs, repeated SYN-ACKs */
    if (rx.reasm.new_bytes > 0)
        s->got_data = true;
    if (rx.fin) {
        finish_observed(t, now); /* all of the reply is in */
        return;
    }
    /* Acknowledge what carries data, retransmissions included (our ACK may have been lost);
     * never a bare ACK or a repeated SYN-ACK, which would start an ACK loop. */
    if (s->acks_sent < EXCHANGE_ACK_CAP) {
        s->acks_sent++;
        tc_conn_send_ack(t, &s->conn);
    }
    if (rx.reasm.new_bytes > 0)
        arm_reply_wait(t, now);
}

void exchange_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct exchange_state *s = t->state;
    s->segments++;
    switch (s->phase) {
    case EX_OPENING:
        opening_segment(t, seg, now);
        break;
    case EX_OBSERVING:
        observing_segment(t, seg, now);
        break;
    }
}

void exchange_on_timer(struct tc *t, tc_time now)
{
    struct exchange_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case EX_OPENING:
        if (tc_conn_open_event(t, &s->conn, NULL, now, &f) == CONN_OPEN_FAILED)
            open_failed(t, &f, now);
        break;
    case EX_OBSERVING:
        finish_observed(t, now); /* silence: the reply is over */
        break;
    }
}
