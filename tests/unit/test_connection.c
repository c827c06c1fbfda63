/* The connection sub-machine (src/testcase/connection.c): its sequence bookkeeping, the
 * segments it sends, how it classifies what the peer sends, and the two probes that ask the
 * peer for its state: the state probe (RFC 9293 3.10.7.3: RST <SEQ=SEG.ACK> from SYN-RECEIVED;
 * 3.10.7.4, RFC 5961 5.2: an ACK from ESTABLISHED) and the alive probe (3.10.7.4: an ACK
 * carrying RCV.NXT from a synchronized connection; 3.10.7.1: RST from a closed one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_engine.h"
#include "testcase/connection.h"

#define ISS 0x00001000u
#define IRS 0x5a5a0000u
#define WINDOW 2048
#define PEER_WINDOW 29200
/* The state probe acknowledges this much beyond RCV.NXT + our window (connection.c). */
#define STATE_AHEAD 1000u
/* The alive probe's sequence number lies this far before SND.NXT (connection.c). */
#define ALIVE_BEHIND 0x20000u
#define RX_KEEP 64
#define PROBE_DELAY (2 * TC_MSEC)

/* A case that does nothing itself: the tests call the sub-machine on its tc. */
static void idle_start(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

static void idle_timer(struct tc *t, tc_time now)
{
    (void)t;
    (void)now;
}

static const struct test_case idle_kind = {
    .name = "ConnectionTest",
    .packet_budget = 16,
    .deadline = 10 * TC_SEC,
    .start = idle_start,
    .on_timer = idle_timer,
};

/* A segment from the peer. */
static struct tcp_seg peer(uint8_t flags, uint32_t seq, uint32_t ack)
{
    struct tcp_seg seg;
    fe_target_seg(&seg, flags, seq, ack);
    return seg;
}

static struct tcp_seg peer_data(uint8_t flags, uint32_t seq, const char *data)
{
    struct tcp_seg seg = peer(flags, seq, ISS + 1);
    seg.payload = (const uint8_t *)data;
    seg.payload_len = strlen(data);
    return seg;
}

/* The fake engine with the connection after a SYN-ACK without payload. */
static void established(struct fe *f, struct tc_conn *c)
{
    fe_init_kind(f, &idle_kind, FE_V4, &tc_timing_default);
    fe_start(f);
    tc_conn_init(c, ISS, WINDOW);
    struct tcp_seg synack = peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1);
    synack.window = PEER_WINDOW;
    assert_int_equal(tc_conn_established(c, &synack, RX_KEEP), 0);
}

static void done(struct fe *f, struct tc_conn *c)
{
    tc_conn_free(c);
    fe_free(f);
}

static void test_numbers_before_and_after_handshake(void **state)
{
    (void)state;
    struct tc_conn c;
    tc_conn_init(&c, ISS, WINDOW);
    assert_int_equal(c.snd_una, ISS);
    assert_int_equal(c.snd_nxt, ISS + 1); /* the SYN */
    assert_false(c.established);
    assert_int_equal(tc_conn_rcv_nxt(&c), 0);
    size_t len = 1;
    assert_null(tc_conn_rx_data(&c, &len));
    assert_int_equal(len, 0);

    /* a SYN-ACK with data (TCP Fast Open): RCV.NXT counts it, the data is kept */
    static const uint8_t early[] = "hi";
    struct tcp_seg synack = peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1);
    synack.window = PEER_WINDOW;
    synack.payload = early;
    synack.payload_len = 2;
    assert_int_equal(tc_conn_established(&c, &synack, RX_KEEP), 0);
    assert_true(c.established);
    assert_int_equal(c.irs, IRS);
    assert_int_equal(c.snd_nxt, ISS + 1);
    assert_int_equal(c.snd_una, ISS + 1);
    assert_int_equal(c.last_ack, ISS + 1);
    assert_int_equal(c.peer_window, PEER_WINDOW);
    assert_int_equal(tc_conn_rcv_nxt(&c), IRS + 3);
    assert_null(c.synack.payload); /* the SYN-ACK is kept without its payload pointer */
    assert_int_equal(c.synack.payload_len, 0);
    const uint8_t *data = tc_conn_rx_data(&c, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(data, "hi", 2);
    tc_conn_free(&c);
    tc_conn_free(&c); /* idempotent */
    assert_false(c.established);
    assert_int_equal(tc_conn_rcv_nxt(&c), 0);
}

