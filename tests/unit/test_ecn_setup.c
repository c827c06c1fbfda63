/* The ECN handshake cases (RFC 3168 6.1.1; tests_cases/ecn_setup.c): EcnSetupTest's
 * ECN-setup SYN (ECE and CWR) and the SYNs with only one of them (EcnEceOnlySynTest,
 * EcnCwrOnlySynTest) as the traced probe; what the SYN-ACK's flags and IP ECN field make of
 * them; the connectivity classes (works, transient, broken, offline) with the plain retry
 * and the control SYN; the path first (a hop that clears ECE/CWR or changes the codepoint,
 * a hop that dropped the probe), with the case's custom kept next to the diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/ecn.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

#define TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define LAB_COPIES 2 /* fe_set_lab_path: hops 1 and 2 quote, the host at 3 */
#define RTT (60 * TC_MSEC)
#define WAIT (4 * RTT) /* every wait: 4 RTTs (above the 200 ms floor) */
#define RETRY_WINDOW 4096
#define CONTROL_OFFSET 0x20000u
#define CONTROL_WINDOW 4096
#define THEIR_ISN 0x7a7a0000u
#define STAGE 1
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define ECE TCP_FLAG_ECE
#define CWR TCP_FLAG_CWR
#define DSCP_CS1 (8 << 2)

#define SETUP "EcnSetupTest"
#define ECE_ONLY "EcnEceOnlySynTest"
#define CWR_ONLY "EcnCwrOnlySynTest"
#define MBOX_HOP2                                                                                  \
    "Middlebox interference detected at or before hop 2 (ECN flags or codepoint modified)"
#define DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define WORKS_ECN                                                                                  \
    "{\"connectivity\":\"works\",\"negotiated\":true,\"synack_ecn\":\"not-ECT\","                  \
    "\"synack_flags\":\"ECE\"}"
#define WORKS_PLAIN                                                                                \
    "{\"connectivity\":\"works\",\"negotiated\":false,\"synack_ecn\":\"not-ECT\","                 \
    "\"synack_flags\":\"no ECE/CWR\"}"

/* The case with the lab path and an RTT known; its traced SYN (the host's copy, then one for
 * each of hops 1 and 2) carrying syn_flags, not-ECT. Returns its sequence number. */
static uint32_t start(struct fe *f, const char *name, enum fe_family fam, uint8_t syn_flags)
{
    fe_init(f, name, fam, &tc_timing_default);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = RTT;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES);
    uint32_t isn = fe_expect_probe(f, 0, LAB_COPIES, TTL_FIELDS, TCP_FLAG_SYN | syn_flags, "");
    for (size_t i = 0; i < fe_n_out(f); i++) {
        struct fe_pkt p;
        fe_pkt(f, i, &p);
        assert_int_equal(p.ip.tos, IP_ECN_NOT_ECT); /* 6.1.1: never ECT on a SYN */
    }
    assert_int_equal(fe_timer_in(f), WAIT);
    return isn;
}

/* The quote of the copy with this TTL from its hop's router, its flags byte and TOS
 * replaced (negative: as sent). */
static void quote(struct fe *f, unsigned ttl, int flags, int tos)
{
    struct icmp_quote q;
    fe_make_quote(fe_sent(f, ttl),
                  fe_router(f->t.env.src.family == IP_FAMILY_V4 ? FE_V4 : FE_V6, ttl), &q);
    if (flags >= 0)
        q.quote[TCP_OFF_FLAGS] = (uint8_t)flags;
    if (tos >= 0)
        q.q_tos = (uint8_t)tos;
    fe_deliver_quote(f, &q);
}

static void clean_quotes(struct fe *f)
{
    quote(f, 1, -1, -1);
    quote(f, 2, -1, -1);
}

/* A SYN-ACK one RTT later with these flags and TOS: reset at once <SEQ=SEG.ACK><CTL=RST>. */
static void synack(struct fe *f, uint32_t isn, uint8_t flags, uint8_t tos)
{
    fe_advance(f, RTT);
    f->rx_tos = tos;
    fe_deliver(f, SA | flags, THEIR_ISN, isn + 1);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
}

/* The SYN wait ran out: the same SYN once more, plain (no TTL code), its flags kept. */
static void expect_retry(struct fe *f, uint32_t isn, uint8_t syn_flags)
{
    assert_int_equal(fe_fire(f), WAIT);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN | syn_flags, isn, 0, RETRY_WINDOW, IP_DEFAULT_TTL, 0);
}

