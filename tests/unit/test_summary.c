/* `tcpreq summary` on hand-made datasets with known answers: counts and shares per test,
 * reasons, middlebox hops, targets that passed everything, DISC/FLTR, duplicates across
 * shards (reported, not counted) against duplicates within one file (FLTR records, counted),
 * bad and cut-off lines; the renderers read back (JSON with jansson, CSV with the RFC 4180
 * reader, the SVG chart with libxml2: every bar as wide as its count on one scale); the
 * line scanner on hostile JSON; the bounded top-k; and the command line. */
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/summary_args.h"
#include "common/csv.h"
#include "common/err.h"
#include "summary/summary.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])))

static const uint8_t KEY[SEEN_KEY_LEN] = {1, 2, 3};

#define R(test, status, reason)                                                                    \
    "{\"test\":\"" test                                                                            \
    "\",\"timestamp\":\"2026-01-02T03:04:05Z\",\"src\":{\"ip\":\"198.18.1.2\","                    \
    "\"port\":50000,\"host\":null},\"path\":[[1,\"198.18.1.1\"]],\"isns\":[[1.5,7]],\"status\":"   \
    "\"" status "\",\"stage\":1,\"reason\":" reason ",\"custom\":{\"diff\":[\"a\",\"b\"]}}"
#define MBOX2 "\"Middlebox interference detected at or before hop 2 (header option(s) deleted)\""
#define MBOX_UNKNOWN "\"Middlebox interference detected at unknown hop (x)\""

/* Shard A: three tested targets, a DISC, a duplicated list line (tested once, FLTR once). */
static const char SHARD_A[] = "{\"ip\":\"198.18.128.1\",\"port\":80,\"host\":null,\"results\":[" R(
    "LivenessTest", "PASS",
    "null") "," R("OptionSupportTest", "PASS",
                  "null") "," R("LivenessTest", "PASS",
                                "null") "]}\n"
                                        "{\"ip\":\"198.18.128.2\",\"port\":80,\"host\":null,"
                                        "\"results\":[" R("LivenessTest", "PASS", "null") "," R(
                                            "OptionSupportTest", "UNK",
                                            MBOX2) "," R("LivenessTest", "PASS",
                                                         "null") "]}\n"
                                                                 "{\"ip\":\"192.0.2.1\","
                                                                 "\"port\":80,\"host\":null,"
                                                                 "\"results\":[],\"_status\":"
                                                                 "\"DISC\"}\n"
                                                                 "{\"ip\":\"198.18.128.3\","
                                                                 "\"port\":80,\"host\":null,"
                                                                 "\"results\":[],\"_status\":"
                                                                 "\"FLTR\"}\n"
                                                                 "{\"ip\":\"198.18.128.3\","
                                                                 "\"port\":80,\"host\":null,"
                                                                 "\"results\":[" R(
                                                                     "LivenessTest", "PASS",
                                                                     "null") "," R("OptionSuppo"
                                                                                   "rtTest",
                                                                                   "FAIL",
                                                                                   "\"Timeout "
                                                                                   "during "
                                                                                   "handshake"
                                                                                   "\"") "]}"
                                                                                         "\r\n"
                                                                                         "\n";
/* Shard B: one new target (IPv6, ERR), one target of shard A again (a duplicate across
 * shards: reported, not counted), bad lines, and a last line cut short. */
static const char SHARD_B[] =
    "{\"ip\":\"fd00:7463:8000::1\",\"port\":443,\"host\":\"h\",\"rank\":1,\"results\":[" R(
        "LivenessTest", "PASS",
        "null") "," R("OptionSupportTest", "ERR",
                      "\"Missing ALP module\"") "," R("OptionSupportTest", "UNK",
                                                      MBOX_UNKNOWN) "]}\n"
                                                                    "{\"ip\":\"198.18.128.1\","
                                                                    "\"port\":80,\"host\":null,"
                                                                    "\"results\":[" R(
                                                                        "LivenessTest", "FAIL",
                                                                        "\"x\"") "]}\n"
                                                                                 "{\"ip\":\"198.18."
                                                                                 "128.9\",\"port\":"
                                                                                 "80,\"host\":null,"
                                                                                 "\"results\":[],"
                                                                                 "\"_status\":"
                                                                                 "\"FLTR\"}\n"
                                                                                 "not json\n"
                                                                                 "{\"ip\":\"198.18."
                                                                                 "128.4\",\"port\":"
                                                                                 "0,\"results\":[]}"
                                                                                 "\n"
                                                                                 "{\"ip\":\"198.18."
                                                                                 "128.5\",\"port\":"
                                                                                 "80,\"host\":null,"
                                                                                 "\"results\":[{"
                                                                                 "\"test\":\"Liven";

