/* The opening most cases share (src/testcase/syn_probe.c), through every phase and outcome:
 * the SYN under test as the traced probe (the original's burst, or path-aware), the plain
 * retry after silence or a RST, the control SYN without what is under test (answered: FAIL,
 * the host answers SYNs but not this one; silent or refused: UNK; a late answer to the probe:
 * UNK), the single plain SYN, wrong replies, RTT sampling (Karn) and the waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/syn_probe.h"
#include "tracebox/ttl_code.h"

#define ISN 0x10000000u
#define THEIR_ISN 0x5a5a0000u
#define SYN_WINDOW 1234
#define RETRY_WINDOW 4096
#define CONTROL_WINDOW 4096
/* The control SYN starts this far beyond the SYN under test (syn_probe.c). */
#define CONTROL_SEQ (ISN + 0x20000u)
#define MSS_HEX "020405b4"
#define PROBE_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
#define RTT (50 * TC_MSEC)
#define STAGE 1
#define SUFFIX " with probe"
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define TIMEOUT_SUFFIX "Timeout during handshake" SUFFIX
#define RST_SUFFIX "RST in reply to SYN during handshake" SUFFIX

/* A tiny case around the sub-machine: it finishes PASS when established and with the
 * failure as syn_probe reports it, so that each outcome shows as a result. */
struct sp_case {
    struct syn_probe probe;
    unsigned established;
    bool failed;
    struct syn_probe_failure fail;
};

static bool cfg_burst, cfg_control;

static void sp_start(struct tc *t, tc_time now)
{
    struct sp_case *s = t->state;
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = ISN;
    p->syn.flags = TCP_FLAG_SYN;
    p->syn.window = SYN_WINDOW;
    p->syn.reserved = 0x4; /* what is under test: the control SYN goes without it */
    tcp_opts_add_mss(&p->syn.opts, 1460);
    p->fields = PROBE_FIELDS;
    p->burst = cfg_burst;
    p->retry_window = RETRY_WINDOW;
    p->control = cfg_control;
    syn_probe_start(t, p, now);
}

static void outcome(struct tc *t, enum syn_probe_outcome o, tc_time now)
{
    struct sp_case *s = t->state;
    char reason[sizeof(t->result.reason)];
    switch (o) {
    case SP_PENDING:
        break;
    case SP_ESTABLISHED:
        s->established++;
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
        break;
    case SP_FAILED:
        s->failed = true;
        syn_probe_failure_reason(&s->fail, SUFFIX, reason, sizeof(reason));
        tc_finish(t, s->fail.status, STAGE, reason, NULL, now);
        break;
    }
}

static void sp_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct sp_case *s = t->state;
    assert_true(syn_probe_active(&s->probe));
    outcome(t, syn_probe_segment(t, &s->probe, seg, now, &s->fail), now);
}

static void sp_timer(struct tc *t, tc_time now)
{
    struct sp_case *s = t->state;
    assert_true(syn_probe_active(&s->probe));
    outcome(t, syn_probe_timer(t, &s->probe, now, &s->fail), now);
}

static const struct test_case sp_kind = {
    .name = "SynProbeTest",
    .packet_budget = HOP_LIMIT + 4,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct sp_case),
    .start = sp_start,
    .on_segment = sp_segment,
    .on_timer = sp_timer,
};

static struct sp_case *sp(const struct fe *f)
{
    return f->t.state;
}

/* The traced SYN: the original's burst, or with the lab path the host's copy and two. */
static void begin(struct fe *f, enum fe_family fam, const struct tc_timing *timing, bool path,
                  bool control)
{
    cfg_burst = true;
    cfg_control = control;
    fe_init_kind(f, &sp_kind, fam, timing);
    if (path)
        fe_set_lab_path(f);
    fe_start(f);
    if (path) {
        assert_int_equal(fe_n_out(f), 3);
        assert_int_equal(fe_expect_probe(f, 0, 2, PROBE_FIELDS, TCP_FLAG_SYN, MSS_HEX), ISN);
    } else {
        assert_int_equal(fe_expect_burst(f, MSS_HEX), ISN);
    }
    assert_int_equal(sp(f)->probe.phase, SP_BURST);
    assert_true(syn_probe_active(&sp(f)->probe));
}