/* The segments it sends: ACK, data (SND.NXT advances), the closing RST at SND.NXT. */
static void test_segments_sent(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    struct tcp_seg seg;
    tc_conn_seg(&f.t, &c, TCP_FLAG_RST, &seg);
    assert_int_equal(seg.seq, ISS + 1);
    assert_int_equal(seg.ack, 0); /* no ACK flag, no acknowledgment number */
    assert_int_equal(seg.window, WINDOW);
    tc_conn_send_ack(&f.t, &c);
    tc_conn_send_data(&f.t, &c, (const uint8_t *)"abc", 3, TCP_FLAG_PSH);
    assert_int_equal(c.snd_nxt, ISS + 4);
    tc_conn_sent(&c, 10);
    assert_int_equal(c.snd_nxt, ISS + 14);
    tc_conn_send_close(&f.t, &c);
    assert_int_equal(fe_n_out(&f), 3);
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, ISS + 1, IRS + 1, WINDOW);
    fe_expect_pkt(&f, 1, TCP_FLAG_ACK | TCP_FLAG_PSH, ISS + 1, IRS + 1, WINDOW, IP_DEFAULT_TTL, 0);
    struct fe_pkt p;
    fe_pkt(&f, 1, &p);
    assert_int_equal(p.seg.payload_len, 3);
    assert_memory_equal(p.seg.payload, "abc", 3);
    /* RFC 5961 3.2: a RST is taken only at exactly RCV.NXT, i.e. our SND.NXT */
    fe_expect_plain(&f, 2, TCP_FLAG_RST, ISS + 14, 0, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(f.t.out[i].delay, 0);
    done(&f, &c);
}

static enum conn_rx_kind receive(struct tc_conn *c, struct tcp_seg seg, struct conn_rx *rx)
{
    tc_conn_receive(c, &seg, rx);
    return rx->kind;
}

/* Control segments and pure ACKs. */
static void test_receive_control_and_acks(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct conn_rx rx;
    /* before the handshake only a RST means anything */
    tc_conn_init(&c, ISS, WINDOW);
    assert_int_equal(receive(&c, peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1), &rx),
                     CONN_RX_OTHER);
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 1), &rx), CONN_RX_OTHER);
    assert_false(c.peer_rst);

    established(&f, &c);
    tc_conn_sent(&c, 100); /* 100 octets of ours in flight */
    assert_int_equal(receive(&c, peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1), &rx),
                     CONN_RX_SYNACK);
    /* a SYN-ACK with another ISN is not ours again; neither is a SYN */
    assert_int_equal(receive(&c, peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS + 7, ISS + 1), &rx),
                     CONN_RX_OTHER);
    assert_int_equal(receive(&c, peer(TCP_FLAG_SYN, IRS, 0), &rx), CONN_RX_OTHER);
    assert_int_equal(receive(&c, peer(0, IRS + 1, 0), &rx), CONN_RX_OTHER); /* no ACK */

    struct tcp_seg ack = peer(TCP_FLAG_ACK, IRS + 1, ISS + 51);
    ack.window = 1000;
    assert_int_equal(receive(&c, ack, &rx), CONN_RX_ACK);
    assert_int_equal(c.last_ack, ISS + 51);
    assert_int_equal(c.snd_una, ISS + 51);
    assert_int_equal(c.peer_window, 1000);
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 51), &rx), CONN_RX_DUP_ACK);
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 51), &rx), CONN_RX_DUP_ACK);
    assert_int_equal(c.dup_acks, 2);
    /* an older ACK, or one of data never sent, is neither new nor a duplicate */
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 11), &rx), CONN_RX_OTHER);
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 102), &rx), CONN_RX_OTHER);
    assert_int_equal(c.last_ack, ISS + 51);
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 101), &rx), CONN_RX_ACK);
    assert_int_equal(c.dup_acks, 0);
    assert_int_equal(c.snd_una, ISS + 101);

    assert_int_equal(receive(&c, peer(TCP_FLAG_RST | TCP_FLAG_ACK, IRS + 1, ISS + 101), &rx),
                     CONN_RX_RST);
    assert_true(c.peer_rst);
    done(&f, &c);
}