static void read_text(struct summary *s, const char *text, const char *name)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(in);
    assert_int_equal(summary_read(s, in, name), 0);
    fclose(in);
}

static const struct sum_test *test_named(const struct summary *s, const char *name)
{
    for (size_t i = 0; i < s->n_tests; i++)
        if (strcmp(s->tests[i].name, name) == 0)
            return &s->tests[i];
    fail_msg("no row for %s", name);
    return NULL;
}

static void summarise(struct summary *s)
{
    assert_int_equal(summary_init(s, KEY, NULL), 0);
    read_text(s, SHARD_A, "a.jsonl");
    read_text(s, SHARD_B, "b.jsonl");
}

static void test_counts(void **state)
{
    (void)state;
    struct summary s;
    summarise(&s);
    assert_int_equal(s.records, 7); /* 4 tested, 1 DISC, 2 FLTR */
    assert_int_equal(s.targets.tested, 4);
    assert_int_equal(s.disc, 1);
    assert_int_equal(s.fltr, 2);
    assert_int_equal(s.results, 3 + 3 + 2 + 3);
    assert_int_equal(s.targets.all_pass, 1);
    assert_int_equal(s.targets.with_fail, 1);
    assert_int_equal(s.targets.unk_no_fail, 2); /* .2 (UNK), the IPv6 one (ERR and UNK) */
    assert_int_equal(s.targets.err_other, 0);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(s.duplicate_results, 1);
    assert_string_equal(s.dup_examples[0].ip, "198.18.128.1");
    assert_int_equal(s.dup_examples[0].file, 1);
    assert_int_equal(s.dup_examples[0].first_file, 0);
    assert_int_equal(s.dup_examples[0].line, 2);
    assert_int_equal(s.bad_lines, 2);
    assert_int_equal(s.partial_lines, 1);
    assert_int_equal(s.n_tests, 2);
    assert_string_equal(s.tests[0].name, "LivenessTest"); /* in order of first appearance */
    const struct sum_test *live = test_named(&s, "LivenessTest");
    assert_int_equal(live->runs, 6);
    assert_int_equal(live->counts[SUM_PASS], 6);
    const struct sum_test *opt = test_named(&s, "OptionSupportTest");
    assert_int_equal(opt->runs, 5);
    assert_int_equal(opt->counts[SUM_PASS], 1);
    assert_int_equal(opt->counts[SUM_UNK], 2);
    assert_int_equal(opt->counts[SUM_FAIL], 1);
    assert_int_equal(opt->counts[SUM_ERR], 1);
    assert_int_equal(opt->middlebox, 2);
    assert_int_equal(opt->hops[2], 1);
    assert_int_equal(opt->hops[0], 1);
    assert_int_equal(opt->reasons.n, 4);
    summary_free(&s);
}

/* The same file twice: every record of the second copy is a duplicate, its FLTR included. */
static void test_same_file_twice(void **state)
{
    (void)state;
    struct summary s;
    assert_int_equal(summary_init(&s, KEY, NULL), 0);
    read_text(&s, SHARD_A, "a.jsonl");
    read_text(&s, SHARD_A, "a.jsonl");
    assert_int_equal(s.records, 5);
    assert_int_equal(s.duplicates, 5);
    assert_int_equal(s.fltr, 1);
    assert_int_equal(s.targets.tested, 3);
    summary_free(&s);
}

