/* EcnEchoTest (RFC 3168 6.1.3, 6.1.4; tests_cases/ecn_echo.c): the framework opens the
 * connection with an ECN-setup SYN; without an ECN-setup SYN-ACK the test is UNK. Then the
 * HTTP request in four pieces, each after the one before is acknowledged: A (ECT(0), the
 * traced probe), B (CE), C (ECT(0)), D (CWR, not-ECT); every verdict path on what the host's
 * ACKs carry (ECE between B and D, not after D; no ECT on a pure ACK), the alive probe on
 * silence, and the path first (a hop that bleaches ECT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "tests_cases/registry.h"
#include "tracebox/ttl_code.h"

#define NAME "EcnEchoTest"
#define ISN_THEIRS 0x3c3c0000u
#define WINDOW 0xffff
#define RTT (60 * TC_MSEC)
#define WAIT (4 * RTT)                  /* in-flight wait: 4 RTTs, above the 200 ms floor */
#define ACK_WAIT (WAIT + 500 * TC_MSEC) /* plus MUST-40's delayed-ACK bound */
#define ORDER_GAP (2 * TC_MSEC)
#define ALIVE_BEHIND 0x20000u /* the alive probe's distance before SND.NXT (connection.c) */
#define TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_OPTS)
#define LAB_COPIES 2
#define PIECES 5
#define STAGE_SETUP 1
#define STAGE_ECHO 2
#define SA (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define ACK TCP_FLAG_ACK
#define ECE TCP_FLAG_ECE
#define CWR TCP_FLAG_CWR
#define PSH TCP_FLAG_PSH
#define MBOX_HOP2                                                                                  \
    "Middlebox interference detected at or before hop 2 (ECT bleached or ECN flags modified)"
#define REASON_NOT_ECHOED "ACK of CE-marked data without ECE"
#define REASON_NOT_REPEATED "ECE not repeated until CWR"
#define REASON_AFTER_CWR "ECE still set after CWR"
#define PASS_CUSTOM "{\"data_ecn\":[],\"pure_acks\":4}"

/* What the test sent so far, as the host would see it. */
struct echo {
    uint32_t iss;
    uint32_t start, end[PIECES]; /* the pieces' sequence numbers */
    size_t a_copy1;              /* log index of piece A's copy with TTL 1 */
    uint32_t rcv_nxt;            /* the host's next sequence number (what we acknowledge) */
};

/* The host's segment: flags besides ACK, acknowledging ack, arriving with TOS tos. */
static void host(struct fe *f, struct echo *e, uint8_t flags, uint32_t ack, uint8_t tos)
{
    f->rx_tos = tos;
    fe_deliver(f, (uint8_t)(ACK | flags), e->rcv_nxt, ack);
}

/* The host's data (an HTTP answer), with flags besides ACK. */
static void host_data(struct fe *f, struct echo *e, uint8_t flags, uint32_t ack, uint8_t tos)
{
    static const char answer[] = "HTTP/1.1 200 OK\r\n\r\n";
    struct tcp_seg seg;
    fe_target_seg(&seg, (uint8_t)(ACK | PSH | flags), e->rcv_nxt, ack);
    seg.payload = (const uint8_t *)answer;
    seg.payload_len = sizeof(answer) - 1;
    f->rx_tos = tos;
    fe_deliver_seg(f, &seg, false);
    e->rcv_nxt += (uint32_t)seg.payload_len;
}

/* Packet i of the current event: flags, sequence number, TOS and payload length. */
static void expect_seg(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint8_t tos,
                       size_t len)
{
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    assert_int_equal(p.seg.flags, flags);
    assert_int_equal(p.seg.seq, seq);
    assert_int_equal(p.ip.tos, tos);
    assert_int_equal(p.seg.payload_len, len);
}

/* Our pure ACK of everything the host sent: not-ECT (6.1.4). */
static void expect_ack(const struct fe *f, size_t i, const struct echo *e, uint32_t seq)
{
    expect_seg(f, i, ACK, seq, IP_ECN_NOT_ECT, 0);
    struct fe_pkt p;
    fe_pkt(f, i, &p);
    assert_int_equal(p.seg.ack, e->rcv_nxt);
}

/* The ECN-setup SYN (not traced: the handshake is not under test) and the host's SYN-ACK
 * with synack_flags. */
