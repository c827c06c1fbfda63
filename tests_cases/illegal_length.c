/* IllegalLengthOptionTest: RFC 9293 MUST-7, a TCP implementation must be prepared to
 * handle an illegal option length (e.g. zero); the suggested procedure is to reset the
 * connection and log the error cause (3.2). Sent: a SYN whose MSS option has length 0.
 * Refusing it (RST), dropping it or accepting it are all fine, as long as the host still
 * answers a regular SYN afterwards (stage 2). Stage 2's SYN is retransmitted with backoff
 * (RFC 6298 5.5), so its FAIL rests on a host that stays silent to three SYNs over seconds
 * right after answering the LivenessTest before, not on one lost packet. */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "testcase/syn_accept.h"
#include "tracebox/ttl_code.h"

#define ILLEGAL_STAGE 1
#define REACHABILITY_STAGE 2
/* MSS kind with length 0, then the rest of a would-be MSS value (the original's bytes). */
static const uint8_t illegal_option[] = {0x02, 0x00, 0x02, 0xf1};
#define ILLEGAL_OPTION_HEX "020002f1"
#define ILLEGAL_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
/* The regular SYN lies 2 * 65535 - 1 beyond the illegal one's: outside any window the
 * first connection might still have (the original's 0x1fffd). */
#define REACHABILITY_SEQ_OFFSET 0x1fffdu
#define REACHABILITY_SYN_WINDOW 1024
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)

/* Regular SYNs of stage 2 before its FAIL (the first and two retransmissions). */
#define REACHABILITY_TRIES 3

enum illegal_phase {
    IL_ILLEGAL_SYN,  /* the traced SYN sent, waiting for the first reply */
    IL_SILENCE,      /* no reply: waiting for the probe's quotes before the regular SYN */
    IL_REACHABILITY, /* regular SYN sent */
};

struct illegal_state {
    enum illegal_phase phase;
    uint32_t isn;         /* of the SYN awaiting a reply */
    uint32_t illegal_isn; /* of the illegal SYN, whose late answers stage 2 sets aside */
    tc_time sent_at;
    unsigned tries; /* regular SYNs sent */
};

/* The illegal option must reach the host byte for byte; others may come and go. Options
 * after it cannot be parsed (its length is 0), so compare the bytes where it was put. */
static bool illegal_option_diff(const struct icmp_quote *q, const void *ctx, char *exp,
                                size_t exp_cap, char *seen, size_t seen_cap)
{
    (void)ctx;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_options)
        return false; /* options not (fully) quoted */
    const uint8_t *opt_bytes = v.options;
    size_t opts_len = v.options_len;
    if (opts_len >= sizeof(illegal_option) &&
        memcmp(opt_bytes, illegal_option, sizeof(illegal_option)) == 0)
        return false;
    snprintf(exp, exp_cap, "%s", ILLEGAL_OPTION_HEX);
    bytes_hex(opt_bytes, opts_len, seen, seen_cap);
    return true;
}

static void illegal_start(struct tc *t, tc_time now)
{
    struct illegal_state *s = t->state;
    struct tcp_seg syn;
    s->isn = tc_random32(t);
    s->illegal_isn = s->isn;
    tc_seg_new(t, &syn);
    syn.seq = s->isn;
    syn.flags = TCP_FLAG_SYN;
    tcp_opts_add_raw(&syn.opts, illegal_option, sizeof(illegal_option));
    tc_send_probe(t, &syn, ILLEGAL_TTL_FIELDS, NULL, NULL);
    s->phase = IL_ILLEGAL_SYN;
    s->sent_at = now;
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_REPLY_WAIT));
}

/* A reply to a SYN: RST or SYN-ACK acknowledging it pass; anything else fails. Returns the
 * verdict and resets a connection the reply opened. */
static enum tc_status judge_syn_reply(struct tc *t, const struct tcp_seg *seg, uint32_t isn,
                                      char *reason, size_t cap)
{
    enum tc_handshake hs = tc_handshake_classify(seg, isn);
    if (!(seg->flags & TCP_FLAG_RST)) {
        tc_send_reset(t, seg);
    }
    if (hs == TC_HS_RST || hs == TC_HS_SYNACK)
        return TC_PASS;
    snprintf(reason, cap, "%s", tc_handshake_reason(hs));
    return TC_FAIL;
}

static void send_regular_syn(struct tc *t, tc_time now)
{
    struct illegal_state *s = t->state;
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    syn.seq = s->isn;
    syn.window = REACHABILITY_SYN_WINDOW;
    syn.flags = TCP_FLAG_SYN;
    tc_send(t, &syn, 0, 0);
    s->tries++;
    s->sent_at = now;
    tc_time wait = tc_wait_synack(t, ORIGINAL_REPLY_WAIT);
    if (!t->env.timing->original)
        wait <<= (s->tries - 1); /* RFC 6298 (5.5): back off */
    tc_set_timer(t, now + wait);
}

