/* One hand-built capture per finding of the catalogue: each test writes the smallest capture
 * that shows the finding, reads it back through tcpreq's reader, and checks the finding's
 * presence, count, frames and message values, and (where it matters) its absence from a
 * capture that should not show it. The last test checks that every catalogue entry was
 * exercised, so adding a finding without a test fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_fixture.h"
#include "tcp/linklayer.h"

#define CLIENT "198.18.1.2"
#define SERVER "198.18.3.2"
#define ROUTER "198.18.2.1"
#define CPORT 40000
#define SPORT 80
#define C_ISN 1000u
#define S_ISN 5000u

static bool covered[FIND_COUNT];

struct scene {
    struct capfile cap;
    struct fx_conn k;
    struct fx_result *r;
};

static void begin(struct scene *s)
{
    memset(s, 0, sizeof(*s));
    cap_open(&s->cap, LINKTYPE_RAW, false);
    fx_conn_init(&s->k, &s->cap, CLIENT, CPORT, SERVER, SPORT, C_ISN, S_ISN);
}

/* Read the capture (with the listing of flow 0) and return flow 0. */
static const struct fx_flow *run(struct scene *s)
{
    cap_close(&s->cap);
    s->r = fx_run(s->cap.path, "0");
    assert_int_equal(s->r->read_rc, 0);
    const struct fx_flow *f = fx_flow(s->r, 0);
    assert_non_null(f);
    return f;
}

static void end(struct scene *s)
{
    cap_remove(&s->cap);
    free(s->r);
}

/* The finding is there, counted n times, first shown by frame first_frame (0 = any). */
static const struct finding *expect(const struct fx_flow *f, enum finding_id id, uint64_t n,
                                    uint64_t first_frame)
{
    const struct finding *x = fx_finding(f, id);
    if (x == NULL)
        fail_msg("finding %s missing; report:\n%s", finding_catalogue[id].name, f->text);
    assert_int_equal(x->count, n);
    if (first_frame != 0) {
        assert_true(x->n_frames > 0);
        assert_int_equal(x->frames[0], first_frame);
    }
    assert_true(x->message[0] != '\0');
    /* the text report names it with its severity and RFC */
    assert_non_null(strstr(f->text, finding_catalogue[id].name));
    assert_non_null(strstr(f->text, finding_catalogue[id].rfc));
    covered[id] = true;
    return x;
}

static void expect_none(const struct fx_flow *f, enum finding_id id)
{
    if (fx_finding(f, id) != NULL)
        fail_msg("unexpected finding %s; report:\n%s", finding_catalogue[id].name, f->text);
}

static void expect_message(const struct finding *x, const char *part)
{
    if (strstr(x->message, part) == NULL)
        fail_msg("message '%s' lacks '%s'", x->message, part);
}

/* --- handshake and teardown ------------------------------------------------------------ */

static void test_refused(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN});
    fx_send(&s.k, 1, &(struct fx_seg){.flags = TCP_FLAG_RST | TCP_FLAG_ACK});
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->handshake, HS_REFUSED);
    expect_message(expect(f, FIND_REFUSED, 1, 2), SERVER ":80");
    expect_none(f, FIND_RESET);
    expect_none(f, FIND_UNANSWERED_SYN);
    end(&s);
}

static void test_unanswered_syn(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    for (int i = 0; i < 3; i++)
        fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .no_advance = true});
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->handshake, HS_SYN_SENT);
    expect_message(expect(f, FIND_UNANSWERED_SYN, 1, 1), "3 times");
    /* the repeated SYNs are retransmissions */
    expect(f, FIND_RETRANSMISSION, 2, 2);
    end(&s);
}

static void test_incomplete_handshake(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN});
    fx_send(&s.k, 1, &(struct fx_seg){.flags = TCP_FLAG_SYN | TCP_FLAG_ACK});
    fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_RST});
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->handshake, HS_SYN_RECEIVED);
    expect_message(expect(f, FIND_INCOMPLETE_HANDSHAKE, 1, 1), "which reset it");
    expect_none(f, FIND_RESET); /* never open */
    end(&s);
}

