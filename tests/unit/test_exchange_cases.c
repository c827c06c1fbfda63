/* The cases on testcase/exchange.h, with the real HTTP ALP: MssOnlyInSynTest (MUST-65),
 * ZeroPaddingAfterEolTest (MUST-69) and MssSentTest (SHLD-5). Their judges on synthetic
 * segments, every verdict path; the machine itself is test_exchange.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "testcase/exchange.h"
#include "tests_cases/registry.h"

#define THEIR_ISN 0x4d4d0000u
#define RTT (40 * TC_MSEC)
#define WIN 0xffff
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define STAGE 1
#define NO_ALP_PORT 22
#define NO_OPTS_HEX ""
#define SACK_PERM_HEX "04020000"
#define MSS1460_HEX "020405b4"
#define MSS1440_HEX "020405a0"

static uint8_t filler[1500];

/* Start the named case: one SYN carrying opts_hex. Returns its seq. */
static uint32_t start(struct fe *f, const char *name, enum fe_family fam, const char *opts_hex)
{
    fe_init(f, name, fam, &tc_timing_default);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, p.seg.seq, 0, WIN, IP_DEFAULT_TTL, 0);
    assert_string_equal(p.opts_hex, opts_hex);
    return p.seg.seq;
}

/* The HTTP request (no size hint, no host name). */
static size_t http_request(const struct fe *f, uint8_t *buf, size_t cap)
{
    const struct alp *alp = alp_for_port(FE_DPORT);
    struct alp_peer peer = {.ip = f->t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp->open(&peer);
    ssize_t n = alp->pull(s, 0, buf, cap);
    alp->close(s);
    assert_true(n > 0);
    return (size_t)n;
}

/* The SYN-ACK with opts, one RTT later: our ACK, then (request) the HTTP request in one
 * segment. Returns our next sequence number. */
static uint32_t synack(struct fe *f, uint32_t isn, const struct tcp_opts *opts, bool request)
{
    fe_advance(f, RTT);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, THEIR_ISN, isn + 1);
    if (opts != NULL)
        seg.opts = *opts;
    fe_deliver_seg(f, &seg, false);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN);
    if (!request)
        return isn + 1;
    assert_int_equal(fe_n_out(f), 2);
    uint8_t want[1460];
    size_t n = http_request(f, want, sizeof(want));
    struct fe_pkt p;
    fe_pkt(f, 1, &p);
    fe_expect_pkt(f, 1, TCP_FLAG_ACK | TCP_FLAG_PSH, isn + 1, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL,
                  0);
    assert_int_equal(p.seg.payload_len, n);
    assert_memory_equal(p.seg.payload, want, n);
    return isn + 1 + (uint32_t)n;
}

/* A segment from the target: len bytes at THEIR_ISN + rel, with opts (NULL: none). */
static void deliver(struct fe *f, uint8_t flags, uint32_t rel, uint32_t ack, size_t len,
                    const struct tcp_opts *opts)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + rel, ack);
    seg.payload = filler;
    seg.payload_len = len;
    if (opts != NULL)
        seg.opts = *opts;
    fe_deliver_seg(f, &seg, false);
}

static void expect_close(struct fe *f, size_t i, uint32_t nxt)
{
    assert_int_equal(fe_n_out(f), i + 1);
    fe_expect_plain(f, i, TCP_FLAG_RST, nxt, 0, 0);
}

static void mss_opts(struct tcp_opts *o, uint16_t mss)
{
    tcp_opts_init(o);
    tcp_opts_add_mss(o, mss);
}

static void test_registration(void **state)
{
    (void)state;
    const char *names[] = {"MssOnlyInSynTest", "ZeroPaddingAfterEolTest", "MssSentTest"};
    const char *reqs[] = {"MUST-65", "MUST-69", "SHLD-5"};
    for (size_t i = 0; i < 3; i++) {
        const struct test_case *k = test_case_by_name(names[i]);
        assert_non_null(k);
        assert_string_equal(k->req.rfc, "RFC 9293");
        assert_string_equal(k->req.id, reqs[i]);
        assert_false(k->default_on);
        assert_true(k->needs_alp);
        assert_int_equal(k->packet_budget, EXCHANGE_PACKET_BUDGET);
        assert_int_equal(k->state_size, sizeof(struct exchange_state));
        assert_true(k->on_segment == exchange_on_segment);
    }
    assert_non_null(strstr(test_case_by_name("MssSentTest")->req.text, "a SHOULD"));
}

/* ---- MssOnlyInSynTest ---- */

static void test_mss_only_in_syn_pass(enum fe_family fam)
{
    struct fe f;
    struct tcp_opts mss;
    mss_opts(&mss, 1460);
    uint32_t isn = start(&f, "MssOnlyInSynTest", fam, NO_OPTS_HEX);
    uint32_t nxt = synack(&f, isn, &mss, true); /* the SYN-ACK's MSS: where it belongs */
    deliver(&f, TCP_FLAG_ACK, 1, nxt, 0, NULL);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1, nxt, 100, NULL);
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, nxt, THEIR_ISN + 101, WIN);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 101, nxt, 0, NULL);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":3,\"segments\":4,\"synack_mss\":1460}");
    fe_free(&f);
}

