/* MSSSupportTest (MUST-14), LateOptionTest (MUST-5), MultiMSSTest (MUST-16) and
 * MissingMSSTest (MUST-15): the traced SYN with the MSS options under test (the original's
 * burst without path knowledge, the host's copy and one per quoting hop with it), the plain
 * retry and, for the MSS-carrying cases, the control SYN; the ACK, the path check once the
 * probe's quotes are in, the request from the real HTTP ALP, and the target's reply watched
 * through reassembly until FIN, silence or a segment over src/tcp/mss_rule.h's limit (the
 * SYN's last MSS option, options plus data against it). No data at all: UNK. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alp/alp.h"
#include "fake_engine.h"
#include "tcp/mss_rule.h"
#include "tests_cases/mss_support.h"
#include "tracebox/ttl_code.h"

extern const struct test_case mss_support_test;
extern const struct test_case late_option_test;
extern const struct test_case multi_mss_test;
extern const struct test_case missing_mss_test;

#define THEIR_ISN 0x5a5a0000u
#define THEIR_ISN2 0x6b6b0000u
#define RTT (80 * TC_MSEC)
#define INFLIGHT (4 * RTT)
#define QUOTES_LEFT (INFLIGHT - RTT) /* the quotes' wait runs from the probe */
#define RETRANS (3 * TC_SEC + 2 * RTT)
#define SYN_WAIT (1 * TC_SEC)     /* no RTT known: timing->syn_timeout */
#define RETRY_WAIT (2 * TC_SEC)   /* no RTT known: backed off (RFC 6298 5.5) */
#define NO_RTT_WAIT (10 * TC_SEC) /* quotes, no RTT known: timing->ceil */
#define CONTROL_OFFSET 0x20000u   /* beyond any window the SYN under test may have opened */
#define CONTROL_WINDOW 4096
#define LAB_COPIES 2 /* fe_set_lab_path: hops 1 and 2 quote, the host at 3 */
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define WIN 0xffff
#define STAGE 1
#define R1 "198.18.1.1"
#define R2 "198.18.2.2"
#define R1_V6 "fd00:7463:1::1"
#define R2_V6 "fd00:7463:2::1"
#define MSS515_HEX "02040203"
#define MULTI_HEX "02040226020401f902040203"
#define LATE_HEX "02040218"
#define TOO_LARGE "Segment too large"
#define NO_DATA "No data from the target: the MSS was not exercised"
#define HS_TIMEOUT "Timeout during handshake"
#define HS_RST "RST in reply to SYN during handshake"
#define SUFFIX " with MSS option"
#define CONTROL_ANSWERED "; a SYN without it was answered"
#define CONTROL_SILENT "; no answer to a SYN without it either"
#define CONTROL_REFUSED "; a SYN without it was refused too"
#define DETAIL_LATE "; answered only after a SYN without it"
#define LATE "SYN-ACK only after the retransmission timeout" SUFFIX DETAIL_LATE
#define DROPPED_HOP2 "Middlebox interference detected at or before hop 2 (probe dropped)"
#define DIFF_DROPPED_HOP2 "{\"diff\":[\"quote from hop 2\",\"\"]}"
#define MBOX_MSS "Middlebox interference detected at or before hop 2 (MSS modified or deleted)"
#define MBOX_INSERTED "Middlebox interference detected at or before hop 2 (MSS inserted)"
#define NO_ALP_PORT 22

static uint8_t filler[IP_PACKET_MAX];

/* The TTL_ENC_OPTS code: ttl NOOPs, EOL, zero padding to 32 bits. */
static void noops_eol_hex(unsigned ttl, char *buf)
{
    size_t n = 0;
    for (unsigned k = 0; k < ttl; k++)
        n += (size_t)sprintf(buf + n, "01");
    n += (size_t)sprintf(buf + n, "00");
    while (n % 8 != 0)
        n += (size_t)sprintf(buf + n, "00");
}

/* Start and check the 30 traced SYNs: window 0xffff, the TTL in ACK, urgent pointer and
 * (v4) IP ID, the options as given (NULL: the NOOP run of MissingMSSTest). */
static uint32_t start_burst(struct fe *f, const struct test_case *k, enum fe_family fam,
                            const struct tc_timing *timing, const char *opts_hex)
{
    fe_init_kind(f, k, fam, timing);
    fe_start(f);
    assert_int_equal(fe_n_out(f), HOP_LIMIT);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t isn = p.seg.seq;
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++) {
        uint16_t code = ttl_code16(ttl);
        fe_expect_pkt(f, ttl - 1, TCP_FLAG_SYN, isn, ((uint32_t)code << 16) | code, WIN, ttl,
                      fam == FE_V4 ? code : 0);
        fe_pkt(f, ttl - 1, &p);
        assert_int_equal(p.seg.urg_ptr, code);
        assert_int_equal(p.seg.payload_len, 0);
        char want[2 * TCP_OPTS_MAX_BYTES + 1];
        if (opts_hex == NULL)
            noops_eol_hex(ttl, want);
        else
            snprintf(want, sizeof(want), "%s", opts_hex);
        assert_string_equal(p.opts_hex, want);
    }
    assert_int_equal(fe_timer_in(f), 1 * TC_SEC);
    return isn;
}

/* A segment from the target: len filler bytes at THEIR_ISN + rel, options as given. */
static void deliver_data(struct fe *f, uint8_t flags, uint32_t rel, size_t len, size_t opt_words)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, THEIR_ISN + rel, 0);
    seg.sport = f->t.env.dport;
    seg.payload = filler;
    seg.payload_len = len;
    for (size_t i = 0; i < opt_words * 4; i++)
        tcp_opts_add_nop(&seg.opts);
    fe_deliver_seg(f, &seg, false);
}