static char *render(struct summary *s, int (*fn)(struct summary *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(fn(s, f), 0);
    fclose(f);
    return buf;
}

static int text5(struct summary *s, FILE *f)
{
    return summary_print_text(s, f, 5);
}
static int json5(struct summary *s, FILE *f)
{
    return summary_print_json(s, f, 5);
}

static void test_text_and_json(void **state)
{
    (void)state;
    struct summary s;
    summarise(&s);
    char *text = render(&s, text5);
    assert_non_null(strstr(text, "198.18.128.1:80 in b.jsonl:2, first seen in a.jsonl"));
    assert_non_null(strstr(text, "passed every test they ran                1   25.00%"));
    assert_non_null(strstr(text, "OptionSupportTest                   2: hop 2: 1 unknown hop: 1"));
    assert_non_null(strstr(text, "         1  FAIL  Timeout during handshake"));
    free(text);

    char *js = render(&s, json5);
    json_error_t err;
    json_t *o = json_loads(js, 0, &err);
    if (o == NULL)
        fail_msg("summary JSON: %s", err.text);
    assert_int_equal(json_integer_value(json_object_get(o, "records")), 7);
    assert_int_equal(json_integer_value(json_object_get(o, "disc")), 1);
    json_t *opt = json_array_get(json_object_get(o, "tests"), 1);
    assert_string_equal(json_string_value(json_object_get(opt, "test")), "OptionSupportTest");
    assert_int_equal(json_integer_value(json_object_get(opt, "UNK")), 2);
    assert_true(
        fabs(json_real_value(json_object_get(json_object_get(opt, "shares"), "UNK")) - 0.4) < 1e-9);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(opt, "middlebox_hops"), "2")), 1);
    assert_int_equal(json_array_size(json_object_get(opt, "reasons")), 4);
    assert_true(json_is_true(json_object_get(opt, "reasons_exact")));
    json_t *dup = json_array_get(json_object_get(json_object_get(o, "duplicates"), "examples"), 0);
    assert_string_equal(json_string_value(json_object_get(dup, "first_file")), "a.jsonl");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "targets"), "all_pass")),
                     1);
    json_decref(o);
    free(js);
    summary_free(&s);
}

static void test_csv(void **state)
{
    (void)state;
    struct summary s;
    summarise(&s);
    char *text = render(&s, summary_print_csv);
    FILE *in = fmemopen(text, strlen(text), "r");
    struct csv_reader r;
    csv_reader_init(&r, in);
    assert_int_equal(csv_read_record(&r), CSV_RECORD);
    assert_int_equal(r.n_fields, 13);
    assert_string_equal(csv_field(&r, 0), "test");
    assert_int_equal(csv_read_record(&r), CSV_RECORD);
    assert_string_equal(csv_field(&r, 0), "LivenessTest");
    assert_int_equal(csv_read_record(&r), CSV_RECORD);
    assert_string_equal(csv_field(&r, 0), "OptionSupportTest");
    assert_string_equal(csv_field(&r, 1), "5");
    assert_string_equal(csv_field(&r, 3), "2");        /* unk */
    assert_string_equal(csv_field(&r, 8), "0.400000"); /* unk_share */
    assert_string_equal(csv_field(&r, 12), "2:1 unknown:1");
    assert_int_equal(csv_read_record(&r), CSV_END);
    csv_reader_free(&r);
    fclose(in);
    free(text);
    summary_free(&s);
}

static double num_attr(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    assert_non_null(v);
    double d = strtod((const char *)v, NULL);
    xmlFree(v);
    return d;
}

/* Every bar segment read back from the SVG: as wide as its count times one scale for all,
 * placed end to end from the plot's left edge, and its count the summary's. */
