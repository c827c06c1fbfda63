/* ReservedFlagsTest: RFC 9293 3.1 (Rsrvd): the reserved bits of the header must be zero
 * in generated segments and ignored in received ones (no MUST-n id: the requirement is in
 * the header description). A SYN and the handshake-completing ACK carry the third reserved bit
 * (0b0100 of the nibble; the lowest bit is left alone because RFC 3540/AccECN give it a
 * meaning): the SYN must open a connection, the ACK must be accepted like any other, and
 * nothing the host sends may carry a reserved bit.
 *
 * As the original tcpreq: the SYN goes out as a traced burst (TTL in every field) with a
 * plain retry; the ACK is repeated up to twice when the host shows it ignored it by
 * retransmitting its SYN-ACK, the repeats carrying an application request when an ALP
 * serves the port (Linux's TCP_DEFER_ACCEPT ignores empty ACKs by design).
 *
 * Event-driven: the replies to the ACK are handled as they come, while the burst's quotes
 * are still awaited; a verdict is held until the quotes are in, because a path that
 * changed the reserved bits decides the result first (UNK, never the host's fault). */
#include <stdio.h>
#include <string.h>

#include "alp/alp.h"
#include "testcase/syn_probe.h"
#include "tracebox/ttl_code.h"

#define RF_STAGE 1
/* The bit we set, and the bits a reply must have clear. The lowest reserved bit (RFC 3540
 * ECN nonce, AccECN's AE) is someone else's business in both directions. */
#define RSRVD_PROBE 0x4
#define RSRVD_CHECKED 0xe
#define RSRVD_BITS 4
#define RETRY_SYN_WINDOW 4096
#define ACK_WINDOW 1024
/* The ACK is sent at most 1 + ACK_REPEATS times (the original's three rounds). */
#define ACK_REPEATS 2
/* Request size asked of the ALP, and the most that fits one segment next to no options
 * (the original's 500 and 1460). */
#define REQ_LENGTH_HINT 500
#define REQ_MAX 1460
#define REQ_PULL_CAP 2048
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)
/* The original returned a failed handshake at once, without looking at quotes. */
#define ORIGINAL_FAILURE_WAIT 0

#define SUFFIX " with reserved flag"
#define REASON_SYNACK_RSRVD                                                                        \
    "Reserved flags not zeroed in reply to SYN during handshake with reserved flag"
#define REASON_REPLY_RSRVD "Reserved flags not zeroed in reply to ACK with reserved flag"
#define REASON_RST "RST in reply to ACK with reserved flag"
#define REASON_IGNORED "ACK with reserved flag ignored"
#define REASON_EMPTY_IGNORED "Empty ACK with reserved flag ignored"

enum rf_phase {
    RF_HANDSHAKE, /* the burst or its retry */
    RF_FAILING,   /* the handshake failed: quotes may still blame the path */
    RF_REPLIES,   /* our ACK is out: how does the host react? */
    RF_HOLD,      /* verdict known, the burst's quotes not all in yet */
};

struct rf_state {
    enum rf_phase phase;
    struct syn_probe probe;
    bool burst_timed_out;    /* the retry followed a full SYN wait: the quotes are in */
    struct tcp_seg synack;   /* payload pointer cleared */
    tc_time quotes_at;       /* the burst's quotes are in by then */
    bool path_checked;       /* the quotes were checked and showed no change */
    tc_time silence_at;      /* no reaction to the latest ACK by then: it was accepted */
    tc_time dup_until;       /* SYN-ACKs and ACKs until then cannot answer the latest ACK */
    unsigned round;          /* ACKs repeated so far */
    enum tc_status v_status; /* the held verdict */
    const char *v_reason;    /* NULL for PASS */
    char failure[sizeof(((struct tc_result *)0)->reason)];
    size_t req_len; /* ALP request riding on repeated ACKs, 0 = none */
    uint8_t req[REQ_MAX];
};

/* The original's _quote_diff: the checked reserved bits must arrive as sent. A quote
 * shorter than 13 bytes does not show them. */
#define QUOTE_RSRVD_MIN 13
#define TCP_OFF_RSRVD 12
static bool rsrvd_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                       char *seen, size_t seen_cap)
{
    (void)ctx;
    if (q->quote_len < QUOTE_RSRVD_MIN)
        return false;
    unsigned rsrvd = q->quote[TCP_OFF_RSRVD] & RSRVD_CHECKED;
    if (rsrvd == RSRVD_PROBE)
        return false;
    /* Python's f"{x:#06b}": "0b" and four binary digits */
    char bits[RSRVD_BITS + 1];
    for (unsigned i = 0; i < RSRVD_BITS; i++)
        bits[i] = (rsrvd >> (RSRVD_BITS - 1 - i)) & 1 ? '1' : '0';
    bits[RSRVD_BITS] = '\0';
    snprintf(exp, exp_cap, "0b0100");
    snprintf(seen, seen_cap, "0b%s", bits);
    return true;
}

