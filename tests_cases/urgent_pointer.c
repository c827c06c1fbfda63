/* UrgentPointerTest: RFC 9293 3.8.5, a TCP implementation MUST support the urgent
 * mechanism (MUST-30) and a sequence of urgent data of any length (MUST-31). The whole
 * application request is sent as urgent data in three segments, each with URG set and the
 * urgent pointer at the end of the request (MUST-62: it points to the octet following the
 * urgent data; 3.1: as an offset from the segment's sequence number); the host must
 * acknowledge it like any other data.
 *
 * As the original tcpreq: one plain SYN, the first chunk as a traced burst (the TTL only in
 * the IP ID and the options, never in the ACK number, window or urgent pointer, which are
 * under test or needed), the other two chunks once. A quote showing URG cleared or the
 * pointer changed blames the path (UNK) before any verdict on the host. */
#include <stdio.h>
#include <string.h>

#include "alp/alp.h"
#include "testcase/syn_probe.h"
#include "tracebox/ttl_code.h"

#define UP_STAGE 1
#define UP_STAGE_NO_ALP 0
#define UP_WINDOW 4096
#define UP_MSS 1460
/* The original's request size hint, and the most one segment carries with our MSS. */
#define REQ_LENGTH_HINT 500
#define REQ_MAX 1460
#define REQ_PULL_CAP 2048
/* The request goes out in this many urgent segments; fewer bytes make an empty chunk. */
#define UP_CHUNKS 3
/* The burst's TTL code: not in ACK, window or urgent pointer (under test or needed). */
#define UP_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_OPTS)
/* RFC 9293 3.8.6.3 (MUST-40): an ACK may be delayed, by less than 0.5 s. */
#define ACK_DELAY_MAX (500 * TC_MSEC)
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)

#define REASON_NO_ALP "Missing ALP module for port %u"
#define REASON_NO_DATA "ALP data unavailable"
#define REASON_TIMEOUT "Timeout after handshake and request with urgent pointer"
#define REASON_RST "RST in reply to request with urgent pointer"

enum up_phase {
    UP_HANDSHAKE, /* the plain SYN */
    UP_REPLY,     /* the urgent request is out: waiting for its acknowledgment */
    UP_HOLD,      /* verdict known, the burst's quotes not all in yet */
};

struct up_state {
    enum up_phase phase;
    struct syn_probe probe;
    uint16_t req_len;    /* urgent pointer of the first chunk, as quotes must show it */
    uint32_t chunk1_end; /* sequence number after the first chunk */
    uint32_t end_seq;    /* sequence number after the request */
    tc_time quotes_at;   /* the burst's quotes are in by then */
    enum tc_status v_status;
    const char *v_reason; /* NULL for PASS */
};

/* The original's _quote_modified: URG must still be set and the urgent pointer intact.
 * A quote shorter than the fixed header does not show the pointer. */
#define TCP_OFF_FLAGS 13
#define TCP_OFF_URG_PTR 18
static bool urg_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                     char *seen, size_t seen_cap)
{
    const struct up_state *s = ctx;
    if (q->quote_len < TCP_HDR_MIN)
        return false;
    bool urg = (q->quote[TCP_OFF_FLAGS] & TCP_FLAG_URG) != 0;
    unsigned up = ((unsigned)q->quote[TCP_OFF_URG_PTR] << 8) | q->quote[TCP_OFF_URG_PTR + 1];
    if (urg && up == s->req_len)
        return false;
    /* The original's format: the URG bit as a flags mask, then the pointer in hex. */
    snprintf(exp, exp_cap, "0x%02x,%04x", (unsigned)TCP_FLAG_URG, (unsigned)s->req_len);
    snprintf(seen, seen_cap, "0x%02x,%04x", (unsigned)(q->quote[TCP_OFF_FLAGS] & TCP_FLAG_URG), up);
    return true;
}

static struct mbox_check up_mbox(const struct tc *t)
{
    return (struct mbox_check){
        .fields = UP_TTL_FIELDS,
        .diff = urg_diff,
        .ctx = t->state,
        .info = "URG/UP modified",
        .stage = UP_STAGE,
    };
}

static void up_start(struct tc *t, tc_time now)
{
    struct up_state *s = t->state;
    if (alp_for_port(t->env.dport) == NULL) {
        char reason[sizeof(t->result.reason)];
        snprintf(reason, sizeof(reason), REASON_NO_ALP, (unsigned)t->env.dport);
        tc_finish(t, TC_UNK, UP_STAGE_NO_ALP, reason, NULL, now);
        return;
    }
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = UP_WINDOW;
    tcp_opts_add_mss(&p->syn.opts, UP_MSS);
    p->burst = false;
    s->phase = UP_HANDSHAKE;
    syn_probe_start(t, p, now);
}

/* The request from the port's ALP; 0 if there is none that fits one segment. */
static size_t pull_request(struct tc *t, uint8_t *buf, size_t cap)
{
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL)
        return 0;
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    if (sess == NULL)
        return 0;
    ssize_t n = alp->pull(sess, REQ_LENGTH_HINT, buf, cap);
    alp->close(sess);
    return n >= UP_CHUNKS && (size_t)n <= REQ_MAX ? (size_t)n : 0;
}

/* The request in three urgent chunks; each urgent pointer counts from its chunk's start
 * to the end of the request. */
