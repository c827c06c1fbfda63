/* LivenessTest: can a connection be opened with a plain three-way handshake (RFC 9293 3.5,
 * "Establishing a Connection") and closed with a RST (3.5.2: a RST with an acceptable
 * sequence number aborts the connection, 3.10.7.4)? No MUST of RFC 9293 covers this basic
 * behaviour, so the requirement is named by its section. Runs before every test and once
 * at the end; a target that fails it is skipped for the rest.
 *
 * The target's first LivenessTest also learns the path (tracebox/path.h) before its
 * handshake: a discovery burst of ACKs with TTL 1..HOP_LIMIT, the TTL coded in the ACK
 * number (and the IPv4 ID). An ACK for no connection is answered <SEQ=SEG.ACK><CTL=RST>
 * (RFC 9293 3.10.7.1), so the host's RSTs name the TTLs that reached it, the smallest being
 * its hop distance; the routers' time-exceeded quotes name the hops that quote. Nothing
 * stateful reaches the host: every later traced probe then sends TTL-limited copies only to
 * hops known to lie before it, and the host sees each probe once. Where ACKs are filtered,
 * the SYN-ACK's TTL gives an estimate of the distance (reported, never used to send). */
#include <stdio.h>

#include "testcase/connection.h"
#include "testcase/tc.h"
#include "tracebox/path.h"
#include "tracebox/ttl_code.h"

#define LIVENESS_WINDOW 30720
/* The original's fixed waits: 20 s per SYN, then "sleep 5 s, listen 10 s" after the RST. */
#define ORIGINAL_SYN_WAIT (20 * TC_SEC)
#define ORIGINAL_SETTLE (5 * TC_SEC)
#define ORIGINAL_LISTEN (10 * TC_SEC)
/* RSTs sent before concluding that they are ignored (the original tried 3 times). */
#define MAX_RSTS 3
#define REASON_RSTS_IGNORED "RSTs ignored"
/* Stacks rate-limit their answers to unacceptable segments (RFC 5961 7; Linux allows one
 * per 500 ms per connection by default): a repeated probe sooner than this could go
 * unanswered and its silence be mistaken for a reset. */
#define PROBE_SPACING (600 * TC_MSEC)
/* Discovery: where the TTL goes (the ACK number is what the host's RST returns). */
#define DISCOVERY_FIELDS (TTL_ENC_ACK | TTL_ENC_IPID)

enum liveness_phase {
    LV_DISCOVERY, /* the ACK burst is out: RSTs and quotes name the path */
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
    struct tc_conn conn;
    /* outcome of the latest failed attempt */
    enum tc_handshake failure;
    bool failure_timeout;
    /* discovery */
    bool discovering; /* this instance ran the discovery */
    tc_time disc_sent_at;
    tc_time disc_done_at; /* the discovery ends by then */
    tc_time disc_rtt;     /* RTT of the first RST (0 = none yet) */
};

/* The discovery ACK for TTL ttl (its ACK number carries the code of ttl). */
static bool discovery_ack(struct tc *t, unsigned ttl, struct tcp_seg *out, uint16_t *ip_id)
{
    struct liveness_state *s = t->state;
    struct tcp_seg ack;
    tc_seg_new(t, &ack);
    ack.seq = s->isn;
    ack.flags = TCP_FLAG_ACK;
    ack.window = LIVENESS_WINDOW;
    return tc_encode_traced(t, &ack, ttl, DISCOVERY_FIELDS, out, ip_id);
}

/* The TTL whose discovery ACK a RST answers (its sequence number is that ACK's number);
 * 0 if it answers none. */
static unsigned discovery_rst_ttl(const struct tcp_seg *seg)
{
    if (!(seg->flags & TCP_FLAG_RST))
        return 0;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        struct tcp_seg code;
        uint16_t ip_id;
        tcp_seg_init(&code);
        if (ttl_encode(ttl, TTL_ENC_ACK, &code, &ip_id) == 0 && code.ack == seg->seq)
            return ttl;
    }
    return 0;
}

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
    s->phase = LV_HANDSHAKE;
    tc_time wait = tc_wait_synack(t, ORIGINAL_SYN_WAIT);
    /* RFC 6298 (5.5): back off while no RTT is known */
    if (!t->env.timing->original && t->rtt == 0 && t->env.rtt_hint == 0)
        wait <<= (s->syn_tries - 1);
    tc_set_timer(t, now + wait);
}

