/* OptionSupportTest: RFC 9293 MUST-4, every TCP must support the mandatory options End of
 * Option List (kind 0) and No-Operation (kind 1) (3.1, 3.2). A SYN carrying NOOP NOOP EOL
 * must open a connection like any other. */
#include <stdio.h>
#include <string.h>

#include "testcase/tc.h"
#include "tracebox/ttl_code.h"

#define OPTION_STAGE 1
#define RETRY_SYN_WINDOW 4096
#define ORIGINAL_SYN_WAIT (30 * TC_SEC)
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)
/* The original returned a failed handshake at once, without checking the quotes: in
 * original mode the check runs on the quotes already there. */
#define ORIGINAL_FAILURE_WAIT 0
/* The TTL goes everywhere a quote can carry it except the options under test. */
#define OPTION_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define MBOX_INFO "header option(s) deleted"
#define FAILURE_SUFFIX " with options"
/* Offset of the data offset nibble in the quoted TCP header (RFC 9293 3.1). */
#define QUOTE_OFF_DATA_OFF 12
#define DATA_OFF_SHIFT 4
#define DATA_OFF_WORD 4
#define HEX_BYTE_CHARS 2

enum option_phase {
    OS_TRACED_SYN, /* the tracebox burst, TTL 1..HOP_LIMIT */
    OS_RETRY_SYN,  /* one plain SYN "without encoding/segment burst" */
    OS_QUOTES,     /* established and reset: quotes still in flight */
    OS_FAILING,    /* handshake failed: quotes may still blame the path */
};

struct option_state {
    enum option_phase phase;
    uint32_t isn;
    tc_time first_sent_at; /* the burst: the only SYN an RTT may be sampled from (Karn) */
    char failure[sizeof(((struct tc_result *)0)->reason)];
};

static void build_syn(const struct tc *t, const struct option_state *s, struct tcp_seg *syn)
{
    tc_seg_new(t, syn);
    syn->seq = s->isn;
    syn->flags = TCP_FLAG_SYN;
    tcp_opts_add_nop(&syn->opts);
    tcp_opts_add_nop(&syn->opts);
    tcp_opts_add_eol(&syn->opts);
}

static void option_start(struct tc *t, tc_time now)
{
    struct option_state *s = t->state;
    struct tcp_seg syn;
    s->isn = tc_random32(t);
    build_syn(t, s, &syn);
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++)
        tc_send_traced(t, &syn, ttl, OPTION_TTL_FIELDS);
    s->first_sent_at = now;
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_SYN_WAIT));
}

static void retry_without_burst(struct tc *t, tc_time now)
{
    struct option_state *s = t->state;
    struct tcp_seg syn;
    build_syn(t, s, &syn);
    syn.window = RETRY_SYN_WINDOW;
    tc_send(t, &syn, 0, 0);
    s->phase = OS_RETRY_SYN;
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_SYN_WAIT));
}

/* The original's lenient check: options may be added (e.g. MSS) or duplicated, but NOOP
 * and EOL must survive the path. */
static bool options_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                         char *seen, size_t seen_cap)
{
    (void)ctx;
    if (q->quote_len < TCP_HDR_MIN)
        return false; /* options not quoted */
    size_t head_len = (size_t)(q->quote[QUOTE_OFF_DATA_OFF] >> DATA_OFF_SHIFT) * DATA_OFF_WORD;
    if (head_len > q->quote_len)
        return false; /* options not (fully) quoted */
    /* A data offset below 5 leaves no option bytes: as the original, both options are
     * then missing. */
    size_t opts_len = head_len > TCP_HDR_MIN ? head_len - TCP_HDR_MIN : 0;
    const uint8_t *opt_bytes = q->quote + TCP_HDR_MIN;
    struct tcp_opts opts;
    if (tcp_opts_parse(opt_bytes, opts_len, &opts) != 0) {
        snprintf(exp, exp_cap, "%s", "");
        size_t n = 0;
        seen[0] = '\0';
        for (size_t i = 0; i < opts_len && n + HEX_BYTE_CHARS < seen_cap; i++)
            n += (size_t)snprintf(seen + n, seen_cap - n, "%02x", opt_bytes[i]);
        return true;
    }
    bool has_nop = tcp_opts_find(&opts, TCP_OPT_KIND_NOP) != NULL;
    bool has_eol = tcp_opts_find(&opts, TCP_OPT_KIND_EOL) != NULL;
    if (has_nop && has_eol)
        return false;
    snprintf(exp, exp_cap, "%s%s%s", has_nop ? "" : "01", !has_nop && !has_eol ? "," : "",
             has_eol ? "" : "00");
    snprintf(seen, seen_cap, "%s", "");
    return true;
}

