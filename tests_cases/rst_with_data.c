/* RstWithDataTest: RFC 9293 SHLD-2 (3.5.3): "A TCP SHOULD allow a received RST segment to
 * include data"; RFC 1122 4.2.2.12 suggests the data explain the reset. A RST carrying such
 * text at exactly RCV.NXT is processed like any RST (3.10.7.4, "second, check the RST bit"):
 * the connection is reset, and the alive probe is then answered by a RST (3.10.7.1).
 *
 * A SHOULD: FAIL only when the connection clearly survived (the alive probe answered by the
 * connection) and the RST reached the host as sent: it is traced (reset_probe.h), so a hop
 * that dropped it, or a quote showing its data or flags changed, makes the verdict UNK. */
#include "testcase/reset_probe.h"

#define RWD_STAGE 1
#define WINDOW 4096
#define REASON_IGNORED "RST with data ignored"

/* The diagnostic text: short enough for a router's quote to hold all of it. */
static const char diagnostic[] = "tcpreq: RST with data (RFC 9293 3.5.3)";
#define DIAGNOSTIC_LEN (sizeof(diagnostic) - 1)

struct rwd_state {
    struct reset_probe rst;
};

static bool rwd_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                     char *seen, size_t seen_cap)
{
    const struct tc *t = ctx;
    const struct rwd_state *s = t->state;
    return reset_probe_quote_diff(&s->rst, q, exp, exp_cap, seen, seen_cap);
}

/* The RST with the text, at once: were it to overtake our ACK, a RST in SYN-RECEIVED must
 * reset the connection all the same (3.10.7.4). */
static void rwd_on_open(struct tc *t, tc_time now)
{
    struct rwd_state *s = t->state;
    reset_probe_send(t, tc_connection(t), &s->rst, (const uint8_t *)diagnostic, DIAGNOSTIC_LEN,
                     now);
}

static void rwd_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct rwd_state *s = t->state;
    reset_probe_conclude(t, alive_check_segment(tc_connection(t), &s->rst.alive, seg), RWD_STAGE,
                         REASON_IGNORED, now);
}

static void rwd_on_timer(struct tc *t, tc_time now)
{
    struct rwd_state *s = t->state;
    reset_probe_conclude(t, alive_check_timer(t, tc_connection(t), &s->rst.alive, now), RWD_STAGE,
                         REASON_IGNORED, now);
}

const struct test_case rst_with_data_test = {
    .name = "RstWithDataTest",
    .req = {.rfc = "RFC 9293",
            .id = "SHLD-2",
            .text = "A RST may carry data and is processed like any RST (3.5.3; a SHOULD)"},
    .checks =
        "RST at RCV.NXT carrying diagnostic text: the connection is reset (alive probe gets a RST)",
    .default_on = false,
    .needs_alp = false,
    /* SYN, ACK, the traced RST (a copy per hop at most), two alive probes, a close */
    .packet_budget = HOP_LIMIT + 5,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct rwd_state),
    .mbox = {.fields = RESET_PROBE_FIELDS,
             .diff = rwd_diff,
             .info = "RST with data modified",
             .stage = RWD_STAGE},
    .open = {.window = WINDOW, .stage = RWD_STAGE},
    .on_open = rwd_on_open,
    .on_segment = rwd_on_segment,
    .on_timer = rwd_on_timer,
};
