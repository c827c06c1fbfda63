/* The traced probe and the conclusion that waits for its quotes (src/testcase/traced.c):
 * tc_send_probe as the original's burst (no path knowledge, or --trace-burst full) and
 * path-aware (one copy for the host, paced TTL-limited copies for the hops known to quote),
 * when its quotes are in, and tc_conclude's order: the path's change first, then a probe the
 * path dropped (only for a verdict resting on the host's silence), then the verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tcp/fault.h"
#include "testcase/tc_private.h"
#include "tracebox/ttl_code.h"

#define PROBE_SEQ 0x01020304u
#define PROBE_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_WIN | TTL_ENC_URG)
/* Bits a touch sets in every copy (and a quote shows when the path changed them). */
#define TOUCH_RESERVED 0x8
#define TCP_OFF_RSRVD 12
#define STAGE 3
#define INFO "reserved bits"
#define RTT (50 * TC_MSEC)
#define BIT(h) ((uint32_t)1u << (h))
#define REASON_HOP1 "Middlebox interference detected at or before hop 1 (reserved bits)"
#define DROPPED_HOP1 "Middlebox interference detected at or before hop 1 (probe dropped)"
#define DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"

/* A case that sends the traced probe at start and counts every callback it gets. */
struct traced_state {
    unsigned segs, bad_csums, quotes, timers, touches;
};

static bool touch_enabled;

static void touch_copy(struct tc *t, struct tcp_seg *copy, void *ctx)
{
    struct traced_state *s = ctx;
    assert_ptr_equal(s, t->state);
    s->touches++;
    copy->reserved = TOUCH_RESERVED;
}

static void traced_start(struct tc *t, tc_time now)
{
    (void)now;
    struct tcp_seg syn;
    tc_seg_new(t, &syn);
    syn.seq = PROBE_SEQ;
    syn.flags = TCP_FLAG_SYN;
    tc_send_probe(t, &syn, PROBE_FIELDS, touch_enabled ? touch_copy : NULL, t->state);
}

static void traced_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    (void)seg;
    (void)now;
    ((struct traced_state *)t->state)->segs++;
}

static void traced_bad_checksum(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    (void)seg;
    (void)now;
    ((struct traced_state *)t->state)->bad_csums++;
}

static void traced_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    (void)q;
    (void)now;
    ((struct traced_state *)t->state)->quotes++;
}

static void traced_timer(struct tc *t, tc_time now)
{
    (void)now;
    ((struct traced_state *)t->state)->timers++;
}

static const struct test_case traced_kind = {
    .name = "TracedTest",
    .packet_budget = HOP_LIMIT + 1,
    .deadline = 60 * TC_SEC,
    .state_size = sizeof(struct traced_state),
    .start = traced_start,
    .on_segment = traced_segment,
    .on_bad_checksum = traced_bad_checksum,
    .on_quote = traced_quote,
    .on_timer = traced_timer,
};

static struct traced_state *counts(struct fe *f)
{
    return f->t.state;
}

/* The case with the lab path known (path_aware) or not, an RTT of 50 ms known (rtt) or not. */
static void begin(struct fe *f, enum fe_family fam, const struct tc_timing *timing, bool path_aware,
                  bool rtt)
{
    fe_init_kind(f, &traced_kind, fam, timing);
    if (path_aware)
        fe_set_lab_path(f);
    if (rtt)
        f->t.env.rtt_hint = RTT;
    fe_start(f);
}

/* The quote, from the lab router at that hop (at HOP_LIMIT: a forger's address),
 * of the copy sent with TTL ttl; its reserved bits replaced unless rsrvd is negative. */