static void test_reset(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 0, 10);
    uint64_t rst = fx_send(&s.k, 1, &(struct fx_seg){.flags = TCP_FLAG_RST | TCP_FLAG_ACK});
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->handshake, HS_ESTABLISHED);
    assert_int_equal(f->close, CLOSE_RESET);
    expect_message(expect(f, FIND_RESET, 1, rst), SERVER ":80");
    end(&s);
}

static void test_half_closed(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t fin = fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_FIN | TCP_FLAG_ACK});
    fx_ack(&s.k, 1);
    fx_data(&s.k, 1, 20); /* the server may still send (RFC 9293 3.6) */
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->close, CLOSE_HALF);
    expect_message(expect(f, FIND_HALF_CLOSED, 1, fin), CLIENT ":40000 sent FIN");
    end(&s);
}

static void test_no_handshake(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_data(&s.k, 1, 100); /* picked up mid-stream: the server talks first */
    fx_ack(&s.k, 0);
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->handshake, HS_NOT_SEEN);
    assert_true(f->roles_guessed);
    /* roles guessed from the ports: the lower one (80) is the server */
    assert_string_equal(f->server, SERVER ":80");
    expect(f, FIND_NO_HANDSHAKE, 1, 1);
    end(&s);
}

/* --- sequence analysis ----------------------------------------------------------------- */

static void test_retransmission(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint32_t seq = s.k.next[1];
    fx_data(&s.k, 1, 100);
    s.cap.ts += 200 * 1000; /* an RTO later: far beyond the handshake RTT */
    uint64_t again = fx_send(
        &s.k, 1,
        &(struct fx_seg){
            .flags = TCP_FLAG_ACK | TCP_FLAG_PSH, .explicit_seq = true, .seq = seq, .len = 100});
    const struct fx_flow *f = run(&s);
    const struct finding *x = expect(f, FIND_RETRANSMISSION, 1, again);
    expect_message(x, "from server 1");
    assert_true(fx_flags(s.r, again) & SV_RETRANSMISSION);
    assert_true(fx_flags(s.r, again) & SV_DUPLICATE);
    expect_none(f, FIND_OUT_OF_ORDER);
    assert_int_equal(f->counters[1].new_bytes, 100);
    end(&s);
}

static void test_out_of_order(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL); /* handshake RTT: SYN to ACK, 2 ms */
    uint32_t first = s.k.next[1];
    uint64_t later = fx_send(&s.k, 1,
                             &(struct fx_seg){.flags = TCP_FLAG_ACK,
                                              .explicit_seq = true,
                                              .seq = first + 100,
                                              .len = 100,
                                              .no_advance = true});
    /* 1 ms after the later segment: within the RTT, and it does not end at the highest seq */
    uint64_t early = fx_send(&s.k, 1, &(struct fx_seg){.flags = TCP_FLAG_ACK, .len = 100});
    const struct fx_flow *f = run(&s);
    assert_int_equal(f->first_rtt, 2000);
    assert_true(fx_flags(s.r, later) & SV_PREV_NOT_CAPTURED);
    uint32_t v = fx_flags(s.r, early);
    assert_true(v & SV_OUT_OF_ORDER);
    assert_true(v & SV_FILLS_GAP);
    assert_false(v & SV_RETRANSMISSION);
    expect_message(expect(f, FIND_OUT_OF_ORDER, 1, early), "1 segments out of order");
    expect_none(f, FIND_LOST_SEGMENT); /* the gap was filled */
    expect_none(f, FIND_RETRANSMISSION);
    end(&s);
}

static void test_lost_segment(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint32_t first = s.k.next[1];
    fx_data(&s.k, 1, 50);
    s.k.next[1] += 300; /* 300 bytes never captured */
    uint64_t after = fx_data(&s.k, 1, 50);
    const struct fx_flow *f = run(&s);
    const struct finding *x = expect(f, FIND_LOST_SEGMENT, 1, after);
    expect_message(x, "300 bytes from " SERVER ":80 in 1 hole");
    expect_message(x, "relative seq 51-351");
    (void)first;
    end(&s);
}

