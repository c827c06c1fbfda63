/* MssOnlyInSynTest: RFC 9293 MUST-65 (3.2): the MSS option "MUST NOT be sent in non-SYN
 * segments". Nothing provokes it: an exchange (testcase/exchange.h: the handshake, the
 * application request, the reply) and every segment the host sends without SYN judged by
 * src/tcp/option_rules.h, the rule `tcpreq analyze` applies as finding mss-on-non-syn. A
 * FAIL's custom adds the offending segment's "segment_mss" (the option's value) and
 * "segment_flags". */
#include "tcp/option_rules.h"
#include "testcase/exchange.h"
#include "tests_cases/alp_request.h"

#define REASON_MSS_WITHOUT_SYN "MSS option in a segment without SYN"

static enum ex_judgement mss_only_in_syn_judge(const struct tc *t, const struct tcp_seg *seg,
                                               const char **why, json_t **evidence)
{
    (void)t;
    uint16_t mss;
    if (seg->flags & TCP_FLAG_SYN)
        return EX_NOT_JUDGED; /* where the option belongs */
    if (!opt_rule_mss_without_syn(seg->flags, &seg->opts, &mss))
        return EX_CONFORMS;
    *why = REASON_MSS_WITHOUT_SYN;
    *evidence = json_pack("{s:i,s:i}", "segment_mss", (int)mss, "segment_flags", (int)seg->flags);
    return EX_VIOLATES;
}

static const struct exchange_params mss_only_in_syn_params = {
    .request = alp_request_pull,
    .judge = mss_only_in_syn_judge,
    .not_exercised = "No segment without SYN from the host",
};

const struct test_case mss_only_in_syn_test = {
    .name = "MssOnlyInSynTest",
    .req = {.rfc = "RFC 9293", .id = "MUST-65", .text = "Send the MSS option only in SYN segments"},
    .checks =
        "handshake, request and reply: no segment from the host without SYN carries an MSS option",
    .default_on = false,
    .needs_alp = true,
    .packet_budget = EXCHANGE_PACKET_BUDGET,
    .deadline = EXCHANGE_DEADLINE,
    .state_size = sizeof(struct exchange_state),
    .params = &mss_only_in_syn_params,
    .start = exchange_start,
    .on_segment = exchange_on_segment,
    .on_timer = exchange_on_timer,
    .cleanup = exchange_cleanup,
};