static void quote_ttl(struct fe *f, unsigned ttl, int rsrvd)
{
    for (size_t k = 0; k < fe_n_sent(f); k++) {
        struct ip_view ip;
        const struct tc_packet *pkt = fe_sent(f, k);
        assert_int_equal(ip_parse(pkt->data, pkt->len, &ip), 0);
        if (ip.ttl != ttl)
            continue;
        struct icmp_quote q;
        enum fe_family fam = f->t.env.src.family == IP_FAMILY_V4 ? FE_V4 : FE_V6;
        const char *forger = fam == FE_V4 ? "198.18.4.1" : "fd00:7463:4::1";
        fe_make_quote(pkt, ttl == HOP_LIMIT ? forger : fe_router(fam, ttl), &q);
        if (rsrvd >= 0)
            q.quote[TCP_OFF_RSRVD] = (uint8_t)((q.quote[TCP_OFF_RSRVD] & 0xf0) | rsrvd);
        fe_deliver_quote(f, &q);
        return;
    }
    fail_msg("no copy with TTL %u", ttl);
}

/* The case's check: the reserved bits must arrive as sent (none). */
static bool reserved_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                          char *seen, size_t seen_cap)
{
    (void)ctx;
    unsigned rsrvd = q->quote[TCP_OFF_RSRVD] & 0x0f;
    if (rsrvd == 0)
        return false;
    snprintf(exp, exp_cap, "0");
    snprintf(seen, seen_cap, "%u", rsrvd);
    return true;
}

static const struct mbox_check check = {
    .fields = PROBE_FIELDS,
    .diff = reserved_diff,
    .info = INFO,
    .stage = STAGE,
};

/* ---- tc_send_probe ---- */

/* No path knowledge: the original's burst, TTL 1..30 back to back. */
static void test_probe_full_burst(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, false, false);
    assert_int_equal(fe_expect_burst(&f, ""), PROBE_SEQ);
    for (size_t i = 0; i < HOP_LIMIT; i++)
        assert_int_equal(f.t.out[i].delay, 0);
    assert_true(f.t.traced.sent);
    assert_false(f.t.traced.path_known);
    assert_int_equal(f.t.traced.copies, HOP_LIMIT);
    assert_int_equal(f.t.traced.fields, PROBE_FIELDS);
    assert_int_equal(f.t.traced.expected, 0);
    assert_int_equal(f.t.traced.sent_at, FE_T0);
    assert_int_equal(f.t.ttl_fields, PROBE_FIELDS);
    fe_free(&f);

    /* --trace-burst full: the same burst although the path is known */
    fe_init_kind(&f, &traced_kind, FE_V6, &tc_timing_default);
    fe_set_lab_path(&f);
    f.t.env.trace_full = true;
    fe_start(&f);
    assert_int_equal(fe_expect_burst(&f, ""), PROBE_SEQ);
    assert_false(f.t.traced.path_known);
    fe_free(&f);
}

/* The lab path: the host's copy first with TTL 30, then TTL 1 and 2, 1 ms apart. */
static void probe_path_aware(enum fe_family fam)
{
    struct fe f;
    touch_enabled = false;
    begin(&f, fam, &tc_timing_default, true, false);
    assert_int_equal(fe_n_out(&f), 3);
    assert_int_equal(fe_expect_probe(&f, 0, 2, PROBE_FIELDS, TCP_FLAG_SYN, ""), PROBE_SEQ);
    assert_true(f.t.traced.path_known);
    assert_int_equal(f.t.traced.copies, 2);
    assert_int_equal(f.t.traced.expected, BIT(1) | BIT(2));
    assert_int_equal(f.t.traced.quoted, 0);
    fe_free(&f);
}

static void test_probe_path_aware(void **state)
{
    (void)state;
    probe_path_aware(FE_V4);
    probe_path_aware(FE_V6);
}

/* A hop that never quoted still gets its copy (it lies before the host) but no quote is
 * expected from it; with no hop known to quote, the host's copy alone. */
