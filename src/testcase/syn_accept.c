#include "testcase/syn_accept.h"

#include <stdio.h>

#include "tracebox/ttl_code.h"

#define SYN_ACCEPT_STAGE 1
#define RETRY_SYN_WINDOW 4096
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)
/* The original returned a failed handshake at once, without checking the quotes: in
 * original mode the check runs on the quotes already there. */
#define ORIGINAL_FAILURE_WAIT 0
/* Offset of the data offset nibble in a TCP header (RFC 9293 3.1). */
#define TCP_OFF_DATA_OFF 12
#define DATA_OFF_SHIFT 4
#define DATA_OFF_WORD 4
#define HEX_BYTE_CHARS 2


static const struct syn_accept_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

bool quote_option_bytes(const struct icmp_quote *q, const uint8_t **opts, size_t *len)
{
    if (q->quote_len < TCP_HDR_MIN)
        return false;
    size_t head_len = (size_t)(q->quote[TCP_OFF_DATA_OFF] >> DATA_OFF_SHIFT) * DATA_OFF_WORD;
    if (head_len > q->quote_len)
        return false;
    *opts = q->quote + TCP_HDR_MIN;
    *len = head_len > TCP_HDR_MIN ? head_len - TCP_HDR_MIN : 0;
    return true;
}

void hex_bytes(const uint8_t *bytes, size_t len, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < len && n + HEX_BYTE_CHARS < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%02x", bytes[i]);
}

void syn_accept_start(struct tc *t, tc_time now)
{
    struct syn_accept_state *s = t->state;
    const struct syn_accept_params *par = params_of(t);
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    par->add_options(&p->syn.opts);
    p->fields = par->mbox.fields;
    p->burst = true;
    p->retry_window = RETRY_SYN_WINDOW;
    s->phase = SA_HANDSHAKE;
    syn_probe_start(t, p, now);
}

static void finish_failure(struct tc *t, tc_time now)
{
    struct syn_accept_state *s = t->state;
    tc_finish_unless_mbox(t, &params_of(t)->mbox, TC_FAIL, SYN_ACCEPT_STAGE, s->failure, now);
}

/* The handshake failed. Before blaming the host, look at the quotes: when one shows the
 * options changed, the path is to blame (UNK), not the host. Quotes of the burst may still
 * be in flight unless it went out long ago: wait for them first. */
static void handshake_failed(struct tc *t, const struct syn_probe_failure *f, tc_time now)
{
    struct syn_accept_state *s = t->state;
    snprintf(s->failure, sizeof(s->failure), "%s%s", f->reason, params_of(t)->failure_suffix);
    s->phase = SA_FAILING;
    tc_time wait = f->quotes_settled ? 0 : tc_wait_inflight(t, ORIGINAL_FAILURE_WAIT);
    if (wait == 0)
        finish_failure(t, now);
    else
        tc_set_timer(t, now + wait);
}

static void handle(struct tc *t, enum syn_probe_outcome o, const struct tcp_seg *synack,
                   const struct syn_probe_failure *f, tc_time now)
{
    struct syn_accept_state *s = t->state;
    if (o == SP_FAILED) {
        handshake_failed(t, f, now);
    } else if (o == SP_ESTABLISHED) {
        /* The SYN was accepted: tear the connection down at once. */
        struct tcp_seg rst;
        tc_seg_reset(t, synack, &rst);
        tc_send(t, &rst, 0, 0);
        s->phase = SA_QUOTES;
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT));
    }
}

void syn_accept_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct syn_accept_state *s = t->state;
    if (!syn_probe_active(&s->probe))
        return; /* duplicate SYN-ACKs answering the rest of the burst */
    struct syn_probe_failure f;
    handle(t, syn_probe_segment(t, &s->probe, seg, now, &f), seg, &f, now);
}

void syn_accept_on_timer(struct tc *t, tc_time now)
{
    struct syn_accept_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case SA_HANDSHAKE:
        handle(t, syn_probe_timer(t, &s->probe, now, &f), NULL, &f, now);
        break;
    case SA_QUOTES:
        tc_finish_unless_mbox(t, &params_of(t)->mbox, TC_PASS, -1, NULL, now);
        break;
    case SA_FAILING:
        finish_failure(t, now);
        break;
    }
}
