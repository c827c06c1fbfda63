/* EcnEceOnlySynTest: RFC 3168 6.1.1, a SYN with ECE set and CWR clear is not an ECN-setup
 * SYN, and "if a host has received an ECN-setup SYN packet, then it MAY send an ECN-setup
 * SYN-ACK packet. Otherwise, it MUST NOT". Its SYN-ACK must not have ECE set with CWR clear
 * (ECN "negotiated" on a SYN that never asked; the machine is in ecn_setup.c). */
#include "testcase/ecn.h"
#include "tests_cases/ecn_setup.h"

static const struct ecn_syn_params ecn_ece_only_params = {
    .syn_flags = TCP_FLAG_ECE,
    .setup = false,
    .syn_suffix = " with only ECE",
};

const struct test_case ecn_ece_only_syn_test = {
    .name = "EcnEceOnlySynTest",
    .req = {.rfc = "RFC 3168",
            .id = "6.1.1",
            .text = "A SYN with only ECE is not an ECN-setup SYN: no ECN-setup SYN-ACK for it"},
    .checks = "SYN with ECE alone: the SYN-ACK does not have ECE set and CWR clear",
    /* Off: the default set stays the original tcpreq's. */
    .default_on = false,
    .needs_alp = false,
    .packet_budget = ECN_SYN_PACKET_BUDGET,
    .deadline = ECN_SYN_DEADLINE,
    .state_size = sizeof(struct ecn_syn_state),
    .mbox = ECN_SYN_MBOX,
    .params = &ecn_ece_only_params,
    .start = ecn_syn_start,
    .on_segment = ecn_syn_on_segment,
    .on_timer = ecn_syn_on_timer,
};