static void test_conflicting_overlap(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint32_t seq = s.k.next[0];
    fx_send(&s.k, 0, &(struct fx_seg){.payload = (const uint8_t *)"hello", .len = 5});
    s.cap.ts += 100 * 1000;
    uint64_t evil = fx_send(
        &s.k, 0,
        &(struct fx_seg){
            .explicit_seq = true, .seq = seq, .payload = (const uint8_t *)"jello", .len = 5});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_CONFLICTING_OVERLAP, 1, evil), "relative seq 1");
    assert_true(fx_flags(s.r, evil) & SV_CONFLICT);
    end(&s);
}

static void test_duplicate_ack(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 1, 100);
    fx_ack(&s.k, 0);
    uint64_t d1 = fx_ack(&s.k, 0);
    uint64_t d2 = fx_ack(&s.k, 0);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_DUPLICATE_ACK, 2, d1), "2 duplicate ACKs (from client 2");
    assert_int_equal(fx_line(s.r, d1)->dupack, 1);
    assert_int_equal(fx_line(s.r, d2)->dupack, 2);
    end(&s);
}

static void test_zero_window(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 1, 100);
    uint64_t zw = fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 0});
    /* the server probes the closed window with one byte */
    uint64_t probe = fx_send(&s.k, 1, &(struct fx_seg){.len = 1, .no_advance = true});
    const struct fx_flow *f = run(&s);
    expect(f, FIND_ZERO_WINDOW, 1, zw);
    assert_true(fx_flags(s.r, probe) & SV_ZERO_WINDOW_PROBE);
    assert_false(fx_flags(s.r, probe) & SV_RETRANSMISSION);
    end(&s);
}

static void test_window_full(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL); /* no window scale option: scale 0 */
    fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 1000});
    fx_data(&s.k, 1, 600);
    uint64_t full = fx_data(&s.k, 1, 400);
    const struct fx_flow *f = run(&s);
    expect(f, FIND_WINDOW_FULL, 1, full);
    end(&s);
}

static void test_keep_alive(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 0, 10);
    fx_ack(&s.k, 1);
    s.cap.ts += 7200 * 1000; /* an idle while (shorter than the idle timeout) */
    uint64_t ka =
        fx_send(&s.k, 0,
                &(struct fx_seg){.explicit_seq = true, .seq = s.k.next[0] - 1, .no_advance = true});
    fx_ack(&s.k, 1);
    const struct fx_flow *f = run(&s);
    expect(f, FIND_KEEP_ALIVE, 1, ka);
    assert_true(fx_flags(s.r, ka + 1) & SV_KEEP_ALIVE_ACK);
    assert_false(fx_flags(s.r, ka + 1) & SV_DUP_ACK);
    expect_none(f, FIND_RETRANSMISSION);
    end(&s);
}

static void test_shrinking_window(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    s.k.win[0] = 5000;
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 1, 100);
    fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 5000});
    uint64_t shrunk = fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 1000});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_SHRINKING_WINDOW, 1, shrunk), "left by 4000 bytes");
    end(&s);
}

static void test_no_shrink_when_ack_advances(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    s.k.win[0] = 5000;
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 1, 100);
    fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 5000});
    fx_data(&s.k, 1, 1000);
    /* window down by 1000 while the ACK moved 1000 on: same right edge */
    fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 4000});
    const struct fx_flow *f = run(&s);
    expect_none(f, FIND_SHRINKING_WINDOW);
    end(&s);
}

static void test_acked_unseen(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    fx_data(&s.k, 1, 100);
    uint64_t ack =
        fx_send(&s.k, 0, &(struct fx_seg){.explicit_ack = true, .ack = s.k.next[1] + 200});
    const struct fx_flow *f = run(&s);
    expect(f, FIND_ACKED_UNSEEN, 1, ack);
    end(&s);
}

/* --- header and option conformance ------------------------------------------------------ */