/* The retry's wait ran out too: the control SYN, without ECE and CWR. */
static void expect_control(struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_fire(f), WAIT);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, isn + CONTROL_OFFSET, 0, CONTROL_WINDOW);
}

static void test_registry(void **state)
{
    (void)state;
    const char *names[] = {SETUP, ECE_ONLY, CWR_ONLY};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct test_case *k = test_case_by_name(names[i]);
        assert_non_null(k);
        assert_string_equal(k->req.rfc, "RFC 3168");
        assert_string_equal(k->req.id, "6.1.1");
        assert_false(k->default_on);
        assert_false(k->needs_alp);
        assert_int_equal(k->packet_budget, HOP_LIMIT + 4);
        assert_int_equal(k->mbox.fields, TTL_FIELDS);
    }
}

/* An ECN-setup SYN-ACK or a plain one: both conform; what it negotiated goes into custom. */
static void setup_pass(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, SETUP, fam, ECE | CWR);
    clean_quotes(&f);
    synack(&f, isn, ECE, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_PASS, -1, "", WORKS_ECN);
    fe_expect_lab_path(&f, 2);
    assert_int_equal(f.t.n_isns, 1);
    fe_free(&f);

    /* a plain SYN-ACK, the quotes after it: the verdict with the last one */
    isn = start(&f, SETUP, fam, ECE | CWR);
    synack(&f, isn, 0, IP_ECN_NOT_ECT);
    assert_false(f.t.done);
    clean_quotes(&f);
    fe_expect_result(&f, TC_PASS, -1, "", WORKS_PLAIN);
    fe_free(&f);

    /* a DSCP the host chose, or a router remarked, is no ECN matter */
    isn = start(&f, SETUP, fam, ECE | CWR);
    quote(&f, 1, -1, DSCP_CS1);
    quote(&f, 2, -1, DSCP_CS1);
    synack(&f, isn, ECE, DSCP_CS1);
    fe_expect_result(&f, TC_PASS, -1, "", WORKS_ECN);
    fe_free(&f);
}

static void test_setup_pass(void **state)
{
    (void)state;
    setup_pass(FE_V4);
    setup_pass(FE_V6);
}

/* CWR on the SYN-ACK: no ECN-setup SYN-ACK and no plain one. ECT (or CE, which a router sets
 * only on ECT) on it: "a host MUST NOT set ECT on SYN or SYN-ACK packets". */
static void setup_fail(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, SETUP, fam, ECE | CWR);
    clean_quotes(&f);
    synack(&f, isn, ECE | CWR, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_FAIL, STAGE, "SYN-ACK with CWR set in reply to a SYN with ECN setup",
                     "{\"connectivity\":\"works\",\"negotiated\":false,\"synack_ecn\":\"not-ECT\","
                     "\"synack_flags\":\"ECE+CWR\"}");
    fe_free(&f);

    const uint8_t ect[] = {IP_ECN_ECT0, IP_ECN_ECT1, IP_ECN_CE};
    for (size_t i = 0; i < sizeof(ect); i++) {
        isn = start(&f, SETUP, fam, ECE | CWR);
        clean_quotes(&f);
        synack(&f, isn, ECE, ect[i]);
        char reason[128], custom[256];
        snprintf(reason, sizeof(reason),
                 "SYN-ACK sent ECN-capable (%s) in reply to a SYN with ECN setup",
                 ecn_codepoint_name(ect[i]));
        snprintf(custom, sizeof(custom),
                 "{\"connectivity\":\"works\",\"negotiated\":true,\"synack_ecn\":\"%s\","
                 "\"synack_flags\":\"ECE\"}",
                 ecn_codepoint_name(ect[i]));
        fe_expect_result(&f, TC_FAIL, STAGE, reason, custom);
        fe_free(&f);
    }
}

static void test_setup_fail(void **state)
{
    (void)state;
    setup_fail(FE_V4);
    setup_fail(FE_V6);
}