static void test_probe_path_gaps(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    fe_init_kind(&f, &traced_kind, FE_V4, &tc_timing_default);
    fe_set_path(&f, 5, BIT(1) | BIT(3));
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), 4);
    fe_expect_probe(&f, 0, 3, PROBE_FIELDS, TCP_FLAG_SYN, "");
    assert_int_equal(f.t.traced.expected, BIT(1) | BIT(3));
    fe_free(&f);

    fe_init_kind(&f, &traced_kind, FE_V4, &tc_timing_default);
    fe_set_path(&f, 3, 0);
    fe_start(&f);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_probe(&f, 0, 0, PROBE_FIELDS, TCP_FLAG_SYN, "");
    assert_true(f.t.traced.path_known);
    assert_int_equal(f.t.traced.copies, 0);
    assert_true(tc_probe_quotes_in(&f.t, f.now)); /* nothing to wait for */
    fe_free(&f);
}

/* The touch sees every copy after its TTL code is in, in both modes. */
static void test_probe_touch(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = true;
    begin(&f, FE_V4, &tc_timing_default, false, false);
    assert_int_equal(counts(&f)->touches, HOP_LIMIT);
    for (size_t i = 0; i < HOP_LIMIT; i++) {
        struct fe_pkt p;
        fe_pkt(&f, i, &p);
        assert_int_equal(p.seg.reserved, TOUCH_RESERVED);
        assert_int_equal(p.ip.ttl, i + 1);
        assert_int_equal(p.seg.window, ttl_code16((unsigned)i + 1));
        assert_int_equal(f.t.out[i].faults, TCP_FAULT_RESERVED);
    }
    fe_free(&f);

    begin(&f, FE_V6, &tc_timing_default, true, false);
    assert_int_equal(counts(&f)->touches, 3);
    fe_expect_probe(&f, 0, 2, PROBE_FIELDS, TCP_FLAG_SYN, "");
    for (size_t i = 0; i < 3; i++) {
        struct fe_pkt p;
        fe_pkt(&f, i, &p);
        assert_int_equal(p.seg.reserved, TOUCH_RESERVED);
    }
    touch_enabled = false;
    fe_free(&f);
}

/* ---- tc_probe_quotes_in / tc_probe_quotes_at ---- */

static void test_quotes_without_probe(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &traced_kind, FE_V4, &tc_timing_default);
    assert_true(tc_probe_quotes_in(&f.t, f.now));
    assert_int_equal(tc_probe_quotes_at(&f.t), 0);
    fe_free(&f);
}

/* Without path knowledge nothing says a quote is the last: the in-flight wait, the ceiling
 * with no RTT known, 4 RTTs with one. */
static void test_quotes_full_burst_wait(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, false, false);
    assert_int_equal(tc_probe_quotes_at(&f.t), FE_T0 + tc_timing_default.ceil);
    quote_ttl(&f, 1, -1);
    quote_ttl(&f, 2, -1);
    assert_int_equal(counts(&f)->quotes, 2); /* no verdict held: the case gets them */
    assert_false(tc_probe_quotes_in(&f.t, FE_T0 + tc_timing_default.ceil - 1));
    assert_true(tc_probe_quotes_in(&f.t, FE_T0 + tc_timing_default.ceil));
    fe_free(&f);

    begin(&f, FE_V4, &tc_timing_default, false, true);
    assert_int_equal(tc_probe_quotes_at(&f.t), FE_T0 + 4 * RTT);
    fe_free(&f);

    /* --timing original: the original's 10 s */
    begin(&f, FE_V4, &tc_timing_original, false, true);
    assert_int_equal(tc_probe_quotes_at(&f.t), FE_T0 + 10 * TC_SEC);
    fe_free(&f);
}

/* With path knowledge the quotes are in once every hop known to quote has quoted, long
 * before the wait (which starts after the last copy leaves). */
