/* Target-list readers: JSON Lines and ZMap CSV, good lines around bad ones, and the
 * "FILE:LINE: reason" messages for each kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "input/input.h"

struct run {
    char *diag;
    size_t diag_len;
    char ips[16][64];
    unsigned ports[16];
    json_t *records[16];
    size_t n;
    struct input_stats stats;
};

/* Read all of text (len bytes) in format, collecting targets and messages. */
static void read_all(enum input_format format, const char *text, size_t len, struct run *out)
{
    memset(out, 0, sizeof(*out));
    FILE *in = fmemopen((void *)text, len, "r");
    FILE *diag = open_memstream(&out->diag, &out->diag_len);
    assert_non_null(in);
    assert_non_null(diag);
    struct input_reader r;
    input_open_stream(&r, format, in, "list", diag);
    struct ip_addr ip;
    uint16_t port;
    json_t *rec;
    int rc;
    while ((rc = input_next(&r, &ip, &port, &rec)) == 1) {
        assert_true(out->n < 16);
        ip_addr_format(&ip, out->ips[out->n], sizeof(out->ips[0]));
        out->ports[out->n] = port;
        out->records[out->n++] = rec;
    }
    assert_int_equal(rc, 0);
    out->stats = r.stats;
    input_close(&r);
    fclose(in);
    fclose(diag);
}

static void run_free(struct run *r)
{
    for (size_t i = 0; i < r->n; i++)
        json_decref(r->records[i]);
    free(r->diag);
}

static void read_str(enum input_format format, const char *text, struct run *out)
{
    read_all(format, text, strlen(text), out);
}

static void test_jsonl_good_and_bad(void **state)
{
    (void)state;
    struct run r;
    read_str(INPUT_JSONL,
             "{\"ip\": \"198.18.3.2\", \"port\": 80, \"asn\": 64500}\n"
             "\n"
             "{\"ip\": \"198.18.3.300\", \"port\": 80}\n"
             "{\"ip\": \"fd00:7463:3::2\", \"port\": 443, \"host\": \"lab.example\"}\r\n"
             "{\"ip\": \"198.18.3.2\", \"port\": 0}\n"
             "{\"ip\": \"198.18.3.2\", \"port\": \"80\"}\n"
             "[1, 2]\n"
             "{\"ip\": \"198.18.3.2\", \"port\": 80, \"host\": 5}\n"
             "{\"ip\": \"198.18.3.2\", \"port\": 80, \"ip\": \"198.18.3.3\"}\n"
             "{\"ip\": \"198.18.3.4\", \"port\": 8",
             &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ips[0], "198.18.3.2");
    assert_int_equal(r.ports[0], 80);
    /* other keys pass through; a missing host becomes null */
    assert_int_equal(json_integer_value(json_object_get(r.records[0], "asn")), 64500);
    assert_true(json_is_null(json_object_get(r.records[0], "host")));
    assert_string_equal(r.ips[1], "fd00:7463:3::2");
    assert_string_equal(json_string_value(json_object_get(r.records[1], "host")), "lab.example");
    assert_int_equal(r.stats.bad_lines, 7);
    assert_int_equal(r.stats.targets, 2);
    assert_non_null(strstr(r.diag, "tcpreq: list:3: \"ip\" is not an IPv4 or IPv6 address\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:5: \"port\" is not an integer in 1..65535\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:6: \"port\" is not an integer in 1..65535\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:7: not a JSON object\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:8: \"host\" is neither a string nor null\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:9: invalid JSON: duplicate object key"));
    assert_non_null(strstr(r.diag, "tcpreq: list:10: invalid JSON: ")); /* truncated */
    run_free(&r);
}