static void open_conn(struct fe *f, struct echo *e, enum fe_family fam, uint8_t synack_flags)
{
    memset(e, 0, sizeof(*e));
    fe_init(f, NAME, fam, &tc_timing_default);
    fe_set_lab_path(f);
    f->t.env.rtt_hint = RTT;
    fe_start(f);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    e->iss = p.seg.seq;
    fe_expect_pkt(f, 0, TCP_FLAG_SYN | ECE | CWR, e->iss, 0, WINDOW, IP_DEFAULT_TTL, 0);
    assert_int_equal(p.ip.tos, IP_ECN_NOT_ECT);
    assert_false(f->t.traced.sent);
    fe_advance(f, RTT);
    e->rcv_nxt = ISN_THEIRS + 1;
    f->rx_tos = IP_ECN_NOT_ECT;
    fe_deliver(f, (uint8_t)(SA | synack_flags), ISN_THEIRS, e->iss + 1);
    expect_ack(f, 0, e, e->iss + 1);
}

/* ECN negotiated: after our ACK, piece A as the traced probe with ECT(0) (the host's copy,
 * then the copies for hops 1 and 2), B with CE a moment later; both ACK|PSH. */
static void open_ecn(struct fe *f, struct echo *e, enum fe_family fam)
{
    open_conn(f, e, fam, ECE);
    assert_int_equal(fe_n_out(f), 2 + LAB_COPIES + 1);
    struct fe_pkt a, b;
    fe_pkt(f, 1, &a);
    fe_pkt(f, 2 + LAB_COPIES, &b);
    e->start = e->iss + 1;
    size_t piece = a.seg.payload_len;
    assert_true(piece >= 50);
    for (unsigned i = 0; i < PIECES - 1; i++)
        e->end[i] = e->start + (uint32_t)((i + 1) * piece);
    for (size_t i = 1; i <= 1 + LAB_COPIES; i++) {
        struct fe_pkt p;
        fe_pkt(f, i, &p);
        assert_int_equal(p.seg.flags, ACK | PSH);
        assert_int_equal(p.seg.seq, e->start);
        assert_int_equal(p.seg.payload_len, piece);
        assert_int_equal(p.ip.tos, IP_ECN_ECT0);
        assert_int_equal(p.ip.ttl, i == 1 ? HOP_LIMIT : i - 1);
        assert_int_equal(f->t.out[i].delay, i == 1 ? 0 : (i - 1) * TC_BURST_GAP);
    }
    e->a_copy1 = fe_n_sent(f) - fe_n_out(f) + 2;
    expect_seg(f, 2 + LAB_COPIES, ACK | PSH, e->end[0], IP_ECN_CE, piece);
    assert_int_equal(f->t.out[2 + LAB_COPIES].delay, ORDER_GAP);
    assert_int_equal(fe_timer_in(f), ACK_WAIT);
}

/* The routers' quotes of piece A, hop 2's with the ECN field hop2_tos (negative: as sent). */
static void quotes(struct fe *f, const struct echo *e, int hop2_tos)
{
    enum fe_family fam = f->t.env.src.family == IP_FAMILY_V4 ? FE_V4 : FE_V6;
    for (unsigned hop = 1; hop <= LAB_COPIES; hop++) {
        struct icmp_quote q;
        fe_make_quote(fe_sent(f, e->a_copy1 + hop - 1), fe_router(fam, hop), &q);
        assert_int_equal(q.q_tos, IP_ECN_ECT0);
        if (hop == 2 && hop2_tos >= 0)
            q.q_tos = (uint8_t)hop2_tos;
        fe_deliver_quote(f, &q);
    }
}

/* B acknowledged (with ece): C goes out, ECT(0); its size tells where D ends. */
static void to_hold(struct fe *f, struct echo *e, uint8_t ece)
{
    host(f, e, ece, e->end[1], IP_ECN_NOT_ECT);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt c;
    fe_pkt(f, 0, &c);
    expect_seg(f, 0, ACK | PSH, e->end[1], IP_ECN_ECT0, e->end[2] - e->end[1]);
    assert_int_equal(fe_timer_in(f), ACK_WAIT);
}

