/* The analyzer on capture files: every supported link type (Ethernet, Linux cooked v1 and
 * v2, raw IP, BSD loopback in both byte orders), pcapng with the "tcpreq test=NAME" packet
 * comments of --pcap, unsupported link types, truncated and corrupt files (a clear error and
 * the flows gathered so far), and the flow table's lifetime rules (both directions on one
 * flow, IPv6, port reuse, FIN/RST linger, idle expiry, memory bounded by open flows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze_fixture.h"
#include "common/pcapng.h"
#include "engine/offline.h"
#include "tcp/linklayer.h"

#define CLIENT "198.18.1.2"
#define SERVER "198.18.3.2"
#define USEC 1000000

/* A complete small exchange: handshake, a request, a response, FINs. */
static void conversation(struct capfile *cap, const char *c, uint16_t cport, const char *s,
                         uint16_t sport, uint32_t isn)
{
    struct fx_conn k;
    fx_conn_init(&k, cap, c, cport, s, sport, isn, isn + 77777);
    fx_handshake(&k, NULL, NULL);
    fx_data(&k, 0, 30);
    fx_ack(&k, 1);
    fx_data(&k, 1, 500);
    fx_ack(&k, 0);
    fx_close(&k, 0);
}

static void check_one_clean_flow(const struct fx_result *r, const char *client, const char *server)
{
    assert_int_equal(r->read_rc, 0);
    assert_int_equal(r->st.flows, 1);
    assert_int_equal(r->st.tcp_segments, 10);
    const struct fx_flow *f = fx_flow(r, 0);
    assert_non_null(f);
    assert_string_equal(f->client, client);
    assert_string_equal(f->server, server);
    assert_int_equal(f->handshake, HS_ESTABLISHED);
    assert_int_equal(f->close, CLOSE_FIN);
    assert_int_equal(f->packets, 10);
    assert_int_equal(f->counters[0].new_bytes, 30);
    assert_int_equal(f->counters[1].new_bytes, 500);
    assert_int_equal(f->n_findings, 0);
}

static void linktype_roundtrip(int linktype, bool pcapng, bool swap_null)
{
    struct capfile cap;
    cap_open(&cap, linktype, pcapng);
    cap.swap_null = swap_null;
    conversation(&cap, CLIENT, 40000, SERVER, 80, 1000);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    check_one_clean_flow(r, CLIENT ":40000", SERVER ":80");
    assert_int_equal(r->st.skipped[AN_SKIP_LINK], 0);
    free(r);
    cap_remove(&cap);
}

static void test_ethernet(void **state)
{
    (void)state;
    linktype_roundtrip(LINKTYPE_ETHERNET, false, false);
}

static void test_linux_sll(void **state)
{
    (void)state;
    linktype_roundtrip(LINKTYPE_LINUX_SLL, false, false);
}

static void test_linux_sll2(void **state)
{
    (void)state;
    linktype_roundtrip(LINKTYPE_LINUX_SLL2, false, false);
}

static void test_raw(void **state)
{
    (void)state;
    linktype_roundtrip(LINKTYPE_RAW, false, false);
}

static void test_null_loopback_both_orders(void **state)
{
    (void)state;
    linktype_roundtrip(LINKTYPE_NULL, false, false);
    linktype_roundtrip(LINKTYPE_NULL, false, true);
    linktype_roundtrip(LINKTYPE_LOOP, false, false);
}

static void test_pcapng(void **state)
{
    (void)state;
    linktype_roundtrip(LINKTYPE_ETHERNET, true, false);
    linktype_roundtrip(LINKTYPE_RAW, true, false);
}

static void test_ipv6_over_ethernet(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_ETHERNET, false);
    conversation(&cap, "fd00:7463:1::2", 40000, "fd00:7463:3::2", 443, 7);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    check_one_clean_flow(r, "[fd00:7463:1::2]:40000", "[fd00:7463:3::2]:443");
    assert_int_equal(r->st.flows_v6, 1);
    free(r);
    cap_remove(&cap);
}