static void start_discovery(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        struct tcp_seg ack;
        uint16_t ip_id;
        if (!discovery_ack(t, ttl, &ack, &ip_id))
            return;
        tc_send_after(t, &ack, ttl, ip_id, (tc_time)(ttl - 1) * TC_BURST_GAP);
    }
    s->discovering = true;
    s->disc_sent_at = now;
    s->phase = LV_DISCOVERY;
    t->learned.discovered = true;
    /* Without any answer, one SYN wait after the last ACK left. */
    s->disc_done_at =
        now + (tc_time)(HOP_LIMIT - 1) * TC_BURST_GAP + tc_wait_synack(t, ORIGINAL_SYN_WAIT);
    tc_set_timer(t, s->disc_done_at);
}

static void liveness_start(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    s->isn = tc_random32(t);
    tc_conn_init(&s->conn, s->isn, LIVENESS_WINDOW);
    if (!t->env.path.discovered && !t->env.trace_full && !t->env.timing->original)
        start_discovery(t, now);
    else
        send_syn(t, now);
}

/* Every hop before the host has quoted: nothing more can come. */
static bool discovery_complete(const struct tc *t)
{
    unsigned d = t->learned.host_hop;
    if (d == 0)
        return false;
    for (unsigned h = 1; h < d; h++)
        if (!path_hop_quotes(&t->learned, h))
            return false;
    return true;
}

static void discovery_quote(struct tc *t, const struct icmp_quote *q)
{
    unsigned guess = q->hop_guess;
    unsigned hop = ttl_decode_tcp(q->quote, q->quote_len, guess, HOP_LIMIT, TTL_ENC_ACK);
    path_add_quoting_hop(&t->learned, hop);
}

/* The discovery is complete: the handshake starts once the last discovery ACK has left,
 * so that none reaches the host during the handshake (nothing stateful meets them). */
static void end_discovery(struct tc *t, tc_time now)
{
    struct liveness_state *s = t->state;
    tc_time last_copy = s->disc_sent_at + (tc_time)(HOP_LIMIT - 1) * TC_BURST_GAP;
    if (now < last_copy)
        tc_set_timer(t, last_copy);
    else
        send_syn(t, now);
}

static void discovery_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct liveness_state *s = t->state;
    unsigned ttl = discovery_rst_ttl(seg);
    if (ttl == 0)
        return;
    if (t->learned.host_hop == 0 || ttl < t->learned.host_hop) {
        t->learned.host_hop = (uint8_t)ttl;
        t->learned.host_hop_source = PATH_HOP_ACK_RST;
    }
    if (s->disc_rtt == 0) {
        /* The copy with TTL ttl left (ttl - 1) gaps after the first. */
        tc_time sent = s->disc_sent_at + (tc_time)(ttl - 1) * TC_BURST_GAP;
        s->disc_rtt = now > sent ? now - sent : 1;
        /* Quotes from nearer hops come back sooner than the host's RST: a few RTTs are
         * enough for the rest of them. */
        tc_time until = now + tc_wait_inflight_for(t, s->disc_rtt, ORIGINAL_SYN_WAIT);
        if (until < s->disc_done_at)
            s->disc_done_at = until;
    }
    if (discovery_complete(t))
        end_discovery(t, now);
    else
        tc_set_timer(t, s->disc_done_at);
}

static void liveness_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    struct liveness_state *s = t->state;
    if (s->phase != LV_DISCOVERY)
        return;
    discovery_quote(t, q);
    if (discovery_complete(t))
        end_discovery(t, now);
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
    tc_conn_send_close(t, &s->conn);
    s->rsts++;
    if (t->env.timing->original) {
        s->phase = LV_ORIGINAL_SETTLE;
        tc_set_timer(t, now + ORIGINAL_SETTLE);
        return;
    }
    /* Instead of listening for 10 s, ask: an unacceptable ACK draws an ACK from an
     * established connection (RFC 9293 3.10.7.4) but a RST from a closed or listening port
     * (3.10.7.1), so the verdict is certain after one RTT. */
    tc_conn_send_alive_probe(t, &s->conn, 0);
    s->phase = LV_PROBING;
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_LISTEN));
}