static void test_bad_checksum(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t bad = fx_send(&s.k, 0, &(struct fx_seg){.len = 10, .bad_csum = true});
    fx_data(&s.k, 0, 10);
    const struct fx_flow *f = run(&s);
    const struct finding *x = expect(f, FIND_BAD_CHECKSUM, 1, bad);
    expect_message(x, "1 of 4 segments from " CLIENT ":40000");
    expect_message(x, "0xbad1");
    expect_none(f, FIND_CHECKSUM_OFFLOAD);
    end(&s);
}

static void test_checksum_offload(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    /* every client segment bad, as captured on a client with checksum offload */
    fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .bad_csum = true});
    fx_send(&s.k, 1, &(struct fx_seg){.flags = TCP_FLAG_SYN | TCP_FLAG_ACK});
    fx_send(&s.k, 0, &(struct fx_seg){.bad_csum = true});
    fx_send(&s.k, 0, &(struct fx_seg){.len = 10, .bad_csum = true});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_CHECKSUM_OFFLOAD, 3, 1), "all 3 checksums from " CLIENT);
    expect_none(f, FIND_BAD_CHECKSUM);
    end(&s);
}

/* Too few segments to call it offload: a lone SYN with a bad checksum is an error. */
static void test_lone_bad_syn_is_an_error(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .bad_csum = true});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_BAD_CHECKSUM, 1, 1), "1 of 1 segments");
    expect_none(f, FIND_CHECKSUM_OFFLOAD);
    end(&s);
}

static void test_reserved_bits(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t r = fx_send(&s.k, 1, &(struct fx_seg){.len = 5, .reserved = 0x4});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_RESERVED_BITS, 1, r), "0x4");
    end(&s);
}

static void test_malformed_options(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts bad;
    tcp_opts_init(&bad);
    static const uint8_t mss_len0[] = {TCP_OPT_KIND_MSS, 0, 0, 0}; /* length 0: illegal */
    tcp_opts_add_raw(&bad, mss_len0, sizeof(mss_len0));
    uint64_t syn = fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .opts = &bad});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_MALFORMED_OPTIONS, 1, syn), "4 option bytes");
    end(&s);
}

static void test_mss_on_non_syn(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    struct tcp_opts mss;
    tcp_opts_init(&mss);
    tcp_opts_add_mss(&mss, 1300);
    uint64_t late = fx_send(&s.k, 0, &(struct fx_seg){.len = 5, .opts = &mss});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_MSS_NOT_SYN, 1, late), "(1300)");
    end(&s);
}

static void test_exceeds_mss(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts c_mss;
    tcp_opts_init(&c_mss);
    tcp_opts_add_mss(&c_mss, 515);
    fx_handshake(&s.k, &c_mss, NULL);
    fx_data(&s.k, 1, 515); /* exactly the MSS: fine */
    uint64_t big = fx_data(&s.k, 1, 600);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_EXCEEDS_MSS, 1, big),
                   "600 option and payload bytes from " SERVER ":80, peer's MSS 515");
    end(&s);
}

/* src/tcp/mss_rule.h: the MSS bounds TCP options and data together (RFC 9293 3.7.1), as
 * the live MSS tests measure it. */
static void test_exceeds_mss_counts_options(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts c_mss, ts;
    tcp_opts_init(&c_mss);
    tcp_opts_add_mss(&c_mss, 515);
    fx_handshake(&s.k, &c_mss, NULL);
    tcp_opts_init(&ts);
    static const uint8_t tsval_tsecr[8] = {0, 0, 0, 1, 0, 0, 0, 2};
    tcp_opts_add_nop(&ts);
    tcp_opts_add_nop(&ts);
    tcp_opts_add_sized(&ts, TCP_OPT_KIND_TIMESTAMP, tsval_tsecr, sizeof(tsval_tsecr));
    fx_send(&s.k, 1, &(struct fx_seg){.len = 503, .opts = &ts}); /* 12 + 503 = 515: fine */
    uint64_t big = fx_send(&s.k, 1, &(struct fx_seg){.len = 505, .opts = &ts});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_EXCEEDS_MSS, 1, big),
                   "517 option and payload bytes from " SERVER ":80, peer's MSS 515");
    end(&s);
}