static void quotes_complete(enum fe_family fam)
{
    struct fe f;
    touch_enabled = false;
    begin(&f, fam, &tc_timing_default, true, true);
    tc_time at = FE_T0 + 2 * TC_BURST_GAP + 4 * RTT;
    assert_int_equal(tc_probe_quotes_at(&f.t), at);
    fe_advance(&f, RTT);
    quote_ttl(&f, 2, -1);
    assert_int_equal(f.t.traced.quoted, BIT(2));
    assert_false(tc_probe_quotes_in(&f.t, f.now));
    quote_ttl(&f, 2, -1); /* the same hop twice is still one hop */
    assert_false(tc_probe_quotes_in(&f.t, f.now));
    quote_ttl(&f, 1, -1);
    assert_int_equal(f.t.traced.quoted, BIT(1) | BIT(2));
    assert_true(tc_probe_quotes_in(&f.t, f.now));
    assert_int_equal(tc_probe_quotes_at(&f.t), at); /* the wait itself does not move */
    fe_free(&f);
}

static void test_quotes_complete_path_aware(void **state)
{
    (void)state;
    quotes_complete(FE_V4);
    quotes_complete(FE_V6);
}

/* A quote of another packet, or naming a hop beyond the copies, completes nothing. */
static void test_quotes_other_packets_do_not_count(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    struct tcp_seg other;
    tc_seg_new(&f.t, &other);
    other.flags = TCP_FLAG_SYN;
    tc_send_traced(&f.t, &other, 7, TTL_ENC_IPID | TTL_ENC_WIN); /* code of hop 7 */
    const struct tc_packet *pkt = fe_sent(&f, fe_n_sent(&f) - 1);
    struct icmp_quote q;
    fe_make_quote(pkt, "198.18.9.9", &q);
    fe_deliver_quote(&f, &q);
    assert_int_equal(f.t.traced.quoted, 0);
    /* an untraced packet: no code anywhere */
    tc_send(&f.t, &other, 1, 0);
    fe_make_quote(fe_sent(&f, fe_n_sent(&f) - 1), fe_router(FE_V4, 1), &q);
    fe_deliver_quote(&f, &q);
    assert_int_equal(f.t.traced.quoted, 0);
    assert_false(tc_probe_quotes_in(&f.t, f.now));
    fe_free(&f);
}

/* --timing original waits its fixed time even when every quote is in. */
static void test_quotes_original_waits_fixed(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_original, true, true);
    quote_ttl(&f, 1, -1);
    quote_ttl(&f, 2, -1);
    assert_int_equal(f.t.traced.quoted, BIT(1) | BIT(2));
    tc_time at = FE_T0 + 2 * TC_BURST_GAP + 10 * TC_SEC;
    assert_int_equal(tc_probe_quotes_at(&f.t), at);
    assert_false(tc_probe_quotes_in(&f.t, at - 1));
    assert_true(tc_probe_quotes_in(&f.t, at));
    fe_free(&f);
}

/* ---- tc_conclude ---- */

/* Quotes already in: the verdict at once, with the path and what it taught. */
static void test_conclude_at_once(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    quote_ttl(&f, 1, -1);
    quote_ttl(&f, 2, -1);
    fe_advance(&f, RTT);
    tc_conclude_with(&f.t, &check, TC_FAIL, STAGE, "host failed", false, f.now);
    fe_expect_result(&f, TC_FAIL, STAGE, "host failed", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + RTT);
    fe_expect_lab_path(&f, 2);
    assert_int_equal(f.t.learned.quoting, BIT(1) | BIT(2));
    fe_free(&f);

    /* a PASS without a reason, no check */
    begin(&f, FE_V6, &tc_timing_default, false, true);
    fe_advance(&f, 4 * RTT);
    tc_conclude_with(&f.t, NULL, TC_PASS, -1, NULL, false, f.now);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 0);
    fe_free(&f);
}

/* Held: the timer moves to the end of the quote wait; until then the case gets nothing
 * (segments still count as evidence), then the verdict. */
