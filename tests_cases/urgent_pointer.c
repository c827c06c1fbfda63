/* UrgentPointerTest: RFC 9293 3.8.5, a TCP implementation MUST support the urgent
 * mechanism (MUST-30) and a sequence of urgent data of any length (MUST-31). The whole
 * application request is sent as urgent data in three segments, each with URG set and the
 * urgent pointer at the end of the request (MUST-62: it points to the octet following the
 * urgent data; 3.1: as an offset from the segment's sequence number); the host must
 * acknowledge it like any other data.
 *
 * As the original tcpreq: one plain SYN, the first chunk as the traced probe (the TTL only in
 * the IP ID and the options, never in the ACK number, window or urgent pointer, which are
 * under test or needed), the other two chunks once. A quote showing URG cleared or the
 * pointer changed blames the path (UNK) before any verdict on the host.
 *
 * The original failed a host that sent no acknowledgment in time. Here silence is asked
 * about: the alive probe (testcase/connection.h) draws an ACK carrying the host's RCV.NXT,
 * which says whether the urgent data was taken; data not taken is sent once more before a
 * FAIL rests on the host's own ACK. No answer at all is UNK. */
#include <stdio.h>
#include <string.h>

#include "alp/alp.h"
#include "testcase/connection.h"
#include "testcase/syn_probe.h"
#include "tracebox/quote_view.h"
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
#define REASON_NOT_TAKEN "Request with urgent pointer not acknowledged"
#define REASON_GONE "Connection gone after request with urgent pointer"
#define REASON_NO_ANSWER "No answer after the request with urgent pointer"

enum up_phase {
    UP_HANDSHAKE, /* the plain SYN */
    UP_REPLY,     /* the urgent request is out: waiting for its acknowledgment */
    UP_ASKING,    /* no acknowledgment in time: the alive probe is out */
};

struct up_state {
    enum up_phase phase;
    struct syn_probe probe;
    struct tc_conn conn;
    uint16_t req_len;    /* urgent pointer of the first chunk, as quotes must show it */
    uint32_t start_seq;  /* sequence number of the request's first byte */
    uint32_t chunk1_end; /* sequence number after the first chunk */
    uint32_t end_seq;    /* sequence number after the request */
    bool resent;         /* the request went out a second time */
    uint8_t req[REQ_MAX];
};

/* The original's _quote_modified: URG must still be set and the urgent pointer intact.
 * A quote shorter than the fixed header does not show the pointer. */
static bool urg_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                     char *seen, size_t seen_cap)
{
    const struct tc *t = ctx;
    const struct up_state *s = t->state;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_urg_ptr)
        return false;
    unsigned urg = v.flags & TCP_FLAG_URG;
    if (urg && v.urg_ptr == s->req_len)
        return false;
    /* The original's format: the URG bit as a flags mask, then the pointer in hex. */
    snprintf(exp, exp_cap, "0x%02x,%04x", (unsigned)TCP_FLAG_URG, (unsigned)s->req_len);
    snprintf(seen, seen_cap, "0x%02x,%04x", urg, (unsigned)v.urg_ptr);
    return true;
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
    tc_conn_init(&s->conn, p->syn.seq, UP_WINDOW);
    s->phase = UP_HANDSHAKE;
    syn_probe_start(t, p, now);
}

/* The request from the port's ALP into s->req; 0 if there is none that fits one segment. */
static size_t pull_request(struct tc *t)
{
    struct up_state *s = t->state;
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL)
        return 0;
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    if (sess == NULL)
        return 0;
    uint8_t buf[REQ_PULL_CAP];
    ssize_t n = alp->pull(sess, REQ_LENGTH_HINT, buf, sizeof(buf));
    alp->close(sess);
    if (n < UP_CHUNKS || (size_t)n > REQ_MAX)
        return 0;
    memcpy(s->req, buf, (size_t)n);
    return (size_t)n;
}

/* Chunk i of the request, each urgent pointer counting from its chunk's start to the end of
 * the request. */
static void chunk_seg(struct tc *t, unsigned i, struct tcp_seg *seg)
{
    struct up_state *s = t->state;
    size_t chunk = s->req_len / UP_CHUNKS, off = i * chunk;
    tc_conn_seg(t, &s->conn, TCP_FLAG_URG | TCP_FLAG_ACK, seg);
    seg->seq = s->start_seq + (uint32_t)off;
    seg->urg_ptr = (uint16_t)(s->req_len - off);
    seg->payload = s->req + off;
    seg->payload_len = i + 1 < UP_CHUNKS ? chunk : s->req_len - off;
}

/* The request in three urgent chunks: the first as the traced probe, the others once. */
static void send_request(struct tc *t)
{
    struct up_state *s = t->state;
    struct tcp_seg seg;
    chunk_seg(t, 0, &seg);
    tc_send_probe(t, &seg, UP_TTL_FIELDS, NULL, NULL);
    for (unsigned i = 1; i < UP_CHUNKS; i++) {
        chunk_seg(t, i, &seg);
        tc_send(t, &seg, HOP_LIMIT, 0);
    }
    tc_conn_sent(&s->conn, s->req_len);
}