/* C acknowledged with ECE: D goes out with CWR, not-ECT (the rest of the request). */
static void to_cwr(struct fe *f, struct echo *e)
{
    host(f, e, ECE, e->end[2], IP_ECN_NOT_ECT);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt d;
    fe_pkt(f, 0, &d);
    assert_true(d.seg.payload_len >= e->end[2] - e->end[1]);
    e->end[3] = e->end[2] + (uint32_t)d.seg.payload_len;
    expect_seg(f, 0, ACK | PSH | CWR, e->end[2], IP_ECN_NOT_ECT, d.seg.payload_len);
    assert_int_equal(fe_timer_in(f), ACK_WAIT);
}

/* D acknowledged (with ece: the CWR piece's own ACK may still carry it): E goes out, ECT(0),
 * the rest of the request. */
static void to_after(struct fe *f, struct echo *e, uint8_t ece)
{
    host(f, e, ece, e->end[3], IP_ECN_NOT_ECT);
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    e->end[4] = e->end[3] + (uint32_t)p.seg.payload_len;
    expect_seg(f, 0, ACK | PSH, e->end[3], IP_ECN_ECT0, p.seg.payload_len);
    assert_int_equal(fe_timer_in(f), ACK_WAIT);
}

/* The test ends: our RST at SND.NXT (the end of what was sent), not-ECT. */
static void expect_close(const struct fe *f, uint32_t snd_nxt)
{
    assert_int_equal(fe_n_out(f), 1);
    expect_seg(f, 0, TCP_FLAG_RST, snd_nxt, IP_ECN_NOT_ECT, 0);
}

static void test_registry(void **state)
{
    (void)state;
    const struct test_case *k = test_case_by_name(NAME);
    assert_non_null(k);
    assert_string_equal(k->req.rfc, "RFC 3168");
    assert_string_equal(k->req.id, "6.1.3");
    assert_false(k->default_on);
    assert_true(k->needs_alp);
    assert_int_equal(k->packet_budget, HOP_LIMIT + 10 + 16);
    assert_int_equal(k->open.syn_flags, ECE | CWR);
}

/* The host echoes CE on every ACK until CWR and no more, its pure ACKs not-ECT. */
static void pass(enum fe_family fam)
{
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, fam);
    quotes(&f, &e, -1);
    host(&f, &e, 0, e.end[0], IP_ECN_NOT_ECT); /* A's ACK, before B arrived: no ECE needed */
    assert_int_equal(fe_n_out(&f), 0);
    to_hold(&f, &e, ECE);
    to_cwr(&f, &e);
    fe_advance(&f, RTT);
    to_after(&f, &e, ECE); /* ECE on the CWR piece's own ACK: allowed */
    host(&f, &e, 0, e.end[4], IP_ECN_NOT_ECT);
    expect_close(&f, e.end[4]);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"data_ecn\":[],\"pure_acks\":5}");
    fe_expect_lab_path(&f, 2);
    fe_free(&f);
}

static void test_pass(void **state)
{
    (void)state;
    pass(FE_V4);
    pass(FE_V6);
}

/* A plain SYN-ACK (or one with CWR set) negotiates no ECN: closed, UNK. */
static void test_not_negotiated(void **state)
{
    (void)state;
    const uint8_t flags[] = {0, CWR, ECE | CWR};
    const char *names[] = {"no ECE/CWR", "CWR", "ECE+CWR"};
    for (size_t i = 0; i < sizeof(flags); i++) {
        struct fe f;
        struct echo e;
        open_conn(&f, &e, i % 2 ? FE_V6 : FE_V4, flags[i]);
        assert_int_equal(fe_n_out(&f), 2);
        expect_seg(&f, 1, TCP_FLAG_RST, e.iss + 1, IP_ECN_NOT_ECT, 0);
        char custom[64];
        snprintf(custom, sizeof(custom), "{\"synack_flags\":\"%s\"}", names[i]);
        fe_expect_result(&f, TC_UNK, STAGE_SETUP, "ECN not negotiated", custom);
        assert_false(f.t.traced.sent);
        fe_free(&f);
    }
}

/* The ACK of the CE-marked piece without ECE: 6.1.3 not done. */
static void not_echoed(enum fe_family fam)
{
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, fam);
    quotes(&f, &e, -1);
    host(&f, &e, 0, e.end[1], IP_ECN_NOT_ECT);
    expect_close(&f, e.end[1]);
    fe_expect_result(&f, TC_FAIL, STAGE_ECHO, REASON_NOT_ECHOED,
                     "{\"data_ecn\":[],\"pure_acks\":1}");
    fe_free(&f);
}

