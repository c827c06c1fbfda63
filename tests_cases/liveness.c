/* LivenessTest: can a connection be opened with a plain three-way handshake (RFC 9293 3.5,
 * "Establishing a Connection") and closed with a RST (3.5.2: a RST with an acceptable
 * sequence number aborts the connection, 3.10.7.4)? No MUST of RFC 9293 covers this basic
 * behaviour, so the requirement is named by its section. Runs before every test and once
 * at the end; a target that fails it is skipped for the rest. */
#include "testcase/tc.h"
#include "tracebox/ttl_code.h"

#define LIVENESS_WINDOW 30720
/* The original's fixed waits: 20 s per SYN, then "sleep 5 s, listen 10 s" after the RST. */
#define ORIGINAL_SYN_WAIT (20 * TC_SEC)
#define ORIGINAL_SETTLE (5 * TC_SEC)
#define ORIGINAL_LISTEN (10 * TC_SEC)
/* RSTs sent before concluding that they are ignored (the original tried 3 times). */
#define MAX_RSTS 3
/* The probe after our RST lies this far before the target's receive window (which is at
 * most 65535 here: we never offer window scaling), so it is never acceptable. */
#define PROBE_SEQ_OFFSET 0x20000u
#define REASON_RSTS_IGNORED "RSTs ignored"
/* Stacks rate-limit their answers to unacceptable segments (RFC 5961 7; Linux allows one
 * per 500 ms per connection by default): a repeated probe sooner than this could go
 * unanswered and its silence be mistaken for a reset. */
#define PROBE_SPACING (600 * TC_MSEC)

enum liveness_phase {
    LV_HANDSHAKE,
    LV_PROBING,         /* RST and probe sent, waiting for the verdict */
    LV_PROBE_PAUSE,     /* the probe was answered: pause before the next RST and probe */
    LV_ORIGINAL_SETTLE, /* --timing original: ignore everything for 5 s ... */
    LV_ORIGINAL_LISTEN, /* ... then any segment within 10 s means the RST was ignored */
};

struct liveness_state {
    enum liveness_phase phase;
    uint32_t isn;
    unsigned syn_tries, rsts;
    tc_time syn_sent_at;
    struct tcp_seg synack;
    /* outcome of the latest failed attempt */
    enum tc_handshake failure;
    bool failure_timeout;
};

static void send_syn(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    syn.seq = s->isn;
    syn.window = LIVENESS_WINDOW;
    syn.flags = TCP_FLAG_SYN;
    /* As the original: full hop limit, TTL coded only in the IP ID. */
    tc_send_traced(t, &syn, HOP_LIMIT, TTL_ENC_IPID);
    s->syn_tries++;
    s->syn_sent_at = now;
    tc_time wait = tc_wait_synack(t, ORIGINAL_SYN_WAIT);
    /* RFC 6298 (5.5): back off while no RTT is known */
    if (!t->env.timing->original && t->rtt == 0 && t->env.rtt_hint == 0)
        wait <<= (s->syn_tries - 1);
    tc_set_timer(t, now + wait);
}

static void liveness_start(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    s->isn = tc_random32(t);
    send_syn(t, now);
}

/* All attempts failed: the original inverts _synchronize's verdict. No answer or a RST
 * means the target is not alive (FAIL); any other answer means it is alive (PASS) and its
 * oddity is another test's business. */
static void retry_or_finish(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    if (s->syn_tries < t->env.timing->syn_tries) {
        send_syn(t, now);
        return;
    }
    if (s->failure_timeout)
        tc_finish(t, TC_FAIL, -1, TC_REASON_HS_TIMEOUT, NULL, now);
    else if (s->failure == TC_HS_RST)
        tc_finish(t, TC_FAIL, -1, tc_handshake_reason(s->failure), NULL, now);
    else
        tc_finish(t, TC_PASS, -1, tc_handshake_reason(s->failure), NULL, now);
}

