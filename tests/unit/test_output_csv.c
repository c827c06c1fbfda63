/* The CSV writer: RFC 4180 quoting, the rows of a target (tested, filtered, without
 * results), the streaming reader behind --resume (quoted line breaks, doubled quotes, CRLF,
 * records cut short, malformed and oversized records), and a file that is no tcpreq CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/csv.h"
#include "common/err.h"
#include "output/output.h"

#define HEADER "ip,port,host,input,test,status,stage,reason,hops,routers,custom,tests\r\n"

static char *field_text(const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_true(csv_write_str(f, text, true));
    fclose(f);
    return buf;
}

static void expect_field(const char *text, const char *expect)
{
    char *got = field_text(text);
    assert_string_equal(got, expect);
    free(got);
}

/* RFC 4180 2.5-2.7: quotes only around fields that need them, inner quotes doubled. */
static void test_field_quoting(void **state)
{
    (void)state;
    expect_field("plain", "plain");
    expect_field("", "");
    expect_field(NULL, "");
    expect_field("a,b", "\"a,b\"");
    expect_field("say \"hi\"", "\"say \"\"hi\"\"\"");
    expect_field("\"", "\"\"\"\"");
    expect_field("line1\nline2", "\"line1\nline2\"");
    expect_field("cr\r", "\"cr\r\"");
    expect_field("caf\xc3\xa9 ; tab\t", "caf\xc3\xa9 ; tab\t"); /* no need to quote these */
    expect_field(" spaced ", " spaced ");                       /* 2.4: spaces are data */
}

/* Read text with the CSV reader into "field|field\n" lines, one per record, with the
 * outcome of each read ("R" record, "B" bad, "P" partial). */
static char *read_back(const char *text, size_t len)
{
    char *buf = NULL;
    size_t buf_len = 0;
    FILE *out = open_memstream(&buf, &buf_len);
    FILE *in = fmemopen((void *)text, len, "r");
    struct csv_reader r;
    csv_reader_init(&r, in);
    enum csv_read got;
    while ((got = csv_read_record(&r)) != CSV_END) {
        assert_int_not_equal(got, CSV_ERROR);
        fputc(got == CSV_RECORD ? 'R' : got == CSV_BAD ? 'B' : 'P', out);
        for (size_t i = 0; got == CSV_RECORD && i < r.n_fields; i++)
            fprintf(out, "%s%s", i ? "|" : ":", csv_field(&r, i));
        fprintf(out, "@%lld\n", (long long)r.offset);
        if (got == CSV_PARTIAL)
            break;
    }
    csv_reader_free(&r);
    fclose(in);
    fclose(out);
    return buf;
}

static void expect_read(const char *text, const char *expect)
{
    char *got = read_back(text, strlen(text));
    assert_string_equal(got, expect);
    free(got);
}

static void test_reader(void **state)
{
    (void)state;
    expect_read("a,b\r\nc,d\n", "R:a|b@5\nR:c|d@9\n");
    /* a quoted field keeps its commas, line breaks (CRLF too) and doubled quotes */
    expect_read("\"x,y\",\"1\r\n2\",\"q\"\"q\"\r\n", "R:x,y|1\r\n2|q\"q@21\n");
    /* empty fields, an empty quoted field, a lone line end */
    expect_read(",\"\",\r\n\n", "R:||@6\nR:@7\n");
    /* no line end at the end: a record cut short */
    expect_read("a,b\r\nc,\"d", "R:a|b@5\nP@9\n");
    expect_read("a,b\r\nc,d", "R:a|b@5\nP@8\n");
    /* malformed records are read to their end and reported, the next one is fine */
    expect_read("a\"b,c\nok\n", "B@6\nR:ok@9\n");
    expect_read("\"a\"b,c\nok\n", "B@7\nR:ok@10\n");
    expect_read("\"open,\nstill\"\nok\n", "R:open,\nstill@14\nR:ok@17\n");

    /* too wide and too long records are bad, never kept whole */
    size_t wide = CSV_FIELDS_MAX + 1;
    char *text = malloc(2 * wide + 4);
    for (size_t i = 0; i < wide; i++)
        memcpy(text + 2 * i, "x,", 2);
    strcpy(text + 2 * wide - 1, "\nok\n");
    char *got = read_back(text, strlen(text));
    assert_int_equal(got[0], 'B');
    assert_non_null(strstr(got, "R:ok@"));
    free(got);
    free(text);
    size_t long_len = CSV_RECORD_MAX + 10;
    text = malloc(long_len + 5);
    memset(text, 'y', long_len);
    strcpy(text + long_len, "\nok\n");
    got = read_back(text, strlen(text));
    assert_int_equal(got[0], 'B');
    assert_non_null(strstr(got, "R:ok@"));
    free(got);
    free(text);
}