/* The peer's data through the reassembly: new, repeated, out of order, the FIN. */
static void test_receive_data_and_fin(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct conn_rx rx;
    established(&f, &c);
    assert_int_equal(receive(&c, peer_data(TCP_FLAG_ACK | TCP_FLAG_PSH, IRS + 1, "abcd"), &rx),
                     CONN_RX_DATA);
    assert_int_equal(rx.reasm.new_bytes, 4);
    assert_false(rx.fin);
    assert_int_equal(tc_conn_rcv_nxt(&c), IRS + 5);
    assert_int_equal(receive(&c, peer_data(TCP_FLAG_ACK, IRS + 1, "abcd"), &rx), CONN_RX_RETRANS);
    assert_int_equal(rx.reasm.new_bytes, 0);
    /* beyond a gap, with the FIN: new data, but the FIN is not in order yet */
    assert_int_equal(receive(&c, peer_data(TCP_FLAG_ACK | TCP_FLAG_FIN, IRS + 7, "gh"), &rx),
                     CONN_RX_DATA);
    assert_int_equal(rx.reasm.kind, REASM_OUT_OF_ORDER);
    assert_false(rx.fin);
    assert_int_equal(tc_conn_rcv_nxt(&c), IRS + 5);
    /* the gap filled: everything up to the FIN is in */
    assert_int_equal(receive(&c, peer_data(TCP_FLAG_ACK, IRS + 5, "ef"), &rx), CONN_RX_DATA);
    assert_true(rx.fin);
    assert_int_equal(tc_conn_rcv_nxt(&c), IRS + 10);
    size_t len = 0;
    const uint8_t *data = tc_conn_rx_data(&c, &len);
    assert_int_equal(len, 8);
    assert_memory_equal(data, "abcdefgh", 8);
    /* the FIN again: a retransmission */
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK | TCP_FLAG_FIN, IRS + 9, ISS + 1), &rx),
                     CONN_RX_RETRANS);
    assert_true(rx.fin);
    done(&f, &c);

    /* a bare FIN in order */
    established(&f, &c);
    assert_int_equal(receive(&c, peer(TCP_FLAG_ACK | TCP_FLAG_FIN, IRS + 1, ISS + 1), &rx),
                     CONN_RX_DATA);
    assert_true(rx.fin);
    assert_int_equal(tc_conn_rcv_nxt(&c), IRS + 2);
    done(&f, &c);
}

/* The state probe acknowledges beyond anything the peer can have sent: RCV.NXT + our
 * window + 1000, one more for each probe, so that answers to different probes differ. */
static void test_state_probe_numbers(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    tc_conn_sent(&c, 5);
    tc_conn_send_state_probe(&f.t, &c, PROBE_DELAY);
    tc_conn_send_state_probe(&f.t, &c, 0);
    assert_int_equal(fe_n_out(&f), 2);
    uint32_t first = IRS + 1 + WINDOW + STATE_AHEAD;
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, ISS + 6, first, WINDOW);
    assert_int_equal(f.t.out[0].delay, PROBE_DELAY);
    fe_expect_plain(&f, 1, TCP_FLAG_ACK, ISS + 6, first + 1, WINDOW);
    assert_int_equal(f.t.out[1].delay, 0);
    assert_int_equal(c.state_probe_ack, first + 1);
    assert_int_equal(c.state_probes, 2);
    assert_int_equal(c.snd_nxt, ISS + 6); /* a probe takes no sequence space */
    done(&f, &c);
}

static enum conn_state_answer state_answer(const struct tc_conn *c, struct tcp_seg seg)
{
    return tc_conn_state_answer(c, &seg);
}

/* Each answer RFC 9293 allows, and what is no answer. */
static void test_state_answers(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    tc_conn_sent(&c, 5);
    tc_conn_send_state_probe(&f.t, &c, PROBE_DELAY);
    uint32_t probe_ack = c.state_probe_ack;
    /* SYN-RECEIVED (3.10.7.3): RST <SEQ=SEG.ACK>; lwIP sets ACK on it as well */
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST, probe_ack, 0)), CONN_STATE_NOT_SYNCED);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST | TCP_FLAG_ACK, probe_ack, ISS + 6)),
                     CONN_STATE_NOT_SYNCED);
    /* the SYN-ACK again: still waiting for our ACK */
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1)),
                     CONN_STATE_NOT_SYNCED);
    /* ESTABLISHED (3.10.7.4): an ACK of what we sent, or data, or a FIN */
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 6)),
                     CONN_STATE_ESTABLISHED);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 1)),
                     CONN_STATE_ESTABLISHED);
    assert_int_equal(state_answer(&c, peer_data(TCP_FLAG_ACK | TCP_FLAG_PSH, IRS + 1, "x")),
                     CONN_STATE_ESTABLISHED);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_ACK | TCP_FLAG_FIN, IRS + 1, ISS + 1)),
                     CONN_STATE_ESTABLISHED);
    /* no answer: a RST elsewhere, an ACK of nothing of ours or of more than we sent, a
     * SYN-ACK of another connection, segments without ACK */
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST, IRS + 1, 0)), CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST, probe_ack + 1, 0)), CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS)), CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 7)), CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS + 9, ISS + 1)),
                     CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_SYN, IRS, 0)), CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer_data(TCP_FLAG_PSH, IRS + 1, "x")), CONN_STATE_NONE);
    done(&f, &c);
}