/* The SYN-ACK one RTT after the probe (len payload bytes, opt_words of options): the ACK
 * at once. */
static void synack_ack(struct fe *f, uint32_t isn, size_t len, size_t opt_words)
{
    fe_advance(f, RTT);
    struct tcp_seg seg;
    fe_target_seg(&seg, SYNACK, THEIR_ISN, isn + 1);
    seg.sport = f->t.env.dport;
    seg.payload = filler;
    seg.payload_len = len;
    for (size_t i = 0; i < opt_words * 4; i++)
        tcp_opts_add_nop(&seg.opts);
    fe_deliver_seg(f, &seg, false);
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1 + (uint32_t)len, WIN);
}

/* The same after the burst: the quotes awaited until 4 RTTs after it. */
static void synack(struct fe *f, uint32_t isn, size_t len, size_t opt_words)
{
    synack_ack(f, isn, len, opt_words);
    assert_int_equal(fe_timer_in(f), QUOTES_LEFT);
}

static void quote(struct fe *f, unsigned ttl, const char *router, const void *opts, size_t len)
{
    struct icmp_quote q;
    fe_make_quote(fe_sent(f, ttl - 1), router, &q);
    if (opts != NULL) {
        assert_true(q.quote_len >= TCP_HDR_MIN + len);
        memcpy(q.quote + TCP_HDR_MIN, opts, len);
    }
    fe_deliver_quote(f, &q);
}

/* The request the real HTTP ALP gives for this hint (no host name). */
static size_t http_request(const struct fe *f, size_t hint, uint8_t *buf, size_t cap)
{
    const struct alp *alp = alp_for_port(FE_DPORT);
    assert_non_null(alp);
    struct alp_peer peer = {.ip = f->t.env.dst, .port = FE_DPORT, .host = NULL};
    struct alp_session *s = alp->open(&peer);
    assert_non_null(s);
    ssize_t n = alp->pull(s, hint, buf, cap);
    alp->close(s);
    assert_true(n > 0 && n <= 1460);
    return (size_t)n;
}

/* The request at t.out[i]: one segment with the hinted HTTP request, the reply awaited a
 * retransmission timeout. Returns our next sequence number. */
static uint32_t check_request(struct fe *f, size_t i, uint32_t isn, size_t hint,
                              const char *opts_hex)
{
    assert_int_equal(fe_n_out(f), i + 1);
    fe_expect_pkt(f, i, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    assert_string_equal(p.opts_hex, opts_hex);
    uint8_t want[1460];
    size_t n = http_request(f, hint, want, sizeof(want));
    assert_int_equal(p.seg.payload_len, n);
    assert_memory_equal(p.seg.payload, want, n);
    assert_int_equal(fe_timer_in(f), f->t.env.timing->original ? 30 * TC_SEC : RETRANS);
    return isn + 1 + (uint32_t)n; /* our next sequence number */
}

/* The quotes' wait after the burst is over: the request. */
static uint32_t expect_request(struct fe *f, uint32_t isn, size_t hint, const char *opts_hex)
{
    assert_int_equal(fe_fire(f), f->t.env.timing->original ? 10 * TC_SEC - RTT : QUOTES_LEFT);
    return check_request(f, 0, isn, hint, opts_hex);
}

/* MSSSupportTest up to the request: returns our next sequence number. */
static uint32_t to_request(struct fe *f, const struct test_case *k, enum fe_family fam)
{
    const char *opts = k == &multi_mss_test     ? MULTI_HEX
                       : k == &missing_mss_test ? NULL
                                                : MSS515_HEX;
    uint32_t isn = start_burst(f, k, fam, &tc_timing_default, opts);
    synack(f, isn, 0, 0);
    quote(f, 1, fam == FE_V4 ? R1 : R1_V6, NULL, 0);
    size_t hint = k != &missing_mss_test ? MSS_REQ_HINT : fam == FE_V4 ? 516 : 1200;
    return expect_request(f, isn, hint, k == &late_option_test ? LATE_HEX : "");
}

static void expect_close(struct fe *f, uint32_t nxt)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_RST, nxt, 0, 0);
}

static void expect_ack(struct fe *f, uint32_t nxt, uint32_t rel)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, nxt, THEIR_ISN + rel, WIN);
}

static const struct mss_state *state(const struct fe *f)
{
    return f->t.state;
}

/* ---- the table ---- */

static void test_registration(void **st)
{
    (void)st;
    const struct test_case *k[] = {&mss_support_test, &late_option_test, &multi_mss_test,
                                   &missing_mss_test};
    const char *names[] = {"MSSSupportTest", "LateOptionTest", "MultiMSSTest", "MissingMSSTest"};
    const char *reqs[] = {"MUST-14", "MUST-5", "MUST-16", "MUST-15"};
    const bool on[] = {true, false, true, true};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(k[i]->name, names[i]);
        assert_string_equal(k[i]->req.id, reqs[i]);
        assert_int_equal(k[i]->default_on, on[i]);
        assert_true(k[i]->needs_alp);
        assert_int_equal(k[i]->packet_budget, MSS_PACKET_BUDGET);
        assert_int_equal(k[i]->state_size, sizeof(struct mss_state));
        assert_non_null(k[i]->cleanup);
    }
}

/* ---- PASS paths ---- */

static void test_reply_within_mss_fin_passes(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &mss_support_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK, 1, MSS_TESTED, 0); /* 535 bytes: the limit */
    expect_ack(&f, nxt, 1 + MSS_TESTED);
    assert_int_equal(fe_timer_in(&f), INFLIGHT); /* the reply began: idle wait */
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1 + MSS_TESTED, 100, 0);
    expect_ack(&f, nxt, 1 + MSS_TESTED + 100);
    assert_int_equal(state(&f)->pushed, MSS_TESTED + 100);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1 + MSS_TESTED + 100, 0, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    assert_int_equal(f.t.path_len, 1);
    fe_expect_hop(&f, 0, 1, R1);
    assert_int_equal(fe_n_sent(&f), HOP_LIMIT + 5);
    fe_free(&f);
}