/* The distance from the SYN-ACK's TTL, where the discovery got no RST. */
static void estimate_hops(struct tc *t)
{
    struct liveness_state *s = t->state;
    unsigned d = path_hops_from_ttl(t->rx_ttl);
    if (!s->discovering || t->learned.host_hop != 0 || d == 0 || d > HOP_LIMIT)
        return;
    t->learned.host_hop = (uint8_t)d;
    t->learned.host_hop_source = PATH_HOP_SYNACK_TTL;
}

static void on_handshake_reply(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct liveness_state *s = t->state;
    if (s->discovering && discovery_rst_ttl(seg) != 0)
        return; /* a late answer to a discovery ACK */
    enum tc_handshake hs = tc_handshake_classify(seg, s->isn);
    if (hs != TC_HS_SYNACK) {
        if (hs != TC_HS_RST) {
            tc_send_reset(t, seg); /* reset the odd connection to be sure */
        }
        s->failure = hs;
        s->failure_timeout = false;
        retry_or_finish(t, now);
        return;
    }
    if (s->syn_tries == 1) /* Karn: no RTT sample from a retransmitted SYN */
        t->rtt = now - s->syn_sent_at;
    estimate_hops(t);
    tc_conn_established(&s->conn, seg, 0);
    tc_conn_send_ack(t, &s->conn);
    send_rst_and_probe(t, now);
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

/* The discovery's findings, for the dataset (custom) of the target's first LivenessTest. */
static json_t *discovery_custom(const struct tc *t)
{
    const struct liveness_state *s = t->state;
    if (!s->discovering)
        return NULL;
    json_t *hops = json_array();
    for (unsigned h = 1; h <= HOP_LIMIT; h++)
        if (path_hop_quotes(&t->learned, h))
            json_array_append_new(hops, json_integer(h));
    json_t *d = t->learned.host_hop ? json_integer(t->learned.host_hop) : json_null();
    return json_pack("{s:o, s:s, s:o}", "hop_distance", d, "hop_distance_source",
                     path_hop_source_name(t->learned.host_hop_source), "quoting_hops", hops);
}

static void pass(struct tc *t, tc_time now)
{
    tc_finish(t, TC_PASS, -1, NULL, discovery_custom(t), now);
}

static void liveness_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct liveness_state *s = t->state;
    uint32_t acked;
    switch (s->phase) {
    case LV_DISCOVERY:
        discovery_segment(t, seg, now);
        break;
    case LV_HANDSHAKE:
        on_handshake_reply(t, seg, now);
        break;
    case LV_PROBING:
        switch (tc_conn_alive_answer(&s->conn, seg, &acked)) {
        case CONN_ALIVE_GONE:
            if (!(s->discovering && discovery_rst_ttl(seg) != 0))
                pass(t, now);
            break;
        case CONN_ALIVE_YES:
            rst_ignored(t, now); /* the connection answered our probe: still there */
            break;
        case CONN_ALIVE_NONE:
            /* a late duplicate SYN-ACK from the handshake, or data the application sent
             * before our RST arrived (a banner); not an answer to the probe */
            break;
        }
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
    case LV_DISCOVERY:
        end_discovery(t, now);
        break;
    case LV_HANDSHAKE:
        s->failure_timeout = true;
        retry_or_finish(t, now);
        break;
    case LV_PROBING:
    case LV_ORIGINAL_LISTEN:
        /* Silence after the RST and the probe: neither an established connection nor a
         * closed port's RST. Taken as the connection gone, as the original did after its
         * 10 s: LivenessTest judges whether the host can be reached (the handshake); a FAIL
         * for ignored RSTs rests only on the connection answering the probe. */
        pass(t, now);
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

static void liveness_cleanup(struct tc *t)
{
    struct liveness_state *s = t->state;
    tc_conn_free(&s->conn);
}

const struct test_case liveness_test = {
    .name = "LivenessTest",
    .req = {.rfc = "RFC 9293",
            .id = "3.5",
            .text = "Three-way handshake opens a connection, RST closes it (3.5, 3.10.7.4)"},
    .checks =
        "handshake and RST; runs before every test and at the end; the first one learns the path",
    .default_on = false, /* the scheduler runs it around every test */
    .needs_alp = false,
    /* the discovery burst, then SYNs, resets, probes */
    .packet_budget = HOP_LIMIT + 16,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct liveness_state),
    .start = liveness_start,
    .on_segment = liveness_on_segment,
    .on_quote = liveness_on_quote,
    .on_timer = liveness_on_timer,
    .cleanup = liveness_cleanup,
};