/* --pcap files: every packet of a test carries "tcpreq test=NAME"; the flow takes the name. */
static void test_pcapng_comments_name_flows(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, true);
    cap.comment = "tcpreq test=OptionSupportTest";
    conversation(&cap, CLIENT, 50000, SERVER, 80, 1);
    cap.comment = NULL; /* a flow of no test */
    conversation(&cap, CLIENT, 50001, SERVER, 80, 2);
    cap.comment = "some other tool's comment";
    conversation(&cap, CLIENT, 50002, SERVER, 80, 3);
    cap.comment = "tcpreq test=MSSSupportTest";
    conversation(&cap, CLIENT, 50003, SERVER, 80, 4);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->read_rc, 0);
    assert_int_equal(r->st.flows, 4);
    assert_string_equal(fx_flow(r, 0)->test, "OptionSupportTest");
    assert_string_equal(fx_flow(r, 1)->test, "");
    assert_string_equal(fx_flow(r, 2)->test, "");
    assert_string_equal(fx_flow(r, 3)->test, "MSSSupportTest");
    assert_non_null(strstr(fx_flow(r, 3)->text, "[test MSSSupportTest]"));
    free(r);
    cap_remove(&cap);
}

/* A comment is the capture's text, not ours: a test name that is not UTF-8 or carries
 * terminal escapes is escaped in both reports, and the JSON key is never left out. */
static void test_hostile_test_names_are_escaped(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, true);
    cap.comment = "tcpreq test=\xff\xfeLatin1\xe9";
    conversation(&cap, CLIENT, 50000, SERVER, 80, 1);
    cap.comment = "tcpreq test=\x1b]0;owned\x07\x1b[2JX";
    conversation(&cap, CLIENT, 50001, SERVER, 80, 2);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->st.flows, 2);
    assert_string_equal(fx_flow(r, 0)->test, "\\xff\\xfeLatin1\\xe9");
    assert_string_equal(fx_flow(r, 0)->json_test, "\"\\\\xff\\\\xfeLatin1\\\\xe9\"");
    assert_string_equal(fx_flow(r, 1)->test, "\\x1b]0;owned\\x07\\x1b[2JX");
    assert_null(strchr(fx_flow(r, 1)->text, '\x1b'));
    assert_non_null(strstr(fx_flow(r, 1)->text, "[test \\x1b]0;owned\\x07\\x1b[2JX]"));
    free(r);
    cap_remove(&cap);
}

/* A pcapng file whose blocks a comment reader cannot follow still gives every packet. */
static void test_pcapng_comment_block_walk_is_defensive(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = pcapng_write_epb(b, sizeof(b), 0, 1, (const uint8_t *)"abcdef", 6, 6, "hi there");
    assert_true(n > 0);
    const char *text;
    size_t len;
    assert_true(pcapng_packet_comment(b, n, false, &text, &len));
    assert_int_equal(len, 8);
    assert_memory_equal(text, "hi there", 8);
    /* every truncation of the block is refused or stays inside it */
    for (size_t cut = 0; cut < n; cut++) {
        if (pcapng_packet_comment(b, cut, false, &text, &len)) {
            assert_true(text >= (const char *)b);
            assert_true(text + len <= (const char *)b + cut);
        }
    }
    /* a captured length pointing past the block */
    uint32_t huge = 0xfffffff0u;
    memcpy(b + 20, &huge, 4);
    assert_false(pcapng_packet_comment(b, n, false, &text, &len));
    /* an option length running past the end */
    n = pcapng_write_epb(b, sizeof(b), 0, 1, (const uint8_t *)"abcd", 4, 4, "xy");
    uint16_t olen = 200;
    memcpy(b + 28 + 4 + 2, &olen, 2);
    assert_false(pcapng_packet_comment(b, n, false, &text, &len));
    /* byte-swapped section */
    n = pcapng_write_epb(b, sizeof(b), 0, 1, (const uint8_t *)"abcd", 4, 4, "xy");
    for (size_t i = 0; i + 4 <= 28; i += 4) {
        uint32_t v;
        memcpy(&v, b + i, 4);
        v = __builtin_bswap32(v);
        memcpy(b + i, &v, 4);
    }
    uint16_t code, l;
    memcpy(&code, b + 32, 2);
    memcpy(&l, b + 34, 2);
    code = (uint16_t)(code >> 8 | code << 8);
    l = (uint16_t)(l >> 8 | l << 8);
    memcpy(b + 32, &code, 2);
    memcpy(b + 34, &l, 2);
    assert_true(pcapng_packet_comment(b, n, true, &text, &len));
    assert_int_equal(len, 2);
    bool swapped;
    uint8_t shb[64];
    size_t sn = pcapng_write_shb(shb, sizeof(shb), NULL);
    assert_true(pcapng_shb_order(shb, sn, &swapped));
    assert_false(swapped);
}