static void test_retransmissions_not_counted_twice(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &mss_support_test, FE_V4);
    /* the burst's other SYNs: a repeated SYN-ACK and a challenge ACK are not answered */
    fe_deliver(&f, SYNACK, THEIR_ISN, nxt - 400);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, nxt);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), RETRANS);
    deliver_data(&f, TCP_FLAG_ACK, 1, 300, 0);
    expect_ack(&f, nxt, 301);
    fe_advance(&f, RTT);
    deliver_data(&f, TCP_FLAG_ACK, 1, 300, 0); /* our ACK was lost: ACKed again */
    expect_ack(&f, nxt, 301);
    assert_int_equal(fe_timer_in(&f), INFLIGHT - RTT); /* no new data: the idle wait runs on */
    deliver_data(&f, TCP_FLAG_ACK, 201, 200, 0);       /* partly new: 100 bytes */
    expect_ack(&f, nxt, 401);
    assert_int_equal(state(&f)->pushed, 400);
    assert_int_equal(fe_timer_in(&f), INFLIGHT);
    /* out of order: a duplicate ACK, then the gap filled */
    deliver_data(&f, TCP_FLAG_ACK, 501, 100, 0);
    expect_ack(&f, nxt, 401);
    deliver_data(&f, TCP_FLAG_ACK, 401, 100, 0);
    expect_ack(&f, nxt, 601);
    assert_int_equal(state(&f)->pushed, 600);
    /* a FIN after a gap does not end the test */
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 701, 10, 0);
    expect_ack(&f, nxt, 601);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), INFLIGHT); /* silence */
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* ---- UNK: the target sent no data, the MSS was not exercised ---- */

/* Silence before any data: a request not acknowledged is sent once more (the same octets at
 * the same sequence numbers, the late MSS option again), an acknowledged one gets one more
 * wait for the application; silence after that is UNK. */
static void test_silence_without_data_unk(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &late_option_test, FE_V6);
    assert_int_equal(fe_fire(&f), RETRANS);
    assert_int_equal(check_request(&f, 0, state(&f)->req_seq - 1, MSS_REQ_HINT, LATE_HEX), nxt);
    assert_int_equal(fe_fire(&f), RETRANS);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, NO_DATA, NULL);
    fe_expect_hop(&f, 0, 1, R1_V6);
    fe_free(&f);

    /* pure ACKs and a repeated SYN-ACK are no data either; the request acknowledged, the
     * application gets one more wait, and nothing is sent again */
    nxt = to_request(&f, &missing_mss_test, FE_V4);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, nxt);
    fe_deliver(&f, SYNACK, THEIR_ISN, nxt - 516);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), RETRANS);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 0);
    assert_int_equal(fe_timer_in(&f), RETRANS);
    fe_fire(&f);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, NO_DATA, NULL);
    fe_free(&f);
}

/* The resent request draws the reply: measured as usual. A partly acknowledged request is
 * resent from the first octet not acknowledged. */
static void test_resent_request_answered(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &mss_support_test, FE_V4);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, MSS_TESTED, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);

    nxt = to_request(&f, &mss_support_test, FE_V4);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN + 1, nxt - 1); /* all but the last octet */
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1); /* the one piece that holds it */
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    assert_int_equal(p.seg.seq, state(&f)->req_seq);
    fe_free(&f);
}

static void test_fin_or_rst_without_data_unk(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &late_option_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, 0, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_UNK, STAGE, NO_DATA, NULL);
    fe_free(&f);

    to_request(&f, &multi_mss_test, FE_V6);
    deliver_data(&f, TCP_FLAG_RST, 1, 0, 0);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is never answered */
    fe_expect_result(&f, TC_UNK, STAGE, NO_DATA, NULL);
    fe_free(&f);
}

static void test_peer_reset_passes(void **st)
{
    (void)st;
    struct fe f;
    to_request(&f, &multi_mss_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK, 1, 100, 0);
    assert_int_equal(fe_n_out(&f), 1);
    deliver_data(&f, TCP_FLAG_RST, 101, 0, 0);
    assert_int_equal(fe_n_out(&f), 0); /* a RST is never answered */
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* Most ACKs sent is MSS_ACK_CAP; the reply is still watched. */
static void test_ack_cap(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &mss_support_test, FE_V4);
    uint32_t rel = 1;
    size_t acks = 0;
    for (int i = 0; i < MSS_ACK_CAP + 6; i++, rel += 10) {
        deliver_data(&f, TCP_FLAG_ACK, rel, 10, 0);
        acks += fe_n_out(&f);
    }
    assert_int_equal(acks, MSS_ACK_CAP);
    deliver_data(&f, TCP_FLAG_ACK, rel, MSS_TESTED + 1, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    assert_true(fe_n_sent(&f) <= MSS_PACKET_BUDGET);
    fe_free(&f);
}

/* ---- FAIL: segments too large ---- */

static void test_data_too_large_fails(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &mss_support_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK, 1, 200, 0);
    expect_ack(&f, nxt, 201);
    /* 512 bytes and 24 of header: one over the limit (options count, as the original) */
    deliver_data(&f, TCP_FLAG_ACK, 201, MSS_TESTED - 3, 1);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);

    /* a retransmission too large is just as large on the wire */
    nxt = to_request(&f, &multi_mss_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK, 1, 200, 0);
    expect_ack(&f, nxt, 201);
    deliver_data(&f, TCP_FLAG_ACK, 1, MSS_TESTED + 1, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);
}