static void test_conclude_holds_without_callbacks(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, false, true);
    tc_set_timer(&f.t, f.now + 10 * TC_SEC); /* the case's own timer is replaced */
    fe_advance(&f, RTT);
    tc_conclude_with(&f.t, &check, TC_PASS, -1, NULL, false, f.now);
    assert_false(f.t.done);
    assert_true(f.t.pending.active);
    assert_int_equal(fe_timer_in(&f), 3 * RTT);
    size_t evidence_before = f.t.evidence.n;
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, 0x777, PROBE_SEQ + 1);
    struct tcp_seg bad;
    fe_target_seg(&bad, TCP_FLAG_ACK, 0x778, PROBE_SEQ + 1);
    fe_deliver_seg(&f, &bad, true);
    quote_ttl(&f, 1, -1);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 3 * RTT);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(counts(&f)->segs, 0);
    assert_int_equal(counts(&f)->bad_csums, 0);
    assert_int_equal(counts(&f)->quotes, 0);
    assert_int_equal(counts(&f)->timers, 0);
    assert_int_equal(f.t.n_isns, 1); /* the SYN-ACK's ISN is evidence all the same */
    assert_int_equal(f.t.evidence.n, evidence_before + 2); /* and both segments */
    assert_int_equal(f.t.n_quotes, 1);
    fe_expect_lab_path(&f, 1);
    /* a second conclusion after the verdict changes nothing */
    tc_conclude_with(&f.t, &check, TC_FAIL, STAGE, "late", true, f.now);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* Path-aware: the held verdict comes with the last expected quote, not at the timer. */
static void test_conclude_on_last_quote(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V6, &tc_timing_default, true, true);
    fe_advance(&f, RTT);
    tc_conclude_with(&f.t, &check, TC_FAIL, STAGE, "host failed", true, f.now);
    assert_int_equal(fe_timer_in(&f), 2 * TC_BURST_GAP + 3 * RTT);
    fe_advance(&f, 1 * TC_MSEC);
    quote_ttl(&f, 1, -1);
    assert_false(f.t.done);
    quote_ttl(&f, 2, -1);
    /* every hop quoted: the host was silent, not the path */
    fe_expect_result(&f, TC_FAIL, STAGE, "host failed", NULL);
    assert_int_equal(f.t.done_at, FE_T0 + RTT + 1 * TC_MSEC);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

/* The path's change decides first: over the host's verdict, and over a dropped probe. */
static void test_conclude_mbox_first(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, false, true);
    quote_ttl(&f, 2, 0x2);
    quote_ttl(&f, 1, 0x2);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "host failed", false, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_HOP1, "{\"diff\":[\"0\",\"2\"]}");
    fe_expect_lab_path(&f, 1);
    fe_free(&f);

    /* hop 1 shows the change, hop 2 stayed silent, the verdict rests on silence */
    begin(&f, FE_V4, &tc_timing_default, true, true);
    quote_ttl(&f, 1, 0x4);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "Timeout", true, f.now);
    assert_false(f.t.done);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, REASON_HOP1, "{\"diff\":[\"0\",\"4\"]}");
    fe_free(&f);
}

/* With path knowledge no router before the host sees the host's copy (full TTL, coded
 * HOP_LIMIT) expire: a quote of it names no router that got a copy. Changed, it still
 * detects a middlebox, at an unknown hop (never the host's FAIL), and it adds no hop to the
 * path; unchanged, it changes nothing. A quote of another segment of the test (full TTL,
 * another seq) is ignored, named in a verdict other than PASS. Without path knowledge the
 * burst's copy with TTL 30 may expire at hop 30. */