/* A late answer to an earlier state probe is not taken for the latest's: between the two
 * the case may have sent what changes the answer (a repeated ACK with a request). */
static void test_state_late_answer_to_earlier_probe(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    tc_conn_send_state_probe(&f.t, &c, PROBE_DELAY);
    uint32_t first = c.state_probe_ack;
    tc_conn_send_state_probe(&f.t, &c, 0);
    uint32_t second = c.state_probe_ack;
    assert_int_equal(second, first + 1);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST, first, 0)), CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST | TCP_FLAG_ACK, first, ISS + 1)),
                     CONN_STATE_NONE);
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST, second, 0)), CONN_STATE_NOT_SYNCED);
    done(&f, &c);
}

/* The alive probe lies 0x20000 before SND.NXT, outside any window the peer offers us, and
 * acknowledges RCV.NXT. */
static void test_alive_probe_numbers(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    tc_conn_sent(&c, 30);
    tc_conn_send_alive_probe(&f.t, &c, PROBE_DELAY);
    assert_int_equal(fe_n_out(&f), 1);
    /* ISS is small: the number wraps below zero, as modulo 2^32 arithmetic wants */
    fe_expect_plain(&f, 0, TCP_FLAG_ACK, ISS + 31 - ALIVE_BEHIND, IRS + 1, WINDOW);
    assert_true(ISS + 31 < ALIVE_BEHIND);
    assert_int_equal(f.t.out[0].delay, PROBE_DELAY);
    assert_int_equal(c.snd_nxt, ISS + 31);
    done(&f, &c);
}

static enum conn_alive_answer alive_answer(const struct tc_conn *c, struct tcp_seg seg,
                                           uint32_t *rcv_nxt)
{
    return tc_conn_alive_answer(c, &seg, rcv_nxt);
}

static void test_alive_answers(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    tc_conn_sent(&c, 30);
    uint32_t rcv_nxt = 0;
    /* 3.10.7.4: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>; how much it took is in the ACK */
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 31), &rcv_nxt),
                     CONN_ALIVE_YES);
    assert_int_equal(rcv_nxt, ISS + 31);
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 1), &rcv_nxt),
                     CONN_ALIVE_YES);
    assert_int_equal(rcv_nxt, ISS + 1);
    /* 3.10.7.1: a closed port answers RST */
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_RST, ISS + 31 - ALIVE_BEHIND, 0), &rcv_nxt),
                     CONN_ALIVE_GONE);
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_RST | TCP_FLAG_ACK, 0, 0), &rcv_nxt),
                     CONN_ALIVE_GONE);
    /* no answer: data, a SYN-ACK, a FIN, ACKs of nothing of ours or of more than we sent */
    rcv_nxt = 0;
    assert_int_equal(alive_answer(&c, peer_data(TCP_FLAG_ACK, IRS + 1, "x"), &rcv_nxt),
                     CONN_ALIVE_NONE);
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_SYN | TCP_FLAG_ACK, IRS, ISS + 1), &rcv_nxt),
                     CONN_ALIVE_NONE);
    assert_int_equal(
        alive_answer(&c, peer(TCP_FLAG_ACK | TCP_FLAG_FIN, IRS + 1, ISS + 31), &rcv_nxt),
        CONN_ALIVE_NONE);
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS), &rcv_nxt), CONN_ALIVE_NONE);
    assert_int_equal(alive_answer(&c, peer(TCP_FLAG_ACK, IRS + 1, ISS + 32), &rcv_nxt),
                     CONN_ALIVE_NONE);
    assert_int_equal(rcv_nxt, 0); /* untouched when it is no answer */
    done(&f, &c);
}