/* Connectivity: answered only on the plain retry is transient. */
static void test_transient(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, SETUP, FE_V4, ECE | CWR);
    clean_quotes(&f);
    expect_retry(&f, isn, ECE | CWR);
    synack(&f, isn, ECE, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_PASS, -1, "",
                     "{\"connectivity\":\"transient\",\"negotiated\":true,"
                     "\"synack_ecn\":\"not-ECT\",\"synack_flags\":\"ECE\"}");
    fe_free(&f);

    /* answered only once the control was out: unknown, transient, not by silence */
    isn = start(&f, SETUP, FE_V6, ECE | CWR);
    quote(&f, 1, -1, -1); /* hop 2 silent: it would be a dropped probe, had the host not answered */
    expect_retry(&f, isn, ECE | CWR);
    expect_control(&f, isn);
    synack(&f, isn, ECE, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "SYN-ACK only after the retransmission timeout with ECN setup; answered only "
                     "after a SYN without it",
                     "{\"connectivity\":\"transient\"}");
    fe_free(&f);
}

/* The plain SYN answered and the ECN-setup SYN not, every quoting hop having quoted it: the
 * host refuses ECN-setup SYNs (RFC 3168 6.1.1.1's broken case, on the host itself). */
static void broken(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, SETUP, fam, ECE | CWR);
    clean_quotes(&f);
    expect_retry(&f, isn, ECE | CWR);
    expect_control(&f, isn);
    synack(&f, isn + CONTROL_OFFSET, 0, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_FAIL, STAGE,
                     "Timeout during handshake with ECN setup; a SYN without it was answered",
                     "{\"connectivity\":\"broken\"}");
    fe_free(&f);

    /* refused with a RST twice, the plain SYN answered */
    isn = start(&f, SETUP, fam, ECE | CWR);
    clean_quotes(&f);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 1); /* the retry */
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    assert_int_equal(fe_n_out(&f), 1); /* the control */
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn + CONTROL_OFFSET, 0, CONTROL_WINDOW);
    synack(&f, isn + CONTROL_OFFSET, 0, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_FAIL, STAGE,
                     "RST in reply to SYN during handshake with ECN setup; a SYN without it was "
                     "answered",
                     "{\"connectivity\":\"broken\"}");
    fe_free(&f);

    /* a reply that is no SYN-ACK: the host's, reset */
    isn = start(&f, SETUP, fam, ECE | CWR);
    clean_quotes(&f);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, isn + 1, 0, 0);
    fe_expect_result(&f, TC_FAIL, STAGE,
                     "Non-SYN-ACK in reply to SYN during handshake with ECN setup",
                     "{\"connectivity\":\"broken\"}");
    fe_free(&f);
}

static void test_broken(void **state)
{
    (void)state;
    broken(FE_V4);
    broken(FE_V6);
}

/* Neither SYN answered (silent, or the plain one refused): offline, unknown. */
static void test_offline(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, SETUP, FE_V4, ECE | CWR);
    clean_quotes(&f);
    expect_retry(&f, isn, ECE | CWR);
    expect_control(&f, isn);
    assert_int_equal(fe_fire(&f), WAIT);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "Timeout during handshake with ECN setup; no answer to a SYN without it "
                     "either",
                     "{\"connectivity\":\"offline\"}");
    fe_free(&f);

    isn = start(&f, SETUP, FE_V6, ECE | CWR);
    clean_quotes(&f);
    expect_retry(&f, isn, ECE | CWR);
    expect_control(&f, isn);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + CONTROL_OFFSET + 1);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "Timeout during handshake with ECN setup; a SYN without it was refused too",
                     "{\"connectivity\":\"offline\"}");
    fe_free(&f);
}

/* Path first: hop 2 quotes the SYN without ECE and CWR, or with another codepoint, so the
 * host never saw what the test sent; the case's custom stays next to the diff. */
static void path_changed(enum fe_family fam)
{
    struct fe f;
    uint32_t isn = start(&f, SETUP, fam, ECE | CWR);
    quote(&f, 1, -1, -1);
    quote(&f, 2, TCP_FLAG_SYN, -1);
    synack(&f, isn, 0, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_HOP2,
                     "{\"connectivity\":\"works\",\"diff\":[\"ECE+CWR not-ECT DSCP 0\","
                     "\"no ECE/CWR not-ECT DSCP 0\"],\"negotiated\":false,"
                     "\"synack_ecn\":\"not-ECT\",\"synack_flags\":\"no ECE/CWR\"}");
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    /* an ECT codepoint put on the SYN by hop 2: over the host's own FAIL */
    isn = start(&f, SETUP, fam, ECE | CWR);
    quote(&f, 1, -1, -1);
    quote(&f, 2, -1, IP_ECN_ECT0);
    synack(&f, isn, ECE | CWR, IP_ECN_NOT_ECT);
    assert_true(f.t.done);
    assert_int_equal(f.t.result.status, TC_UNK);
    assert_string_equal(f.t.result.reason, MBOX_HOP2);
    fe_free(&f);
}