/* The retry: the SYN under test once more without any TTL code, its own window. */
static void expect_retry(const struct fe *f)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, ISN, 0, RETRY_WINDOW, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_int_equal(p.seg.reserved, 0x4);
    assert_string_equal(p.opts_hex, MSS_HEX);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_int_equal(sp(f)->probe.phase, SP_RETRY);
}

/* The control: a plain SYN, no options, no reserved bits, far beyond the probe's number. */
static void expect_control(const struct fe *f)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, CONTROL_SEQ, 0, CONTROL_WINDOW);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_int_equal(p.seg.reserved, 0);
    assert_int_equal(sp(f)->probe.phase, SP_CONTROL);
}

static void expect_failure(const struct fe *f, enum tc_status st, const char *reason,
                           bool by_silence)
{
    assert_true(sp(f)->failed);
    assert_false(syn_probe_active(&sp(f)->probe));
    assert_int_equal(sp(f)->probe.phase, SP_DONE);
    assert_int_equal(sp(f)->fail.by_silence, by_silence);
    fe_expect_result(f, st, STAGE, reason, NULL);
}

/* ---- established ---- */

static void established_first_try(enum fe_family fam, bool path)
{
    struct fe f;
    begin(&f, fam, &tc_timing_default, path, true);
    assert_int_equal(fe_timer_in(&f), 1 * TC_SEC); /* no RTT known: RFC 6298's 1 s */
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 1);
    assert_int_equal(fe_n_out(&f), 0); /* completing it is the case's business */
    assert_int_equal(sp(&f)->established, 1);
    assert_int_equal(sp(&f)->probe.phase, SP_DONE);
    assert_int_equal(f.t.rtt, RTT);
    assert_false(syn_probe_retried(&sp(&f)->probe));
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_established_first_try(void **state)
{
    (void)state;
    established_first_try(FE_V4, false);
    established_first_try(FE_V6, false);
    established_first_try(FE_V4, true);
    established_first_try(FE_V6, true);
}

/* Karn: the retry repeats the sequence number, so its SYN-ACK is no RTT sample. The retry
 * waits twice as long while no RTT is known (RFC 6298 (5.5)). */
static void test_established_after_retry(void **state)
{
    (void)state;
    struct fe f;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    expect_retry(&f);
    assert_int_equal(fe_timer_in(&f), 2 * TC_SEC);
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 1);
    assert_int_equal(sp(&f)->established, 1);
    assert_int_equal(f.t.rtt, 0);
    assert_true(syn_probe_retried(&sp(&f)->probe)); /* answered only on the retry */
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    /* a RST to the traced probe: the retry at once */
    begin(&f, FE_V6, &tc_timing_default, false, true);
    fe_advance(&f, RTT);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    expect_retry(&f);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 1);
    assert_int_equal(sp(&f)->established, 1);
    assert_int_equal(f.t.rtt, 0);
    fe_free(&f);
}

/* An RTT known from an earlier round sets the waits: 4 RTTs, the retry's not doubled. */
static void test_waits_with_rtt_and_original(void **state)
{
    (void)state;
    struct fe f;
    cfg_burst = true;
    cfg_control = true;
    fe_init_kind(&f, &sp_kind, FE_V4, &tc_timing_default);
    f.t.env.rtt_hint = RTT;
    fe_start(&f);
    assert_int_equal(fe_timer_in(&f), 4 * RTT);
    fe_fire(&f);
    expect_retry(&f);
    assert_int_equal(fe_timer_in(&f), 4 * RTT);
    fe_fire(&f);
    expect_control(&f);
    assert_int_equal(fe_timer_in(&f), 4 * RTT);
    fe_free(&f);

    /* --timing original: 30 s for every SYN */
    begin(&f, FE_V4, &tc_timing_original, false, true);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_retry(&f);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_control(&f);
    assert_int_equal(fe_fire(&f), 30 * TC_SEC);
    expect_failure(&f, TC_UNK, TIMEOUT_SUFFIX "; no answer to a SYN without it either", true);
    fe_free(&f);
}

/* ---- failures without a control SYN ---- */

static void test_failures_without_control(void **state)
{
    (void)state;
    struct fe f;
    begin(&f, FE_V4, &tc_timing_default, false, false);
    fe_fire(&f);
    expect_retry(&f);
    assert_int_equal(fe_fire(&f), 2 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    expect_failure(&f, TC_UNK, TIMEOUT_SUFFIX, true);
    assert_string_equal(sp(&f)->fail.detail, "");
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_NONE);
    fe_free(&f);

    begin(&f, FE_V6, &tc_timing_default, true, false);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    expect_retry(&f);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    assert_int_equal(fe_n_out(&f), 0); /* never a RST for a RST */
    expect_failure(&f, TC_UNK, RST_SUFFIX, false);
    fe_free(&f);
}