/* RFC 3168 6.1.4's pure ACK: ACK alone (ECE, CWR, PSH, URG allowed), no data. */
static void test_pure_ack(void **state)
{
    (void)state;
    struct tcp_seg seg = peer(TCP_FLAG_ACK, IRS + 1, ISS + 1);
    assert_true(tc_seg_pure_ack(&seg));
    seg.flags = TCP_FLAG_ACK | TCP_FLAG_ECE | TCP_FLAG_CWR | TCP_FLAG_PSH;
    assert_true(tc_seg_pure_ack(&seg));
    const uint8_t not_pure[] = {0, TCP_FLAG_SYN | TCP_FLAG_ACK, TCP_FLAG_FIN | TCP_FLAG_ACK,
                                TCP_FLAG_RST | TCP_FLAG_ACK, TCP_FLAG_RST};
    for (size_t i = 0; i < sizeof(not_pure); i++) {
        seg.flags = not_pure[i];
        assert_false(tc_seg_pure_ack(&seg));
    }
    seg = peer_data(TCP_FLAG_ACK, IRS + 1, "x");
    assert_false(tc_seg_pure_ack(&seg));
}

/* The state probe's segment for a case to send itself: the same numbers, counted. */
static void test_state_probe_seg(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    established(&f, &c);
    struct tcp_seg seg;
    tc_conn_state_probe_seg(&f.t, &c, &seg);
    uint32_t first = IRS + 1 + WINDOW + STATE_AHEAD;
    assert_int_equal(seg.flags, TCP_FLAG_ACK);
    assert_int_equal(seg.seq, ISS + 1);
    assert_int_equal(seg.ack, first);
    assert_int_equal(seg.window, WINDOW);
    assert_int_equal(c.state_probe_ack, first);
    assert_int_equal(c.state_probes, 1);
    assert_int_equal(fe_n_out(&f), 0); /* not sent */
    assert_int_equal(state_answer(&c, peer(TCP_FLAG_RST, first, 0)), CONN_STATE_NOT_SYNCED);
    done(&f, &c);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>: a pure ACK of exactly all we sent. */
static void test_challenge_ack(void **state)
{
    (void)state;
    struct fe f;
    struct tc_conn c;
    struct tcp_seg seg = peer(TCP_FLAG_ACK, IRS + 1, ISS + 1);
    tc_conn_init(&c, ISS, WINDOW);
    assert_false(tc_conn_challenge_ack(&c, &seg)); /* no connection yet */
    established(&f, &c);
    assert_true(tc_conn_challenge_ack(&c, &seg));
    tc_conn_sent(&c, 7);
    assert_false(tc_conn_challenge_ack(&c, &seg)); /* acknowledges less than we sent */
    seg.ack = ISS + 8;
    assert_true(tc_conn_challenge_ack(&c, &seg));
    seg.seq = IRS + 100; /* the peer's SND.NXT may be ahead of what reached us */
    assert_true(tc_conn_challenge_ack(&c, &seg));
    struct tcp_seg data = peer_data(TCP_FLAG_ACK, IRS + 1, "x");
    data.ack = ISS + 8;
    assert_false(tc_conn_challenge_ack(&c, &data));
    seg.flags = TCP_FLAG_ACK | TCP_FLAG_FIN;
    assert_false(tc_conn_challenge_ack(&c, &seg));
    seg.flags = TCP_FLAG_ACK | TCP_FLAG_RST;
    assert_false(tc_conn_challenge_ack(&c, &seg));
    seg.flags = TCP_FLAG_ACK | TCP_FLAG_SYN;
    assert_false(tc_conn_challenge_ack(&c, &seg));
    seg.flags = TCP_FLAG_RST;
    assert_false(tc_conn_challenge_ack(&c, &seg));
    done(&f, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_before_and_after_handshake),
        cmocka_unit_test(test_segments_sent),
        cmocka_unit_test(test_receive_control_and_acks),
        cmocka_unit_test(test_receive_data_and_fin),
        cmocka_unit_test(test_state_probe_numbers),
        cmocka_unit_test(test_state_answers),
        cmocka_unit_test(test_state_late_answer_to_earlier_probe),
        cmocka_unit_test(test_alive_probe_numbers),
        cmocka_unit_test(test_alive_answers),
        cmocka_unit_test(test_pure_ack),
        cmocka_unit_test(test_state_probe_seg),
        cmocka_unit_test(test_challenge_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
