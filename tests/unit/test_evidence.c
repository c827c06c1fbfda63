/* The evidence log behind --explain: bursts folded into one entry, the bounded log keeping
 * the opening and the latest segments in order, its JSON and the report text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_engine.h"
#include "output/output.h"
#include "record/record.h"
#include "tracebox/ttl_code.h"

#define OUR_ISN 1000u
#define THEIR_ISN 5000u

static struct tcp_seg seg_of(uint8_t flags, uint32_t seq, uint32_t ack)
{
    struct tcp_seg s;
    memset(&s, 0, sizeof(s));
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    return s;
}

struct collected {
    uint32_t seq[EVIDENCE_MAX];
    size_t n;
};

static void collect(const struct evidence_entry *e, void *ctx)
{
    struct collected *c = ctx;
    assert_true(c->n < EVIDENCE_MAX);
    c->seq[c->n++] = e->seq;
}

static void test_burst_folds_into_one_entry(void **state)
{
    (void)state;
    struct evidence_log log;
    memset(&log, 0, sizeof(log));
    struct tcp_seg syn = seg_of(TCP_FLAG_SYN, OUR_ISN, 0);
    for (unsigned ttl = 1; ttl <= HOP_LIMIT; ttl++)
        evidence_add(&log, &syn, true, ttl, false, ttl);
    struct tcp_seg synack = seg_of(TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, OUR_ISN + 1);
    evidence_add(&log, &synack, false, 0, false, 100);
    /* a second burst of the same SYN after a reply is a new entry */
    evidence_add(&log, &syn, true, 1, false, 200);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.entry[0].ttl_first, 1);
    assert_int_equal(log.entry[0].ttl_last, HOP_LIMIT);
    assert_false(log.entry[1].sent);
    assert_int_equal(log.entry[2].ttl_last, 1);
}

static void test_full_log_keeps_head_and_latest_in_order(void **state)
{
    (void)state;
    struct evidence_log log;
    memset(&log, 0, sizeof(log));
    const uint32_t total = EVIDENCE_MAX * 3 + 5;
    for (uint32_t i = 0; i < total; i++) {
        struct tcp_seg s = seg_of(TCP_FLAG_ACK, i, 0);
        evidence_add(&log, &s, i % 2 == 0, 0, false, i);
    }
    assert_int_equal(log.dropped, total - EVIDENCE_MAX);
    struct collected c = {.n = 0};
    evidence_each(&log, collect, &c);
    assert_int_equal(c.n, EVIDENCE_MAX);
    for (uint32_t i = 0; i < EVIDENCE_HEAD; i++)
        assert_int_equal(c.seq[i], i);
    /* the ring holds the latest EVIDENCE_MAX - EVIDENCE_HEAD segments, oldest first */
    uint32_t first_tail = total - (EVIDENCE_MAX - EVIDENCE_HEAD);
    for (uint32_t k = 0; k < EVIDENCE_MAX - EVIDENCE_HEAD; k++)
        assert_int_equal(c.seq[EVIDENCE_HEAD + k], first_tail + k);
}

/* A real instance through the fake engine: what it sent and received is in the log, and
 * the JSON shows relative sequence numbers, the burst's TTL range and the options. */
static void test_instance_log_and_report(void **state)
{
    (void)state;
    struct fe f;
    fe_init(&f, "UnknownOptionTest", FE_V4, &tc_timing_default);
    fe_start(&f);
    struct fe_pkt p;
    fe_pkt(&f, 0, &p);
    uint32_t isn = p.seg.seq;
    fe_advance(&f, 2 * TC_MSEC);
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, THEIR_ISN, isn + 1);
    fe_fire(&f);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);

    json_t *ev = evidence_to_json(&f.t);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "rfc_req")), "MUST-6");
    json_t *segs = json_object_get(ev, "segments");
    assert_int_equal(json_array_size(segs), 3); /* burst, SYN-ACK, RST */
    json_t *burst = json_array_get(segs, 0);
    assert_string_equal(json_string_value(json_object_get(burst, "dir")), "out");
    assert_string_equal(json_string_value(json_object_get(burst, "flags")), "SYN");
    assert_int_equal(json_integer_value(json_object_get(burst, "seq")), 0);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(burst, "ttl"), 1)),
                     HOP_LIMIT);
    assert_non_null(strstr(json_string_value(json_object_get(burst, "opts")), "9e0558fa89"));
    json_t *synack = json_array_get(segs, 1);
    assert_string_equal(json_string_value(json_object_get(synack, "flags")), "SYN,ACK");
    assert_int_equal(json_integer_value(json_object_get(synack, "ack")), 1);
    assert_true(json_real_value(json_object_get(synack, "ms")) >= 2.0);
    json_t *rst = json_array_get(segs, 2);
    assert_string_equal(json_string_value(json_object_get(rst, "flags")), "RST");
    assert_int_equal(json_integer_value(json_object_get(rst, "seq")), 1);

    /* the report names the requirement, the verdict and the segments */
    json_t *res = result_to_json(&f.t, 0);
    json_object_set_new(res, "evidence", ev);
    json_t *record = json_pack("{s:s, s:i, s:[o]}", "ip", "198.18.3.2", "port", FE_DPORT,
                               "results", res);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct output_writer w;
    assert_int_equal(output_open(&w, output_module_by_name("explain"), out, false), 0);
    assert_int_equal(output_write(&w, record), 0);
    assert_int_equal(output_close(&w), 0);
    fclose(out);
    assert_non_null(strstr(text, "UnknownOptionTest: PASS"));
    assert_non_null(strstr(text, "RFC 9293 MUST-6"));
    assert_non_null(strstr(text, "ttl=1..30 (30 probes, TTL-coded)"));
    assert_non_null(strstr(text, "< SYN,ACK"));
    assert_non_null(strstr(text, "1 test runs: 1 PASS, 0 UNK, 0 FAIL, 0 ERR"));
    free(text);
    json_decref(record);
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_folds_into_one_entry),
        cmocka_unit_test(test_full_log_keeps_head_and_latest_in_order),
        cmocka_unit_test(test_instance_log_and_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
