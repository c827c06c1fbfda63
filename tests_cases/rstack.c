/* RSTACKTest: a RST-ACK with an acceptable sequence number answering a SYN-ACK must reset
 * the connection in SYN-RECEIVED. RFC 9293 3.10.7.4 (SYN-RECEIVED, "second, check the RST
 * bit"): a passively opened connection returns to LISTEN, which is MUST-11 ("SYN-RECEIVED
 * remembers last state"). The machine, shared with SynRcvdRstTest (a plain RST), is
 * src/testcase/syn_rcvd_reset.c: a new SYN on the same 4-tuple asks whether the host
 * listens again. */
#include "testcase/syn_rcvd_reset.h"

static const struct syn_rcvd_reset_params rstack_params = {
    .reset_flags = TCP_FLAG_RST | TCP_FLAG_ACK,
    .reset_name = "RST-ACK",
    .original_verdicts = true, /* the original tcpreq's own test */
};

const struct test_case rstack_test = {
    .name = "RSTACKTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-11",
            .text = "RST-ACK in SYN-RECEIVED resets the connection (3.10.7.4)"},
    .checks = "RST-ACK in SYN-RECEIVED resets the connection (a new SYN is answered from LISTEN)",
    .default_on = false,
    .needs_alp = false,
    .packet_budget = 8,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct syn_rcvd_reset_state),
    .params = &rstack_params,
    .start = syn_rcvd_reset_start,
    .on_segment = syn_rcvd_reset_on_segment,
    .on_timer = syn_rcvd_reset_on_timer,
};
