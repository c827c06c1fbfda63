/* Memory bounds of `tcpreq analyze` (issue 15, defects 1 and 2): flows that carry no payload
 * are stubs until they need more, and must come out exactly as full connections do; at most
 * --max-flows are open at once, the one idle longest completed early and counted; the
 * segment list of a -Y --json flow is streamed, not held. (The figures, bytes per flow and
 * peak RSS, are printed by bench/analyze.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/report.h"
#include "analyze_fixture.h"
#include "engine/offline.h"
#include "tcp/linklayer.h"

#define CLIENT "198.18.1.2"
#define SERVER "198.18.3.2"
#define ROUTER "198.18.2.2"
#define USEC 1000000
#define ICMP_TIME_EXCEEDED 11

/* Every flow of the file, analysed as the table does (stubs first) and selected with -Y
 * (a full connection from its first segment): the same report, findings, frames and
 * counters included. */
static void check_stubs_change_nothing(const char *path, unsigned flows)
{
    struct fx_result *all = fx_run(path, NULL);
    assert_int_equal(all->n_flows, flows);
    for (unsigned i = 0; i < flows; i++) {
        char sel[16];
        snprintf(sel, sizeof(sel), "%u", i);
        struct fx_result *one = fx_run(path, sel);
        assert_int_equal(one->n_flows, 1);
        const struct fx_flow *a = fx_flow(all, i), *b = fx_flow(one, i);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a->text, b->text);
        assert_string_equal(a->json_test, b->json_test);
        assert_memory_equal(a->counters, b->counters, sizeof(a->counters));
        assert_int_equal(a->n_findings, b->n_findings);
        assert_memory_equal(a->findings, b->findings, a->n_findings * sizeof(a->findings[0]));
        free(one);
    }
    free(all);
}

static void send_flags(struct fx_conn *k, int side, uint8_t flags)
{
    fx_send(k, side, &(struct fx_seg){.flags = flags});
}

/* Flows without payload in every shape a stub has to hand over: more segments than a stub
 * holds, a SYN sent again (same ISN), SYNs with options, a refused SYN, a bad checksum, a
 * port reused with another ISN, an ICMP error quoting a stub, test names from comments. */
static void test_stubs_change_nothing(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, true);
    cap.comment = "tcpreq test=LivenessTest";
    struct fx_conn k;
    /* 0: SYN five times, unanswered */
    fx_conn_init(&k, &cap, CLIENT, 40000, SERVER, 80, 1000, 0);
    for (int i = 0; i < 5; i++)
        fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .no_advance = true});
    /* 1: handshake, then a RST: four segments, no payload */
    fx_conn_init(&k, &cap, CLIENT, 40001, SERVER, 80, 2000, 9000);
    fx_handshake(&k, NULL, NULL);
    send_flags(&k, 0, TCP_FLAG_RST);
    cap.comment = NULL;
    /* 2: refused */
    fx_conn_init(&k, &cap, CLIENT, 40002, SERVER, 81, 3000, 0);
    send_flags(&k, 0, TCP_FLAG_SYN);
    fx_send(&k, 1, &(struct fx_seg){.flags = TCP_FLAG_RST | TCP_FLAG_ACK, .explicit_seq = true});
    /* 3: a SYN with a bad checksum, answered */
    fx_conn_init(&k, &cap, CLIENT, 40003, SERVER, 80, 4000, 7000);
    fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .bad_csum = true});
    send_flags(&k, 1, TCP_FLAG_SYN | TCP_FLAG_ACK);
    /* 4 and 5: a SYN, RST, then the same 4-tuple with another ISN (port reuse) */
    fx_conn_init(&k, &cap, CLIENT, 40004, SERVER, 80, 5000, 0);
    send_flags(&k, 0, TCP_FLAG_SYN);
    send_flags(&k, 0, TCP_FLAG_RST);
    fx_conn_init(&k, &cap, CLIENT, 40004, SERVER, 80, 6000, 8000);
    fx_handshake(&k, NULL, NULL);
    /* 6: a SYN quoted by a router's time exceeded, then a SYN-ACK */
    cap.comment = "tcpreq test=\x1b[2JOptionSupportTest";
    fx_conn_init(&k, &cap, CLIENT, 40005, SERVER, 80, 7000, 1234);
    uint8_t syn[IP_PACKET_MAX];
    size_t len = fx_build(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN}, syn, sizeof(syn));
    send_flags(&k, 0, TCP_FLAG_SYN);
    cap_icmp_error(&cap, ROUTER, CLIENT, ICMP_TIME_EXCEEDED, 0, 0, syn, len);
    send_flags(&k, 1, TCP_FLAG_SYN | TCP_FLAG_ACK);
    /* 7: a stub that gets payload after its handshake */
    fx_conn_init(&k, &cap, CLIENT, 40006, SERVER, 80, 8000, 4321);
    fx_handshake(&k, NULL, NULL);
    fx_data(&k, 0, 100);
    fx_ack(&k, 1);
    fx_close(&k, 0);
    /* 8 and 9: tcpreq's deliberate faults (the --pcap comment names them) in a stub's
     * segments: a bad checksum, then reserved bits, each followed by a clean handshake */
    cap.comment = "tcpreq test=IncorrectChecksumTest fault=checksum";
    fx_conn_init(&k, &cap, CLIENT, 40007, SERVER, 80, 9000, 5555);
    fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .bad_csum = true, .no_advance = true});
    cap.comment = "tcpreq test=ReservedFlagsTest fault=reserved";
    fx_conn_init(&k, &cap, CLIENT, 40008, SERVER, 80, 9500, 6666);
    fx_send(&k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .reserved = 1, .no_advance = true});
    cap.comment = NULL;
    cap_close(&cap);
    check_stubs_change_nothing(cap.path, 10);
    struct fx_result *all = fx_run(cap.path, NULL);
    for (unsigned i = 8; i <= 9; i++) {
        const struct fx_flow *fl = fx_flow(all, i);
        assert_non_null(fl);
        bool deliberate = false;
        for (unsigned j = 0; j < fl->n_findings; j++) {
            deliberate |= fl->findings[j].id == FIND_DELIBERATE_FAULT;
            assert_int_not_equal(fl->findings[j].id, FIND_RESERVED_BITS);
            assert_int_not_equal(fl->findings[j].id, FIND_BAD_CHECKSUM);
        }
        assert_true(deliberate);
    }
    free(all);
    cap_remove(&cap);
}