static void test_svg_read_back(void **state)
{
    (void)state;
    struct summary s;
    summarise(&s);
    char *svg = render(&s, summary_print_svg);
    xmlDoc *doc = xmlReadMemory(svg, (int)strlen(svg), "chart.svg", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "svg");
    double scale = num_attr(root, "data-scale");
    assert_true(scale > 0);
    size_t segments = 0, legends = 0;
    double end_of[2] = {0, 0};
    const char *names[2] = {"LivenessTest", "OptionSupportTest"};
    bool saw_label[2] = {false, false};
    for (xmlNode *n = root->children; n != NULL; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *cls = xmlGetProp(n, (const xmlChar *)"class");
        if (cls != NULL && strcmp((const char *)cls, "legend") == 0)
            legends++;
        if (cls != NULL && strcmp((const char *)cls, "label") == 0) {
            xmlChar *t = xmlNodeGetContent(n);
            for (int k = 0; k < 2; k++)
                saw_label[k] = saw_label[k] || strcmp((const char *)t, names[k]) == 0;
            xmlFree(t);
        }
        if (cls == NULL || strcmp((const char *)cls, "bar") != 0) {
            xmlFree(cls);
            continue;
        }
        xmlFree(cls);
        segments++;
        xmlChar *test = xmlGetProp(n, (const xmlChar *)"data-test");
        xmlChar *status = xmlGetProp(n, (const xmlChar *)"data-status");
        double count = num_attr(n, "data-count"), w = num_attr(n, "width"), x = num_attr(n, "x");
        const struct sum_test *t = test_named(&s, (const char *)test);
        int k = 0;
        while (k < SUM_STATUSES && strcmp(sum_status_names[k], (const char *)status) != 0)
            k++;
        assert_true(k < SUM_STATUSES);
        assert_int_equal((uint64_t)count, t->counts[k]);
        if (fabs(w - count * scale) > 1e-3)
            fail_msg("%s %s: width %f for count %f at scale %f", test, status, w, count, scale);
        int bar = strcmp((const char *)test, names[0]) == 0 ? 0 : 1;
        if (end_of[bar] == 0)
            end_of[bar] = x; /* the plot's left edge */
        if (fabs(x - end_of[bar]) > 1e-3)
            fail_msg("%s %s: starts at %f, the previous segment ends at %f", test, status, x,
                     end_of[bar]);
        end_of[bar] = x + w;
        xmlFree(test);
        xmlFree(status);
    }
    assert_int_equal(segments, 1 + 4); /* Liveness: PASS; OptionSupport: all four */
    assert_int_equal(legends, 4);
    assert_true(saw_label[0] && saw_label[1]);
    /* each bar is as long as its total */
    assert_true(fabs(end_of[0] - end_of[1] - (6.0 - 5.0) * scale) < 1e-3);
    xmlFreeDoc(doc);
    free(svg);
    summary_free(&s);
}

static void expect_bad(const char *line, const char *why_part)
{
    struct jscan_record r;
    jscan_init(&r);
    const char *why = NULL;
    if (jscan_parse(&r, line, strlen(line), &why) == 0)
        fail_msg("accepted: %s", line);
    if (strstr(why, why_part) == NULL)
        fail_msg("%s: '%s' does not say '%s'", line, why, why_part);
    jscan_free(&r);
}

