/* Sequence verdicts frame by frame (Wireshark's definitions where they exist: fast and
 * spurious retransmissions, reordering threshold, duplicate-ACK numbering, window update),
 * the reassembly's own (partial, duplicate, fills-gap), and the output: -Y selection, the
 * per-segment listing, the JSON object of a flow, and the analyze command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/report.h"
#include "analyze_fixture.h"
#include "cli/analyze_args.h"
#include "common/err.h"
#include "engine/offline.h"
#include "tcp/linklayer.h"

#define CLIENT "198.18.1.2"
#define SERVER "198.18.3.2"
#define MSEC 1000

struct scene {
    struct capfile cap;
    struct fx_conn k;
    struct fx_result *r;
};

static void begin(struct scene *s)
{
    memset(s, 0, sizeof(*s));
    cap_open(&s->cap, LINKTYPE_RAW, false);
    fx_conn_init(&s->k, &s->cap, CLIENT, 40000, SERVER, 80, 100, 200);
    fx_handshake(&s->k, NULL, NULL);
}

static void run(struct scene *s, const char *sel)
{
    cap_close(&s->cap);
    s->r = fx_run(s->cap.path, sel);
    assert_int_equal(s->r->read_rc, 0);
}

static void end(struct scene *s)
{
    cap_remove(&s->cap);
    free(s->r);
}

static uint64_t resend(struct scene *s, int side, uint32_t seq, size_t len)
{
    return fx_send(&s->k, side, &(struct fx_seg){.explicit_seq = true, .seq = seq, .len = len});
}

/* Two duplicate ACKs, then the segment they ask for within 20 ms: fast retransmission. */
static void test_fast_retransmission(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    uint32_t lost = s.k.next[1];
    s.k.next[1] += 100; /* never captured */
    fx_data(&s.k, 1, 100);
    fx_send(&s.k, 0, &(struct fx_seg){.explicit_ack = true, .ack = lost});
    fx_send(&s.k, 0, &(struct fx_seg){.explicit_ack = true, .ack = lost});
    fx_send(&s.k, 0, &(struct fx_seg){.explicit_ack = true, .ack = lost});
    uint64_t fast = resend(&s, 1, lost, 100);
    run(&s, "0");
    /* the handshake's ACK already asked for `lost`: the three are duplicates 1 to 3 */
    assert_int_equal(fx_line(s.r, 5)->dupack, 1);
    assert_int_equal(fx_line(s.r, 7)->dupack, 3);
    uint32_t v = fx_flags(s.r, fast);
    assert_true(v & SV_RETRANSMISSION);
    assert_true(v & SV_FAST_RETRANS);
    assert_true(v & SV_FILLS_GAP); /* new data for the reassembly */
    assert_false(v & SV_DUPLICATE);
    end(&s);
}

/* Data the peer has already acknowledged, sent again: spurious retransmission. */
static void test_spurious_retransmission(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    uint32_t seq = s.k.next[1];
    fx_data(&s.k, 1, 100);
    fx_ack(&s.k, 0);
    uint64_t again = resend(&s, 1, seq, 100);
    run(&s, "0");
    uint32_t v = fx_flags(s.r, again);
    assert_true(v & SV_RETRANSMISSION);
    assert_true(v & SV_SPURIOUS);
    assert_true(v & SV_DUPLICATE);
    end(&s);
}

/* Starts in data seen before, carries new data after it. */
static void test_partial_retransmission(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    uint32_t seq = s.k.next[1];
    fx_data(&s.k, 1, 100);
    s.cap.ts += 100 * MSEC;
    uint64_t part = resend(&s, 1, seq + 50, 100);
    run(&s, "0");
    uint32_t v = fx_flags(s.r, part);
    assert_true(v & SV_RETRANSMISSION);
    assert_true(v & SV_PARTIAL);
    assert_false(v & SV_DUPLICATE);
    const struct fx_flow *f = fx_flow(s.r, 0);
    assert_int_equal(f->counters[1].new_bytes, 150);
    assert_int_equal(f->counters[1].partial, 1);
    end(&s);
}

