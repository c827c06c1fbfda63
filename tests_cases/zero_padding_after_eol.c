/* ZeroPaddingAfterEolTest: RFC 9293 MUST-69 (3.1): "the content of the header beyond the
 * End of Option List option must be header padding of zeros". An exchange
 * (testcase/exchange.h) and the options area of every segment the host sends, as it
 * arrived, judged by src/tcp/option_rules.h, the rule `tcpreq analyze` applies as finding
 * nonzero-after-eol. A header whose options fill it to a word boundary (Linux aligns with
 * NOPs) has no padding and conforms; our SYN offers SACK-permitted, so a host that ends
 * its options with EOL (the BSDs: MSS and SACK-permitted, then EOL and one pad byte)
 * shows its padding in the SYN-ACK. A FAIL's custom adds the first non-zero byte after EOL
 * ("nonzero_byte"), its "header_offset" and the segment's "segment_flags". */
#include "tcp/option_rules.h"
#include "testcase/exchange.h"
#include "tests_cases/alp_request.h"

#define REASON_NONZERO_AFTER_EOL "Non-zero header byte after EOL"

static void zero_padding_syn_options(const struct tc *t, struct tcp_opts *opts)
{
    (void)t;
    tcp_opts_add_sized(opts, TCP_OPT_KIND_SACK_PERM, NULL, 0);
}

static enum ex_judgement zero_padding_judge(const struct tc *t, const struct tcp_seg *seg,
                                            const char **why, json_t **evidence)
{
    size_t len, at;
    const uint8_t *area = tc_rx_options(t, &len);
    if (area == NULL || len == 0)
        return EX_NOT_JUDGED; /* no options, no padding */
    if (!opt_rule_nonzero_after_eol(area, len, &at))
        return EX_CONFORMS;
    *why = REASON_NONZERO_AFTER_EOL;
    *evidence = json_pack("{s:i,s:I,s:i}", "nonzero_byte", (int)area[at], "header_offset",
                          (json_int_t)(TCP_HDR_MIN + at), "segment_flags", (int)seg->flags);
    return EX_VIOLATES;
}

static const struct exchange_params zero_padding_params = {
    .syn_options = zero_padding_syn_options,
    .request = alp_request_pull,
    .judge = zero_padding_judge,
    .not_exercised = "No segment with options from the host",
};

const struct test_case zero_padding_after_eol_test = {
    .name = "ZeroPaddingAfterEolTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-69",
            .text = "Pad the header with zeros after the End of Option List"},
    .checks = "handshake (SACK-permitted offered), request and reply: every header byte after an "
              "EOL from the host is zero",
    .default_on = false,
    .needs_alp = true,
    .packet_budget = EXCHANGE_PACKET_BUDGET,
    .deadline = EXCHANGE_DEADLINE,
    .state_size = sizeof(struct exchange_state),
    .params = &zero_padding_params,
    .start = exchange_start,
    .on_segment = exchange_on_segment,
    .on_timer = exchange_on_timer,
    .cleanup = exchange_cleanup,
};