static void test_scanner(void **state)
{
    (void)state;
    struct jscan_record r;
    jscan_init(&r);
    const char *why = NULL;
    const char *good = "{\"ip\":\"1.2.3.4\",\"p\\u006frt\":443,\"x\":[1,-2.5e3,true,null,{}],"
                       "\"results\":[{\"test\":\"T\\u00e9\\ud83d\\ude00\",\"status\":\"PASS\","
                       "\"reason\":\"a\\\"b\\\\c\\n\"}],\"_status\":null}";
    assert_int_equal(jscan_parse(&r, good, strlen(good), &why), 0);
    assert_string_equal(r.ip, "1.2.3.4");
    assert_int_equal(r.port, 443); /* an escaped key is the same key */
    assert_null(r.status);
    assert_int_equal(r.n_results, 1);
    assert_string_equal(r.results[0].test, "T\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(r.results[0].reason, "a\"b\\c\n");
    const char *ports[] = {"{\"port\":0}",   "{\"port\":65536}",  "{\"port\":80.0}",
                           "{\"port\":-80}", "{\"port\":\"80\"}", "{\"port\":99999999999999999}"};
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        assert_int_equal(jscan_parse(&r, ports[i], strlen(ports[i]), &why), 0);
        assert_int_equal(r.port, -1);
    }
    jscan_free(&r);
    expect_bad("[1,2]", "not a JSON object");
    expect_bad("{\"ip\":\"1.2.3.4\"", "malformed");
    expect_bad("{\"a\":1} x", "text after");
    expect_bad("{\"a\":\"\\ud800\"}", "surrogate");
    expect_bad("{\"a\":\"\\x\"}", "escape");
    expect_bad("{\"a\":\"\x01\"}", "control");
    /* kept strings must be valid UTF-8 */
    expect_bad("{\"results\":[{\"test\":\"\xc3\x28\"}]}", "UTF-8");
    expect_bad("{\"results\":[{\"reason\":\"\xed\xa0\x80\"}]}", "UTF-8"); /* a surrogate */
    expect_bad("{\"a\":01}", "malformed");
    expect_bad("{\"a\":1.}", "number");
    expect_bad("{\"a\":tru}", "malformed");
    expect_bad("{\"results\":[1]}", "not an object");
    expect_bad("{\"results\":[],\"results\":[]}", "two");
    char deep[2 * JSCAN_DEPTH_MAX + 64];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"a\":");
    for (int i = 0; i < JSCAN_DEPTH_MAX + 2; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    expect_bad(deep, "nested too deep");
}

static void test_topk(void **state)
{
    (void)state;
    struct topk t;
    assert_int_equal(topk_init(&t, 4), 0);
    /* below capacity every count is exact */
    for (int i = 0; i < 10; i++)
        topk_add(&t, "a");
    for (int i = 0; i < 3; i++)
        topk_add(&t, "b");
    assert_false(t.evicted);
    const struct topk_entry *e = topk_sorted(&t);
    assert_string_equal(e[0].text, "a");
    assert_int_equal(e[0].count, 10);
    assert_int_equal(e[1].count, 3);
    /* a stream of distinct strings cannot push out one that occurs more than total/4 */
    char buf[16];
    for (int i = 0; i < 40; i++) {
        snprintf(buf, sizeof(buf), "noise%d", i);
        topk_add(&t, buf);
        topk_add(&t, "a");
    }
    assert_true(t.evicted);
    e = topk_sorted(&t);
    assert_string_equal(e[0].text, "a");
    assert_true(e[0].count >= 50);
    assert_true(e[0].count - e[0].error <= 50);
    topk_free(&t);
}

static void test_args(void **state)
{
    (void)state;
    struct summary_options o;
    char *ok[] = {"summary", "--csv", "--svg", "c.svg", "--reasons", "3", "a", "-", "--", "-b"};
    assert_int_equal(summary_parse(ARGC(ok), ok, &o), 0);
    assert_int_equal(o.format, SUMMARY_CSV);
    assert_string_equal(o.svg, "c.svg");
    assert_int_equal(o.reasons, 3);
    assert_int_equal(o.n_files, 3);
    assert_string_equal(o.files[2], "-b");
    summary_options_free(&o);
    char *none[] = {"summary", "--json"};
    assert_int_equal(summary_parse(ARGC(none), none, &o), 2);
    summary_options_free(&o);
    char *both[] = {"summary", "--json", "--csv", "a"};
    assert_int_equal(summary_parse(ARGC(both), both, &o), 2);
    summary_options_free(&o);
    char *stdin_twice[] = {"summary", "-", "-"};
    assert_int_equal(summary_parse(ARGC(stdin_twice), stdin_twice, &o), 2);
    summary_options_free(&o);
    char *bad_n[] = {"summary", "--reasons", "65", "a"};
    assert_int_equal(summary_parse(ARGC(bad_n), bad_n, &o), 2);
    summary_options_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),        cmocka_unit_test(test_same_file_twice),
        cmocka_unit_test(test_text_and_json), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_svg_read_back), cmocka_unit_test(test_scanner),
        cmocka_unit_test(test_topk),          cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