static void send_request(struct tc *t, const struct tcp_seg *synack, const uint8_t *req, size_t len)
{
    struct up_state *s = t->state;
    size_t chunk = len / UP_CHUNKS;
    struct tcp_seg seg;
    tc_seg_reply(t, synack, TCP_FLAG_URG | TCP_FLAG_ACK, UP_WINDOW, &seg);
    s->req_len = (uint16_t)len;
    s->chunk1_end = seg.seq + (uint32_t)chunk;
    s->end_seq = seg.seq + (uint32_t)len;
    seg.urg_ptr = (uint16_t)len;
    seg.payload = req;
    seg.payload_len = chunk;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++)
        tc_send_traced(t, &seg, ttl, UP_TTL_FIELDS);
    for (size_t i = 1; i < UP_CHUNKS; i++) {
        size_t off = i * chunk;
        seg.seq = synack->ack + (uint32_t)off;
        seg.urg_ptr = (uint16_t)(len - off);
        seg.payload = req + off;
        seg.payload_len = i + 1 < UP_CHUNKS ? chunk : len - off;
        tc_send(t, &seg, HOP_LIMIT, 0);
    }
}

static void on_established(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct up_state *s = t->state;
    struct tcp_seg ack;
    tc_seg_reply(t, synack, TCP_FLAG_ACK, UP_WINDOW, &ack);
    tc_send(t, &ack, 0, 0);
    uint8_t req[REQ_PULL_CAP];
    size_t len = pull_request(t, req, sizeof(req));
    if (len == 0) {
        struct tcp_seg rst;
        tc_seg_reset(t, synack, &rst);
        tc_send(t, &rst, 0, 0);
        tc_finish(t, TC_UNK, UP_STAGE, REASON_NO_DATA, NULL, now);
        return;
    }
    send_request(t, synack, req, len);
    s->phase = UP_REPLY;
    s->quotes_at = now + tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT);
    /* The acknowledgment takes one RTT plus the receiver's ACK delay. */
    tc_time wait = tc_wait_inflight(t, ORIGINAL_REPLY_WAIT);
    if (!t->env.timing->original)
        wait += ACK_DELAY_MAX;
    tc_set_timer(t, now + wait);
}

/* Close the connection after the request: a plain RST at the next sequence number. */
static void send_close(struct tc *t)
{
    struct up_state *s = t->state;
    struct tcp_seg rst;
    tc_seg_new(t, &rst);
    rst.seq = s->end_seq;
    rst.flags = TCP_FLAG_RST;
    rst.window = 0;
    tc_send(t, &rst, 0, 0);
}

static void finish_held(struct tc *t, tc_time now)
{
    struct up_state *s = t->state;
    struct mbox_check mc = up_mbox(t);
    tc_finish_unless_mbox(t, &mc, s->v_status, s->v_reason != NULL ? UP_STAGE : -1, s->v_reason,
                          now);
}

/* The verdict is known: give it once the burst's quotes are in (path first). */
static void hold(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    struct up_state *s = t->state;
    s->v_status = st;
    s->v_reason = reason;
    s->phase = UP_HOLD;
    if (now >= s->quotes_at)
        finish_held(t, now);
    else
        tc_set_timer(t, s->quotes_at);
}

static void up_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct up_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case UP_HANDSHAKE:
        if (!syn_probe_active(&s->probe))
            return;
        switch (syn_probe_segment(t, &s->probe, seg, now, &f)) {
        case SP_ESTABLISHED:
            on_established(t, seg, now);
            break;
        case SP_FAILED:
            /* A single untraced SYN: no quotes could blame the path. */
            tc_finish(t, f.status, UP_STAGE, f.reason, NULL, now);
            break;
        case SP_PENDING:
            break;
        }
        break;
    case UP_REPLY:
        if (seg->flags & TCP_FLAG_RST) {
            hold(t, TC_FAIL, REASON_RST, now);
        } else if ((seg->flags & TCP_FLAG_ACK) && seq_leq(s->chunk1_end, seg->ack) &&
                   seq_leq(seg->ack, s->end_seq)) {
            /* The urgent data was taken. Anything else (SYN-ACK or duplicate ACKs from
             * before the request, numbers we never sent) says nothing about it. */
            send_close(t);
            hold(t, TC_PASS, NULL, now);
        }
        break;
    case UP_HOLD:
        break; /* answers to the burst's other 29 copies of the first chunk */
    }
}

static void up_on_timer(struct tc *t, tc_time now)
{
    struct up_state *s = t->state;
    struct syn_probe_failure f;
    switch (s->phase) {
    case UP_HANDSHAKE:
        if (syn_probe_timer(t, &s->probe, now, &f) == SP_FAILED)
            tc_finish(t, f.status, UP_STAGE, f.reason, NULL, now);
        break;
    case UP_REPLY:
        send_close(t);
        hold(t, TC_FAIL, REASON_TIMEOUT, now);
        break;
    case UP_HOLD:
        finish_held(t, now);
        break;
    }
}

const struct test_case urgent_pointer_test = {
    .name = "UrgentPointerTest",
    .rfc_req = "MUST-30/31",
    .rfc_text = "Support the urgent mechanism and urgent data of any length",
    .default_on = true,
    .needs_alp = true,
    /* SYN (or its reset), ACK, burst, two chunks, RST */
    .packet_budget = HOP_LIMIT + 6,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct up_state),
    .start = up_start,
    .on_segment = up_on_segment,
    .on_timer = up_on_timer,
};