static void test_not_echoed(void **state)
{
    (void)state;
    not_echoed(FE_V4);
    not_echoed(FE_V6);
}

/* ECE on B's ACK only, not on C's (no CWR sent yet): not repeated. The host's data segments
 * are ACK packets too. */
static void test_not_repeated(void **state)
{
    (void)state;
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, FE_V4);
    quotes(&f, &e, -1);
    to_hold(&f, &e, ECE);
    host(&f, &e, 0, e.end[2], IP_ECN_NOT_ECT);
    assert_int_equal(fe_n_out(&f), 1);
    fe_expect_result(&f, TC_FAIL, STAGE_ECHO, REASON_NOT_REPEATED,
                     "{\"data_ecn\":[],\"pure_acks\":2}");
    fe_free(&f);

    /* the answer's data acknowledging B, without ECE */
    open_ecn(&f, &e, FE_V6);
    quotes(&f, &e, -1);
    host_data(&f, &e, 0, e.end[1], IP_ECN_ECT0);
    expect_close(&f, e.end[1]);
    fe_expect_result(&f, TC_FAIL, STAGE_ECHO, REASON_NOT_ECHOED,
                     "{\"data_ecn\":[],\"pure_acks\":0}");
    fe_free(&f);
}

/* ECE on the ACK of E, the non-CE data after the CWR piece ("acknowledgments for subsequent
 * non-CE data packets do not have the ECN-Echo flag set"). */
static void test_after_cwr(void **state)
{
    (void)state;
    for (int fam = FE_V4; fam <= FE_V6; fam += FE_V6 - FE_V4) {
        struct fe f;
        struct echo e;
        open_ecn(&f, &e, (enum fe_family)fam);
        quotes(&f, &e, -1);
        to_hold(&f, &e, ECE);
        to_cwr(&f, &e);
        to_after(&f, &e, 0);
        host(&f, &e, ECE, e.end[4], IP_ECN_NOT_ECT);
        expect_close(&f, e.end[4]);
        fe_expect_result(&f, TC_FAIL, STAGE_ECHO, REASON_AFTER_CWR,
                         "{\"data_ecn\":[],\"pure_acks\":4}");
        fe_free(&f);
    }
}

/* RFC 3168 6.1.4: a pure ACK with an ECT codepoint (or CE, which only an ECT packet gets)
 * fails at once, whichever piece it acknowledges. */
static void test_pure_ack_ect(void **state)
{
    (void)state;
    const uint8_t ect[] = {IP_ECN_ECT0, IP_ECN_ECT1, IP_ECN_CE};
    const char *reasons[] = {"Pure ACK sent ECN-capable (ECT(0))",
                             "Pure ACK sent ECN-capable (ECT(1))",
                             "Pure ACK sent ECN-capable (CE)"};
    for (size_t i = 0; i < sizeof(ect); i++) {
        struct fe f;
        struct echo e;
        open_ecn(&f, &e, i % 2 ? FE_V6 : FE_V4);
        quotes(&f, &e, -1);
        host(&f, &e, 0, e.end[0], ect[i]);
        expect_close(&f, e.end[1]);
        fe_expect_result(&f, TC_FAIL, STAGE_ECHO, reasons[i], "{\"data_ecn\":[],\"pure_acks\":1}");
        fe_free(&f);
    }

    /* the host's data may be ECT (6.1.2): acknowledged, not-ECT, and reported */
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, FE_V4);
    quotes(&f, &e, -1);
    host_data(&f, &e, ECE, e.end[1], IP_ECN_ECT0);
    assert_int_equal(fe_n_out(&f), 2);
    expect_ack(&f, 0, &e, e.end[1]);
    expect_seg(&f, 1, ACK | PSH, e.end[1], IP_ECN_ECT0, e.end[2] - e.end[1]); /* C */
    to_cwr(&f, &e);
    to_after(&f, &e, 0);
    host(&f, &e, 0, e.end[4], IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"data_ecn\":[\"ECT(0)\"],\"pure_acks\":3}");
    fe_free(&f);
}

/* No ACK in time: the alive probe (not-ECT, far behind SND.NXT) asks; its answer counts like
 * any ACK. Unanswered: UNK, by silence (a dropped traced piece is the path's). */