static char *write_csv(const char *const *records, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct output_writer w;
    assert_int_equal(output_open(&w, output_module_by_name("csv"), f, false), 0);
    for (size_t i = 0; i < n; i++) {
        json_t *rec = json_loads(records[i], 0, NULL);
        assert_non_null(rec);
        assert_int_equal(output_write(&w, rec), 0);
        json_decref(rec);
    }
    assert_int_equal(output_close(&w), 0);
    fclose(f);
    return buf;
}

static void test_rows(void **state)
{
    (void)state;
    const char *const records[] = {
        "{\"ip\":\"198.18.3.2\",\"port\":80,\"host\":\"h, \\\"q\\\"\",\"asn\":64500,\"results\":["
        "{\"test\":\"LivenessTest\",\"status\":\"PASS\",\"stage\":null,\"reason\":null,"
        "\"path\":[[1,\"198.18.1.1\"],[2,\"198.18.2.2\"]],\"custom\":null},"
        "{\"test\":\"OptionSupportTest\",\"status\":\"UNK\",\"stage\":1,\"reason\":\"at hop 2 "
        "(a,b)\",\"path\":[],\"custom\":{\"diff\":[\"x\",\"y\\n\"]}}]}",
        "{\"ip\":\"192.0.2.1\",\"port\":80,\"host\":null,\"results\":[],\"_status\":\"DISC\"}",
        "{\"ip\":\"198.18.3.3\",\"port\":81,\"host\":null,\"results\":[]}",
    };
    char *csv = write_csv(records, 3);
    assert_string_equal(
        csv,
        HEADER "198.18.3.2,80,\"h, \"\"q\"\"\",\"{\"\"asn\"\":64500}\",LivenessTest,PASS,,,1 2,"
               "198.18.1.1 198.18.2.2,,2\r\n"
               "198.18.3.2,80,\"h, \"\"q\"\"\",\"{\"\"asn\"\":64500}\",OptionSupportTest,UNK,1,"
               "\"at hop 2 (a,b)\",,,\"{\"\"diff\"\":[\"\"x\"\",\"\"y\\n\"\"]}\",2\r\n"
               "192.0.2.1,80,,,,DISC,,,,,,0\r\n"
               "198.18.3.3,81,,,,,,,,,,0\r\n");
    free(csv);
    /* no target at all: the header alone */
    csv = write_csv(NULL, 0);
    assert_string_equal(csv, HEADER);
    free(csv);
}

static int count_done(void *ctx, const struct ip_addr *ip, uint16_t port, bool filtered)
{
    (void)ip, (void)port, (void)filtered;
    ++*(size_t *)ctx;
    return TCPREQ_OK;
}

static int scan_text(const char *text, struct output_scan *scan, size_t *done)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    *done = 0;
    int rc = output_module_by_name("csv")->resume_scan(in, count_done, done, scan);
    fclose(in);
    return rc;
}

static void test_resume_scan_edge_cases(void **state)
{
    (void)state;
    struct output_scan scan;
    size_t done;
    /* another file named .csv (a ZMap output, say) is refused, not taken as empty */
    assert_int_equal(scan_text("saddr,sport,success\r\n198.18.3.2,80,1\r\n", &scan, &done),
                     TCPREQ_EPROTO);
    assert_non_null(strstr(scan.error, "not a tcpreq CSV output"));
    /* rows that are not ours are counted and kept; a target whose rows are interrupted by
     * another target's is not done */
    const char *text = HEADER "198.18.3.2,80,,,LivenessTest,PASS,,,,,,2\r\n"
                              "not,a,row\r\n"
                              "198.18.3.4,80,,,LivenessTest,PASS,,,,,,2\r\n"
                              "198.18.3.5,80,,,LivenessTest,PASS,,,,,,1\r\n"
                              "198.18.3.6,99999,,,LivenessTest,PASS,,,,,,1\r\n"
                              "198.18.3.7,80,,,,FLTR,,,,,,0\r\n";
    assert_int_equal(scan_text(text, &scan, &done), 0);
    assert_int_equal(done, 2); /* .5 and .7 */
    assert_int_equal(scan.records, 2);
    assert_int_equal(scan.bad, 4); /* .2's row, the stray row, .4's row, the bad port */
    assert_int_equal(scan.valid_len, (off_t)strlen(text));
    assert_false(scan.partial_tail);
    /* an empty file resumes nothing */
    assert_int_equal(scan_text("", &scan, &done), 0);
    assert_int_equal(done, 0);
    assert_int_equal(scan.valid_len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_quoting),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_resume_scan_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