/* The reordering threshold is the handshake RTT: the same late segment is out-of-order
 * within it and a retransmission after it. */
static void test_reordering_threshold_is_the_handshake_rtt(void **state)
{
    (void)state;
    for (int late = 0; late <= 1; late++) {
        struct scene s;
        begin(&s); /* RTT 2 ms */
        uint32_t first = s.k.next[1];
        fx_send(&s.k, 1, &(struct fx_seg){.explicit_seq = true, .seq = first + 100, .len = 100});
        s.cap.ts += late ? 5 * MSEC : 0;
        uint64_t fill = resend(&s, 1, first, 100);
        run(&s, "0");
        uint32_t v = fx_flags(s.r, fill);
        assert_int_equal(!!(v & SV_OUT_OF_ORDER), !late);
        assert_int_equal(!!(v & SV_RETRANSMISSION), late);
        assert_true(v & SV_FILLS_GAP);
        end(&s);
    }
}

static void test_dup_ack_count_restarts_when_ack_moves(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_data(&s.k, 1, 10);
    fx_ack(&s.k, 0);
    uint64_t d1 = fx_ack(&s.k, 0);
    fx_data(&s.k, 1, 10);
    uint64_t moved = fx_ack(&s.k, 0);
    uint64_t d1b = fx_ack(&s.k, 0);
    /* a changed window is a window update, not a duplicate */
    uint64_t upd = fx_send(&s.k, 0, &(struct fx_seg){.has_window = true, .window = 30000});
    run(&s, "0");
    assert_int_equal(fx_line(s.r, d1)->dupack, 1);
    assert_false(fx_flags(s.r, moved) & SV_DUP_ACK);
    assert_int_equal(fx_line(s.r, d1b)->dupack, 1);
    assert_true(fx_flags(s.r, upd) & SV_WINDOW_UPDATE);
    assert_false(fx_flags(s.r, upd) & SV_DUP_ACK);
    end(&s);
}

/* Relative numbers: SYN 0, first byte 1; ACKs relative to the peer's ISN. */
static void test_relative_numbers(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    fx_data(&s.k, 0, 30);
    fx_data(&s.k, 1, 70);
    run(&s, "0");
    const struct fx_line *syn = fx_line(s.r, 1), *synack = fx_line(s.r, 2);
    assert_int_equal(syn->rel_seq, 0);
    assert_int_equal(syn->rel_next, 1);
    assert_int_equal(synack->rel_ack, 1);
    const struct fx_line *req = fx_line(s.r, 4), *resp = fx_line(s.r, 5);
    assert_int_equal(req->rel_seq, 1);
    assert_int_equal(req->rel_next, 31);
    assert_int_equal(resp->rel_ack, 31);
    assert_int_equal(resp->len, 70);
    assert_true(resp->flags & SV_NEW);
    end(&s);
}

/* -Y by index, by 4-tuple in either direction (port reuse: every incarnation), and bad
 * selections. */