/* The first chunk, plain, and the rest: what a retransmission timeout would resend. */
static void resend_request(struct tc *t)
{
    struct tcp_seg seg;
    for (unsigned i = 0; i < UP_CHUNKS; i++) {
        chunk_seg(t, i, &seg);
        tc_send(t, &seg, HOP_LIMIT, 0);
    }
}

static void arm_reply_wait(struct tc *t, tc_time now)
{
    /* The acknowledgment takes one RTT plus the receiver's ACK delay. */
    tc_time wait = tc_wait_inflight(t, ORIGINAL_REPLY_WAIT);
    if (!t->env.timing->original)
        wait += ACK_DELAY_MAX;
    tc_set_timer(t, now + wait);
}

static void on_established(struct tc *t, const struct tcp_seg *synack, tc_time now)
{
    struct up_state *s = t->state;
    if (tc_conn_established(&s->conn, synack, 0) != 0) {
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_ERR, -1, TC_REASON_NO_MEMORY, NULL, now);
        return;
    }
    tc_conn_send_ack(t, &s->conn);
    size_t len = pull_request(t);
    if (len == 0) {
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_UNK, UP_STAGE, REASON_NO_DATA, NULL, now);
        return;
    }
    s->req_len = (uint16_t)len;
    s->start_seq = s->conn.snd_nxt;
    s->chunk1_end = s->start_seq + (uint32_t)(len / UP_CHUNKS);
    s->end_seq = s->start_seq + (uint32_t)len;
    send_request(t);
    s->phase = UP_REPLY;
    arm_reply_wait(t, now);
}

/* The verdict, once the probe's quotes are in (path first). by_silence: it rests on the host
 * never acknowledging the request, whose first chunk is the traced probe; if a hop known to
 * quote stayed silent for that chunk, the path dropped it (tc_conclude), not the host. */
static void conclude(struct tc *t, enum tc_status st, const char *reason, bool by_silence,
                     tc_time now)
{
    struct up_state *s = t->state;
    if (!s->conn.peer_rst)
        tc_conn_send_close(t, &s->conn);
    tc_conn_free(&s->conn);
    tc_conclude(t, st, st == TC_PASS ? -1 : UP_STAGE, reason, by_silence, now);
}

/* An acknowledgment reaching into the request: the urgent data was taken. Anything else
 * (SYN-ACK or duplicate ACKs from before the request, numbers we never sent) says nothing
 * about it. */
static bool takes_request(const struct up_state *s, uint32_t ack)
{
    return seq_leq(s->chunk1_end, ack) && seq_leq(ack, s->end_seq);
}

static void on_reply(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct up_state *s = t->state;
    if (seg->flags & TCP_FLAG_RST) {
        s->conn.peer_rst = true;
        conclude(t, TC_FAIL, REASON_RST, false, now);
    } else if ((seg->flags & TCP_FLAG_ACK) && takes_request(s, seg->ack)) {
        conclude(t, TC_PASS, NULL, false, now);
    }
}

static void on_alive_answer(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct up_state *s = t->state;
    uint32_t rcv_nxt = 0;
    switch (tc_conn_alive_answer(&s->conn, seg, &rcv_nxt)) {
    case CONN_ALIVE_YES:
        if (takes_request(s, rcv_nxt)) {
            conclude(t, TC_PASS, NULL, false, now);
        } else if (!s->resent) {
            /* The connection is there but has not taken the request: lost on the way, or
             * dropped. Once more, as a retransmission timeout would. */
            s->resent = true;
            resend_request(t);
            s->phase = UP_REPLY;
            arm_reply_wait(t, now);
        } else {
            conclude(t, TC_FAIL, REASON_NOT_TAKEN, true, now);
        }
        break;
    case CONN_ALIVE_GONE:
        s->conn.peer_rst = true;
        conclude(t, TC_UNK, REASON_GONE, false, now);
        break;
    case CONN_ALIVE_NONE:
        on_reply(t, seg, now);
        break;
    }
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
        on_reply(t, seg, now);
        break;
    case UP_ASKING:
        on_alive_answer(t, seg, now);
        break;
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
        if (t->env.timing->original) {
            /* The original's verdict on silence, kept only for --timing original. */
            conclude(t, TC_FAIL, REASON_TIMEOUT, true, now);
            break;
        }
        tc_conn_send_alive_probe(t, &s->conn, 0);
        s->phase = UP_ASKING;
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_REPLY_WAIT));
        break;
    case UP_ASKING:
        conclude(t, TC_UNK, REASON_NO_ANSWER, false, now);
        break;
    }
}

static void up_cleanup(struct tc *t)
{
    struct up_state *s = t->state;
    tc_conn_free(&s->conn);
}

const struct test_case urgent_pointer_test = {
    .name = "UrgentPointerTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-30, MUST-31",
            .text = "Support the urgent mechanism and urgent data of any length"},
    .checks = "the request sent as urgent data over three segments",
    .default_on = true,
    .needs_alp = true,
    /* SYN (or its reset), ACK, the traced chunk, two chunks, the alive probe, three resent
     * chunks, RST */
    .packet_budget = HOP_LIMIT + 11,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct up_state),
    .mbox = {.fields = UP_TTL_FIELDS,
             .diff = urg_diff,
             .info = "URG/UP modified",
             .stage = UP_STAGE},
    .start = up_start,
    .on_segment = up_on_segment,
    .on_timer = up_on_timer,
    .cleanup = up_cleanup,
};
