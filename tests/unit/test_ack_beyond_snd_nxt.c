/* AckBeyondSndNxtTest (RFC 9293 3.10.7.4; RFC 5961 5.2): an ACK of data the host has not
 * sent is answered with an ACK and dropped. Every verdict path: the host's ACK (PASS, also
 * for the probe repeated after SYN-RECEIVED's answer, or after the ACK throttle); a RST
 * (FAIL), a connection gone (FAIL); silence twice from a live connection (FAIL, unless the
 * path dropped the traced probe: UNK); the SYN-ACK twice (UNK); no answer to the alive
 * probes (UNK); a path that changed the probe (UNK at its hop); a failed opening. */
#include <stdio.h>

#include "open_fixture.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

#define NAME "AckBeyondSndNxtTest"
#define WINDOW 4096
#define THEIR_ISN 0x60000000u
#define RTT (20 * TC_MSEC)
#define WAIT (200 * TC_MSEC)
#define ORDER_GAP (2 * TC_MSEC)
#define THROTTLE (520 * TC_MSEC)
#define ALIVE_BEHIND 0x20000u
#define AHEAD (WINDOW + 1000u) /* the state probe's SEG.ACK beyond RCV.NXT (connection.c) */
#define TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_WIN | TTL_ENC_URG)
#define LAB_COPIES 2
#define STAGE 1
#define REASON_RST "RST in reply to an ACK beyond SND.NXT"
#define REASON_GONE "Connection gone after an ACK beyond SND.NXT"
#define REASON_IGNORED "ACK beyond SND.NXT unanswered twice by a live connection"
#define REASON_NOT_SYNCED "Not established: the SYN-ACK again after our ACK was repeated"
#define REASON_NO_ANSWER "No answer to the alive probe"
#define REASON_DROPPED "Middlebox interference detected at or before hop 2 (probe dropped)"
#define REASON_MODIFIED                                                                            \
    "Middlebox interference detected at or before hop 1 (ACK beyond SND.NXT modified)"

/* Open (lab path known): our ACK, then the traced probe <SEQ=SND.NXT><ACK=RCV.NXT+5096>
 * right behind it (the host's copy, one per quoting hop). */
static uint32_t open_abs(struct fe *f, enum fe_family fam)
{
    uint32_t iss = of_open(f, NAME, fam, &tc_timing_default, true, THEIR_ISN, RTT);
    assert_int_equal(fe_n_out(f), 1 + 1 + LAB_COPIES);
    assert_int_equal(fe_expect_probe(f, 1, LAB_COPIES, TTL_FIELDS, TCP_FLAG_ACK, ""), iss + 1);
    for (size_t i = 1; i <= 1 + LAB_COPIES; i++) {
        struct fe_pkt p;
        fe_pkt(f, i, &p);
        assert_int_equal(p.seg.ack, THEIR_ISN + 1 + AHEAD);
    }
    assert_int_equal(fe_timer_in(f), WAIT);
    return iss;
}

static void quotes_from(struct fe *f, unsigned last_hop)
{
    for (unsigned hop = 1; hop <= last_hop; hop++)
        fe_deliver_burst_quote(f, hop, NULL, 0);
}

static void expect_close(const struct fe *f, size_t i, uint32_t iss)
{
    fe_expect_plain(f, i, TCP_FLAG_RST, iss + 1, 0, 0);
}

/* The host's ACK <SEQ=SND.NXT><ACK=RCV.NXT>: PASS, the connection closed. */
static void challenge_passes(struct fe *f, uint32_t iss)
{
    fe_deliver(f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(f), 1);
    expect_close(f, 0, iss);
    fe_expect_result(f, TC_PASS, -1, "", NULL);
}

/* No answer: the alive probe when the wait ends. */
static void silence(struct fe *f, uint32_t iss)
{
    assert_int_equal(fe_fire(f), WAIT);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, iss + 1 - ALIVE_BEHIND, THEIR_ISN + 1, WINDOW);
}

/* The alive probe answered: the probe again TC_ACK_THROTTLE later (a plain one, acknowledging
 * one more), nothing before. */
static void alive_then_repeat(struct fe *f, uint32_t iss)
{
    fe_advance(f, RTT);
    fe_deliver(f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(f), 0);
    assert_int_equal(fe_timer_in(f), THROTTLE);
    fe_deliver(f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1); /* a late duplicate changes nothing */
    assert_false(f->t.done);
    assert_int_equal(fe_fire(f), THROTTLE);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1 + AHEAD + 1, WINDOW);
    assert_int_equal(fe_timer_in(f), WAIT);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name(NAME);
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 9293");
    assert_string_equal(k->req.id, "3.10.7.4");
    assert_false(k->default_on);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 8);
    assert_int_equal(k->mbox.fields, TTL_FIELDS);
}

static void pass(enum fe_family fam)
{
    struct fe f;
    uint32_t iss = open_abs(&f, fam);
    quotes_from(&f, LAB_COPIES);
    fe_advance(&f, RTT);
    challenge_passes(&f, iss);
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

/* A RST at another number than SEG.ACK: the host reset the connection for it. */
static void test_fail_on_rst(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V4);
    quotes_from(&f, LAB_COPIES);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_RST, NULL);
    fe_free(&f);
}

/* SYN-RECEIVED's answer <SEQ=SEG.ACK><CTL=RST> (or the SYN-ACK again): our ACK again, the
 * probe again ORDER_GAP behind it; its ACK then passes, the same answer again fails. */