struct order {
    uint64_t index[16];
    unsigned n;
};

static void record_order(void *ctx, struct an_conn *c)
{
    struct order *o = ctx;
    assert_true(o->n < 16);
    o->index[o->n++] = c->index;
}

/* --max-flows: with two open at once, each new flow completes the one idle longest,
 * preferring one already closed (lingering) over an open one; all are reported. */
static void test_max_flows_evicts_idle_longest(void **state)
{
    (void)state;
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    cap.step = USEC;
    struct fx_conn k[5];
    for (int i = 0; i < 5; i++)
        fx_conn_init(&k[i], &cap, CLIENT, (uint16_t)(40000 + i), SERVER, 80, 1000u * (unsigned)i,
                     0);
    send_flags(&k[0], 0, TCP_FLAG_SYN); /* flow 0: open */
    send_flags(&k[1], 0, TCP_FLAG_SYN); /* flow 1 */
    send_flags(&k[0], 0, TCP_FLAG_ACK); /* flow 0 active again */
    send_flags(&k[1], 0, TCP_FLAG_RST); /* flow 1 closed: lingers */
    send_flags(&k[2], 0, TCP_FLAG_SYN); /* flow 2 evicts 1 (closed) though 0 idled longer */
    send_flags(&k[3], 0, TCP_FLAG_SYN); /* flow 3 evicts 0 (open, idle longest) */
    send_flags(&k[4], 0, TCP_FLAG_SYN); /* flow 4 evicts 2 */
    cap_close(&cap);
    struct order o = {.n = 0};
    struct analyzer *a = malloc(sizeof(*a));
    assert_non_null(a);
    struct analyzer_sink sink = {.flow = record_order, .ctx = &o};
    assert_int_equal(analyzer_init(a, NULL, &sink, AN_KEEP_BYTES, 2), 0);
    char err[256];
    assert_int_equal(offline_read(cap.path, a, err, sizeof(err)), 0);
    analyzer_finish(a);
    assert_int_equal(a->st.flows, 5);
    assert_int_equal(a->st.flows_evicted, 3);
    assert_int_equal(a->st.peak_flows, 2);
    const uint64_t want[] = {1, 0, 2, 3, 4};
    assert_int_equal(o.n, 5);
    assert_memory_equal(o.index, want, sizeof(want));
    free(a);
    cap_remove(&cap);
}

/* -Y --json: the flow's object as one line, its keys as without -Y and "segments" last, one
 * entry per segment of the flow, in order (they were spooled, not held). */
static void test_json_listing_is_streamed(void **state)
{
    (void)state;
    enum { DATA = 3000 };
    struct capfile cap;
    cap_open(&cap, LINKTYPE_RAW, false);
    struct fx_conn k;
    fx_conn_init(&k, &cap, CLIENT, 40000, SERVER, 80, 1, 2);
    fx_handshake(&k, NULL, NULL);
    for (int i = 0; i < DATA; i++)
        fx_data(&k, 1, 100);
    fx_ack(&k, 0);
    fx_close(&k, 1);
    cap_close(&cap);
    const unsigned segments = 3 + DATA + 1 + 3;
    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    assert_non_null(out);
    struct report rep;
    report_init(&rep, out, true, true);
    struct analyzer_sink sink = report_sink(&rep);
    struct flow_select sel;
    assert_int_equal(flow_select_parse("0", &sel), 0);
    struct analyzer *a = malloc(sizeof(*a));
    assert_non_null(a);
    assert_int_equal(analyzer_init(a, &sel, &sink, AN_KEEP_BYTES, 0), 0);
    char err[256];
    assert_int_equal(offline_read(cap.path, a, err, sizeof(err)), 0);
    analyzer_finish(a);
    fclose(out);
    assert_int_equal(rep.error, 0);
    assert_non_null(strchr(text, '\n'));
    assert_string_equal(strchr(text, '\n'), "\n"); /* one line */
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    assert_non_null(o);
    json_t *segs = json_object_get(o, "segments");
    assert_int_equal(json_array_size(segs), segments);
    for (unsigned i = 0; i < segments; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(segs, i), "frame")),
                         i + 1);
    const char *last_key = NULL;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) last_key = key;
    assert_string_equal(last_key, "segments");
    assert_non_null(json_object_get(o, "findings"));
    json_decref(o);
    free(text);
    free(a);
    cap_remove(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stubs_change_nothing),
        cmocka_unit_test(test_max_flows_evicts_idle_longest),
        cmocka_unit_test(test_json_listing_is_streamed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
