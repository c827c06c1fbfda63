/* ZeroPaddingAfterEolTest: RFC 9293 MUST-69 (3.1): "the content of the header beyond the
 * End of Option List option must be header padding of zeros". An exchange
 * (testcase/exchange.h) and the options area of every segment the host sends, as it
 * arrived, judged by src/tcp/option_rules.h, the rule `tcpreq analyze` applies as finding
 * nonzero-after-eol. A header whose options fill it to a word boundary (Linux aligns with
 * NOPs) has no padding and conforms; our SYN offers SACK-permitted, so a host that ends
 * its options with EOL (the BSDs: MSS and SACK-permitted, then EOL and one pad byte)
 * shows its padding in the SYN-ACK. */
#include <stdio.h>

#include "tcp/option_rules.h"
#include "testcase/exchange.h"
#include "tests_cases/alp_request.h"

static void zero_padding_syn_options(const struct tc *t, struct tcp_opts *opts)
{
    (void)t;
    tcp_opts_add_sized(opts, TCP_OPT_KIND_SACK_PERM, NULL, 0);
}

static enum ex_judgement zero_padding_judge(const struct tc *t, const struct tcp_seg *seg,
                                            char *why, size_t why_cap)
{
    size_t len, at;
    const uint8_t *area = tc_rx_options(t, &len);
    if (area == NULL || len == 0)
        return EX_NOT_JUDGED; /* no options, no padding */
    if (!opt_rule_nonzero_after_eol(area, len, &at))
        return EX_CONFORMS;
    snprintf(why, why_cap, "Byte 0x%02x at header offset %zu after EOL (flags 0x%02x)",
             (unsigned)area[at], (size_t)TCP_HDR_MIN + at, (unsigned)seg->flags);
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