static void test_quote_beyond_host(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    quote_ttl(&f, HOP_LIMIT, 0x2);
    assert_int_equal(f.t.n_quotes, 1);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "host failed", false, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "Middlebox interference detected at unknown hop (reserved bits)",
                     "{\"diff\":[\"0\",\"2\"]}");
    assert_int_equal(f.t.learned.quoting & BIT(HOP_LIMIT), 0);
    fe_free(&f);

    begin(&f, FE_V4, &tc_timing_default, true, true);
    quote_ttl(&f, HOP_LIMIT, -1);
    tc_conclude_with(&f.t, &check, TC_PASS, -1, "", false, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.learned.quoting & BIT(HOP_LIMIT), 0);
    fe_free(&f);

    begin(&f, FE_V4, &tc_timing_default, true, true);
    struct fe_pkt probe;
    fe_pkt(&f, 0, &probe);
    struct tcp_seg next;
    tc_seg_new(&f.t, &next);
    next.seq = probe.seg.seq + 1;
    next.flags = TCP_FLAG_ACK;
    tc_send(&f.t, &next, HOP_LIMIT, 0);
    struct icmp_quote q;
    fe_make_quote(fe_sent(&f, fe_n_sent(&f) - 1), "198.18.4.1", &q);
    q.quote[TCP_OFF_RSRVD] |= 0x2;
    fe_deliver_quote(&f, &q);
    assert_int_equal(f.t.ignored.full_ttl_quotes, 1);
    assert_int_equal(f.t.n_quotes, 0);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "host failed", false, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, 1,
                     "host failed (ignored 1 ICMP quote of segments sent with a full TTL)", NULL);
    fe_free(&f);

    begin(&f, FE_V4, &tc_timing_default, false, true);
    quote_ttl(&f, HOP_LIMIT, 0x2);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "host failed", false, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "Middlebox interference detected at or before hop 30 (reserved bits)",
                     "{\"diff\":[\"0\",\"2\"]}");
    fe_free(&f);
}

/* The highest hop a quote can name: the traced copies' last; before (or without) a traced
 * probe, the hop before the host's measured distance, the env's or this test's own
 * discovery's (LivenessTest's SYN is not a traced probe); an estimate from a reply's TTL
 * is not relied on. */
static void test_quote_hop_max(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &traced_kind, FE_V4, &tc_timing_default);
    assert_int_equal(tc_quote_hop_max(&f.t), HOP_LIMIT);
    f.t.learned = (struct path_info){.host_hop = 5, .host_hop_source = PATH_HOP_SYNACK_TTL};
    assert_int_equal(tc_quote_hop_max(&f.t), HOP_LIMIT);
    f.t.learned.host_hop_source = PATH_HOP_ACK_RST;
    assert_int_equal(tc_quote_hop_max(&f.t), 4);
    fe_set_lab_path(&f);
    assert_int_equal(tc_quote_hop_max(&f.t), 2);
    fe_free(&f);

    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    assert_int_equal(tc_quote_hop_max(&f.t), f.t.traced.copies);
    fe_free(&f);
}

/* A hop known to quote stayed silent and the host did not answer: the path lost the probe.
 * The path goes up to the last hop that quoted; the stage is the check's. */
static void dropped(enum fe_family fam)
{
    struct fe f;
    touch_enabled = false;
    begin(&f, fam, &tc_timing_default, true, true);
    fe_advance(&f, RTT);
    quote_ttl(&f, 1, -1);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "Timeout during handshake", true, f.now);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 2 * TC_BURST_GAP + 3 * RTT);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2, "{\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_expect_lab_path(&f, 1);
    assert_int_equal(f.t.learned.quoting, BIT(1));
    fe_free(&f);
}

static void test_conclude_dropped_probe(void **state)
{
    (void)state;
    dropped(FE_V4);
    dropped(FE_V6);
}

/* The nearest silent hop is named, even when a later one quoted; without a check the
 * verdict's own stage. */
