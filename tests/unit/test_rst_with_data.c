/* RstWithDataTest (RFC 9293 SHLD-2, 3.5.3): a RST at RCV.NXT carrying text resets the
 * connection like any RST. Every verdict path: the alive probe answered by a RST (PASS), by
 * the connection (FAIL, a SHOULD the host clearly did not follow), unless the path dropped
 * the RST or changed its data (UNK at the hop); no answer to the alive probe or its repeat
 * after the ACK throttle (UNK); a failed opening. */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "open_fixture.h"
#include "testcase/reset_probe.h"
#include "tests_cases/registry.h"

#define NAME "RstWithDataTest"
#define WINDOW 4096
#define THEIR_ISN 0x0badf00du
#define RTT (25 * TC_MSEC)
#define WAIT (200 * TC_MSEC)
#define ORDER_GAP (2 * TC_MSEC)
#define THROTTLE (520 * TC_MSEC)
#define ALIVE_BEHIND 0x20000u
#define LAB_COPIES 2
#define STAGE 1
#define TEXT "tcpreq: RST with data (RFC 9293 3.5.3)"
#define REASON_IGNORED "RST with data ignored"
#define REASON_NO_ANSWER "No answer to the alive probe"
#define REASON_DROPPED "Middlebox interference detected at or before hop 2 (probe dropped)"
#define REASON_MODIFIED                                                                            \
    "Middlebox interference detected at or before hop 2 (RST with data modified)"

/* Open (lab path known): our ACK, then the traced RST <SEQ=RCV.NXT> with the text (the
 * host's copy, one per quoting hop), then the alive probe ORDER_GAP behind it. */
static uint32_t open_rwd(struct fe *f, enum fe_family fam)
{
    uint32_t iss = of_open(f, NAME, fam, &tc_timing_default, true, THEIR_ISN, RTT);
    assert_int_equal(fe_n_out(f), 1 + 1 + LAB_COPIES + 1);
    for (unsigned i = 0; i <= LAB_COPIES; i++) {
        struct fe_pkt p;
        fe_pkt(f, 1 + i, &p);
        assert_int_equal(p.ip.ttl, i == 0 ? HOP_LIMIT : i);
        assert_int_equal(p.seg.flags, TCP_FLAG_RST);
        assert_int_equal(p.seg.seq, iss + 1);
        assert_int_equal(p.seg.payload_len, strlen(TEXT));
        assert_memory_equal(p.seg.payload, TEXT, strlen(TEXT));
        assert_int_equal(f->t.out[1 + i].delay, i * TC_BURST_GAP);
    }
    fe_expect_plain(f, 2 + LAB_COPIES, TCP_FLAG_ACK, iss + 1 - ALIVE_BEHIND, THEIR_ISN + 1, WINDOW);
    assert_int_equal(f->t.out[2 + LAB_COPIES].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + WAIT);
    return iss;
}

static void quotes_from(struct fe *f, unsigned last_hop)
{
    for (unsigned hop = 1; hop <= last_hop; hop++)
        fe_deliver_burst_quote(f, hop, NULL, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name(NAME);
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 9293");
    assert_string_equal(k->req.id, "SHLD-2");
    assert_non_null(strstr(k->req.text, "SHOULD"));
    assert_false(k->default_on);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 5);
    assert_int_equal(k->mbox.fields, RESET_PROBE_FIELDS);
}

/* The alive probe answered by a RST: the RST with data reset the connection. */
static void pass(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_rwd(&f, fam);
    quotes_from(&f, LAB_COPIES);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_expect_lab_path(&f, LAB_COPIES);
    fe_free(&f);
}

static void test_pass_v4(void **state)
{
    (void)state;
    pass(FE_V4);
}

static void test_pass_v6(void **state)
{
    (void)state;
    pass(FE_V6);
}

/* The connection answers the alive probe: it survived the RST. A plain RST closes it; the
 * verdict waits for the quotes. */
static void fail_ignored(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_rwd(&f, fam);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, iss + 1, 0, 0);
    assert_false(f.t.done);
    quotes_from(&f, LAB_COPIES);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    fe_free(&f);
}

static void test_fail_v4(void **state)
{
    (void)state;
    fail_ignored(FE_V4);
}

static void test_fail_v6(void **state)
{
    (void)state;
    fail_ignored(FE_V6);
}

/* The same, with the answer coming only to the repeat (a host that throttles). */
static void test_fail_after_repeat(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rwd(&f, FE_V4);
    quotes_from(&f, LAB_COPIES);
    assert_int_equal(fe_fire(&f), ORDER_GAP + WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_fire(&f), THROTTLE - WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    fe_free(&f);
}

/* Hop 2 quotes this target's probes but never quoted the RST: the path dropped it. */
static void test_dropped_by_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rwd(&f, FE_V6);
    quotes_from(&f, 1);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_false(f.t.done);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_DROPPED, "{\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_free(&f);
}

/* Hop 2's quote shows the text changed: neither verdict is the host's. */
static void data_modified(bool host_reset)
{
    struct fe f;
    uint32_t iss = open_rwd(&f, FE_V4);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, "X", 1); /* the data's first byte */
    if (host_reset)
        fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    else
        fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    char hex[2 * sizeof(TEXT)], custom[256];
    bytes_hex((const uint8_t *)TEXT, strlen(TEXT), hex, sizeof(hex));
    /* 'X' is 0x58 */
    snprintf(custom, sizeof(custom), "{\"diff\":[\"0x04,%08x,%s\",\"0x04,%08x,58%s\"]}", iss + 1,
             hex, iss + 1, hex + 2);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_MODIFIED, custom);
    fe_free(&f);
}

static void test_data_modified(void **state)
{
    (void)state;
    data_modified(true);
    data_modified(false);
}

/* No answer to the alive probe nor to its repeat: closed, UNK. */
static void test_unk_no_answer(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rwd(&f, FE_V6);
    quotes_from(&f, LAB_COPIES);
    fe_fire(&f);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1); /* the repeat */
    assert_int_equal(fe_fire(&f), WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, iss + 1, 0, 0);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
    fe_free(&f);
}

/* Segments that answer nothing (data, a FIN) leave the wait as it is. */
static void test_non_answers(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_rwd(&f, FE_V4);
    fe_deliver(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, THEIR_ISN + 1, iss + 1);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    assert_false(f.t.done);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), ORDER_GAP + WAIT);
    fe_free(&f);
}

static void test_open_timeout(void **state)
{
    (void)state;
    of_expect_open_timeout(NAME, FE_V4);
    of_expect_open_timeout(NAME, FE_V6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),        cmocka_unit_test(test_pass_v4),
        cmocka_unit_test(test_pass_v6),         cmocka_unit_test(test_fail_v4),
        cmocka_unit_test(test_fail_v6),         cmocka_unit_test(test_fail_after_repeat),
        cmocka_unit_test(test_dropped_by_path), cmocka_unit_test(test_data_modified),
        cmocka_unit_test(test_unk_no_answer),   cmocka_unit_test(test_non_answers),
        cmocka_unit_test(test_open_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
