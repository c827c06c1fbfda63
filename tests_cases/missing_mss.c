/* MissingMSSTest: RFC 9293 MUST-15, without an MSS option at connection setup a TCP must
 * assume a default send MSS of 536 (IPv4) or 1220 (IPv6) (3.7.1). A SYN without options
 * (the burst's TTL code aside): no segment the target sends may exceed that default plus
 * the header. The machine is MSSSupportTest's (mss_support.c); a failed handshake keeps
 * its own result, and the path must not have inserted an MSS option. */
#include <stdio.h>

#include "common/bytes.h"
#include "testcase/syn_accept.h"
#include "tests_cases/mss_support.h"

#define MSS_OPT_LEN 4

/* Hex of the option bytes from the entry at index `from` on: the original's parser consumed
 * the bytes it parsed, so on a malformed option it reported what was left. */
static void hex_tail(const uint8_t *bytes, size_t len, const struct tcp_opts *opts, unsigned from,
                     char *buf, size_t cap)
{
    size_t off = 0;
    for (unsigned i = 0; i < from && i < opts->count; i++)
        off += opts->opt[i].type == TCP_OPT_SINGLE ? 1 : opts->opt[i].len;
    bytes_hex(bytes + (off < len ? off : len), off < len ? len - off : 0, buf, cap);
}

/* The original's check: the quoted SYN must carry no MSS option; options that do not parse
 * are reported as seen. */
static bool missing_mss_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
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
    int rc = tcp_opts_parse(opt_bytes, opts_len, &opts); /* keeps the entries before an error */
    for (unsigned i = 0; i < opts.count; i++) {
        const struct tcp_opt *o = &opts.opt[i];
        if (o->type != TCP_OPT_SIZED || o->kind != TCP_OPT_KIND_MSS)
            continue;
        snprintf(exp, exp_cap, "%s", "");
        if (o->len == MSS_OPT_LEN)
            tcp_opt_hex(o, seen, seen_cap);
        else /* an MSS option of another length did not parse in the original */
            hex_tail(opt_bytes, opts_len, &opts, i, seen, seen_cap);
        return true;
    }
    if (rc == 0)
        return false;
    snprintf(exp, exp_cap, "%s", "");
    hex_tail(opt_bytes, opts_len, &opts, opts.count, seen, seen_cap);
    return true;
}

static const struct mss_params missing_mss_params = {
    .syn_mss = NULL,
    .n_syn_mss = 0,
    .failure_suffix = NULL,
    .req_hint = 0, /* the default MSS less 20 */
};

const struct test_case missing_mss_test = {
    .name = "MissingMSSTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-15",
            .text = "Assume a default send MSS of 536 (IPv4) / 1220 (IPv6) without an MSS option"},
    .checks = "no MSS: at most 536 (IPv4) / 1220 (IPv6) bytes",
    .default_on = true,
    .needs_alp = true,
    .packet_budget = MSS_PACKET_BUDGET,
    .deadline = MSS_DEADLINE,
    .state_size = sizeof(struct mss_state),
    .mbox = {.fields = MSS_MISSING_TTL_FIELDS,
             .diff = missing_mss_diff,
             .info = "MSS inserted",
             .stage = MSS_STAGE},
    .params = &missing_mss_params,
    .start = mss_start,
    .on_segment = mss_on_segment,
    .on_quote = mss_on_quote,
    .on_timer = mss_on_timer,
    .cleanup = mss_cleanup,
};