static void not_synced_once(struct fe *f, uint32_t iss, uint8_t flags)
{
    if (flags & TCP_FLAG_RST)
        fe_deliver(f, TCP_FLAG_RST, THEIR_ISN + 1 + AHEAD, 0);
    else
        fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    assert_int_equal(fe_n_out(f), 2);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1, WINDOW);
    assert_int_equal(f->t.out[0].delay, 0);
    fe_expect_plain(f, 1, TCP_FLAG_ACK, iss + 1, THEIR_ISN + 1 + AHEAD + 1, WINDOW);
    assert_int_equal(f->t.out[1].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ORDER_GAP + WAIT);
    assert_false(f->t.done);
}

static void test_not_synced_then_ack(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V6);
    quotes_from(&f, LAB_COPIES);
    not_synced_once(&f, iss, TCP_FLAG_RST);
    challenge_passes(&f, iss);
    fe_free(&f);

    iss = open_abs(&f, FE_V4);
    quotes_from(&f, LAB_COPIES);
    not_synced_once(&f, iss, TCP_FLAG_SYN);
    challenge_passes(&f, iss);
    fe_free(&f);
}

static void test_not_synced_twice(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V4);
    quotes_from(&f, LAB_COPIES);
    not_synced_once(&f, iss, TCP_FLAG_RST);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1 + AHEAD + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_RST, NULL);
    fe_free(&f);

    iss = open_abs(&f, FE_V6);
    quotes_from(&f, LAB_COPIES);
    not_synced_once(&f, iss, TCP_FLAG_SYN);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, iss + 1);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NOT_SYNCED, NULL);
    fe_free(&f);
}

/* No answer, and the alive probe answered by a RST: the connection is gone. */
static void test_fail_gone(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V6);
    quotes_from(&f, LAB_COPIES);
    silence(&f, iss);
    fe_deliver(&f, TCP_FLAG_RST, iss + 1 - ALIVE_BEHIND, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_FAIL, STAGE, REASON_GONE, NULL);
    fe_free(&f);
}

/* No answer, the connection alive: the probe repeated after the throttle is answered. */
static void test_pass_after_throttle(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V4);
    quotes_from(&f, LAB_COPIES);
    silence(&f, iss);
    alive_then_repeat(&f, iss);
    challenge_passes(&f, iss);
    fe_free(&f);
}

/* No answer to the probe, nor to its repeat, from a live connection: FAIL, once the quotes
 * show the path delivered the probe; with hop 2 silent for it, the path is to blame. */
static void ignored_twice(enum fe_family fam, unsigned quoting)
{
    struct fe f;
    uint32_t iss = open_abs(&f, fam);
    quotes_from(&f, quoting);
    silence(&f, iss);
    alive_then_repeat(&f, iss);
    assert_int_equal(fe_fire(&f), WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    if (quoting == LAB_COPIES)
        fe_expect_result(&f, TC_FAIL, STAGE, REASON_IGNORED, NULL);
    else
        fe_expect_result(&f, TC_UNK, STAGE, REASON_DROPPED,
                         "{\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_free(&f);
}

static void test_fail_ignored_twice(void **state)
{
    (void)state;
    ignored_twice(FE_V4, LAB_COPIES);
    ignored_twice(FE_V6, LAB_COPIES);
}

static void test_ignored_but_dropped_by_path(void **state)
{
    (void)state;
    ignored_twice(FE_V4, 1);
    ignored_twice(FE_V6, 1);
}

/* No answer to the alive probe nor its repeat: UNK. */
static void test_unk_no_answer(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V4);
    quotes_from(&f, LAB_COPIES);
    silence(&f, iss);
    fe_fire(&f);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1); /* the alive probe's repeat */
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    expect_close(&f, 0, iss);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_NO_ANSWER, NULL);
    fe_free(&f);
}

/* Hop 1's quote shows the acknowledgment number rewritten (a sequence-randomizing
 * firewall): the path decides, whatever the host answered. */
static void test_modified_by_path(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V6);
    struct icmp_quote q;
    fe_make_quote(&f.t.out[2], fe_router(FE_V6, 1), &q); /* the copy with TTL 1 */
    q.quote[TCP_OFF_ACK] ^= 0x80;
    fe_deliver_quote(&f, &q);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss + 1);
    char custom[128];
    uint32_t ack = THEIR_ISN + 1 + AHEAD;
    snprintf(custom, sizeof(custom), "{\"diff\":[\"0x10,%08x,%08x\",\"0x10,%08x,%08x\"]}", iss + 1,
             ack, iss + 1, ack ^ 0x80000000u);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_MODIFIED, custom);
    fe_free(&f);
}

/* What answers nothing: an ACK of less than we sent, a SYN-ACK that is not the handshake's,
 * data (a server's banner). The wait goes on. */
static void test_non_answers(void **state)
{
    (void)state;
    struct fe f;
    uint32_t iss = open_abs(&f, FE_V4);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, iss);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN + 5, iss + 1);
    struct tcp_seg data;
    fe_target_seg(&data, TCP_FLAG_ACK | TCP_FLAG_PSH, THEIR_ISN + 1, iss + 1);
    data.payload = (const uint8_t *)"SSH-2.0-x\r\n";
    data.payload_len = 11;
    fe_deliver_seg(&f, &data, false);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_timer_in(&f), WAIT);
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
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_pass_v4),
        cmocka_unit_test(test_pass_v6),
        cmocka_unit_test(test_fail_on_rst),
        cmocka_unit_test(test_not_synced_then_ack),
        cmocka_unit_test(test_not_synced_twice),
        cmocka_unit_test(test_fail_gone),
        cmocka_unit_test(test_pass_after_throttle),
        cmocka_unit_test(test_fail_ignored_twice),
        cmocka_unit_test(test_ignored_but_dropped_by_path),
        cmocka_unit_test(test_unk_no_answer),
        cmocka_unit_test(test_modified_by_path),
        cmocka_unit_test(test_non_answers),
        cmocka_unit_test(test_open_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
