/* OptionSupportTest: RFC 9293 MUST-4, every TCP must support the mandatory options End of
 * Option List (kind 0) and No-Operation (kind 1) (3.1, 3.2). A SYN carrying NOOP NOOP EOL
 * must open a connection like any other. */
#include <stdio.h>

#include "common/bytes.h"
#include "testcase/syn_accept.h"
#include "tracebox/ttl_code.h"

/* The TTL goes everywhere a quote can carry it except the options under test. */
#define OPTION_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)

static void add_nop_nop_eol(struct tcp_opts *opts)
{
    tcp_opts_add_nop(opts);
    tcp_opts_add_nop(opts);
    tcp_opts_add_eol(opts);
}

/* The original's lenient check: options may be added (e.g. MSS) or duplicated, but NOOP
 * and EOL must survive the path. */
static bool options_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                         char *seen, size_t seen_cap)
{
    (void)ctx;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_options)
        return false; /* options not (fully) quoted */
    const uint8_t *opt_bytes = v.options;
    size_t opts_len = v.options_len;
    struct tcp_opts opts;
    if (tcp_opts_parse(opt_bytes, opts_len, &opts) != 0) {
        snprintf(exp, exp_cap, "%s", "");
        bytes_hex(opt_bytes, opts_len, seen, seen_cap);
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

static const struct syn_accept_params option_support_params = {
    .add_options = add_nop_nop_eol,
    .failure_suffix = " with options",
};

const struct test_case option_support_test = {
    .name = "OptionSupportTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-4",
            .text = "Support the mandatory option set (EOL, NOOP)"},
    .checks = "EOL and NOOP accepted",
    .default_on = true,
    .needs_alp = false,
    .packet_budget = HOP_LIMIT + 4,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct syn_accept_state),
    .mbox = {.fields = OPTION_TTL_FIELDS,
             .diff = options_diff,
             .info = "header option(s) deleted",
             .stage = 1},
    .params = &option_support_params,
    .start = syn_accept_start,
    .on_segment = syn_accept_on_segment,
    .on_timer = syn_accept_on_timer,
};