static void test_silence(void **state)
{
    (void)state;
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, FE_V4);
    quotes(&f, &e, -1);
    assert_int_equal(fe_fire(&f), ACK_WAIT);
    assert_int_equal(fe_n_out(&f), 1);
    expect_seg(&f, 0, ACK, e.end[1] - ALIVE_BEHIND, IP_ECN_NOT_ECT, 0);
    assert_int_equal(fe_timer_in(&f), WAIT);
    to_hold(&f, &e, ECE); /* the alive probe's answer */
    assert_int_equal(fe_fire(&f), ACK_WAIT);
    assert_int_equal(fe_n_out(&f), 1); /* asked again, in this phase */
    assert_int_equal(fe_fire(&f), WAIT);
    expect_close(&f, e.end[2]);
    fe_expect_result(&f, TC_UNK, STAGE_ECHO,
                     "No acknowledgment of the data after the CE-marked data",
                     "{\"data_ecn\":[],\"pure_acks\":1}");
    fe_free(&f);

    /* hop 2 never quoted piece A and the host never acknowledged it: the path lost it */
    open_ecn(&f, &e, FE_V6);
    enum fe_family fam = FE_V6;
    struct icmp_quote q;
    fe_make_quote(fe_sent(&f, e.a_copy1), fe_router(fam, 1), &q);
    fe_deliver_quote(&f, &q);
    fe_fire(&f);
    fe_fire(&f); /* the quote wait is long over: the verdict at once */
    fe_expect_result(&f, TC_UNK, STAGE_ECHO,
                     "Middlebox interference detected at or before hop 2 (probe dropped)",
                     "{\"data_ecn\":[],\"diff\":[\"quote from hop 2\",\"\"],\"pure_acks\":0}");
    fe_free(&f);
}

/* Every acknowledgment came with data (no pure ACK yet): the alive probe draws one. */
static void test_pure_ack_drawn(void **state)
{
    (void)state;
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, FE_V6);
    quotes(&f, &e, -1);
    host_data(&f, &e, ECE, e.end[1], IP_ECN_ECT0);
    assert_int_equal(fe_n_out(&f), 2); /* our ACK, C */
    host_data(&f, &e, ECE, e.end[2], IP_ECN_ECT0);
    assert_int_equal(fe_n_out(&f), 2); /* our ACK, D */
    struct fe_pkt d;
    fe_pkt(&f, 1, &d);
    e.end[3] = e.end[2] + (uint32_t)d.seg.payload_len;
    host_data(&f, &e, 0, e.end[3], IP_ECN_ECT0);
    assert_int_equal(fe_n_out(&f), 2); /* our ACK, E */
    fe_pkt(&f, 1, &d);
    e.end[4] = e.end[3] + (uint32_t)d.seg.payload_len;
    host_data(&f, &e, 0, e.end[4], IP_ECN_ECT0);
    assert_int_equal(fe_n_out(&f), 2); /* our ACK, the alive probe */
    expect_seg(&f, 1, ACK, e.end[4] - ALIVE_BEHIND, IP_ECN_NOT_ECT, 0);
    assert_false(f.t.done);
    host(&f, &e, 0, e.end[4], IP_ECN_ECT0);
    expect_close(&f, e.end[4]);
    fe_expect_result(&f, TC_FAIL, STAGE_ECHO, "Pure ACK sent ECN-capable (ECT(0))",
                     "{\"data_ecn\":[\"ECT(0)\"],\"pure_acks\":1}");
    fe_free(&f);

    open_ecn(&f, &e, FE_V4);
    quotes(&f, &e, -1);
    host_data(&f, &e, ECE, e.end[1], IP_ECN_NOT_ECT);
    host_data(&f, &e, ECE, e.end[2], IP_ECN_NOT_ECT);
    fe_pkt(&f, 1, &d);
    e.end[3] = e.end[2] + (uint32_t)d.seg.payload_len;
    host_data(&f, &e, 0, e.end[3], IP_ECN_NOT_ECT);
    fe_pkt(&f, 1, &d);
    e.end[4] = e.end[3] + (uint32_t)d.seg.payload_len;
    host_data(&f, &e, 0, e.end[4], IP_ECN_NOT_ECT);
    host(&f, &e, 0, e.end[4], IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_PASS, -1, "", "{\"data_ecn\":[\"not-ECT\"],\"pure_acks\":1}");
    fe_free(&f);

    /* the alive probe unanswered; a FIN is no data (its codepoint is not listed) */
    open_ecn(&f, &e, FE_V4);
    quotes(&f, &e, -1);
    host_data(&f, &e, ECE, e.end[1], IP_ECN_ECT0);
    host_data(&f, &e, ECE, e.end[2], IP_ECN_ECT0);
    fe_pkt(&f, 1, &d);
    e.end[3] = e.end[2] + (uint32_t)d.seg.payload_len;
    host_data(&f, &e, 0, e.end[3], IP_ECN_ECT0);
    fe_pkt(&f, 1, &d);
    e.end[4] = e.end[3] + (uint32_t)d.seg.payload_len;
    host(&f, &e, TCP_FLAG_FIN, e.end[4], IP_ECN_NOT_ECT);
    assert_int_equal(fe_n_out(&f), 2); /* our ACK of the FIN, the alive probe */
    e.rcv_nxt++;
    expect_ack(&f, 0, &e, e.end[4]);
    assert_int_equal(fe_fire(&f), WAIT);
    expect_close(&f, e.end[4]);
    fe_expect_result(&f, TC_UNK, STAGE_ECHO,
                     "No pure ACK from the host: the alive probe went unanswered",
                     "{\"data_ecn\":[\"ECT(0)\"],\"pure_acks\":0}");
    fe_free(&f);
}