/* The late MSS 536 honoured: a 536-byte segment. */
static void test_late_option_honoured_fails(void **st)
{
    (void)st;
    struct fe f;
    uint32_t nxt = to_request(&f, &late_option_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1, 536, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);

    nxt = to_request(&f, &late_option_test, FE_V6);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, MSS_TESTED, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* A SYN-ACK over the limit: the verdict waits for the quotes, which decide first. */
static void test_synack_too_large(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_burst(&f, &mss_support_test, FE_V4, &tc_timing_default, MSS515_HEX);
    synack(&f, isn, MSS_TESTED - 19, 5); /* 40 + 496 = 536 */
    assert_false(f.t.done);
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);

    isn = start_burst(&f, &mss_support_test, FE_V4, &tc_timing_default, MSS515_HEX);
    synack(&f, isn, MSS_TESTED - 19, 5);
    quote(&f, 1, R1, NULL, 0);
    quote(&f, 2, R2, "\x02\x04\x05\xb4", 4); /* the path raised the MSS to 1460 */
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_MSS, "{\"diff\":[\"\",\"020405b4\"]}");
    fe_free(&f);

    /* a segment over the limit while the quotes are awaited counts the same */
    isn = start_burst(&f, &missing_mss_test, FE_V4, &tc_timing_default, NULL);
    synack(&f, isn, 0, 0);
    deliver_data(&f, TCP_FLAG_ACK, 1, 537, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);
}

/* ---- MissingMSSTest: the RFC 9293 defaults ---- */

static void missing_limit(enum fe_family fam, size_t mss)
{
    struct fe f;
    uint32_t nxt = to_request(&f, &missing_mss_test, fam);
    deliver_data(&f, TCP_FLAG_ACK, 1, mss, 0);
    expect_ack(&f, nxt, 1 + (uint32_t)mss);
    deliver_data(&f, TCP_FLAG_ACK, 1 + (uint32_t)mss, mss + 1, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);
}

static void test_missing_defaults(void **st)
{
    (void)st;
    missing_limit(FE_V4, 536);
    missing_limit(FE_V6, 1220);
}

static void test_missing_mss_inserted_unk(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_burst(&f, &missing_mss_test, FE_V4, &tc_timing_default, NULL);
    synack(&f, isn, 0, 0);
    quote(&f, 1, R1, NULL, 0);
    quote(&f, 2, R2, "\x02\x04\x02\x18", 4);
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_INSERTED, "{\"diff\":[\"\",\"02040218\"]}");
    fe_expect_hop(&f, 1, 2, R2);
    fe_free(&f);

    /* options that do not parse: what was left from the bad option on, as the original */
    isn = start_burst(&f, &missing_mss_test, FE_V6, &tc_timing_default, NULL);
    synack(&f, isn, 0, 0);
    quote(&f, 2, R2_V6, "\x01\xfe\x00\x00", 4);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_INSERTED, "{\"diff\":[\"\",\"fe0000\"]}");
    fe_free(&f);

    /* an MSS option of the wrong length */
    isn = start_burst(&f, &missing_mss_test, FE_V4, &tc_timing_default, NULL);
    synack(&f, isn, 0, 0);
    quote(&f, 2, R2, "\x02\x03\x00\x00", 4);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_INSERTED, "{\"diff\":[\"\",\"02030000\"]}");
    fe_free(&f);
}

static void test_missing_handshake_keeps_status(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_burst(&f, &missing_mss_test, FE_V4, &tc_timing_default, NULL);
    fe_fire(&f);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn, 0, WIN); /* the plain retry: no options */
    assert_int_equal(fe_fire(&f), RETRY_WAIT);
    /* no control SYN: the SYN under test carries no MSS option to leave out */
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), NO_RTT_WAIT - SYN_WAIT - RETRY_WAIT);
    fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT, NULL);
    fe_free(&f);

    isn = start_burst(&f, &missing_mss_test, FE_V4, &tc_timing_default, NULL);
    fe_deliver(&f, TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    expect_close(&f, isn + 1);
    assert_int_equal(fe_fire(&f), NO_RTT_WAIT);
    fe_expect_result(&f, TC_FAIL, STAGE, "Non-SYN-ACK in reply to SYN during handshake", NULL);
    fe_free(&f);
}

/* ---- the MSS options on the path ---- */

static void mss_quote(const struct test_case *k, const char *syn_hex, const void *opts, size_t len,
                      const char *diff)
{
    struct fe f;
    uint32_t isn = start_burst(&f, k, FE_V4, &tc_timing_default, syn_hex);
    synack(&f, isn, 0, 0);
    quote(&f, 1, R1, NULL, 0);
    quote(&f, 2, R2, opts, len);
    fe_fire(&f);
    if (diff == NULL) {
        assert_int_equal(fe_n_out(&f), 1); /* the request */
        assert_false(f.t.done);
    } else {
        expect_close(&f, isn + 1);
        fe_expect_result(&f, TC_UNK, STAGE, MBOX_MSS, diff);
        assert_int_equal(f.t.path_len, 2);
    }
    fe_free(&f);
}

static void test_mss_modified_or_deleted(void **st)
{
    (void)st;
    mss_quote(&mss_support_test, MSS515_HEX, "\x02\x04\x01\xf4", 4,
              "{\"diff\":[\"\",\"020401f4\"]}");
    mss_quote(&mss_support_test, MSS515_HEX, "\x01\x01\x01\x01", 4,
              "{\"diff\":[\"02040203\",\"\"]}");
    /* an MSS option of the wrong length stops the parse: the sent one not seen */
    mss_quote(&late_option_test, MSS515_HEX, "\x02\x03\x02\x03", 4,
              "{\"diff\":[\"02040203\",\"\"]}");
    /* other kinds may come and go */
    mss_quote(&mss_support_test, MSS515_HEX, "\x02\x04\x02\x03", 4, NULL);
}