/* Several MSS options: the last one is the limit (MultiMSSTest's 550, 505, 515). */
static void test_exceeds_mss_last_option_wins(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts multi;
    tcp_opts_init(&multi);
    tcp_opts_add_mss(&multi, 550);
    tcp_opts_add_mss(&multi, 505);
    tcp_opts_add_mss(&multi, 515);
    fx_handshake(&s.k, &multi, NULL);
    fx_data(&s.k, 1, 515);
    uint64_t big = fx_data(&s.k, 1, 540);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_EXCEEDS_MSS, 1, big), "peer's MSS 515");
    end(&s);
}

static void test_exceeds_default_mss(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts none;
    tcp_opts_init(&none);
    /* RFC 9293 MUST-15: no MSS option means 536 for IPv4 */
    fx_handshake(&s.k, &none, NULL);
    uint64_t big = fx_data(&s.k, 1, 537);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_EXCEEDS_MSS, 1, big), "536 (default");
    end(&s);
}

static void test_segmentation_offload(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t tso = fx_data(&s.k, 1, 1600); /* 1640-byte IP packet: above any Ethernet MTU */
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_SEGMENTATION_OFFLOAD, 1, tso), "1640-byte IP packet");
    expect_none(f, FIND_EXCEEDS_MSS);
    end(&s);
}

static void test_nonzero_after_eol(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts o;
    tcp_opts_init(&o);
    tcp_opts_add_mss(&o, 1460);
    static const uint8_t eol_then_junk[] = {TCP_OPT_KIND_EOL, 0x00, 0x55, 0x00};
    tcp_opts_add_raw(&o, eol_then_junk, sizeof(eol_then_junk));
    uint64_t syn = fx_send(&s.k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .opts = &o});
    const struct fx_flow *f = run(&s);
    /* header offset: 20 fixed + 4 MSS + EOL + one zero = 26 */
    expect_message(expect(f, FIND_NONZERO_AFTER_EOL, 1, syn), "0x55 at header offset 26");
    end(&s);
}

static void test_sack_not_permitted(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL); /* neither SYN has SACK-permitted */
    fx_data(&s.k, 1, 100);
    struct tcp_opts sack;
    tcp_opts_init(&sack);
    uint8_t block[8] = {0, 0, 0x13, 0x88, 0, 0, 0x13, 0xf0};
    tcp_opts_add_nop(&sack);
    tcp_opts_add_nop(&sack);
    tcp_opts_add_sized(&sack, TCP_OPT_KIND_SACK, block, sizeof(block));
    uint64_t sacked = fx_send(&s.k, 0, &(struct fx_seg){.opts = &sack});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_SACK_NOT_PERMITTED, 1, sacked), CLIENT ":40000");
    end(&s);
}

static void test_sack_permitted_is_fine(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    struct tcp_opts perm;
    tcp_opts_init(&perm);
    tcp_opts_add_mss(&perm, 1460);
    tcp_opts_add_sized(&perm, TCP_OPT_KIND_SACK_PERM, NULL, 0);
    fx_handshake(&s.k, &perm, &perm);
    fx_data(&s.k, 1, 100);
    struct tcp_opts sack;
    tcp_opts_init(&sack);
    uint8_t block[8] = {0};
    tcp_opts_add_sized(&sack, TCP_OPT_KIND_SACK, block, sizeof(block));
    fx_send(&s.k, 0, &(struct fx_seg){.opts = &sack});
    const struct fx_flow *f = run(&s);
    expect_none(f, FIND_SACK_NOT_PERMITTED);
    end(&s);
}

/* --- ICMP errors quoting the flow -------------------------------------------------------- */

static uint64_t icmp_about_client(struct scene *s, uint8_t type, uint8_t code, uint32_t mtu)
{
    uint8_t pkt[256];
    size_t len = fx_build(&s->k, 0, &(struct fx_seg){.len = 8}, pkt, sizeof(pkt));
    cap_icmp_error(&s->cap, ROUTER, CLIENT, type, code, mtu, pkt, len);
    return s->cap.frames;
}