/* A reply that is no SYN-ACK for our SYN is the host's: reset "to be sure", FAIL, in any
 * phase before the control. */
static void test_wrong_replies_fail(void **state)
{
    (void)state;
    struct fe f;
    begin(&f, FE_V4, &tc_timing_default, false, true);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, ISN + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, ISN + 1, 0, 0);
    expect_failure(&f, TC_FAIL, "Non-SYN-ACK in reply to SYN during handshake" SUFFIX, false);
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_NONE);
    fe_free(&f);

    begin(&f, FE_V6, &tc_timing_default, true, true);
    fe_fire(&f);
    expect_retry(&f);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 7);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, ISN + 7, 0, 0);
    expect_failure(&f, TC_FAIL, "Wrong SEQ acked in reply to SYN during handshake" SUFFIX, false);
    fe_free(&f);

    /* a RST that does not acknowledge our SYN: the original's FAIL, but never a RST in
     * reply to a RST (RFC 9293 3.10.7) */
    begin(&f, FE_V4, &tc_timing_default, false, true);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 9);
    assert_int_equal(fe_n_out(&f), 0);
    expect_failure(&f, TC_FAIL, "Non-SYN-ACK in reply to SYN during handshake" SUFFIX, false);
    fe_free(&f);
}

/* ---- the control SYN ---- */

/* The SYN under test timed out twice (burst and retry): the control goes out. */
static void to_control_by_timeout(struct fe *f, enum fe_family fam, bool path)
{
    begin(f, fam, &tc_timing_default, path, true);
    fe_fire(f);
    expect_retry(f);
    fe_fire(f);
    expect_control(f);
    assert_int_equal(fe_timer_in(f), 2 * TC_SEC);
}

/* Answered: the host answers SYNs, only not this one. Positive evidence: FAIL. */
static void control_answered(enum fe_family fam, bool path)
{
    struct fe f;
    to_control_by_timeout(&f, fam, path);
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, CONTROL_SEQ + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, CONTROL_SEQ + 1, 0, 0);
    expect_failure(&f, TC_FAIL, TIMEOUT_SUFFIX "; a SYN without it was answered", true);
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_ANSWERED);
    assert_int_equal(sp(&f)->established, 0);
    fe_free(&f);
}

static void test_control_answered_fail(void **state)
{
    (void)state;
    control_answered(FE_V4, false);
    control_answered(FE_V6, true);

    /* refused twice with RST, the control answered: FAIL, not by silence */
    struct fe f;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    expect_retry(&f);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    expect_control(&f);
    fe_deliver(&f, SYNACK, THEIR_ISN, CONTROL_SEQ + 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, CONTROL_SEQ + 1, 0, 0);
    expect_failure(&f, TC_FAIL, RST_SUFFIX "; a SYN without it was answered", false);
    fe_free(&f);
}

/* No answer to any SYN right now (host, port or path): unknown. */
static void test_control_silent_unk(void **state)
{
    (void)state;
    struct fe f;
    to_control_by_timeout(&f, FE_V4, true);
    assert_int_equal(fe_fire(&f), 2 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    expect_failure(&f, TC_UNK, TIMEOUT_SUFFIX "; no answer to a SYN without it either", true);
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_SILENT);
    fe_free(&f);
}

/* Refused as well: the port is closed to every SYN, not to this one. */
static void test_control_refused_unk(void **state)
{
    (void)state;
    struct fe f;
    to_control_by_timeout(&f, FE_V6, false);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, CONTROL_SEQ + 1);
    assert_int_equal(fe_n_out(&f), 0);
    expect_failure(&f, TC_UNK, TIMEOUT_SUFFIX "; a SYN without it was refused too", true);
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_REFUSED);
    fe_free(&f);
}

/* The SYN under test answered after all, while the control is out: it cannot be told from
 * the control any more (UNK); the late connection is reset. Segments that answer neither
 * are ignored. */
