/* TsecrIgnoredWithoutAckTest: RFC 7323 3.2, the TSecr field is valid only when ACK is set;
 * when it is not, the receiver MUST ignore it. A SYN whose Timestamps option carries a
 * non-zero TSecr (which its sender SHOULD have zeroed) must open a connection like any other,
 * and the SYN-ACK, which has ACK set, MUST echo the TSval it received: ours, not our TSecr.
 *
 * The "a SYN carrying X opens a connection" machine (syn_accept.h): the traced SYN, its plain
 * retry, a control SYN without options when both fail; the quotes decide first whether the
 * option reached the host unchanged. A SYN-ACK without TSopt says the host does not use
 * timestamps: then nothing shows what it did with TSecr (UNK). A FAIL's custom:
 * {"tsecr_echoed": the SYN-ACK's TSecr, "tsval_sent": our TSval}. */
#include "common/bytes.h"
#include "tcp/ext_options.h"
#include "testcase/syn_accept.h"
#include "tracebox/ttl_code.h"

#define STAGE 1
/* Our TSval, and a TSecr that is neither zero nor the TSval. */
#define OUR_TSVAL 0x74637271u
#define OUR_TSECR 0x0badcafeu
#define TSECR_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)

#define REASON_NO_TS "SYN-ACK without TSopt: timestamps not in use, TSecr handling not seen"
/* What the SYN-ACK echoed is in custom (tsecr_echoed, beside tsval_sent): a host's wrong
 * echo may be any 32-bit value, and a reason stays the same between runs. */
#define REASON_ECHOED_TSECR "SYN-ACK echoed the SYN's TSecr instead of its TSval"
#define REASON_WRONG_ECHO "SYN-ACK echoed neither the SYN's TSval nor its TSecr"

static void add_timestamp(struct tcp_opts *opts)
{
    tcp_opts_add_timestamp(opts, OUR_TSVAL, OUR_TSECR);
}

/* The quoted SYN must still carry our TSopt, TSecr included: a path that zeroes it makes
 * the test say nothing. */
static bool timestamp_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                           char *seen, size_t seen_cap)
{
    (void)ctx;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_options)
        return false; /* options not (fully) quoted */
    struct tcp_opts opts;
    uint32_t tsval, tsecr;
    tcp_opts_parse(v.options, v.options_len, &opts);
    if (tcp_opts_get_timestamp(&opts, &tsval, &tsecr) && tsval == OUR_TSVAL && tsecr == OUR_TSECR)
        return false;
    struct tcp_opts sent;
    tcp_opts_init(&sent);
    add_timestamp(&sent);
    tcp_opt_hex(&sent.opt[0], exp, exp_cap);
    bytes_hex(v.options, v.options_len, seen, seen_cap);
    return true;
}

/* RFC 7323 3.2: "When the ACK bit is set in an outgoing segment, the sender MUST echo a
 * recently received TSval"; the only one it received is ours. */
static enum tc_status judge_synack(const struct tc *t, const struct tcp_seg *synack,
                                   const char **reason, json_t **custom)
{
    (void)t;
    uint32_t tsval, tsecr;
    if (!tcp_opts_get_timestamp(&synack->opts, &tsval, &tsecr)) {
        *reason = REASON_NO_TS;
        return TC_UNK;
    }
    if (tsecr == OUR_TSVAL)
        return TC_PASS;
    *reason = tsecr == OUR_TSECR ? REASON_ECHOED_TSECR : REASON_WRONG_ECHO;
    *custom = json_pack("{s:I,s:I}", "tsecr_echoed", (json_int_t)tsecr, "tsval_sent",
                        (json_int_t)OUR_TSVAL);
    return TC_FAIL;
}

static const struct syn_accept_params tsecr_params = {
    .add_options = add_timestamp,
    .failure_suffix = " with TSecr set in the SYN",
    .judge_synack = judge_synack,
};

const struct test_case tsecr_ignored_without_ack_test = {
    .name = "TsecrIgnoredWithoutAckTest",
    .req = {.rfc = "RFC 7323",
            .id = "3.2",
            .text =
                "TSecr is ignored when ACK is clear: a SYN with non-zero TSecr opens a connection"},
    .checks = "SYN with TSval and a non-zero TSecr: SYN-ACK, echoing the TSval",
    .default_on = false,
    .needs_alp = false,
    /* the traced SYN, its retry, the control SYN, two resets */
    .packet_budget = HOP_LIMIT + 4,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct syn_accept_state),
    .mbox = {.fields = TSECR_TTL_FIELDS,
             .diff = timestamp_diff,
             .info = "timestamps option modified or deleted",
             .stage = STAGE},
    .params = &tsecr_params,
    .start = syn_accept_start,
    .on_segment = syn_accept_on_segment,
    .on_timer = syn_accept_on_timer,
};