static void test_unsupported_link_type(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, 105 /* LINKTYPE_IEEE802_11 */, false);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->read_rc, -1);
    assert_non_null(strstr(r->err, "not supported"));
    assert_non_null(strstr(r->err, cap.path));
    free(r);
    cap_remove(&cap);
}

static void test_missing_and_corrupt_files(void **state)
{
    (void)state;
    struct fx_result *r = fx_run("/nonexistent/capture.pcap", NULL);
    assert_int_equal(r->read_rc, -1);
    assert_non_null(strstr(r->err, "/nonexistent/capture.pcap"));
    free(r);

    char path[] = "/tmp/tcpreq-corrupt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char junk[] = "this is not a capture file at all, not even close";
    assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    close(fd);
    r = fx_run(path, NULL);
    assert_int_equal(r->read_rc, -1);
    assert_true(strlen(r->err) > strlen(path));
    assert_int_equal(r->st.frames, 0);
    free(r);
    unlink(path);
}

/* A file cut in the middle of a record: an error naming the last good frame, and the flows
 * of every frame before it reported, their findings included. */
static void test_truncated_file_reports_what_was_read(void **state)
{
    (void)state;
    for (int ng = 0; ng <= 1; ng++) {
        struct capfile cap;
        cap_open(&cap, LINKTYPE_ETHERNET, ng);
        struct fx_conn k;
        fx_conn_init(&k, &cap, CLIENT, 40000, SERVER, 80, 1, 2);
        fx_handshake(&k, NULL, NULL);
        fx_send(&k, 0, &(struct fx_seg){.len = 10, .reserved = 2}); /* a finding */
        fx_data(&k, 1, 300);
        cap_close(&cap);
        FILE *f = fopen(cap.path, "rb+");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        long size = ftell(f);
        fclose(f);
        assert_int_equal(truncate(cap.path, size - 100), 0); /* inside the last frame */
        struct fx_result *r = fx_run(cap.path, NULL);
        assert_int_equal(r->read_rc, -1);
        assert_non_null(strstr(r->err, "after frame 4"));
        assert_int_equal(r->st.frames, 4);
        assert_int_equal(r->n_flows, 1);
        const struct fx_flow *fl = fx_flow(r, 0);
        assert_non_null(fx_finding(fl, FIND_RESERVED_BITS));
        free(r);
        cap_remove(&cap);
    }
}

static void test_non_tcp_frames_are_counted_and_skipped(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_ETHERNET, false);
    uint8_t udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 1, 2, 198, 18, 3, 2};
    cap_ip(&cap, udp, sizeof(udp));
    uint8_t garbage[10] = {0x45, 1, 2, 3};
    cap_ip(&cap, garbage, sizeof(garbage));
    conversation(&cap, CLIENT, 40000, SERVER, 80, 1000);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->st.frames, 12);
    assert_int_equal(r->st.skipped[AN_SKIP_OTHER_PROTO], 1);
    assert_int_equal(r->st.skipped[AN_SKIP_IP], 1);
    check_one_clean_flow(r, CLIENT ":40000", SERVER ":80");
    free(r);
    cap_remove(&cap);
}

