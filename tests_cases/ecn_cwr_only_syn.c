/* EcnCwrOnlySynTest: RFC 3168 6.1.1, a SYN with CWR set and ECE clear is not an ECN-setup
 * SYN either: its SYN-ACK must not be an ECN-setup SYN-ACK (ECE set, CWR clear; the machine
 * is in ecn_setup.c). */
#include "testcase/ecn.h"
#include "tests_cases/ecn_setup.h"

static const struct ecn_syn_params ecn_cwr_only_params = {
    .syn_flags = TCP_FLAG_CWR,
    .setup = false,
    .syn_suffix = " with only CWR",
};

const struct test_case ecn_cwr_only_syn_test = {
    .name = "EcnCwrOnlySynTest",
    .req = {.rfc = "RFC 3168",
            .id = "6.1.1",
            .text = "A SYN with only CWR is not an ECN-setup SYN: no ECN-setup SYN-ACK for it"},
    .checks = "SYN with CWR alone: the SYN-ACK does not have ECE set and CWR clear",
    /* Off: the default set stays the original tcpreq's. */
    .default_on = false,
    .needs_alp = false,
    .packet_budget = ECN_SYN_PACKET_BUDGET,
    .deadline = ECN_SYN_DEADLINE,
    .state_size = sizeof(struct ecn_syn_state),
    .mbox = ECN_SYN_MBOX,
    .params = &ecn_cwr_only_params,
    .start = ecn_syn_start,
    .on_segment = ecn_syn_on_segment,
    .on_timer = ecn_syn_on_timer,
};