static void test_path_changed(void **state)
{
    (void)state;
    path_changed(FE_V4);
    path_changed(FE_V6);
}

/* Hop 2 quotes every probe to this target but not this one, and the host is silent to it
 * while answering the plain SYN: the path dropped it (UNK), not the host (FAIL). */
static void test_probe_dropped(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, SETUP, FE_V4, ECE | CWR);
    quote(&f, 1, -1, -1);
    expect_retry(&f, isn, ECE | CWR);
    expect_control(&f, isn);
    synack(&f, isn + CONTROL_OFFSET, 0, IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2,
                     "{\"connectivity\":\"broken\",\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

/* A SYN with only ECE or only CWR is no ECN-setup SYN: an ECN-setup SYN-ACK for it fails,
 * any other SYN-ACK passes (a plain one; CWR alone, as an AccECN server answers some; its
 * IP ECN field is EcnSetupTest's business). */
static void not_setup(const char *name, uint8_t syn_flags, const char *suffix)
{
    for (int fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
        struct fe f;
        uint32_t isn = start(&f, name, (enum fe_family)fam, syn_flags);
        clean_quotes(&f);
        synack(&f, isn, ECE, IP_ECN_NOT_ECT);
        char reason[128];
        snprintf(reason, sizeof(reason), "ECN-setup SYN-ACK in reply to a SYN%s", suffix);
        fe_expect_result(&f, TC_FAIL, STAGE, reason, WORKS_ECN);
        fe_free(&f);

        const uint8_t others[] = {0, CWR, ECE | CWR};
        for (size_t i = 0; i < sizeof(others); i++) {
            isn = start(&f, name, (enum fe_family)fam, syn_flags);
            clean_quotes(&f);
            synack(&f, isn, others[i], IP_ECN_ECT0);
            assert_true(f.t.done);
            assert_int_equal(f.t.result.status, TC_PASS);
            fe_free(&f);
        }

        /* the path cleared the flag: the host never saw the SYN under test */
        isn = start(&f, name, (enum fe_family)fam, syn_flags);
        quote(&f, 1, -1, -1);
        quote(&f, 2, TCP_FLAG_SYN, -1);
        synack(&f, isn, 0, IP_ECN_NOT_ECT);
        assert_int_equal(f.t.result.status, TC_UNK);
        assert_string_equal(f.t.result.reason, MBOX_HOP2);
        fe_free(&f);
    }
}

static void test_ece_only(void **state)
{
    (void)state;
    not_setup(ECE_ONLY, ECE, " with only ECE");
}

static void test_cwr_only(void **state)
{
    (void)state;
    not_setup(CWR_ONLY, CWR, " with only CWR");
}

/* Without path knowledge: the original's burst of 30, all carrying the flags. */
static void test_full_burst(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, SETUP, FE_V6, &tc_timing_default);
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), HOP_LIMIT);
    struct fe_pkt p;
    for (size_t i = 0; i < HOP_LIMIT; i++) {
        fe_pkt(&f, i, &p);
        assert_int_equal(p.seg.flags, TCP_FLAG_SYN | ECE | CWR);
        assert_int_equal(p.ip.ttl, i + 1);
    }
    fe_advance(&f, RTT);
    fe_deliver(&f, SA | ECE, THEIR_ISN, p.seg.seq + 1);
    assert_false(f.t.done); /* the quotes are waited for */
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", WORKS_ECN);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),     cmocka_unit_test(test_setup_pass),
        cmocka_unit_test(test_setup_fail),   cmocka_unit_test(test_transient),
        cmocka_unit_test(test_broken),       cmocka_unit_test(test_offline),
        cmocka_unit_test(test_path_changed), cmocka_unit_test(test_probe_dropped),
        cmocka_unit_test(test_ece_only),     cmocka_unit_test(test_cwr_only),
        cmocka_unit_test(test_full_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