/* Path first: a hop that bleached piece A's ECT(0) (and so, likely, B's CE) makes the host's
 * missing echo UNK at that hop; a hop that marked it CE did what ECN is for. */
static void bleached(enum fe_family fam)
{
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, fam);
    quotes(&f, &e, IP_ECN_NOT_ECT);
    host(&f, &e, 0, e.end[1], IP_ECN_NOT_ECT);
    expect_close(&f, e.end[1]);
    fe_expect_result(&f, TC_UNK, STAGE_ECHO, MBOX_HOP2,
                     "{\"data_ecn\":[],\"diff\":[\"no ECE/CWR ECT(0) DSCP 0\","
                     "\"no ECE/CWR not-ECT DSCP 0\"],\"pure_acks\":1}");
    fe_expect_lab_path(&f, 2);
    fe_free(&f);

    open_ecn(&f, &e, fam);
    quotes(&f, &e, IP_ECN_CE);
    to_hold(&f, &e, ECE);
    to_cwr(&f, &e);
    to_after(&f, &e, 0);
    host(&f, &e, 0, e.end[4], IP_ECN_NOT_ECT);
    fe_expect_result(&f, TC_PASS, -1, "", PASS_CUSTOM);
    fe_free(&f);
}

static void test_bleached(void **state)
{
    (void)state;
    bleached(FE_V4);
    bleached(FE_V6);
}

/* The host resets the connection: UNK, and no RST for its RST. */
static void test_reset_by_host(void **state)
{
    (void)state;
    struct fe f;
    struct echo e;
    open_ecn(&f, &e, FE_V4);
    quotes(&f, &e, -1);
    fe_deliver(&f, TCP_FLAG_RST, e.rcv_nxt, 0);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, STAGE_ECHO, "RST during the exchange",
                     "{\"data_ecn\":[],\"pure_acks\":0}");
    fe_free(&f);
}

/* No ALP for the port: the connection is closed, UNK (stage 2, nothing traced). */
static void test_no_alp(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, NAME, FE_V4, &tc_timing_default);
    f.t.env.dport = 4;
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    struct tcp_seg synack;
    fe_target_seg(&synack, SA | ECE, ISN_THEIRS, p.seg.seq + 1);
    synack.sport = 4;
    fe_deliver_seg(&f, &synack, false);
    assert_int_equal(fe_n_out(&f), 2);
    expect_seg(&f, 1, TCP_FLAG_RST, p.seg.seq + 1, IP_ECN_NOT_ECT, 0);
    fe_expect_result(&f, TC_UNK, STAGE_ECHO, "Missing ALP module for port 4", NULL);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),       cmocka_unit_test(test_pass),
        cmocka_unit_test(test_not_negotiated), cmocka_unit_test(test_not_echoed),
        cmocka_unit_test(test_not_repeated),   cmocka_unit_test(test_after_cwr),
        cmocka_unit_test(test_pure_ack_ect),   cmocka_unit_test(test_silence),
        cmocka_unit_test(test_pure_ack_drawn), cmocka_unit_test(test_bleached),
        cmocka_unit_test(test_reset_by_host),  cmocka_unit_test(test_no_alp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