static void test_multi_mss_order(void **st)
{
    (void)st;
    /* only the first left: the rest expected, comma-separated */
    mss_quote(&multi_mss_test, MULTI_HEX, "\x02\x04\x02\x26\x01\x01\x01\x01\x01\x01\x01\x00", 12,
              "{\"diff\":[\"020401f9,02040203\",\"\"]}");
    /* the last one cut short: the parse stops there */
    mss_quote(&multi_mss_test, MULTI_HEX, "\x01\x02\x04\x02\x26\x02\x04\x01\xf9\x02\x04\x02", 12,
              "{\"diff\":[\"02040203\",\"\"]}");
    mss_quote(&multi_mss_test, MULTI_HEX, "\x02\x04\x01\xf9\x02\x04\x02\x26\x02\x04\x02\x03", 12,
              "{\"diff\":[\"\",\"020401f9\"]}");
    mss_quote(&multi_mss_test, MULTI_HEX, "\x02\x04\x02\x26\x02\x04\x01\xf9\x01\x01\x01\x01", 12,
              "{\"diff\":[\"02040203\",\"\"]}");
    mss_quote(&multi_mss_test, MULTI_HEX, "\x02\x04\x02\x26\x02\x04\x01\xf9\x02\x04\x02\x03", 12,
              NULL);
}

static void test_multi_mss_extra_option(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_burst(&f, &mss_support_test, FE_V4, &tc_timing_default, MSS515_HEX);
    synack(&f, isn, 0, 0);
    struct icmp_quote q;
    fe_make_quote(fe_sent(&f, 1), R2, &q);
    q.quote[12] = 0x70; /* 8 option bytes: the MSS, then one more */
    memcpy(q.quote + TCP_HDR_MIN, "\x02\x04\x02\x03\x02\x04\x05\xb4", 8);
    q.quote_len = TCP_HDR_MIN + 8;
    fe_deliver_quote(&f, &q);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_MSS, "{\"diff\":[\"\",\"020405b4\"]}");
    fe_free(&f);
}

/* ---- handshake failures ---- */

/* The plain retry: same seq and MSS options, no TTL code. */
static void expect_retry(const struct fe *f, uint32_t isn, const char *opts_hex)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_pkt(f, 0, TCP_FLAG_SYN, isn, 0, WIN, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    assert_int_equal(p.seg.urg_ptr, 0);
    assert_string_equal(p.opts_hex, opts_hex);
}

/* The control SYN of the MSS-carrying cases: no options, seq beyond any window of the first. */
static void expect_control(const struct fe *f, uint32_t isn)
{
    assert_int_equal(fe_n_out(f), 1);
    fe_expect_plain(f, 0, TCP_FLAG_SYN, isn + CONTROL_OFFSET, 0, CONTROL_WINDOW);
}

/* The control SYN answered one RTT later: its connection reset <SEQ=SEG.ACK>. */
static void control_synack(struct fe *f, uint32_t isn)
{
    fe_advance(f, RTT);
    fe_deliver(f, SYNACK, THEIR_ISN2, isn + CONTROL_OFFSET + 1);
    expect_close(f, isn + CONTROL_OFFSET + 1);
}

/* Silence to the burst and to the retry, no RTT known: the control SYN 1 + 2 s later. */
static uint32_t to_control(struct fe *f, const struct test_case *k, enum fe_family fam,
                           const char *opts_hex)
{
    uint32_t isn = start_burst(f, k, fam, &tc_timing_default, opts_hex);
    assert_int_equal(fe_fire(f), SYN_WAIT);
    expect_retry(f, isn, opts_hex);
    assert_int_equal(fe_fire(f), RETRY_WAIT);
    expect_control(f, isn);
    assert_int_equal(fe_timer_in(f), RETRY_WAIT);
    return isn;
}

/* ---- handshake failures: the control SYN decides ---- */

static void test_handshake_failures(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = to_control(&f, &multi_mss_test, FE_V4, MULTI_HEX);
    control_synack(&f, isn);
    assert_false(f.t.done); /* the burst's quotes, no RTT known: until 10 s after it */
    assert_int_equal(fe_fire(&f), NO_RTT_WAIT - SYN_WAIT - RETRY_WAIT - RTT);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    fe_free(&f);

    /* RSTs, the control answered: FAIL, unless a quote shows the path changed the MSS */
    isn = start_burst(&f, &mss_support_test, FE_V4, &tc_timing_default, MSS515_HEX);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    expect_retry(&f, isn, MSS515_HEX);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    expect_control(&f, isn);
    control_synack(&f, isn);
    quote(&f, 2, R2, "\x01\x01\x01\x01", 4);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_MSS, "{\"diff\":[\"02040203\",\"\"]}");
    fe_free(&f);

    isn = start_burst(&f, &late_option_test, FE_V4, &tc_timing_default, MSS515_HEX);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1);
    control_synack(&f, isn);
    fe_fire(&f);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_RST SUFFIX CONTROL_ANSWERED, NULL);
    fe_free(&f);
}

/* Without the control's contrast a failure is no evidence: silent, refused, or the SYN
 * under test answered only after the control went out. */
