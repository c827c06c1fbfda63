/* SynRcvdRstTest: a plain RST (no ACK bit; RSTACKTest sends a RST-ACK) with an acceptable
 * sequence number, <SEQ=SEG.ACK><CTL=RST> for the SYN-ACK, must return a passively opened
 * connection in SYN-RECEIVED to LISTEN. RFC 9293 MUST-11 ("SYN-RECEIVED remembers last
 * state"), 3.10.7.4 (SYN-RECEIVED, "second, check the RST bit"). The machine is RSTACKTest's
 * (src/testcase/syn_rcvd_reset.c): a new SYN on the same 4-tuple is answered with a fresh
 * SYN-ACK by a host back in LISTEN. */
#include "testcase/syn_rcvd_reset.h"

static const struct syn_rcvd_reset_params syn_rcvd_rst_params = {
    .reset_flags = TCP_FLAG_RST,
    .reset_name = "RST",
    .original_verdicts = false, /* not one of the original's tests */
};

const struct test_case syn_rcvd_rst_test = {
    .name = "SynRcvdRstTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-11",
            .text =
                "A RST in SYN-RECEIVED returns a passively opened connection to LISTEN (3.10.7.4)"},
    .checks =
        "plain RST <SEQ=SEG.ACK> for the SYN-ACK: a new SYN on the 4-tuple gets a fresh SYN-ACK",
    .default_on = false,
    .needs_alp = false,
    /* SYN, RST, new SYN, the RST closing the new connection */
    .packet_budget = 6,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct syn_rcvd_reset_state),
    .params = &syn_rcvd_rst_params,
    .start = syn_rcvd_reset_start,
    .on_segment = syn_rcvd_reset_on_segment,
    .on_timer = syn_rcvd_reset_on_timer,
};