static void test_selection(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    for (int i = 0; i < 3; i++) {
        struct fx_conn k;
        fx_conn_init(&k, &cap, CLIENT, (uint16_t)(40000 + (i == 2 ? 0 : i)), SERVER, 80,
                     (uint32_t)i * 100000, 5);
        fx_handshake(&k, NULL, NULL);
        fx_close(&k, 0);
    }
    cap_close(&cap);
    struct fx_result *r = fx_run(cap.path, "1");
    assert_int_equal(r->n_flows, 1);
    assert_int_equal(r->flows[0].index, 1);
    assert_int_equal(r->n_lines, 6);
    free(r);
    r = fx_run(cap.path, SERVER ":80-" CLIENT ":40000");
    assert_int_equal(r->n_flows, 2);
    assert_int_equal(r->flows[0].index, 0);
    assert_int_equal(r->flows[1].index, 2);
    assert_int_equal(r->st.flows, 3);
    free(r);
    cap_remove(&cap);

    struct flow_select sel;
    assert_int_equal(flow_select_parse("[fd00::1]:40000-[fd00::2]:80", &sel), 0);
    assert_int_equal(sel.kind, SELECT_TUPLE);
    assert_int_equal(sel.bport, 80);
    assert_int_equal(flow_select_parse("7", &sel), 0);
    assert_int_equal(sel.index, 7);
    const char *bad[] = {"",
                         "x",
                         "-1",
                         "1.2.3.4:5",
                         "1.2.3.4:5-",
                         "1.2.3.4:5-[fd00::1]:6",
                         "1.2.3.4-5.6.7.8",
                         "3x",
                         "1.2.3.4:99999-5.6.7.8:1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(flow_select_parse(bad[i], &sel), TCPREQ_EINVAL);
}

static void test_listing_and_json(void **state)
{
    (void)state;
    struct scene s;
    begin(&s);
    uint32_t seq = s.k.next[1];
    fx_data(&s.k, 1, 100);
    s.cap.ts += 100 * MSEC;
    resend(&s, 1, seq, 100);
    fx_close(&s.k, 0);
    cap_close(&s.cap);

    /* the report's own sink, writing into memory */
    char *text = NULL;
    size_t text_len = 0;
    for (int json = 0; json <= 1; json++) {
        FILE *out = open_memstream(&text, &text_len);
        assert_non_null(out);
        struct report rep;
        report_init(&rep, out, json, true);
        struct analyzer_sink sink = report_sink(&rep);
        struct flow_select sel;
        assert_int_equal(flow_select_parse("0", &sel), 0);
        struct analyzer *a = malloc(sizeof(*a));
        assert_int_equal(analyzer_init(a, &sel, &sink, AN_KEEP_BYTES, 0), 0);
        char err[256];
        assert_int_equal(offline_read(s.cap.path, a, err, sizeof(err)), 0);
        analyzer_finish(a);
        report_summary(&rep, s.cap.path, &a->st);
        free(a);
        fclose(out);
        assert_int_equal(rep.error, 0);
        if (!json) {
            assert_non_null(strstr(text, "segments of flow 0"));
            assert_non_null(strstr(text, "       5   0.104000 <- .              1        101     "
                                         "     1    100    64000 retransmission,duplicate\n"));
            assert_non_null(strstr(text, "notice  retransmission: 1 retransmissions, 100 bytes"));
            assert_non_null(strstr(text, "findings by severity:"));
        } else {
            json_error_t jerr;
            json_t *o = json_loads(text, 0, &jerr);
            assert_non_null(o);
            assert_int_equal(json_integer_value(json_object_get(o, "index")), 0);
            assert_string_equal(json_string_value(json_object_get(o, "handshake")), "established");
            assert_string_equal(json_string_value(json_object_get(o, "close")), "closed");
            json_t *sc = json_object_get(json_object_get(o, "directions"), "server_to_client");
            assert_int_equal(json_integer_value(json_object_get(sc, "retransmissions")), 1);
            assert_int_equal(json_integer_value(json_object_get(sc, "new_bytes")), 100);
            json_t *f0 = json_array_get(json_object_get(o, "findings"), 0);
            assert_string_equal(json_string_value(json_object_get(f0, "id")), "retransmission");
            assert_string_equal(json_string_value(json_object_get(f0, "severity")), "notice");
            assert_int_equal(json_integer_value(json_array_get(json_object_get(f0, "frames"), 0)),
                             5);
            json_t *segs = json_object_get(o, "segments");
            assert_int_equal(json_array_size(segs), 8);
            json_t *seg5 = json_array_get(segs, 4);
            assert_int_equal(json_integer_value(json_object_get(seg5, "frame")), 5);
            assert_string_equal(json_string_value(json_object_get(seg5, "dir")),
                                "server_to_client");
            assert_string_equal(
                json_string_value(json_array_get(json_object_get(seg5, "verdict"), 0)),
                "retransmission");
            json_decref(o);
        }
        free(text);
        text = NULL;
    }
    cap_remove(&s.cap);
}

static void test_findings_ordered_by_severity(void **state)
{
    (void)state;
    struct finding_set set = {0};
    finding_add(&set, FIND_KEEP_ALIVE, 1, "ka");
    finding_add(&set, FIND_BAD_CHECKSUM, 2, "bad");
    finding_add(&set, FIND_RESET, 3, "rst");
    finding_add(&set, FIND_RESERVED_BITS, 4, "rsv %d", 2);
    for (int i = 0; i < 20; i++)
        finding_add(&set, FIND_KEEP_ALIVE, (uint64_t)(10 + i), "ignored");
    unsigned order[FIND_COUNT];
    finding_set_order(&set, order);
    assert_int_equal(set.items[order[0]].id, FIND_BAD_CHECKSUM);
    assert_int_equal(set.items[order[1]].id, FIND_RESERVED_BITS);
    assert_int_equal(set.items[order[2]].id, FIND_RESET);
    assert_int_equal(set.items[order[3]].id, FIND_KEEP_ALIVE);
    const struct finding *ka = finding_get(&set, FIND_KEEP_ALIVE);
    assert_int_equal(ka->count, 21);
    assert_int_equal(ka->n_frames, FINDING_MAX_FRAMES); /* bounded evidence */
    assert_string_equal(ka->message, "ka");             /* values of the first */
    assert_string_equal(finding_get(&set, FIND_RESERVED_BITS)->message, "rsv 2");
    finding_set_free(&set);
}

static int parse(const char *line, struct analyze_options *o)
{
    /* static: the options point into it after the return (valgrind saw the stack reused) */
    static char buf[256];
    char *argv[16];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 16; t = strtok(NULL, " "))
        argv[argc++] = t;
    return analyze_parse(argc, argv, o);
}