static const struct mbox_check rf_mbox = {
    .fields = TTL_ENC_ALL,
    .diff = rsrvd_diff,
    .info = "reserved flags reset",
    .stage = RF_STAGE,
};

static void send_reset(struct tc *t, const struct tcp_seg *rcvd)
{
    struct tcp_seg rst;
    tc_seg_reset(t, rcvd, &rst);
    tc_send(t, &rst, 0, 0);
}

/* Tear down the connection our ACKs opened: a RST at our next sequence number, after the
 * request if one went out (the original reset at the SYN-ACK's number; RFC 5961 stacks
 * accept a RST only at exactly RCV.NXT). */
static void send_close(struct tc *t)
{
    const struct rf_state *s = t->state;
    struct tcp_seg rst;
    tc_seg_new(t, &rst);
    rst.seq = s->synack.ack + (uint32_t)s->req_len;
    rst.flags = TCP_FLAG_RST;
    tc_send(t, &rst, 0, 0);
}

static void rf_start(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.reserved = RSRVD_PROBE;
    /* No field of the SYN is under test but the reserved bits: the TTL goes everywhere. */
    p->fields = TTL_ENC_ALL;
    p->burst = true;
    p->retry_window = RETRY_SYN_WINDOW;
    s->phase = RF_HANDSHAKE;
    syn_probe_start(t, p, now);
}

/* A FAIL the path could explain: wait for the burst's quotes unless they are in. */
static void fail_after_quotes(struct tc *t, const char *reason, bool settled, tc_time now)
{
    struct rf_state *s = t->state;
    snprintf(s->failure, sizeof(s->failure), "%s", reason);
    s->phase = RF_FAILING;
    tc_time wait = settled ? 0 : tc_wait_inflight(t, ORIGINAL_FAILURE_WAIT);
    if (wait == 0)
        tc_finish_unless_mbox(t, &rf_mbox, TC_FAIL, RF_STAGE, s->failure, now);
    else
        tc_set_timer(t, now + wait);
}

static void rearm(struct tc *t)
{
    struct rf_state *s = t->state;
    tc_time at = s->phase == RF_REPLIES ? s->silence_at : 0;
    if (!s->path_checked && (at == 0 || s->quotes_at < at))
        at = s->quotes_at;
    tc_set_timer(t, at);
}

/* The RTT a reply to our ACK needs at least; with none measured, the shortest wait. */
static tc_time reply_rtt(const struct tc *t)
{
    if (t->rtt != 0)
        return t->rtt;
    return t->env.rtt_hint != 0 ? t->env.rtt_hint : t->env.timing->floor;
}

/* The ACK completing the handshake, with the reserved bit (and, when repeated, the ALP
 * request). Until one RTT has passed nothing can answer it: SYN-ACKs and ACKs before
 * then answer the burst's other SYNs (Linux retransmits its SYN-ACK for a duplicate SYN,
 * RFC 5961 stacks send a challenge ACK) or crossed our ACK on the way. */
static void send_ack(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    struct tcp_seg ack;
    tc_seg_reply(t, &s->synack, TCP_FLAG_ACK, ACK_WINDOW, &ack);
    ack.reserved = RSRVD_PROBE;
    ack.payload = s->req_len > 0 ? s->req : NULL;
    ack.payload_len = s->req_len;
    tc_send(t, &ack, 0, 0);
    /* A host that ignored the ACK retransmits its SYN-ACK after its RTO, which doubles
     * with every retransmission (RFC 6298 (5.5)): each round waits twice as long. */
    tc_time wait = tc_wait_retrans(t, ORIGINAL_REPLY_WAIT);
    if (!t->env.timing->original)
        wait <<= s->round;
    s->silence_at = now + wait;
    s->dup_until = now + reply_rtt(t);
    s->phase = RF_REPLIES;
    rearm(t);
}

/* The verdict is known: give it once the quotes are in (path first). */
static void hold(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    struct rf_state *s = t->state;
    s->v_status = st;
    s->v_reason = reason;
    s->phase = RF_HOLD;
    if (s->path_checked || now >= s->quotes_at)
        tc_finish_unless_mbox(t, &rf_mbox, st, reason != NULL ? RF_STAGE : -1, reason, now);
    else
        rearm(t);
}

/* The quotes are in. A path that changed the reserved bits ends the test (the original
 * checked before looking at any reply); else the replies decide. */
static bool check_path_now(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    struct mbox_result res;
    mbox_detect(t->quotes, t->n_quotes, rf_mbox.fields, rf_mbox.diff, NULL, &res);
    if (res.detected) {
        send_close(t);
        return tc_check_path(t, &rf_mbox, now);
    }
    s->path_checked = true;
    return false;
}

static void on_established(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct rf_state *s = t->state;
    s->synack = *synack;
    s->synack.payload = NULL;
    s->synack.payload_len = 0;
    /* A retry that followed a full SYN wait went out long after the burst: the burst's
     * quotes are in, and the path can be judged at once. */
    bool settled = s->burst_timed_out && !t->env.timing->original;
    if (synack->reserved & RSRVD_CHECKED) {
        send_reset(t, synack);
        fail_after_quotes(t, REASON_SYNACK_RSRVD, settled, now);
        return;
    }
    s->quotes_at = now + (settled ? 0 : tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT));
    if (settled && check_path_now(t, now))
        return;
    s->round = 0;
    send_ack(t, now);
}

