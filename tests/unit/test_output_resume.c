/* --resume for every output module that has it: a dataset written whole, then cut at every
 * byte (a run killed anywhere), must be scanned back as exactly the targets written whole
 * before the cut, in order, with valid_len at the end of the last of them; writing the
 * rest after it, as a resumed run appends, must give back the uninterrupted file. And the
 * console output, which cannot show when a target is whole, is refused by --resume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"
#include "common/err.h"
#include "output/output.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])))
#define MAX_RECORDS 16

/* Records as the engine and the target filter hand them over, with text that needs
 * quoting in every format (commas, quotes, CR, LF, non-ASCII), extra input keys, IPv6, a
 * filtered target, a duplicate's FLTR and a target with no result. */
static const char *const RECORDS[] = {
    "{\"ip\":\"198.18.128.1\",\"port\":80,\"host\":\"a.example\",\"results\":["
    "{\"test\":\"LivenessTest\",\"timestamp\":\"2026-01-02T03:04:05Z\",\"src\":{\"ip\":"
    "\"198.18.1.2\",\"port\":50000,\"host\":null},\"path\":[[1,\"198.18.1.1\"],[2,\"198.18.2.2\"]],"
    "\"isns\":[[1.5,12345]],\"status\":\"PASS\",\"stage\":null,\"reason\":null,\"custom\":null},"
    "{\"test\":\"OptionSupportTest\",\"timestamp\":\"2026-01-02T03:04:06Z\",\"src\":{\"ip\":"
    "\"198.18.1.2\",\"port\":50001,\"host\":null},\"path\":[],\"isns\":[],\"status\":\"UNK\","
    "\"stage\":1,\"reason\":\"Middlebox interference detected at or before hop 2 (a, \\\"b\\\")"
    "\",\"custom\":{\"diff\":[\"x,y\",\"line1\\nline2\\r\"]}}]}",
    "{\"ip\":\"192.0.2.1\",\"port\":80,\"host\":null,\"results\":[],\"_status\":\"DISC\"}",
    "{\"ip\":\"fd00:7463:8000::5\",\"port\":443,\"host\":null,\"rank\":7,\"note\":\"caf\\u00e9, "
    "\\\"quoted\\\"\",\"results\":[{\"test\":\"MSSSupportTest\",\"timestamp\":"
    "\"2026-01-02T03:04:07Z\",\"src\":{\"ip\":\"fd00:7463:1::2\",\"port\":50002,\"host\":null},"
    "\"path\":[[1,\"fd00:7463:1::1\"]],\"isns\":[],\"status\":\"FAIL\",\"stage\":2,\"reason\":"
    "\"Segment of 1460 bytes > MSS 515\",\"custom\":null}]}",
    "{\"ip\":\"198.18.128.1\",\"port\":80,\"host\":\"a.example\",\"results\":[],"
    "\"_status\":\"FLTR\"}",
    "{\"ip\":\"198.18.128.2\",\"port\":8080,\"host\":null,\"results\":[]}",
    "{\"ip\":\"198.18.128.3\",\"port\":80,\"host\":null,\"results\":[{\"test\":\"LivenessTest\","
    "\"timestamp\":\"2026-01-02T03:04:08Z\",\"src\":{\"ip\":\"198.18.1.2\",\"port\":50003,\"host\":"
    "null},\"path\":[],\"isns\":[],\"status\":\"ERR\",\"stage\":null,\"reason\":\"\\r\\n\","
    "\"custom\":[1,2]}]}",
};
#define N_RECORDS (sizeof(RECORDS) / sizeof(RECORDS[0]))

struct seen {
    char ip[IP_ADDR_STRLEN];
    uint16_t port;
    bool filtered;
};

struct collect {
    struct seen v[MAX_RECORDS];
    size_t n;
};

static int collect_done(void *ctx, const struct ip_addr *ip, uint16_t port, bool filtered)
{
    struct collect *c = ctx;
    assert_true(c->n < MAX_RECORDS);
    ip_addr_format(ip, c->v[c->n].ip, sizeof(c->v[0].ip));
    c->v[c->n].port = port;
    c->v[c->n++].filtered = filtered;
    return TCPREQ_OK;
}

/* Write records[from..] to out; ends[i] = the file's length after record i. */
static void write_records(const struct output_module *m, FILE *out, bool continuing, size_t from,
                          long *ends)
{
    struct output_writer w;
    assert_int_equal(output_open(&w, m, out, continuing), 0);
    for (size_t i = from; i < N_RECORDS; i++) {
        json_error_t err;
        json_t *rec = json_loads(RECORDS[i], 0, &err);
        if (rec == NULL)
            fail_msg("record %zu: %s", i, err.text);
        assert_int_equal(output_write(&w, rec), 0);
        json_decref(rec);
        if (ends != NULL)
            ends[i] = ftell(out);
    }
    assert_int_equal(output_close(&w), 0);
}