static void test_handshake_failures_control_unk(void **st)
{
    (void)st;
    struct fe f;
    to_control(&f, &mss_support_test, FE_V6, MSS515_HEX);
    assert_int_equal(fe_fire(&f), RETRY_WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT SUFFIX CONTROL_SILENT, NULL);
    fe_free(&f);

    uint32_t isn = to_control(&f, &multi_mss_test, FE_V4, MULTI_HEX);
    fe_deliver(&f, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + CONTROL_OFFSET + 1);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, HS_TIMEOUT SUFFIX CONTROL_REFUSED, NULL);
    fe_free(&f);

    isn = to_control(&f, &late_option_test, FE_V4, MSS515_HEX);
    fe_deliver(&f, SYNACK, THEIR_ISN, isn + 1);
    expect_close(&f, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_UNK, STAGE, LATE, NULL);
    fe_free(&f);
}

/* ---- UNK: no ALP, no request ---- */

static void test_missing_alp(void **st)
{
    (void)st;
    const struct test_case *k[] = {&mss_support_test, &late_option_test, &multi_mss_test,
                                   &missing_mss_test};
    for (size_t i = 0; i < 4; i++) {
        struct fe f;
        fe_init_kind(&f, k[i], FE_V4, &tc_timing_default);
        f.t.env.dport = NO_ALP_PORT;
        fe_start(&f);
        assert_int_equal(fe_n_out(&f), 0);
        fe_expect_result(&f, TC_UNK, 0, "Missing ALP module for port 22", NULL);
        fe_free(&f);
    }
}

static void test_alp_data_unavailable(void **st)
{
    (void)st;
    /* a host name that makes the HTTP request longer than a segment */
    static char host[1500];
    memset(host, 'a', sizeof(host) - 1);
    struct fe f;
    fe_init_kind(&f, &mss_support_test, FE_V4, &tc_timing_default);
    f.t.env.host = host;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    uint32_t isn = p.seg.seq;
    synack(&f, isn, 0, 0);
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, "ALP data unavailable", NULL);
    fe_free(&f);
}

/* A TLS port: the whole ClientHello goes out, in pieces no larger than the hint, the late
 * MSS option only on the first; the server's reply within the MSS then passes. */
static void test_tls_request_whole_flight(void **st)
{
    (void)st;
    struct fe f;
    fe_init_kind(&f, &late_option_test, FE_V4, &tc_timing_default);
    f.t.env.dport = 443;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    uint32_t isn = p.seg.seq;
    synack(&f, isn, 0, 0);
    quote(&f, 1, R1, NULL, 0);
    assert_int_equal(fe_fire(&f), QUOTES_LEFT);
    size_t n_req = fe_n_out(&f);
    assert_true(n_req >= 2);
    uint8_t hello[MSS_REQ_SEGS_MAX * MSS_REQ_HINT];
    size_t total = 0;
    for (size_t i = 0; i < n_req; i++) {
        fe_pkt(&f, i, &p);
        assert_int_equal(p.seg.flags, TCP_FLAG_ACK);
        assert_int_equal(p.seg.seq, isn + 1 + (uint32_t)total);
        assert_int_equal(p.seg.ack, THEIR_ISN + 1);
        assert_string_equal(p.opts_hex, i == 0 ? LATE_HEX : "");
        assert_true(p.seg.payload_len > 0 && p.seg.payload_len <= MSS_REQ_HINT);
        if (i + 1 < n_req)
            assert_int_equal(p.seg.payload_len, MSS_REQ_HINT);
        memcpy(hello + total, p.seg.payload, p.seg.payload_len);
        total += p.seg.payload_len;
    }
    /* one TLS handshake record holding a ClientHello, complete */
    assert_true(total > MSS_REQ_HINT);
    assert_int_equal(hello[0], 0x16);
    assert_int_equal(hello[5], 0x01);
    assert_int_equal(((size_t)hello[3] << 8 | hello[4]) + 5, total);
    assert_int_equal(fe_timer_in(&f), RETRANS);
    uint32_t nxt = isn + 1 + (uint32_t)total;
    deliver_data(&f, TCP_FLAG_ACK, 1, MSS_TESTED, 0);
    expect_ack(&f, nxt, 1 + MSS_TESTED);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* ---- the target closes before the request; aborts; --timing original ---- */

/* The target closes while the quotes are awaited: no request; what it sent decides. */
static void test_closed_before_request(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_burst(&f, &mss_support_test, FE_V4, &tc_timing_default, MSS515_HEX);
    synack(&f, isn, 0, 0);
    fe_deliver(&f, TCP_FLAG_RST, THEIR_ISN + 1, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 0); /* nothing left to close after its RST */
    fe_expect_result(&f, TC_UNK, STAGE, NO_DATA, NULL);
    fe_free(&f);

    isn = start_burst(&f, &mss_support_test, FE_V4, &tc_timing_default, MSS515_HEX);
    synack(&f, isn, 0, 0);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, 0, 0);
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, NO_DATA, NULL);
    fe_free(&f);

    /* data within the limit, then FIN, before the request (a server that speaks first) */
    isn = start_burst(&f, &missing_mss_test, FE_V6, &tc_timing_default, NULL);
    synack(&f, isn, 0, 0);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_PSH, 1, 1220, 0);
    expect_ack(&f, isn + 1, 1221);
    deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1221, 0, 0);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done); /* path first */
    fe_fire(&f);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_abort_releases_session(void **st)
{
    (void)st;
    struct fe f;
    fe_init_kind(&f, &missing_mss_test, FE_V6, &tc_timing_default);
    f.t.env.host = "example.org"; /* the HTTP session owns a copy: ASan sees a leak */
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    synack(&f, p.seg.seq, 0, 0);
    fe_fire(&f);
    assert_int_equal(fe_n_out(&f), 1);
    deliver_data(&f, TCP_FLAG_ACK, 1, 100, 0);
    assert_non_null(state(&f)->alp_sess);
    tc_abort(&f.t, "deadline", f.now);
    fe_expect_result(&f, TC_ERR, -1, "deadline", NULL);
    fe_free(&f);
}