static bool check_mboxes(struct tc *t, tc_time now)
{
    return tc_check_mboxes(t, OPTION_TTL_FIELDS, options_diff, NULL, MBOX_INFO, OPTION_STAGE,
                           now);
}

static void finish_failure(struct tc *t, tc_time now)
{
    struct option_state *s = t->state;
    if (!check_mboxes(t, now))
        tc_finish(t, TC_FAIL, OPTION_STAGE, s->failure, NULL, now);
}

/* The handshake failed. Before blaming the host, look at the quotes: when one shows the
 * options changed, the path is to blame (UNK), not the host. Quotes of the burst may still
 * be in flight unless the burst went out long ago (quotes_settled): wait for them first. */
static void fail(struct tc *t, const char *reason, bool quotes_settled, tc_time now)
{
    struct option_state *s = t->state;
    snprintf(s->failure, sizeof(s->failure), "%s%s", reason, FAILURE_SUFFIX);
    s->phase = OS_FAILING;
    tc_time wait = quotes_settled ? 0 : tc_wait_inflight(t, ORIGINAL_FAILURE_WAIT);
    if (wait == 0)
        finish_failure(t, now);
    else
        tc_set_timer(t, now + wait);
}

static void option_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct option_state *s = t->state;
    if (s->phase != OS_TRACED_SYN && s->phase != OS_RETRY_SYN)
        return; /* duplicate SYN-ACKs answering the rest of the burst */
    enum tc_handshake hs = tc_handshake_classify(seg, s->isn);
    if (hs == TC_HS_RST) {
        if (s->phase == OS_TRACED_SYN)
            retry_without_burst(t, now);
        else
            fail(t, tc_handshake_reason(hs), false, now);
        return;
    }
    /* A SYN-ACK is torn down as soon as it arrives; anything else is reset "to be sure"
     * (the original's _synchronize). */
    struct tcp_seg rst;
    tc_seg_reset(t, seg, &rst);
    tc_send(t, &rst, 0, 0);
    if (hs != TC_HS_SYNACK) {
        fail(t, tc_handshake_reason(hs), false, now);
        return;
    }
    /* Karn: the retry repeats the burst's sequence number, so a SYN-ACK after it may answer
     * either; only an answer to the first transmission is an RTT sample. */
    if (s->phase == OS_TRACED_SYN)
        t->rtt = now - s->first_sent_at;
    s->phase = OS_QUOTES;
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT));
}

static void option_on_timer(struct tc *t, tc_time now)
{
    struct option_state *s = t->state;
    switch (s->phase) {
    case OS_TRACED_SYN:
        retry_without_burst(t, now);
        break;
    case OS_RETRY_SYN:
        /* the burst went out two SYN waits ago: its quotes are in */
        fail(t, TC_REASON_HS_TIMEOUT, true, now);
        break;
    case OS_QUOTES:
        if (!check_mboxes(t, now))
            tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        break;
    case OS_FAILING:
        finish_failure(t, now);
        break;
    }
}

const struct test_case option_support_test = {
    .name = "OptionSupportTest",
    .rfc_req = "MUST-4",
    .rfc_text = "Support the mandatory option set (EOL, NOOP)",
    .default_on = true,
    .needs_alp = false,
    .packet_budget = HOP_LIMIT + 4,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct option_state),
    .start = option_start,
    .on_segment = option_on_segment,
    .on_timer = option_on_timer,
};