static void test_icmp_frag_needed(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t icmp = icmp_about_client(&s, 3, 4, 1400);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_ICMP_FRAG_NEEDED, 1, icmp), "next-hop MTU 1400");
    assert_int_equal(s.r->st.icmp_errors, 1);
    end(&s);
}

static void test_icmp_time_exceeded(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t icmp = icmp_about_client(&s, 11, 0, 0);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_ICMP_TIME_EXCEEDED, 1, icmp), ROUTER);
    end(&s);
}

static void test_icmp_unreachable(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    uint64_t icmp = icmp_about_client(&s, 3, 1, 0);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_ICMP_UNREACHABLE, 1, icmp), "host unreachable");
    end(&s);
}

static void test_icmpv6_packet_too_big(void **state)
{
    (void)state;
    struct scene s;
    memset(&s, 0, sizeof(s));
    cap_open(&s.cap, LINKTYPE_RAW, false);
    fx_conn_init(&s.k, &s.cap, "fd00:7463:1::2", CPORT, "fd00:7463:3::2", SPORT, C_ISN, S_ISN);
    fx_handshake(&s.k, NULL, NULL);
    uint8_t pkt[256];
    size_t len = fx_build(&s.k, 0, &(struct fx_seg){.len = 8}, pkt, sizeof(pkt));
    cap_icmp_error(&s.cap, "fd00:7463:2::1", "fd00:7463:1::2", 2, 0, 1280, pkt, len);
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_ICMP_FRAG_NEEDED, 1, 4), "packet too big, next-hop MTU 1280");
    end(&s);
}

static void test_icmp_bad_checksum_ignored(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_handshake(&s.k, NULL, NULL);
    s.cap.corrupt_icmp = true; /* a quote altered after the checksum: hostile or broken */
    icmp_about_client(&s, 3, 1, 0);
    const struct fx_flow *f = run(&s);
    assert_int_equal(s.r->st.icmp_errors, 0);
    assert_int_equal(s.r->st.skipped[AN_SKIP_OTHER_PROTO], 1);
    expect_none(f, FIND_ICMP_UNREACHABLE);
    end(&s);
}

/* --- the capture itself ------------------------------------------------------------------- */

static void test_snapped(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    s.cap.snaplen = 60; /* IP + TCP headers + 20 payload bytes */
    fx_handshake(&s.k, NULL, NULL);
    uint64_t cut = fx_data(&s.k, 1, 500);
    uint64_t bad = fx_send(&s.k, 1, &(struct fx_seg){.len = 500, .bad_csum = true});
    const struct fx_flow *f = run(&s);
    expect_message(expect(f, FIND_SNAPPED, 2, cut), "500 payload bytes captured with 20");
    /* a checksum that cannot be verified is not judged */
    expect_none(f, FIND_BAD_CHECKSUM);
    (void)bad;
    /* the sequence accounting still uses the wire length */
    assert_int_equal(f->counters[1].new_bytes, 1000);
    end(&s);
}

/* --- the catalogue --------------------------------------------------------------------- */