static void test_command_line(void **state)
{
    (void)state;
    struct analyze_options o;
    assert_int_equal(parse("analyze f.pcap", &o), 0);
    assert_string_equal(o.path, "f.pcap");
    assert_false(o.json);
    assert_false(o.have_select);
    assert_int_equal(parse("analyze --json -Y 3 f.pcap", &o), 0);
    assert_true(o.json);
    assert_int_equal(o.select.index, 3);
    assert_int_equal(parse("analyze -Y3 --json -", &o), 0);
    assert_string_equal(o.path, "-");
    assert_int_equal(parse("analyze --select=198.18.1.2:1-198.18.3.2:80 f", &o), 0);
    assert_int_equal(o.select.kind, SELECT_TUPLE);
    assert_int_equal(parse("analyze --help", &o), 0);
    assert_true(o.help);
    assert_int_equal(parse("analyze -- -weird-name.pcap", &o), 0);
    assert_string_equal(o.path, "-weird-name.pcap");
    assert_int_equal(o.max_flows, AN_MAX_FLOWS_DEFAULT);
    assert_int_equal(parse("analyze --max-flows 5000 f", &o), 0);
    assert_int_equal(o.max_flows, 5000);
    assert_int_equal(parse("analyze --max-flows=7 f", &o), 0);
    assert_int_equal(o.max_flows, 7);
    assert_int_equal(parse("analyze --max-flows 0 f", &o), 2);
    assert_int_equal(parse("analyze --max-flows -3 f", &o), 2);
    assert_int_equal(parse("analyze --max-flows 5k f", &o), 2);
    assert_int_equal(parse("analyze --max-flows", &o), 2);
    /* usage errors */
    assert_int_equal(parse("analyze", &o), 2);
    assert_int_equal(parse("analyze a b", &o), 2);
    assert_int_equal(parse("analyze -Y", &o), 2);
    assert_int_equal(parse("analyze -Y nope f", &o), 2);
    assert_int_equal(parse("analyze -Y 1 -Y 2 f", &o), 2);
    assert_int_equal(parse("analyze --bogus f", &o), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_retransmission),
        cmocka_unit_test(test_spurious_retransmission),
        cmocka_unit_test(test_partial_retransmission),
        cmocka_unit_test(test_reordering_threshold_is_the_handshake_rtt),
        cmocka_unit_test(test_dup_ack_count_restarts_when_ack_moves),
        cmocka_unit_test(test_relative_numbers),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_listing_and_json),
        cmocka_unit_test(test_findings_ordered_by_severity),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