static void start_reachability(struct tc *t, tc_time now)
{
    struct illegal_state *s = t->state;
    s->isn = s->isn + 1 + REACHABILITY_SEQ_OFFSET;
    s->phase = IL_REACHABILITY;
    send_regular_syn(t, now);
}

/* Stage 2's verdict. Stage 2 runs because the illegal SYN drew silence: when a hop known to
 * quote this target's probes was silent for it, the path dropped it, the host never saw the
 * option, and nothing the regular SYN shows is about coping with it (tc_conclude: UNK
 * "probe dropped"). The quotes are in by now, so the verdict is immediate. */
static void finish_reachability(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    tc_conclude(t, st, st == TC_PASS ? -1 : REACHABILITY_STAGE, st == TC_PASS ? NULL : reason, true,
                now);
}

/* No reply to the illegal SYN, the quotes are in: unless they show the path changed the
 * option, a regular SYN decides. */
static void after_silence(struct tc *t, tc_time now)
{
    if (tc_path_changed(t))
        tc_conclude(t, TC_UNK, ILLEGAL_STAGE, NULL, false, now); /* the middlebox's UNK */
    else
        start_reachability(t, now);
}

static void illegal_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct illegal_state *s = t->state;
    if (s->phase == IL_ILLEGAL_SYN) {
        char reason[sizeof(t->result.reason)] = "";
        enum tc_status st = judge_syn_reply(t, seg, s->isn, reason, sizeof(reason));
        t->rtt = now - s->sent_at;
        /* Before passing or blaming the host, the quotes must show the option arrived. */
        tc_conclude(t, st, st == TC_PASS ? -1 : ILLEGAL_STAGE, reason, false, now);
    } else if (s->phase == IL_REACHABILITY) {
        if ((seg->flags & TCP_FLAG_ACK) && seg->ack == s->illegal_isn + 1) {
            /* A late answer to the illegal SYN, not to the regular one: it neither passes
             * nor fails stage 2. A connection it opened is reset; a RST is not answered. */
            if (!(seg->flags & TCP_FLAG_RST)) {
                tc_send_reset(t, seg);
            }
            return;
        }
        char reason[sizeof(t->result.reason)] = "";
        enum tc_status st = judge_syn_reply(t, seg, s->isn, reason, sizeof(reason));
        finish_reachability(t, st, reason, now);
    }
    /* IL_SILENCE: late answers to the illegal SYN's copies */
}

static void illegal_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    struct illegal_state *s = t->state;
    (void)q;
    if (s->phase == IL_SILENCE && !t->env.timing->original && tc_probe_quotes_in(t, now))
        after_silence(t, now);
}

static void illegal_on_timer(struct tc *t, tc_time now)
{
    struct illegal_state *s = t->state;
    switch (s->phase) {
    case IL_ILLEGAL_SYN:
        /* Silence is acceptable; the quotes and a regular SYN decide. The original slept
         * its quote wait first. */
        s->phase = IL_SILENCE;
        if (t->env.timing->original)
            tc_set_timer(t, now + ORIGINAL_QUOTE_WAIT);
        else if (tc_probe_quotes_in(t, now))
            after_silence(t, now);
        else
            tc_set_timer(t, tc_probe_quotes_at(t));
        break;
    case IL_SILENCE:
        after_silence(t, now);
        break;
    case IL_REACHABILITY:
        if (s->tries < REACHABILITY_TRIES && !t->env.timing->original)
            send_regular_syn(t, now);
        else
            finish_reachability(t, TC_FAIL, TC_REASON_HS_TIMEOUT, now);
        break;
    }
}

const struct test_case illegal_length_option_test = {
    .name = "IllegalLengthOptionTest",
    .req = {.rfc = "RFC 9293", .id = "MUST-7", .text = "Cope with an illegal option length"},
    .checks = "MSS kind with length 0 survived, host still reachable",
    .default_on = false,
    .needs_alp = false,
    .packet_budget = HOP_LIMIT + 6,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct illegal_state),
    .mbox = {.fields = ILLEGAL_TTL_FIELDS,
             .diff = illegal_option_diff,
             .info = "illegal header option deleted",
             .stage = ILLEGAL_STAGE},
    .start = illegal_start,
    .on_segment = illegal_on_segment,
    .on_quote = illegal_on_quote,
    .on_timer = illegal_on_timer,
};
