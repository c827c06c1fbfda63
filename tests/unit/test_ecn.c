/* The ECN helpers (src/testcase/ecn.c): codepoint and flag names, RFC 3168 6.1.1's
 * ECN-setup SYN-ACK, and the quote check of a probe whose ECN signals are under test (ECE
 * and CWR as quoted, the ECN field, ECT to CE allowed, DSCP shown but never judged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/ecn.h"

#define DSCP_AF11 (10 << 2)
#define RFC792_QUOTE 8 /* the least a router quotes: ports and sequence number */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ecn_codepoint_name(IP_ECN_NOT_ECT), "not-ECT");
    assert_string_equal(ecn_codepoint_name(IP_ECN_ECT1), "ECT(1)");
    assert_string_equal(ecn_codepoint_name(DSCP_AF11 | IP_ECN_ECT0), "ECT(0)");
    assert_string_equal(ecn_codepoint_name(IP_ECN_CE), "CE");
    assert_false(ecn_capable(DSCP_AF11));
    assert_true(ecn_capable(IP_ECN_ECT1));
    assert_true(ecn_capable(IP_ECN_ECT0));
    assert_true(ecn_capable(IP_ECN_CE));
    assert_string_equal(ecn_flags_name(TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR), "ECE+CWR");
    assert_string_equal(ecn_flags_name(TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_ECE), "ECE");
    assert_string_equal(ecn_flags_name(TCP_FLAG_CWR), "CWR");
    assert_string_equal(ecn_flags_name(TCP_FLAG_SYN | TCP_FLAG_ACK), "no ECE/CWR");
}

/* RFC 3168 6.1.1: ECE set and CWR clear, whatever else is set. */
static void test_setup_synack(void **state)
{
    (void)state;
    const uint8_t sa = TCP_FLAG_SYN | TCP_FLAG_ACK;
    assert_true(ecn_setup_synack(sa | TCP_FLAG_ECE));
    assert_true(ecn_setup_synack(sa | TCP_FLAG_ECE | TCP_FLAG_PSH));
    assert_false(ecn_setup_synack(sa));
    assert_false(ecn_setup_synack(sa | TCP_FLAG_CWR));
    assert_false(ecn_setup_synack(sa | TCP_FLAG_ECE | TCP_FLAG_CWR));
}

/* A quote of a segment sent with flags and tos, then as a router saw it. */
static void quote_of(enum fe_family fam, uint8_t flags, uint8_t tos, struct icmp_quote *q)
{
    struct fe f;
    fe_init(&f, "LivenessTest", fam, &tc_timing_default);
    struct tcp_seg seg;
    tc_seg_new(&f.t, &seg);
    seg.seq = 1;
    seg.flags = flags;
    tc_set_tos(&f.t, tos);
    tc_send(&f.t, &seg, 1, 0);
    fe_make_quote(fe_sent(&f, 0), fe_router(fam, 1), q);
    fe_free(&f);
}

static bool diff(const struct icmp_quote *q, uint8_t flags, uint8_t tos, char *exp, char *seen)
{
    return ecn_quote_diff(q, flags, tos, exp, MBOX_DIFF_TEXT, seen, MBOX_DIFF_TEXT);
}

static void quote_diff(enum fe_family fam)
{
    const uint8_t setup = TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR;
    char exp[MBOX_DIFF_TEXT], seen[MBOX_DIFF_TEXT];
    struct icmp_quote q;

    /* as sent: no change */
    quote_of(fam, setup, IP_ECN_NOT_ECT, &q);
    assert_int_equal(q.q_tos, IP_ECN_NOT_ECT);
    assert_false(diff(&q, setup, IP_ECN_NOT_ECT, exp, seen));
    /* ECE and CWR cleared on the way (the flags byte rewritten) */
    q.quote[TCP_OFF_FLAGS] = TCP_FLAG_SYN;
    assert_true(diff(&q, setup, IP_ECN_NOT_ECT, exp, seen));
    assert_string_equal(exp, "ECE+CWR not-ECT DSCP 0");
    assert_string_equal(seen, "no ECE/CWR not-ECT DSCP 0");
    /* a quote of 8 bytes shows no flags: only the IP ECN field is judged */
    q.quote_len = RFC792_QUOTE;
    assert_false(diff(&q, setup, IP_ECN_NOT_ECT, exp, seen));
    q.q_tos = IP_ECN_ECT0;
    assert_true(diff(&q, setup, IP_ECN_NOT_ECT, exp, seen));
    assert_string_equal(seen, "? ECT(0) DSCP 0");

    /* data sent ECT(0): bleached is a change, CE is a router doing its job, DSCP not judged */
    quote_of(fam, TCP_FLAG_ACK | TCP_FLAG_PSH, DSCP_AF11 | IP_ECN_ECT0, &q);
    assert_int_equal(q.q_tos, DSCP_AF11 | IP_ECN_ECT0);
    assert_false(diff(&q, TCP_FLAG_ACK, IP_ECN_ECT0, exp, seen));
    q.q_tos = IP_ECN_CE;
    assert_false(diff(&q, TCP_FLAG_ACK, IP_ECN_ECT0, exp, seen));
    q.q_tos = IP_ECN_ECT1;
    assert_true(diff(&q, TCP_FLAG_ACK, IP_ECN_ECT0, exp, seen));
    q.q_tos = DSCP_AF11 | IP_ECN_NOT_ECT;
    assert_true(diff(&q, TCP_FLAG_ACK, DSCP_AF11 | IP_ECN_ECT0, exp, seen));
    assert_string_equal(exp, "no ECE/CWR ECT(0) DSCP 10");
    assert_string_equal(seen, "no ECE/CWR not-ECT DSCP 10");
    /* CE on a packet sent not-ECT: no router marks those, so something rewrote it */
    q.q_tos = IP_ECN_CE;
    assert_true(diff(&q, TCP_FLAG_ACK, IP_ECN_NOT_ECT, exp, seen));
    /* CWR added on the way */
    q.q_tos = IP_ECN_ECT0;
    q.quote[TCP_OFF_FLAGS] = TCP_FLAG_ACK | TCP_FLAG_CWR;
    assert_true(diff(&q, TCP_FLAG_ACK, IP_ECN_ECT0, exp, seen));
    assert_string_equal(seen, "CWR ECT(0) DSCP 0");
}

static void test_quote_diff(void **state)
{
    (void)state;
    quote_diff(FE_V4);
    quote_diff(FE_V6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_setup_synack),
        cmocka_unit_test(test_quote_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
