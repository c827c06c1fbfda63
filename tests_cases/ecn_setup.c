/* EcnSetupTest: RFC 3168 6.1.1, behind RFC 9293 SHLD-8 ("a TCP endpoint SHOULD implement
 * ECN as described in RFC 3168"). An ECN-setup SYN (ECE and CWR set) is answered either
 * with an ECN-setup SYN-ACK (ECE set, CWR clear: the host takes ECN) or with a plain one
 * (it does not); both conform. A SYN-ACK with CWR set is neither, and "a host MUST NOT set
 * ECT on SYN or SYN-ACK packets". This file also holds the machine EcnEceOnlySynTest and
 * EcnCwrOnlySynTest share (see ecn_setup.h). */
#include "tests_cases/ecn_setup.h"

#include <stdio.h>

#include "testcase/ecn.h"

#define RETRY_SYN_WINDOW 4096
#define REASON_CWR "SYN-ACK with CWR set in reply to a SYN%s"
#define REASON_ECT "SYN-ACK sent ECN-capable (%s) in reply to a SYN%s"
#define REASON_SETUP "ECN-setup SYN-ACK in reply to a SYN%s"

static const struct ecn_syn_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

bool ecn_syn_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                  char *seen, size_t seen_cap)
{
    /* The SYN is sent not-ECT (RFC 3168 6.1.1: never ECT on a SYN). */
    return ecn_quote_diff(q, params_of(ctx)->syn_flags, IP_ECN_NOT_ECT, exp, exp_cap, seen,
                          seen_cap);
}

void ecn_syn_start(struct tc *t, tc_time now)
{
    struct ecn_syn_state *s = t->state;
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = (uint8_t)(TCP_FLAG_SYN | params_of(t)->syn_flags);
    p->fields = t->kind->mbox.fields;
    p->burst = true;
    p->retry_window = RETRY_SYN_WINDOW;
    /* A SYN without ECE and CWR: the plain handshake the attempt is paired with. */
    p->control = true;
    syn_probe_start(t, p, now);
}

/* The SYN-ACK, judged by what the host wrote into it: its flags and its ECN field. */
static void judge_synack(struct tc *t, const struct tcp_seg *synack, bool retried, tc_time now)
{
    const struct ecn_syn_params *par = params_of(t);
    uint8_t tos = t->rx_tos;
    json_t *custom =
        json_pack("{s:s,s:b,s:s,s:s}", "connectivity", retried ? "transient" : "works",
                  "negotiated", ecn_setup_synack(synack->flags), "synack_flags",
                  ecn_flags_name(synack->flags), "synack_ecn", ecn_codepoint_name(tos));
    tc_send_reset(t, synack);
    char reason[sizeof(t->result.reason)] = "";
    if (par->setup && (synack->flags & TCP_FLAG_CWR))
        snprintf(reason, sizeof(reason), REASON_CWR, par->syn_suffix);
    else if (par->setup && ecn_capable(tos))
        /* A CE mark shows the host sent it ECT: routers mark only ECT packets. */
        snprintf(reason, sizeof(reason), REASON_ECT, ecn_codepoint_name(tos), par->syn_suffix);
    else if (!par->setup && ecn_setup_synack(synack->flags))
        snprintf(reason, sizeof(reason), REASON_SETUP, par->syn_suffix);
    bool failed = reason[0] != '\0';
    tc_conclude_custom(t, failed ? TC_FAIL : TC_PASS, failed ? ECN_SYN_STAGE : -1,
                       failed ? reason : NULL, custom, false, now);
}

/* No SYN-ACK for the SYN under test: the control SYN classes the connectivity. */
static const char *connectivity_of(const struct syn_probe_failure *f)
{
    switch (f->control) {
    case SP_CONTROL_ANSWERED:
        return "broken";
    case SP_CONTROL_SILENT:
    case SP_CONTROL_REFUSED:
        return "offline";
    case SP_CONTROL_LATE:
        return "transient";
    case SP_CONTROL_NONE:
        break;
    }
    /* A wrong reply to the SYN under test; the plain handshake was the LivenessTest's. */
    return "broken";
}

static void handle(struct tc *t, enum syn_probe_outcome o, const struct tcp_seg *synack,
                   const struct syn_probe_failure *f, tc_time now)
{
    struct ecn_syn_state *s = t->state;
    if (o == SP_ESTABLISHED) {
        judge_synack(t, synack, syn_probe_retried(&s->probe), now);
    } else if (o == SP_FAILED) {
        char reason[sizeof(t->result.reason)];
        syn_probe_failure_reason(f, params_of(t)->syn_suffix, reason, sizeof(reason));
        tc_conclude_custom(t, f->status, ECN_SYN_STAGE, reason,
                           json_pack("{s:s}", "connectivity", connectivity_of(f)), f->by_silence,
                           now);
    }
}

void ecn_syn_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct ecn_syn_state *s = t->state;
    if (!syn_probe_active(&s->probe))
        return;
    struct syn_probe_failure f;
    handle(t, syn_probe_segment(t, &s->probe, seg, now, &f), seg, &f, now);
}

void ecn_syn_on_timer(struct tc *t, tc_time now)
{
    struct ecn_syn_state *s = t->state;
    struct syn_probe_failure f;
    if (syn_probe_active(&s->probe))
        handle(t, syn_probe_timer(t, &s->probe, now, &f), NULL, &f, now);
}

static const struct ecn_syn_params ecn_setup_params = {
    .syn_flags = ECN_SETUP_SYN_FLAGS,
    .setup = true,
    .syn_suffix = " with ECN setup",
};

const struct test_case ecn_setup_test = {
    .name = "EcnSetupTest",
    .req = {.rfc = "RFC 3168",
            .id = "6.1.1",
            .text = "An ECN-setup SYN gets an ECN-setup SYN-ACK or a plain one, never ECT "
                    "(ECN itself is RFC 9293's SHLD-8, a SHOULD)"},
    .checks = "SYN with ECE+CWR: SYN-ACK with ECE or neither, CWR clear, not-ECT; "
              "connectivity classed",
    /* Off: the default set stays the original tcpreq's. */
    .default_on = false,
    .needs_alp = false,
    .packet_budget = ECN_SYN_PACKET_BUDGET,
    .deadline = ECN_SYN_DEADLINE,
    .state_size = sizeof(struct ecn_syn_state),
    .mbox = ECN_SYN_MBOX,
    .params = &ecn_setup_params,
    .start = ecn_syn_start,
    .on_segment = ecn_syn_on_segment,
    .on_timer = ecn_syn_on_timer,
};