static void test_jsonl_hostile_bytes(void **state)
{
    (void)state;
    struct run r;
    /* invalid UTF-8, a NUL byte, then a line far over the limit, then a good line */
    size_t huge = 3 * INPUT_LINE_MAX;
    const char head[] = "{\"ip\": \"198.18.3.2\", \"port\": 80, \"x\": \"\xff\xfe\"}\n"
                        "{\"ip\": \"198.18.3.2\"\0, \"port\": 80}\n";
    const char tail[] = "\n{\"ip\": \"198.18.3.5\", \"port\": 81}\n";
    size_t len = sizeof(head) - 1 + huge + sizeof(tail) - 1;
    char *text = malloc(len);
    assert_non_null(text);
    memcpy(text, head, sizeof(head) - 1);
    memset(text + sizeof(head) - 1, 'a', huge);
    memcpy(text + sizeof(head) - 1 + huge, tail, sizeof(tail) - 1);
    read_all(INPUT_JSONL, text, len, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ips[0], "198.18.3.5");
    assert_int_equal(r.ports[0], 81);
    assert_non_null(strstr(r.diag, "tcpreq: list:1: invalid JSON: "));
    assert_non_null(strstr(r.diag, "tcpreq: list:2: NUL byte in line\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:3: line longer than 65536 bytes, skipped\n"));
    assert_int_equal(r.stats.bad_lines, 3);
    run_free(&r);
    free(text);
}

static void test_zmap_rows(void **state)
{
    (void)state;
    struct run r;
    read_str(INPUT_ZMAP,
             "classification,saddr,sport,success,repeat\n"
             "synack,198.18.3.2,80,1,0\n"
             "rst,198.18.3.2,81,0,0\n"
             "\"syn,ack\",\"198.18.3.3\",\"80\",1,0\n"
             "synack,198.18.3.999,80,1,0\n"
             "synack,198.18.3.4,70000,1,0\n"
             "synack,198.18.3.4,-1,1,0\n"
             "synack,198.18.3.4\n"
             "\"unterminated,198.18.3.4,80,1,0\n"
             "synack,fd00:7463:3::2,443,1,0",
             &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.ips[0], "198.18.3.2");
    assert_string_equal(r.ips[1], "198.18.3.3");
    assert_string_equal(r.ips[2], "fd00:7463:3::2");
    assert_int_equal(r.ports[2], 443);
    assert_true(json_is_null(json_object_get(r.records[0], "host")));
    assert_int_equal(r.stats.not_success, 1);
    assert_int_equal(r.stats.bad_lines, 5);
    assert_non_null(strstr(r.diag, "tcpreq: list:5: saddr '198.18.3.999' is not an IPv4 or IPv6"));
    assert_non_null(strstr(r.diag, "tcpreq: list:6: sport '70000' is not a port in 1..65535\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:7: sport '-1' is not a port in 1..65535\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:8: 2 fields, the header has at least 4\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:9: malformed CSV row\n"));
    run_free(&r);
}

static void test_zmap_header_required(void **state)
{
    (void)state;
    struct run r;
    read_str(INPUT_ZMAP, "198.18.3.2,80,1\n198.18.3.3,80,1\n", &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.stats.bad_lines, 1);
    assert_non_null(strstr(r.diag, "tcpreq: list:1: not a ZMap CSV header: saddr, sport and "
                                   "success are required"));
    run_free(&r);
}

static void test_csv_split(void **state)
{
    (void)state;
    char line[] = "a,\"b,\"\"c\"\"\",,\"\"";
    char *f[8];
    assert_int_equal(input_csv_split(line, f, 8), 4);
    assert_string_equal(f[0], "a");
    assert_string_equal(f[1], "b,\"c\"");
    assert_string_equal(f[2], "");
    assert_string_equal(f[3], "");
    char bad[] = "\"a\"b,c";
    assert_int_equal(input_csv_split(bad, f, 8), -1);
    char many[] = "1,2,3";
    assert_int_equal(input_csv_split(many, f, 2), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_good_and_bad),
        cmocka_unit_test(test_jsonl_hostile_bytes),
        cmocka_unit_test(test_zmap_rows),
        cmocka_unit_test(test_zmap_header_required),
        cmocka_unit_test(test_csv_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