static void test_control_late_answer_unk(void **state)
{
    (void)state;
    struct fe f;
    to_control_by_timeout(&f, FE_V4, true);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, CONTROL_SEQ + 5);
    fe_deliver(&f, TCP_FLAG_RST, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 1);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_plain(&f, 0, TCP_FLAG_RST, ISN + 1, 0, 0);
    /* the host did answer the probe: no verdict by silence (the path did not drop it) */
    expect_failure(&f, TC_UNK,
                   "SYN-ACK only after the retransmission timeout" SUFFIX
                   "; answered only after a SYN without it",
                   false);
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_LATE);
    assert_int_equal(sp(&f)->established, 0);
    fe_free(&f);

    /* a late RST for the probe is not answered with a RST */
    to_control_by_timeout(&f, FE_V6, false);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    assert_int_equal(fe_n_out(&f), 0);
    assert_true(sp(&f)->failed);
    assert_int_equal(sp(&f)->fail.status, TC_UNK);
    assert_int_equal(sp(&f)->fail.control, SP_CONTROL_LATE);
    fe_free(&f);
}

/* ---- the single plain SYN (no tracing, no retry) ---- */

static void begin_single(struct fe *f, enum fe_family fam, bool control)
{
    cfg_burst = false;
    cfg_control = control;
    fe_init_kind(f, &sp_kind, fam, &tc_timing_default);
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, ISN, 0, SYN_WINDOW, IP_DEFAULT_TTL, 0);
    assert_false(f->t.traced.sent);
    assert_int_equal(sp(f)->probe.phase, SP_SINGLE);
    assert_int_equal(fe_timer_in(f), 1 * TC_SEC);
}

static void test_single_syn(void **state)
{
    (void)state;
    struct fe f;
    begin_single(&f, FE_V4, false);
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 1);
    assert_int_equal(f.t.rtt, RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    begin_single(&f, FE_V6, false);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    expect_failure(&f, TC_UNK, TIMEOUT_SUFFIX, true);
    fe_free(&f);

    begin_single(&f, FE_V4, false);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, ISN + 1);
    assert_int_equal(fe_n_out(&f), 0);
    expect_failure(&f, TC_UNK, RST_SUFFIX, false);
    fe_free(&f);

    /* with a control: straight from the single SYN to it */
    begin_single(&f, FE_V4, true);
    fe_fire(&f);
    expect_control(&f);
    fe_deliver(&f, SYNACK, THEIR_ISN, CONTROL_SEQ + 1);
    expect_failure(&f, TC_FAIL, TIMEOUT_SUFFIX "; a SYN without it was answered", true);
    fe_free(&f);
}

/* Done: no longer active, and a stray timer changes nothing. */
static void test_done_is_inert(void **state)
{
    (void)state;
    struct fe f;
    begin(&f, FE_V4, &tc_timing_default, false, false);
    fe_deliver(&f, SYNACK, THEIR_ISN, ISN + 1);
    struct syn_probe_failure fail;
    memset(&fail, 0, sizeof(fail));
    assert_int_equal(syn_probe_timer(&f.t, &sp(&f)->probe, f.now, &fail), SP_PENDING);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(sp(&f)->probe.phase, SP_DONE);
    fe_free(&f);

    struct syn_probe idle;
    memset(&idle, 0, sizeof(idle));
    assert_false(syn_probe_active(&idle));
}

static void test_failure_reason_text(void **state)
{
    (void)state;
    char buf[64];
    struct syn_probe_failure f = {.reason = "R", .detail = "; D"};
    syn_probe_failure_reason(&f, " S", buf, sizeof(buf));
    assert_string_equal(buf, "R S; D");
    f.detail = NULL;
    syn_probe_failure_reason(&f, NULL, buf, sizeof(buf));
    assert_string_equal(buf, "R");
    f.reason = "Timeout during handshake";
    f.detail = "; a SYN without it was answered";
    syn_probe_failure_reason(&f, SUFFIX, buf, 20);
    assert_string_equal(buf, "Timeout during hand"); /* cut, terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_established_first_try),
        cmocka_unit_test(test_established_after_retry),
        cmocka_unit_test(test_waits_with_rtt_and_original),
        cmocka_unit_test(test_failures_without_control),
        cmocka_unit_test(test_wrong_replies_fail),
        cmocka_unit_test(test_control_answered_fail),
        cmocka_unit_test(test_control_silent_unk),
        cmocka_unit_test(test_control_refused_unk),
        cmocka_unit_test(test_control_late_answer_unk),
        cmocka_unit_test(test_single_syn),
        cmocka_unit_test(test_done_is_inert),
        cmocka_unit_test(test_failure_reason_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