static void send_rst_and_probe(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    struct tcp_seg rst, probe;
    tc_seg_reset(t, &s->synack, &rst);
    tc_send(t, &rst, 0, 0);
    s->rsts++;
    if (t->env.timing->original) {
        s->phase = LV_ORIGINAL_SETTLE;
        tc_set_timer(t, now + ORIGINAL_SETTLE);
        return;
    }
    /* Instead of listening for 10 s, ask: an unacceptable ACK draws an ACK from an
     * established connection (RFC 9293 3.10.7.4) but a RST from a closed or listening port
     * (3.10.7.1), so the verdict is certain after one RTT. */
    tc_seg_reply(t, &s->synack, TCP_FLAG_ACK, LIVENESS_WINDOW, &probe);
    probe.seq = s->isn + 1 - PROBE_SEQ_OFFSET;
    tc_send(t, &probe, 0, 0);
    s->phase = LV_PROBING;
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_LISTEN));
}

static void on_handshake_reply(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct liveness_state *s = t->state;
    enum tc_handshake hs = tc_handshake_classify(seg, s->isn);
    if (hs != TC_HS_SYNACK) {
        if (hs != TC_HS_RST) {
            struct tcp_seg rst; /* reset the odd connection to be sure */
            tc_seg_reset(t, seg, &rst);
            tc_send(t, &rst, 0, 0);
        }
        s->failure = hs;
        s->failure_timeout = false;
        retry_or_finish(t, now);
        return;
    }
    if (s->syn_tries == 1) /* Karn: no RTT sample from a retransmitted SYN */
        t->rtt = now - s->syn_sent_at;
    s->synack = *seg;
    s->synack.payload = NULL;
    s->synack.payload_len = 0;
    struct tcp_seg ack;
    tc_seg_reply(t, seg, TCP_FLAG_ACK, LIVENESS_WINDOW, &ack);
    tc_send(t, &ack, 0, 0);
    send_rst_and_probe(t, now);
}

/* RFC 9293 3.10.7.4: a synchronized connection answers an unacceptable segment with
 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>: a pure ACK, no SYN, no FIN, no data, acknowledging
 * everything we sent. */
static bool is_probe_answer(const struct liveness_state *s, const struct tcp_seg *seg)
{
    const uint8_t answer_mask = TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST;
    return (seg->flags & answer_mask) == TCP_FLAG_ACK && seg->payload_len == 0 &&
           seg->ack == s->isn + 1;
}

static void rst_ignored(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    if (s->rsts >= MAX_RSTS) {
        tc_finish(t, TC_FAIL, -1, REASON_RSTS_IGNORED, NULL, now);
    } else if (s->phase == LV_PROBING) {
        s->phase = LV_PROBE_PAUSE;
        tc_set_timer(t, now + PROBE_SPACING);
    } else {
        send_rst_and_probe(t, now);
    }
}

static void liveness_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct liveness_state *s = t->state;
    switch (s->phase) {
    case LV_HANDSHAKE:
        on_handshake_reply(t, seg, now);
        break;
    case LV_PROBING:
        if (seg->flags & TCP_FLAG_RST)
            tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        else if (is_probe_answer(s, seg))
            rst_ignored(t, now); /* the connection answered our probe: still there */
        /* else: a late duplicate SYN-ACK from the handshake, or data the application sent
         * before our RST arrived (a banner); not an answer to the probe */
        break;
    case LV_PROBE_PAUSE:
    case LV_ORIGINAL_SETTLE:
        break;
    case LV_ORIGINAL_LISTEN:
        rst_ignored(t, now);
        break;
    }
}

static void liveness_on_timer(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    switch (s->phase) {
    case LV_HANDSHAKE:
        s->failure_timeout = true;
        retry_or_finish(t, now);
        break;
    case LV_PROBING:
    case LV_ORIGINAL_LISTEN:
        /* silence after the RST: the connection is gone */
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        break;
    case LV_PROBE_PAUSE:
        send_rst_and_probe(t, now);
        break;
    case LV_ORIGINAL_SETTLE:
        s->phase = LV_ORIGINAL_LISTEN;
        tc_set_timer(t, now + ORIGINAL_LISTEN);
        break;
    }
}

const struct test_case liveness_test = {
    .name = "LivenessTest",
    .rfc_req = "3.5",
    .rfc_text = "Three-way handshake opens a connection, RST closes it (3.5, 3.10.7.4)",
    .default_on = false, /* the scheduler runs it around every test */
    .needs_alp = false,
    .packet_budget = 16,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct liveness_state),
    .start = liveness_start,
    .on_segment = liveness_on_segment,
    .on_timer = liveness_on_timer,
};
