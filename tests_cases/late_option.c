/* LateOptionTest: RFC 9293 MUST-5, a TCP must be able to receive a TCP option in any
 * segment (3.1); an MSS option, though, only has meaning in a SYN (3.2: it is sent in the
 * initial connection request and must not be sent in other segments). Told MSS 515 in the SYN, the
 * target gets a second MSS option of 536 on the request after the handshake: it must not
 * honour it, so no segment it sends may exceed 515 bytes of data plus the header. The
 * machine is MSSSupportTest's (mss_support.c). */
#include "tests_cases/mss_support.h"

/* Larger than the SYN's 515: honouring it shows as segments over the limit. */
#define LATE_MSS 536

static const uint16_t late_option_syn_mss[] = {MSS_TESTED};

static const struct mss_params late_option_params = {
    .syn_mss = late_option_syn_mss,
    .n_syn_mss = sizeof(late_option_syn_mss) / sizeof(late_option_syn_mss[0]),
    .late_mss = LATE_MSS,
    .failure_suffix = " with MSS option",
    .req_hint = MSS_REQ_HINT,
};

const struct test_case late_option_test = {
    .name = "LateOptionTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-5",
            .text = "Receive a TCP option in any segment (a late MSS option is not honoured)"},
    .checks = "an MSS option after the handshake is not honoured",
    .default_on = false,
    .needs_alp = true,
    .packet_budget = MSS_PACKET_BUDGET,
    .deadline = MSS_DEADLINE,
    .state_size = sizeof(struct mss_state),
    .mbox = MSS_OPTIONS_MBOX,
    .params = &late_option_params,
    .start = mss_start,
    .on_segment = mss_on_segment,
    .on_quote = mss_on_quote,
    .on_timer = mss_on_timer,
    .cleanup = mss_cleanup,
};