/* --- the flow table --------------------------------------------------------------------- */

static void test_port_reuse_starts_a_new_flow(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    conversation(&cap, CLIENT, 40000, SERVER, 80, 1000);
    /* the same 4-tuple at once (within the linger), a new ISN */
    conversation(&cap, CLIENT, 40000, SERVER, 80, 900000);
    /* and a SYN retransmitted with the same ISN is not a new flow */
    struct fx_conn k;
    fx_conn_init(&k, &cap, CLIENT, 40001, SERVER, 80, 5, 6);
    fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .no_advance = true});
    fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .no_advance = true});
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->st.flows, 3);
    assert_int_equal(fx_flow(r, 0)->packets, 10);
    assert_int_equal(fx_flow(r, 1)->packets, 10);
    assert_int_equal(fx_flow(r, 0)->close, CLOSE_FIN);
    assert_int_equal(fx_flow(r, 1)->close, CLOSE_FIN);
    assert_int_equal(fx_flow(r, 2)->packets, 2);
    /* the old incarnation completed when the new one started */
    assert_int_equal(r->flows[0].index, 0);
    free(r);
    cap_remove(&cap);
}

static void test_linger_and_idle_expiry(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    struct fx_conn closed, idle;
    fx_conn_init(&closed, &cap, CLIENT, 40000, SERVER, 80, 1, 2);
    fx_conn_init(&idle, &cap, CLIENT, 40001, SERVER, 80, 3, 4);
    fx_handshake(&closed, NULL, NULL);
    fx_handshake(&idle, NULL, NULL);
    fx_close(&closed, 0);
    /* a trailing ACK within the linger still belongs to the closed flow */
    cap.ts += 2 * USEC;
    fx_ack(&closed, 1);
    /* past the linger: a stray segment on the old 4-tuple is a flow of its own */
    cap.ts += AN_LINGER + USEC;
    fx_ack(&closed, 1);
    /* past the idle timeout the idle flow is done; a late segment starts another flow */
    cap.ts += AN_IDLE_TIMEOUT;
    fx_data(&idle, 0, 5);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->read_rc, 0);
    assert_int_equal(r->st.flows, 4);
    /* completion order: the closed flow after its linger, the idle one, then the rest */
    assert_int_equal(r->flows[0].index, 0);
    assert_int_equal(r->flows[0].packets, 7);
    assert_int_equal(r->flows[1].index, 1);
    assert_int_equal(r->flows[1].packets, 3);
    assert_int_equal(r->flows[2].index, 2);
    assert_int_equal(r->flows[2].handshake, HS_NOT_SEEN);
    assert_int_equal(r->flows[3].index, 3);
    free(r);
    cap_remove(&cap);
}

/* Memory is bounded by the flows open at once: 2000 short connections one after another
 * never hold more than the linger's worth. */
static void test_memory_bounded_by_open_flows(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    cap.step = USEC / 10; /* ten frames a second: a flow every second */
    for (int i = 0; i < 2000; i++) {
        struct fx_conn k;
        fx_conn_init(&k, &cap, CLIENT, (uint16_t)(20000 + i), SERVER, 80, (uint32_t)i * 7919, 5);
        fx_handshake(&k, NULL, NULL);
        fx_data(&k, 0, 10);
        fx_ack(&k, 1);
        fx_close(&k, 1);
        fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_RST, .explicit_ack = false});
    }
    cap_close(&cap);
    char err[256];
    struct analyzer *a = malloc(sizeof(*a));
    assert_non_null(a);
    struct analyzer_sink sink = {0}; /* flows are only counted */
    assert_int_equal(analyzer_init(a, NULL, &sink, AN_KEEP_BYTES, 0), 0);
    assert_int_equal(offline_read(cap.path, a, err, sizeof(err)), 0);
    analyzer_finish(a);
    assert_int_equal(a->st.flows, 2000);
    /* closed flows linger 10 s of capture time: about 10 at once, never the 2000 */
    assert_true(a->st.peak_flows <= 12);
    assert_true(a->st.peak_flows >= 9);
    free(a);
    cap_remove(&cap);
}

