/* MultiMSSTest: RFC 9293 MUST-16, the effective send MSS is derived from the MSS the peer
 * announced (3.7.1); a SYN carrying three MSS options (550, 505, 515) is answered by Linux,
 * macOS and Windows 10 with the last one, 515: no segment the target sends may exceed 515
 * bytes of data plus the header (the original's check). The machine is MSSSupportTest's
 * (mss_support.c). */
#include "tests_cases/mss_support.h"

/* In this order; the last is the one the limit holds the target to. */
static const uint16_t multi_mss_syn_mss[] = {550, 505, MSS_TESTED};

static const struct mss_params multi_mss_params = {
    .syn_mss = multi_mss_syn_mss,
    .n_syn_mss = sizeof(multi_mss_syn_mss) / sizeof(multi_mss_syn_mss[0]),
    .failure_suffix = " with MSS option",
    .req_hint = MSS_REQ_HINT,
};

const struct test_case multi_mss_test = {
    .name = "MultiMSSTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-16",
            .text = "Derive the effective send MSS from the announced MSS (several MSS options)"},
    .checks = "MSS 550, 505, 515 in one SYN: the last, 515, is the limit",
    .default_on = true,
    .needs_alp = true,
    .packet_budget = MSS_PACKET_BUDGET,
    .deadline = MSS_DEADLINE,
    .state_size = sizeof(struct mss_state),
    .mbox = MSS_OPTIONS_MBOX,
    .params = &multi_mss_params,
    .start = mss_start,
    .on_segment = mss_on_segment,
    .on_quote = mss_on_quote,
    .on_timer = mss_on_timer,
    .cleanup = mss_cleanup,
};