static void test_conclude_dropped_nearest_hop(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    /* hop 2 quoted, hop 1 did not: the probe passed hop 1 (its quote from hop 2 proves it),
     * so hop 1's silence is a lost ICMP message, not a drop: the verdict stands */
    begin(&f, FE_V4, &tc_timing_default, true, true);
    quote_ttl(&f, 2, -1);
    tc_conclude_with(&f.t, NULL, TC_UNK, 5, "No answer", true, f.now);
    if (!f.t.done)
        fe_fire(&f);
    fe_expect_result(&f, TC_UNK, 5, "No answer", NULL);
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 2, fe_router(FE_V4, 2));
    fe_free(&f);

    /* hops 1..3 quote this target's probes: hop 1 quoted, 2 and 3 did not: the nearest
     * silent hop beyond the last that quoted is where the probe was lost */
    fe_init_kind(&f, &traced_kind, FE_V4, &tc_timing_default);
    fe_set_path(&f, 4, (1u << 1) | (1u << 2) | (1u << 3));
    f.t.env.rtt_hint = RTT;
    fe_start(&f);
    quote_ttl(&f, 1, -1);
    tc_conclude_with(&f.t, NULL, TC_UNK, 5, "No answer", true, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, 5, DROPPED_HOP2, "{\"diff\":[\"quote from hop 2\",\"\"]}");
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 1, fe_router(FE_V4, 1));
    fe_free(&f);

    /* nothing quoted at all */
    begin(&f, FE_V6, &tc_timing_default, true, true);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "Timeout", true, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP1, "{\"diff\":[\"quote from hop 1\",\"\"]}");
    assert_int_equal(f.t.path_len, 0);
    fe_free(&f);
}

/* The dropped-probe rule is only for a verdict by silence, and only with path knowledge:
 * an answer from the host proves the probe arrived; without knowledge no hop is expected. */
static void test_conclude_dropped_rule_limits(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_default, true, true);
    quote_ttl(&f, 1, -1);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "RST in reply", false, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, 1, "RST in reply", NULL);
    fe_free(&f);

    begin(&f, FE_V4, &tc_timing_default, false, true);
    quote_ttl(&f, 1, -1);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "Timeout", true, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, 1, "Timeout", NULL);
    fe_free(&f);

    /* --trace-burst full: the burst, not the path, even with knowledge */
    fe_init_kind(&f, &traced_kind, FE_V4, &tc_timing_default);
    fe_set_lab_path(&f);
    f.t.env.trace_full = true;
    f.t.env.rtt_hint = RTT;
    fe_start(&f);
    quote_ttl(&f, 1, -1);
    tc_conclude_with(&f.t, &check, TC_FAIL, 1, "Timeout", true, f.now);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, 1, "Timeout", NULL);
    fe_free(&f);
}

/* --timing original: held for the fixed 10 s even when all quotes are in. */
static void test_conclude_original_timing(void **state)
{
    (void)state;
    struct fe f;
    touch_enabled = false;
    begin(&f, FE_V4, &tc_timing_original, true, true);
    quote_ttl(&f, 1, -1);
    quote_ttl(&f, 2, -1);
    tc_conclude_with(&f.t, &check, TC_PASS, -1, NULL, false, f.now);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), 2 * TC_BURST_GAP + 10 * TC_SEC);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* ---- tc_conclude_custom ---- */

/* The same case with the check declared (tc_conclude_custom uses the declared one). */
static const struct test_case traced_checked_kind = {
    .name = "TracedCheckedTest",
    .packet_budget = HOP_LIMIT + 1,
    .deadline = 60 * TC_SEC,
    .state_size = sizeof(struct traced_state),
    .mbox = {.fields = PROBE_FIELDS, .diff = reserved_diff, .info = INFO, .stage = STAGE},
    .start = traced_start,
    .on_segment = traced_segment,
    .on_quote = traced_quote,
    .on_timer = traced_timer,
};

static void begin_checked(struct fe *f, enum fe_family fam)
{
    touch_enabled = false;
    fe_init_kind(f, &traced_checked_kind, fam, &tc_timing_default);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = RTT;
    fe_start(f);
}

