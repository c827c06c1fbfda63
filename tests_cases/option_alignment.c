/* OptionAlignmentTest: RFC 9293 MUST-64 (3.2): nothing obliges a sender to align options on
 * word boundaries with NOPs, so "receivers MUST be prepared to process options even if they
 * do not begin on a word boundary". Told MSS 515 in an option placed after one NOP, so the
 * option starts on an odd octet and its value straddles a 16-bit boundary (the worst case
 * for a parser reading words in place), the host must honour it: no segment it sends may
 * carry more than 515 bytes of options and data. MSSSupportTest's machine (mss_support.c);
 * the quote check asks that the option still sit where it was put, since a middlebox that
 * realigns options hides what is under test.
 *
 * A segment too large is the misalignment's fault only if the host honours the same option
 * aligned: a host that does not take MSS 515 at all (Linux answering with SYN cookies
 * rounds an MSS below 536 up to 536) fails MSSSupportTest, not this. So a segment too large
 * is followed by the aligned control, a plain connection whose SYN carries MSS 515 alone:
 * honoured there, FAIL; too large there as well, or no answer, UNK (stage 2). */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "tests_cases/mss_support.h"
#include "tracebox/quote_view.h"

/* NOPs before the MSS option: its kind at option octet 1, its value at header octets 23-24. */
#define ALIGNMENT_NOPS 1

static const uint16_t option_alignment_syn_mss[] = {MSS_TESTED};

static const struct mss_params option_alignment_params = {
    .syn_mss = option_alignment_syn_mss,
    .n_syn_mss = sizeof(option_alignment_syn_mss) / sizeof(option_alignment_syn_mss[0]),
    .syn_nops_before = ALIGNMENT_NOPS,
    .aligned_control = true,
    .failure_suffix = " with misaligned MSS option",
    .req_hint = MSS_REQ_HINT,
};

/* The quoted SYN must carry the options exactly as sent: the NOP, then the MSS option. */
static bool alignment_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                           char *seen, size_t seen_cap)
{
    const struct tc *t = ctx;
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_options)
        return false; /* options not (fully) quoted */
    struct tcp_opts opts;
    tcp_opts_init(&opts);
    mss_syn_options(t->kind->params, &opts);
    uint8_t sent[TCP_OPTS_MAX_BYTES];
    size_t n;
    if (tcp_opts_encode(&opts, sent, sizeof(sent), &n) != 0)
        return false;
    if (v.options_len == n && memcmp(v.options, sent, n) == 0)
        return false;
    bytes_hex(sent, n, exp, exp_cap);
    bytes_hex(v.options, v.options_len, seen, seen_cap);
    return true;
}

const struct test_case option_alignment_test = {
    .name = "OptionAlignmentTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-64",
            .text = "Process options regardless of word alignment"},
    .checks = "MSS 515 after one NOP (misaligned): no segment from the host carries more than 515 "
              "bytes of options and data",
    .default_on = false,
    .needs_alp = true,
    .packet_budget = MSS_PACKET_BUDGET + MSS_CONTROL_BUDGET,
    .deadline = MSS_DEADLINE,
    .state_size = sizeof(struct mss_state),
    .mbox = {.fields = MSS_TTL_FIELDS,
             .diff = alignment_diff,
             .info = "MSS option moved or modified",
             .stage = MSS_STAGE},
    .params = &option_alignment_params,
    .start = mss_start,
    .on_segment = mss_on_segment,
    .on_quote = mss_on_quote,
    .on_timer = mss_on_timer,
    .cleanup = mss_cleanup,
};