static void on_handshake(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    struct syn_probe_failure f;
    enum syn_probe_outcome o = seg != NULL ? syn_probe_segment(t, &s->probe, seg, now, &f)
                                           : syn_probe_timer(t, &s->probe, now, &f);
    if (o == SP_PENDING && seg == NULL)
        s->burst_timed_out = true; /* the retry went out */
    if (o == SP_ESTABLISHED) {
        on_established(t, seg, now);
    } else if (o == SP_FAILED) {
        /* The original: any failure of a SYN with a reserved bit is the host's. */
        char reason[sizeof(s->failure)];
        snprintf(reason, sizeof(reason), "%s%s", f.reason, SUFFIX);
        fail_after_quotes(t, reason, f.quotes_settled, now);
    }
}

/* The ALP request for the repeated ACKs (the original's counter to TCP_DEFER_ACCEPT):
 * only when it fits one segment. */
static void pull_request(struct tc *t)
{
    struct rf_state *s = t->state;
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL)
        return;
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    if (sess == NULL)
        return;
    uint8_t buf[REQ_PULL_CAP];
    ssize_t n = alp->pull(sess, REQ_LENGTH_HINT, buf, sizeof(buf));
    alp->close(sess);
    if (n > 0 && (size_t)n <= REQ_MAX) {
        memcpy(s->req, buf, (size_t)n);
        s->req_len = (size_t)n;
    }
}

/* The host retransmitted its SYN-ACK: our ACK was ignored. */
static void ack_ignored(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    if (s->round == 0)
        pull_request(t);
    if (s->round < ACK_REPEATS) {
        s->round++;
        send_ack(t, now);
        return;
    }
    send_reset(t, seg);
    /* TCP_DEFER_ACCEPT ignores empty ACKs on purpose: only an ignored request is
     * conclusive. */
    if (s->req_len > 0)
        hold(t, TC_FAIL, REASON_IGNORED, now);
    else
        hold(t, TC_UNK, REASON_EMPTY_IGNORED, now);
}

static void on_reply(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    const struct tcp_seg *sa = &s->synack;
    bool synack_again = seg->flags == sa->flags && seg->seq == sa->seq && seg->ack == sa->ack;
    bool bare_ack = seg->flags == TCP_FLAG_ACK && seg->payload_len == 0 &&
                    seg->seq == sa->seq + 1 && seg->ack == sa->ack;
    if ((synack_again || bare_ack) && now <= s->dup_until)
        return; /* the burst's duplicates, or crossed our ACK */
    if (synack_again) {
        ack_ignored(t, seg, now);
    } else if (seg->flags & TCP_FLAG_RST) {
        hold(t, TC_FAIL, REASON_RST, now);
    } else if (seg->reserved & RSRVD_CHECKED) {
        send_reset(t, seg);
        hold(t, TC_FAIL, REASON_REPLY_RSRVD, now);
    } else {
        send_reset(t, seg);
        hold(t, TC_PASS, NULL, now);
    }
}

static void rf_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rf_state *s = t->state;
    if (s->phase == RF_HANDSHAKE && syn_probe_active(&s->probe))
        on_handshake(t, seg, now);
    else if (s->phase == RF_REPLIES)
        on_reply(t, seg, now);
    /* else: late duplicates while the verdict waits for quotes */
}

static void rf_on_timer(struct tc *t, tc_time now)
{
    struct rf_state *s = t->state;
    switch (s->phase) {
    case RF_HANDSHAKE:
        on_handshake(t, NULL, now);
        break;
    case RF_FAILING:
        tc_finish_unless_mbox(t, &rf_mbox, TC_FAIL, RF_STAGE, s->failure, now);
        break;
    case RF_REPLIES:
        if (!s->path_checked && now >= s->quotes_at && check_path_now(t, now))
            return;
        if (now >= s->silence_at) {
            /* No response is acceptable: the ACK was taken like any other. */
            send_close(t);
            hold(t, TC_PASS, NULL, now);
            return;
        }
        rearm(t);
        break;
    case RF_HOLD:
        tc_finish_unless_mbox(t, &rf_mbox, s->v_status, s->v_reason != NULL ? RF_STAGE : -1,
                              s->v_reason, now);
        break;
    }
}

const struct test_case reserved_flags_test = {
    .name = "ReservedFlagsTest",
    .rfc_req = "3.1",
    .rfc_text = "Reserved bits must be zero in generated segments and ignored in received ones",
    .default_on = true,
    .needs_alp = false,
    /* burst, retry, a reset, three ACKs, the final reset */
    .packet_budget = HOP_LIMIT + 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rf_state),
    .start = rf_start,
    .on_segment = rf_on_segment,
    .on_timer = rf_on_timer,
};