static void test_original_timing(void **st)
{
    (void)st;
    struct fe f;
    fe_init_kind(&f, &mss_support_test, FE_V4, &tc_timing_original);
    fe_start(&f);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    uint32_t isn = p.seg.seq;
    fe_advance(&f, RTT);
    fe_deliver(&f, SYNACK, THEIR_ISN, isn + 1);
    assert_int_equal(fe_timer_in(&f), 10 * TC_SEC - RTT); /* 10 s after the burst */
    uint32_t nxt = expect_request(&f, isn, MSS_REQ_HINT, "");
    deliver_data(&f, TCP_FLAG_ACK, 1, 100, 0);
    expect_ack(&f, nxt, 101);
    assert_int_equal(fe_timer_in(&f), 30 * TC_SEC);
    fe_fire(&f);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* ---- the limit: src/tcp/mss_rule.h ---- */

/* MultiMSSTest (550, 505, 515): the last option is the limit, never the first; options and
 * data count against it, up to exactly 515. */
static void test_limit_is_last_mss_option(void **st)
{
    (void)st;
    struct fe f;
    /* 520 bytes: within the first option's 550, over the last one's 515 */
    uint32_t nxt = to_request(&f, &multi_mss_test, FE_V4);
    deliver_data(&f, TCP_FLAG_ACK, 1, 520, 0);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_free(&f);

    /* exactly 515: 511 bytes next to 4 option bytes, then 515 without options */
    nxt = to_request(&f, &multi_mss_test, FE_V6);
    deliver_data(&f, TCP_FLAG_ACK, 1, MSS_TESTED - 4, 1);
    expect_ack(&f, nxt, 1 + MSS_TESTED - 4);
    deliver_data(&f, TCP_FLAG_ACK, 1 + MSS_TESTED - 4, MSS_TESTED, 0);
    expect_ack(&f, nxt, 1 + 2 * MSS_TESTED - 4);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    expect_close(&f, nxt);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

/* ---- with path knowledge: the host sees the probe once ---- */

/* Start with the lab's path known (host at hop 3, hops 1 and 2 quote): the host's copy with
 * TTL 30 at once, then TTL 1 and 2 paced, window 0xffff in every copy, the MSS options under
 * test in each (opts_hex; NULL: MissingMSSTest's TTL code as NOOPs). */
static uint32_t start_probe(struct fe *f, const struct test_case *k, enum fe_family fam,
                            const struct tc_timing *timing, tc_time rtt_hint, const char *opts_hex)
{
    fe_init_kind(f, k, fam, timing);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = rtt_hint;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1 + LAB_COPIES);
    unsigned fields = opts_hex == NULL ? MSS_MISSING_TTL_FIELDS : MSS_TTL_FIELDS;
    uint32_t isn = fe_expect_probe(f, 0, LAB_COPIES, fields, TCP_FLAG_SYN, NULL);
    for (unsigned i = 0; i <= LAB_COPIES; i++) {
        struct fe_pkt p;
        fe_pkt(f, i, &p);
        assert_int_equal(p.seg.window, WIN);
        char want[2 * TCP_OPTS_MAX_BYTES + 1];
        if (opts_hex == NULL)
            noops_eol_hex(i == 0 ? HOP_LIMIT : i, want);
        else
            snprintf(want, sizeof(want), "%s", opts_hex);
        assert_string_equal(p.opts_hex, want);
    }
    tc_time syn_wait = rtt_hint != 0 ? 4 * rtt_hint : SYN_WAIT;
    assert_int_equal(fe_timer_in(f), timing->original ? 30 * TC_SEC : syn_wait);
    return isn;
}

/* The request goes with the last expected quote, not at the end of the in-flight wait. */
static void test_path_aware_request_after_quotes(void **st)
{
    (void)st;
    enum fe_family fams[] = {FE_V4, FE_V6};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        uint32_t isn =
            start_probe(&f, &mss_support_test, fams[i], &tc_timing_default, 0, MSS515_HEX);
        synack_ack(&f, isn, 0, 0);
        assert_int_equal(fe_timer_in(&f), LAB_COPIES * TC_BURST_GAP + QUOTES_LEFT);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        assert_int_equal(fe_n_out(&f), 0);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        uint32_t nxt = check_request(&f, 0, isn, MSS_REQ_HINT, "");
        deliver_data(&f, TCP_FLAG_ACK | TCP_FLAG_FIN, 1, MSS_TESTED, 0);
        expect_close(&f, nxt);
        fe_expect_result(&f, TC_PASS, -1, "", NULL);
        fe_expect_lab_path(&f, 2);
        assert_int_equal(fe_n_sent(&f), 1 + LAB_COPIES + 3);
        fe_free(&f);
    }
}

/* Quotes in before the SYN-ACK: the ACK and the request in one go. MissingMSSTest's probe
 * carries the TTL code in its options; the hint is the family's default less 20. */
static void test_path_aware_quotes_before_synack(void **st)
{
    (void)st;
    enum fe_family fams[] = {FE_V4, FE_V6};
    const size_t hints[] = {MSS_DEFAULT_V4 - 20, MSS_DEFAULT_V6 - 20};
    for (size_t i = 0; i < 2; i++) {
        struct fe f;
        uint32_t isn = start_probe(&f, &missing_mss_test, fams[i], &tc_timing_default, 0, NULL);
        fe_deliver_burst_quote(&f, 2, NULL, 0);
        fe_deliver_burst_quote(&f, 1, NULL, 0);
        assert_int_equal(fe_n_out(&f), 0);
        fe_advance(&f, RTT);
        fe_deliver(&f, SYNACK, THEIR_ISN, isn + 1);
        fe_expect_plain(&f, 0, TCP_FLAG_ACK, isn + 1, THEIR_ISN + 1, WIN);
        check_request(&f, 1, isn, hints[i], "");
        fe_free(&f);
    }
}