static void test_mss_only_in_syn_pass_v4(void **state)
{
    (void)state;
    test_mss_only_in_syn_pass(FE_V4);
}

static void test_mss_only_in_syn_pass_v6(void **state)
{
    (void)state;
    test_mss_only_in_syn_pass(FE_V6);
}

static void test_mss_only_in_syn_fail(void **state)
{
    (void)state;
    struct fe f;
    struct tcp_opts mss;
    mss_opts(&mss, 1220);
    uint32_t isn = start(&f, "MssOnlyInSynTest", FE_V6, NO_OPTS_HEX);
    uint32_t nxt = synack(&f, isn, NULL, true);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1, nxt, 100, &mss);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, "MSS option in a segment without SYN",
                     "{\"judged\":1,\"segment_flags\":24,\"segment_mss\":1220,\"segments\":2,"
                     "\"synack_mss\":null}");
    fe_free(&f);

    /* a RST carrying one: nothing to close */
    isn = start(&f, "MssOnlyInSynTest", FE_V4, NO_OPTS_HEX);
    synack(&f, isn, NULL, true);
    deliver(&f, TCP_FLAG_RST, 1, 0, 0, &mss);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, "MSS option in a segment without SYN",
                     "{\"judged\":1,\"segment_flags\":4,\"segment_mss\":1220,\"segments\":2,"
                     "\"synack_mss\":null}");
    fe_free(&f);
}

/* Only SYN-ACKs from the host: nothing the rule applies to. */
static void test_mss_only_in_syn_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, "MssOnlyInSynTest", FE_V4, NO_OPTS_HEX);
    uint32_t nxt = synack(&f, isn, NULL, true);
    deliver(&f, SYNACK, 0, isn + 1, 0, NULL);
    fe_fire(&f);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, "No segment without SYN from the host",
                     "{\"judged\":0,\"segments\":2,\"synack_mss\":null}");
    fe_free(&f);

    /* no ALP for the port: after the handshake, closed */
    fe_init(&f, "MssOnlyInSynTest", FE_V4, &tc_timing_default);
    f.t.env.dport = NO_ALP_PORT;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, THEIR_ISN, p.seg.seq + 1);
    seg.sport = NO_ALP_PORT;
    fe_deliver_seg(&f, &seg, false);
    assert_int_equal(fe_n_out(&f), 2);
    fe_expect_result(&f, TC_UNK, EXCHANGE_STAGE_NO_REQUEST, "Missing ALP module for port 22",
                     "{\"judged\":0,\"segments\":1,\"synack_mss\":null}");
    fe_free(&f);
}

/* ---- ZeroPaddingAfterEolTest ---- */

/* The SYN-ACK's options as raw bytes (padded with zeros to a word by the builder). */
static void raw_opts(struct tcp_opts *o, const uint8_t *bytes, size_t n)
{
    tcp_opts_init(o);
    tcp_opts_add_raw(o, bytes, n);
}

static void test_zero_padding_pass(enum fe_family fam)
{
    struct fe f;
    struct tcp_opts o;
    /* the BSDs' answer to MSS + SACK-permitted: EOL, then one zero */
    static const uint8_t bsd[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x00, 0x00};
    raw_opts(&o, bsd, sizeof(bsd));
    uint32_t isn = start(&f, "ZeroPaddingAfterEolTest", fam, SACK_PERM_HEX);
    uint32_t nxt = synack(&f, isn, &o, true);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1, nxt, 100, NULL); /* no options: not judged */
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, nxt, THEIR_ISN + 101, WIN);
    static const uint8_t nops[] = {0x01, 0x01, 0x05, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2};
    raw_opts(&o, nops, sizeof(nops)); /* NOP-aligned: no padding at all */
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 101, nxt, 0, &o);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":2,\"segments\":3,\"synack_mss\":1460}");
    fe_free(&f);
}

static void test_zero_padding_pass_v4(void **state)
{
    (void)state;
    test_zero_padding_pass(FE_V4);
}

static void test_zero_padding_pass_v6(void **state)
{
    (void)state;
    test_zero_padding_pass(FE_V6);
}

static void test_zero_padding_fail(void **state)
{
    (void)state;
    struct fe f;
    struct tcp_opts o;
    static const uint8_t junk[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x00, 0x5a};
    raw_opts(&o, junk, sizeof(junk));
    uint32_t isn = start(&f, "ZeroPaddingAfterEolTest", FE_V4, SACK_PERM_HEX);
    synack(&f, isn, &o, false);
    expect_close(&f, 1, isn + 1); /* the ACK, then the close: no request */
    /* 0x5a at offset 27 of a SYN-ACK (flags 0x12) */
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-zero header byte after EOL",
                     "{\"header_offset\":27,\"judged\":1,\"nonzero_byte\":90,\"segment_flags\":18,"
                     "\"segments\":1,\"synack_mss\":1460}");
    fe_free(&f);

    /* in a data segment, past the EOL's first zero */
    static const uint8_t late[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
    isn = start(&f, "ZeroPaddingAfterEolTest", FE_V6, SACK_PERM_HEX);
    uint32_t nxt = synack(&f, isn, NULL, true);
    raw_opts(&o, late, sizeof(late));
    deliver(&f, TCP_FLAG_ACK, 1, nxt, 10, &o);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-zero header byte after EOL",
                     "{\"header_offset\":27,\"judged\":1,\"nonzero_byte\":1,\"segment_flags\":16,"
                     "\"segments\":2,\"synack_mss\":null}");
    fe_free(&f);
}