static void test_catalogue_is_consistent(void **state)
{
    (void)state;
    for (int i = 0; i < FIND_COUNT; i++) {
        const struct finding_def *d = &finding_catalogue[i];
        assert_int_equal(d->id, i);
        assert_non_null(d->name);
        assert_non_null(d->rfc);
        assert_non_null(d->title);
        assert_true(d->severity < SEV_COUNT);
        assert_ptr_equal(finding_def_by_name(d->name), d);
        for (const char *p = d->name; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
    }
    assert_null(finding_def_by_name("no-such-finding"));
}

/* A --pcap capture names the faults its tests made on purpose: they are reported as such,
 * never as the prober's bad checksums (or offload), reserved bits, late MSS or malformed
 * options; the same faults without the comment are still judged. */
static void test_deliberate_fault(void **state)
{
    (void)state;
    struct scene s;
    memset(&s, 0, sizeof(s));
    cap_open(&s.cap, LINKTYPE_RAW, true);
    fx_conn_init(&s.k, &s.cap, CLIENT, CPORT, SERVER, SPORT, C_ISN, S_ISN);
    s.cap.comment = "tcpreq test=IncorrectChecksumTest fault=checksum";
    uint64_t first = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t n = fx_send(&s.k, 0,
                             &(struct fx_seg){.flags = TCP_FLAG_SYN, .bad_csum = true,
                                              .no_advance = true});
        if (first == 0)
            first = n;
    }
    s.cap.comment = "tcpreq test=IncorrectChecksumTest";
    fx_handshake(&s.k, NULL, NULL);
    s.cap.comment = "tcpreq test=IncorrectChecksumTest fault=reserved,mss-late";
    struct tcp_opts mss;
    tcp_opts_init(&mss);
    tcp_opts_add_mss(&mss, 536);
    fx_send(&s.k, 0, &(struct fx_seg){.len = 5, .reserved = 0x4, .opts = &mss});
    s.cap.comment = NULL;
    uint64_t theirs = fx_send(&s.k, 1, &(struct fx_seg){.len = 5, .bad_csum = true});
    const struct fx_flow *f = run(&s);
    assert_string_equal(f->test, "IncorrectChecksumTest");
    expect_message(expect(f, FIND_DELIBERATE_FAULT, 4, first), "first: checksum");
    expect_none(f, FIND_CHECKSUM_OFFLOAD);
    expect_none(f, FIND_RESERVED_BITS);
    expect_none(f, FIND_MSS_NOT_SYN);
    expect_message(expect(f, FIND_BAD_CHECKSUM, 1, theirs), SERVER ":80");
    end(&s);
}

static void test_every_finding_has_a_test(void **state)
{
    (void)state;
    for (int i = 0; i < FIND_COUNT; i++)
        if (!covered[i])
            fail_msg("finding %s has no test in test_analyze_findings.c",
                     finding_catalogue[i].name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_unanswered_syn),
        cmocka_unit_test(test_incomplete_handshake),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_half_closed),
        cmocka_unit_test(test_no_handshake),
        cmocka_unit_test(test_retransmission),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_lost_segment),
        cmocka_unit_test(test_conflicting_overlap),
        cmocka_unit_test(test_duplicate_ack),
        cmocka_unit_test(test_zero_window),
        cmocka_unit_test(test_window_full),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_shrinking_window),
        cmocka_unit_test(test_no_shrink_when_ack_advances),
        cmocka_unit_test(test_acked_unseen),
        cmocka_unit_test(test_bad_checksum),
        cmocka_unit_test(test_checksum_offload),
        cmocka_unit_test(test_lone_bad_syn_is_an_error),
        cmocka_unit_test(test_reserved_bits),
        cmocka_unit_test(test_malformed_options),
        cmocka_unit_test(test_mss_on_non_syn),
        cmocka_unit_test(test_exceeds_mss),
        cmocka_unit_test(test_exceeds_default_mss),
        cmocka_unit_test(test_segmentation_offload),
        cmocka_unit_test(test_nonzero_after_eol),
        cmocka_unit_test(test_sack_not_permitted),
        cmocka_unit_test(test_sack_permitted_is_fine),
        cmocka_unit_test(test_icmp_frag_needed),
        cmocka_unit_test(test_icmp_time_exceeded),
        cmocka_unit_test(test_icmp_unreachable),
        cmocka_unit_test(test_icmpv6_packet_too_big),
        cmocka_unit_test(test_icmp_bad_checksum_ignored),
        cmocka_unit_test(test_snapped),
        cmocka_unit_test(test_catalogue_is_consistent),
        cmocka_unit_test(test_exceeds_mss_counts_options),
        cmocka_unit_test(test_exceeds_mss_last_option_wins),
        cmocka_unit_test(test_deliberate_fault),
        cmocka_unit_test(test_every_finding_has_a_test),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
