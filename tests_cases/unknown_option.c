/* UnknownOptionTest: RFC 9293 MUST-6, a TCP must be prepared to handle an illegal option
 * length and must ignore, without error, any option kind it does not implement (3.2;
 * RFC 1122 4.2.2.5). A SYN carrying the reserved kind 158 must open a connection like any
 * other. */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "testcase/syn_accept.h"
#include "tracebox/ttl_code.h"

/* Kind 158 is unassigned (IANA TCP parameters); the payload is the original's. */
#define UNKNOWN_OPTION_KIND 158
static const uint8_t unknown_option_payload[] = {0x58, 0xfa, 0x89};
#define UNKNOWN_OPTION_HEX "9e0558fa89"
#define UNKNOWN_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)

static void add_unknown_option(struct tcp_opts *opts)
{
    tcp_opts_add_sized(opts, UNKNOWN_OPTION_KIND, unknown_option_payload,
                       sizeof(unknown_option_payload));
}

static bool is_unknown_option(const struct tcp_opt *o)
{
    struct tcp_opts ref;
    tcp_opts_init(&ref);
    add_unknown_option(&ref);
    return tcp_opt_equal(o, &ref.opt[0]);
}

/* The original's lenient check: other options may come and go, the unknown one must
 * arrive unchanged. */
static bool unknown_option_diff(const struct icmp_quote *q, const void *ctx, char *exp,
                                size_t exp_cap, char *seen, size_t seen_cap)
{
    (void)ctx;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_options)
        return false; /* options not (fully) quoted */
    const uint8_t *opt_bytes = v.options;
    size_t opts_len = v.options_len;
    struct tcp_opts opts;
    if (tcp_opts_parse(opt_bytes, opts_len, &opts) == 0) {
        for (size_t i = 0; i < opts.count; i++)
            if (is_unknown_option(&opts.opt[i]))
                return false;
    }
    snprintf(exp, exp_cap, "%s", UNKNOWN_OPTION_HEX);
    bytes_hex(opt_bytes, opts_len, seen, seen_cap);
    return true;
}

static const struct syn_accept_params unknown_option_params = {
    .add_options = add_unknown_option,
    .failure_suffix = " with unknown option",
};

const struct test_case unknown_option_test = {
    .name = "UnknownOptionTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-6",
            .text = "Ignore without error any option kind not implemented"},
    .checks = "unknown option kind 158 in the SYN ignored",
    .default_on = true,
    .needs_alp = false,
    .packet_budget = HOP_LIMIT + 4,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct syn_accept_state),
    .mbox = {.fields = UNKNOWN_TTL_FIELDS,
             .diff = unknown_option_diff,
             .info = "unknown header option deleted",
             .stage = 1},
    .params = &unknown_option_params,
    .start = syn_accept_start,
    .on_segment = syn_accept_on_segment,
    .on_timer = syn_accept_on_timer,
};