static void test_zero_padding_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, "ZeroPaddingAfterEolTest", FE_V6, SACK_PERM_HEX);
    synack(&f, isn, NULL, true);
    deliver(&f, TCP_FLAG_RST, 1, 0, 0, NULL);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE, "No segment with options from the host",
                     "{\"judged\":0,\"segments\":2,\"synack_mss\":null}");
    fe_free(&f);
}

/* ---- MssSentTest ---- */

static void test_mss_sent_pass(enum fe_family fam)
{
    struct fe f;
    struct tcp_opts mss;
    mss_opts(&mss, 536);
    uint32_t isn = start(&f, "MssSentTest", fam, fam == FE_V4 ? MSS1460_HEX : MSS1440_HEX);
    synack(&f, isn, &mss, false);
    expect_close(&f, 1, isn + 1); /* settled: no request */
    fe_expect_result(&f, TC_PASS, -1, "", "{\"judged\":1,\"segments\":1,\"synack_mss\":536}");
    fe_free(&f);
}

static void test_mss_sent_pass_v4(void **state)
{
    (void)state;
    test_mss_sent_pass(FE_V4);
}

static void test_mss_sent_pass_v6(void **state)
{
    (void)state;
    test_mss_sent_pass(FE_V6);
}

/* No MSS option, and a segment one octet over the family's default (options count). */
static void test_mss_sent_fail(enum fe_family fam, const char *custom)
{
    struct fe f;
    uint32_t isn = start(&f, "MssSentTest", fam, fam == FE_V4 ? MSS1460_HEX : MSS1440_HEX);
    uint32_t nxt = synack(&f, isn, NULL, true);
    size_t dflt = fam == FE_V4 ? 536 : 1220;
    deliver(&f, TCP_FLAG_ACK, 1, nxt, dflt, NULL); /* at the default: says nothing */
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, nxt, THEIR_ISN + 1 + (uint32_t)dflt, WIN);
    struct tcp_opts o;
    tcp_opts_init(&o);
    tcp_opts_add_nop(&o);
    tcp_opts_add_nop(&o);
    tcp_opts_add_nop(&o);
    tcp_opts_add_nop(&o);
    deliver(&f, TCP_FLAG_ACK, 1 + (uint32_t)dflt, nxt, dflt - 3, &o);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE,
                     "No MSS option in the SYN-ACK, though the host sends segments larger than the "
                     "default MSS",
                     custom);
    fe_free(&f);
}

static void test_mss_sent_fail_v4(void **state)
{
    (void)state;
    test_mss_sent_fail(FE_V4, "{\"default_mss\":536,\"judged\":1,\"mss_counted_octets\":537,"
                              "\"segments\":3,\"synack_mss\":null}");
}

static void test_mss_sent_fail_v6(void **state)
{
    (void)state;
    test_mss_sent_fail(FE_V6, "{\"default_mss\":1220,\"judged\":1,\"mss_counted_octets\":1221,"
                              "\"segments\":3,\"synack_mss\":null}");
}

static void test_mss_sent_unk(void **state)
{
    (void)state;
    struct fe f;
    uint32_t isn = start(&f, "MssSentTest", FE_V4, MSS1460_HEX);
    uint32_t nxt = synack(&f, isn, NULL, true);
    deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, nxt, 536, NULL);
    expect_close(&f, 0, nxt);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "No MSS option in the SYN-ACK, and no segment larger than the default to "
                     "show the host's MSS is not the default",
                     "{\"judged\":0,\"segments\":2,\"synack_mss\":null}");
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration),
        cmocka_unit_test(test_mss_only_in_syn_pass_v4),
        cmocka_unit_test(test_mss_only_in_syn_pass_v6),
        cmocka_unit_test(test_mss_only_in_syn_fail),
        cmocka_unit_test(test_mss_only_in_syn_unk),
        cmocka_unit_test(test_zero_padding_pass_v4),
        cmocka_unit_test(test_zero_padding_pass_v6),
        cmocka_unit_test(test_zero_padding_fail),
        cmocka_unit_test(test_zero_padding_unk),
        cmocka_unit_test(test_mss_sent_pass_v4),
        cmocka_unit_test(test_mss_sent_pass_v6),
        cmocka_unit_test(test_mss_sent_fail_v4),
        cmocka_unit_test(test_mss_sent_fail_v6),
        cmocka_unit_test(test_mss_sent_unk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