/* The case's custom goes with its verdict, and with an UNK for the path next to the diff
 * (the diff is the path's: a case key of that name does not replace it). */
static void test_conclude_custom(void **state)
{
    (void)state;
    struct fe f;
    begin_checked(&f, FE_V4);
    quote_ttl(&f, 1, -1);
    quote_ttl(&f, 2, -1);
    tc_conclude_custom(&f.t, TC_PASS, -1, NULL, json_pack("{s:s}", "class", "works"), false, f.now);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"class\":\"works\"}");
    fe_free(&f);

    begin_checked(&f, FE_V6);
    quote_ttl(&f, 1, -1);
    quote_ttl(&f, 2, 0x2);
    tc_conclude_custom(&f.t, TC_FAIL, 1, "host failed",
                       json_pack("{s:s,s:s}", "class", "works", "diff", "case"), false, f.now);
    fe_expect_result(&f, TC_UNK, STAGE,
                     "Middlebox interference detected at or before hop 2 (reserved bits)",
                     "{\"class\":\"works\",\"diff\":[\"0\",\"2\"]}");
    fe_free(&f);

    /* a dropped probe: held until the quote wait ends */
    begin_checked(&f, FE_V4);
    quote_ttl(&f, 1, -1);
    tc_conclude_custom(&f.t, TC_FAIL, 1, "Timeout", json_pack("{s:s}", "class", "broken"), true,
                       f.now);
    assert_false(f.t.done);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2,
                     "{\"class\":\"broken\",\"diff\":[\"quote from hop 2\",\"\"]}");
    fe_free(&f);
}

/* A held custom that never becomes a verdict is released: the test aborted while it waited,
 * the instance destroyed while it waited, or a conclusion after the verdict (LeakSanitizer
 * checks). */
static void test_conclude_custom_released(void **state)
{
    (void)state;
    struct fe f;
    begin_checked(&f, FE_V4);
    tc_conclude_custom(&f.t, TC_PASS, -1, NULL, json_pack("{s:i}", "n", 1), false, f.now);
    assert_false(f.t.done);
    tc_abort(&f.t, "deadline", f.now);
    fe_expect_result(&f, TC_ERR, -1, "deadline", NULL);
    assert_null(f.t.pending.custom);
    tc_conclude_custom(&f.t, TC_FAIL, 1, "late", json_pack("{s:i}", "n", 2), false, f.now);
    fe_expect_result(&f, TC_ERR, -1, "deadline", NULL);
    fe_free(&f);

    begin_checked(&f, FE_V6);
    tc_conclude_custom(&f.t, TC_PASS, -1, NULL, json_pack("{s:i}", "n", 3), false, f.now);
    assert_false(f.t.done);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_full_burst),
        cmocka_unit_test(test_probe_path_aware),
        cmocka_unit_test(test_probe_path_gaps),
        cmocka_unit_test(test_probe_touch),
        cmocka_unit_test(test_quotes_without_probe),
        cmocka_unit_test(test_quotes_full_burst_wait),
        cmocka_unit_test(test_quotes_complete_path_aware),
        cmocka_unit_test(test_quotes_other_packets_do_not_count),
        cmocka_unit_test(test_quotes_original_waits_fixed),
        cmocka_unit_test(test_conclude_at_once),
        cmocka_unit_test(test_conclude_holds_without_callbacks),
        cmocka_unit_test(test_conclude_on_last_quote),
        cmocka_unit_test(test_conclude_mbox_first),
        cmocka_unit_test(test_quote_beyond_host),
        cmocka_unit_test(test_quote_hop_max),
        cmocka_unit_test(test_conclude_dropped_probe),
        cmocka_unit_test(test_conclude_dropped_nearest_hop),
        cmocka_unit_test(test_conclude_dropped_rule_limits),
        cmocka_unit_test(test_conclude_original_timing),
        cmocka_unit_test(test_conclude_custom),
        cmocka_unit_test(test_conclude_custom_released),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