/* The path decides first, as soon as its quotes are in: a changed MSS option is the path's
 * (UNK), a SYN-ACK over the limit with intact quotes the host's (FAIL). */
static void test_path_aware_verdicts_at_last_quote(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_probe(&f, &mss_support_test, FE_V4, &tc_timing_default, 0, MSS515_HEX);
    synack_ack(&f, isn, 0, 0);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, "\x02\x04\x05\xb4", 4);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_UNK, STAGE, MBOX_MSS, "{\"diff\":[\"\",\"020405b4\"]}");
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    isn = start_probe(&f, &multi_mss_test, FE_V6, &tc_timing_default, 0, MULTI_HEX);
    synack_ack(&f, isn, MSS_TESTED - 19, 5); /* 20 option bytes + 496 = 516 */
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_false(f.t.done);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    expect_close(&f, isn + 1);
    fe_expect_result(&f, TC_FAIL, STAGE, TOO_LARGE, NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

/* Every hop quoted, the host silent to the SYN under test and the retry, a plain SYN
 * answered: FAIL at once. */
static void test_path_aware_control_answered_fail(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_probe(&f, &late_option_test, FE_V6, &tc_timing_default, RTT, MSS515_HEX);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    assert_int_equal(fe_fire(&f), INFLIGHT);
    expect_retry(&f, isn, MSS515_HEX);
    assert_int_equal(fe_fire(&f), INFLIGHT); /* an RTT known: no backoff */
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_expect_result(&f, TC_FAIL, STAGE, HS_TIMEOUT SUFFIX CONTROL_ANSWERED, NULL);
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

/* The host silent and hop 2, which quotes this target's probes, silent for this one: the
 * path dropped it. UNK at hop 2 whether the control is answered or, for MissingMSSTest
 * (no control), the retry times out; the path up to hop 1. */
static void test_path_aware_dropped_probe_unk(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_probe(&f, &mss_support_test, FE_V4, &tc_timing_default, RTT, MSS515_HEX);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_fire(&f);
    fe_fire(&f);
    expect_control(&f, isn);
    control_synack(&f, isn);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);

    isn = start_probe(&f, &missing_mss_test, FE_V6, &tc_timing_default, 0, NULL);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    assert_int_equal(fe_fire(&f), SYN_WAIT);
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, isn, 0, WIN);
    assert_int_equal(fe_fire(&f), RETRY_WAIT);
    assert_int_equal(fe_n_out(&f), 0);
    assert_false(f.t.done);
    assert_int_equal(fe_fire(&f), LAB_COPIES * TC_BURST_GAP + NO_RTT_WAIT - SYN_WAIT - RETRY_WAIT);
    fe_expect_result(&f, TC_UNK, STAGE, DROPPED_HOP2, DIFF_DROPPED_HOP2);
    fe_expect_lab_path(&f, 1);
    fe_free(&f);
}

/* --timing original keeps its 10 s quote wait even when the quotes are complete. */
static void test_path_aware_original_timing(void **st)
{
    (void)st;
    struct fe f;
    uint32_t isn = start_probe(&f, &mss_support_test, FE_V4, &tc_timing_original, 0, MSS515_HEX);
    fe_deliver_burst_quote(&f, 1, NULL, 0);
    fe_deliver_burst_quote(&f, 2, NULL, 0);
    synack_ack(&f, isn, 0, 0);
    assert_int_equal(fe_fire(&f), LAB_COPIES * TC_BURST_GAP + 10 * TC_SEC - RTT);
    check_request(&f, 0, isn, MSS_REQ_HINT, "");
    fe_free(&f);
}

int main(void)
{
    memset(filler, 'x', sizeof(filler));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registration),
        cmocka_unit_test(test_reply_within_mss_fin_passes),
        cmocka_unit_test(test_retransmissions_not_counted_twice),
        cmocka_unit_test(test_silence_without_data_unk),
        cmocka_unit_test(test_resent_request_answered),
        cmocka_unit_test(test_fin_or_rst_without_data_unk),
        cmocka_unit_test(test_peer_reset_passes),
        cmocka_unit_test(test_ack_cap),
        cmocka_unit_test(test_data_too_large_fails),
        cmocka_unit_test(test_late_option_honoured_fails),
        cmocka_unit_test(test_synack_too_large),
        cmocka_unit_test(test_missing_defaults),
        cmocka_unit_test(test_missing_mss_inserted_unk),
        cmocka_unit_test(test_missing_handshake_keeps_status),
        cmocka_unit_test(test_mss_modified_or_deleted),
        cmocka_unit_test(test_multi_mss_order),
        cmocka_unit_test(test_multi_mss_extra_option),
        cmocka_unit_test(test_handshake_failures),
        cmocka_unit_test(test_handshake_failures_control_unk),
        cmocka_unit_test(test_missing_alp),
        cmocka_unit_test(test_alp_data_unavailable),
        cmocka_unit_test(test_tls_request_whole_flight),
        cmocka_unit_test(test_closed_before_request),
        cmocka_unit_test(test_abort_releases_session),
        cmocka_unit_test(test_original_timing),
        cmocka_unit_test(test_limit_is_last_mss_option),
        cmocka_unit_test(test_path_aware_request_after_quotes),
        cmocka_unit_test(test_path_aware_quotes_before_synack),
        cmocka_unit_test(test_path_aware_verdicts_at_last_quote),
        cmocka_unit_test(test_path_aware_control_answered_fail),
        cmocka_unit_test(test_path_aware_dropped_probe_unk),
        cmocka_unit_test(test_path_aware_original_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