static void expect_record(const struct seen *s, size_t i)
{
    json_t *rec = json_loads(RECORDS[i], 0, NULL);
    struct ip_addr ip;
    assert_int_equal(ip_addr_parse(json_string_value(json_object_get(rec, "ip")), &ip), 0);
    char text[IP_ADDR_STRLEN];
    assert_string_equal(s->ip, ip_addr_format(&ip, text, sizeof(text)));
    assert_int_equal(s->port, json_integer_value(json_object_get(rec, "port")));
    assert_int_equal(s->filtered, json_object_get(rec, "_status") != NULL);
    json_decref(rec);
}

static void check_module(const struct output_module *m)
{
    /* the uninterrupted file, and where each record (and a header) ends in it */
    char *full = NULL;
    size_t full_len = 0;
    long ends[N_RECORDS];
    FILE *f = open_memstream(&full, &full_len);
    struct output_writer w;
    assert_int_equal(output_open(&w, m, f, false), 0);
    fflush(f);
    long header_end = ftell(f);
    write_records(m, f, true, 0, ends);
    fclose(f);

    for (size_t cut = 0; cut <= full_len; cut++) {
        struct collect c = {0};
        struct output_scan scan;
        FILE *in = fmemopen(full, cut > 0 ? cut : 1, "r");
        if (cut == 0)
            fgetc(in); /* an empty file (fmemopen needs a size of at least 1) */
        assert_int_equal(m->resume_scan(in, collect_done, &c, &scan), 0);
        fclose(in);
        size_t whole = 0;
        while (whole < N_RECORDS && (size_t)ends[whole] <= cut)
            whole++;
        long expect_len = whole > 0 ? ends[whole - 1] : (size_t)header_end <= cut ? header_end : 0;
        if (c.n != whole || scan.valid_len != expect_len)
            fail_msg("%s cut at %zu: %zu records up to %lld, expected %zu up to %ld", m->name, cut,
                     c.n, (long long)scan.valid_len, whole, expect_len);
        assert_int_equal(scan.records, whole);
        assert_int_equal(scan.bad, 0);
        assert_int_equal(scan.partial_tail, cut > (size_t)expect_len);
        for (size_t i = 0; i < whole; i++)
            expect_record(&c.v[i], i);

        /* the resumed run: the kept part, then the rest appended */
        char *again = NULL;
        size_t again_len = 0;
        FILE *out = open_memstream(&again, &again_len);
        fwrite(full, 1, (size_t)expect_len, out);
        write_records(m, out, expect_len > 0, whole, NULL);
        fclose(out);
        if (again_len != full_len || memcmp(again, full, full_len) != 0)
            fail_msg("%s cut at %zu: the resumed file differs from the uninterrupted one", m->name,
                     cut);
        free(again);
    }
    free(full);
}

static void test_every_resumable_module_cut_anywhere(void **state)
{
    (void)state;
    size_t resumable = 0;
    for (size_t i = 0; i < output_module_count; i++) {
        if (output_modules[i]->resume_scan == NULL)
            continue;
        check_module(output_modules[i]);
        resumable++;
    }
    assert_int_equal(resumable, 2); /* JSON Lines and CSV */
}

static void test_resume_needs_a_resumable_format(void **state)
{
    (void)state;
    struct cli_options o;
    char *console[] = {"tcpreq", "-B", "198.18.1.2", "--resume", "out.txt", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(console), console, &o), EXIT_USAGE);
    cli_free(&o);
    char *unknown[] = {"tcpreq", "-B", "198.18.1.2", "--resume", "out.xml", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(unknown), unknown, &o), EXIT_USAGE);
    cli_free(&o);
    char *bad_out[] = {"tcpreq", "-B", "198.18.1.2", "-o", "out.parquet", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(bad_out), bad_out, &o), EXIT_USAGE);
    cli_free(&o);
    char *csv[] = {"tcpreq", "-B", "198.18.1.2", "--resume",
                   "o.csv",  "-o", "o.csv",      "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(csv), csv, &o), 0);
    assert_string_equal(o.output_module->name, "csv");
    assert_string_equal(o.resume_module->name, "csv");
    cli_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_resumable_module_cut_anywhere),
        cmocka_unit_test(test_resume_needs_a_resumable_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