/* Sequence numbers wrap at 2^32 in the middle of a flow: no loss, no retransmission. */
static void test_wrap_around(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    struct fx_conn k;
    fx_conn_init(&k, &cap, CLIENT, 40000, SERVER, 80, 0xfffffe00u, 0xffffff00u);
    fx_handshake(&k, NULL, NULL);
    for (int i = 0; i < 6; i++) {
        fx_data(&k, 1, 100); /* crosses 2^32 at the third segment */
        fx_data(&k, 0, 200);
    }
    fx_close(&k, 1);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, "0");
    const struct fx_flow *f = fx_flow(r, 0);
    assert_int_equal(f->n_findings, 0);
    assert_int_equal(f->counters[0].new_bytes, 1200);
    assert_int_equal(f->counters[1].new_bytes, 600);
    /* relative sequence numbers go on across the wrap: frame 4 is the server's first data */
    const struct fx_line *l = fx_line(r, 4);
    assert_int_equal(l->rel_seq, 1);
    assert_int_equal(l->rel_next, 101);
    l = fx_line(r, 14);
    assert_int_equal(l->side, 1);
    assert_int_equal(l->rel_seq, 501);
    assert_int_equal(l->flags & SV_NEW, SV_NEW);
    free(r);
    cap_remove(&cap);
}

/* Timestamps a corrupt file may hold: far in the future (a 64-bit pcapng time beyond what
 * microseconds since the epoch can count), then back at zero. Nothing overflows (UBSan
 * checks in the test build), every frame is analysed, flows are reported. */
static void test_hostile_timestamps(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, true);
    cap.step = 0;
    struct fx_conn k;
    fx_conn_init(&k, &cap, CLIENT, 40000, SERVER, 80, 1, 2);
    cap.ts = INT64_MAX - 5;
    fx_handshake(&k, NULL, NULL);
    cap.ts = 0;
    fx_data(&k, 0, 10);
    cap.ts = -1; /* written as the 64-bit time 2^64 - 1 us */
    fx_data(&k, 1, 10);
    cap.ts = 5;
    fx_close(&k, 0);
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, NULL);
    assert_int_equal(r->read_rc, 0);
    assert_int_equal(r->st.tcp_segments, 8);
    assert_true(r->n_flows >= 1);
    free(r);
    cap_remove(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet),
        cmocka_unit_test(test_linux_sll),
        cmocka_unit_test(test_linux_sll2),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_null_loopback_both_orders),
        cmocka_unit_test(test_pcapng),
        cmocka_unit_test(test_ipv6_over_ethernet),
        cmocka_unit_test(test_pcapng_comments_name_flows),
        cmocka_unit_test(test_hostile_test_names_are_escaped),
        cmocka_unit_test(test_pcapng_comment_block_walk_is_defensive),
        cmocka_unit_test(test_unsupported_link_type),
        cmocka_unit_test(test_missing_and_corrupt_files),
        cmocka_unit_test(test_truncated_file_reports_what_was_read),
        cmocka_unit_test(test_non_tcp_frames_are_counted_and_skipped),
        cmocka_unit_test(test_port_reuse_starts_a_new_flow),
        cmocka_unit_test(test_linger_and_idle_expiry),
        cmocka_unit_test(test_memory_bounded_by_open_flows),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_hostile_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
