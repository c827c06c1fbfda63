/* Target-list readers: JSON Lines, ZMap CSV and Nmap XML, good input around bad input, and the
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
static void read_all(const char *option, const char *text, size_t len, struct run *out)
{
    memset(out, 0, sizeof(*out));
    FILE *in = fmemopen((void *)text, len, "r");
    FILE *diag = open_memstream(&out->diag, &out->diag_len);
    assert_non_null(in);
    assert_non_null(diag);
    struct input_reader r;
    const struct input_format *format = input_format_by_option(option);
    assert_non_null(format);
    input_open_stream(&r, format, in, "list", diag);
    struct target t;
    int rc;
    while ((rc = input_next(&r, &t)) == 1) {
        assert_true(out->n < 16);
        ip_addr_format(&t.ip, out->ips[out->n], sizeof(out->ips[0]));
        out->ports[out->n] = t.port;
        out->records[out->n++] = t.record;
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

static void read_str(const char *option, const char *text, struct run *out)
{
    read_all(option, text, strlen(text), out);
}

static void test_jsonl_good_and_bad(void **state)
{
    (void)state;
    struct run r;
    read_str("--json",
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
    read_all("--json", text, len, &r);
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
    read_str("--zmap",
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

/* Fields quoted in messages reach a terminal: escape sequences in them are escaped (an
 * OSC title change and a screen clear here), and so is the JSON parser's quote of a line. */
static void test_messages_escape_input_bytes(void **state)
{
    (void)state;
    struct run r;
    read_str("--zmap",
             "saddr,sport,success\n"
             "\x1b]0;owned\x07,80,1\n"
             "198.18.3.2,\x1b[2J,1\n",
             &r);
    assert_int_equal(r.n, 0);
    assert_null(strchr(r.diag, '\x1b'));
    assert_null(strchr(r.diag, '\x07'));
    assert_non_null(strstr(r.diag, "tcpreq: list:2: saddr '\\x1b]0;owned\\x07' is not"));
    assert_non_null(strstr(r.diag, "tcpreq: list:3: sport '\\x1b[2J' is not a port"));
    run_free(&r);
    read_str("--json", "{\"ip\": \x1b[31m}\n", &r);
    assert_int_equal(r.stats.bad_lines, 1);
    assert_null(strchr(r.diag, '\x1b'));
    run_free(&r);
}

static void test_zmap_header_required(void **state)
{
    (void)state;
    struct run r;
    read_str("--zmap", "198.18.3.2,80,1\n198.18.3.3,80,1\n", &r);
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

/* What nmap -oX prints (7.93), trimmed, with a <hosthint>, a host that is down, a MAC
 * address, closed, filtered and UDP ports, and two bad elements. */
static const char nmap_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE nmaprun>\n"
    "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n"
    "<nmaprun scanner=\"nmap\" args=\"nmap -sT -p 80,81,443 -oX - lab.example\">\n"
    "<hosthint><status state=\"up\" reason=\"unknown-response\"/>\n"
    "<address addr=\"198.18.3.9\" addrtype=\"ipv4\"/>\n"
    "<hostnames>\n</hostnames>\n</hosthint>\n"
    "<host><status state=\"up\" reason=\"syn-ack\"/>\n"
    "<address addr=\"198.18.3.2\" addrtype=\"ipv4\"/>\n"
    "<address addr=\"02:00:00:00:00:01\" addrtype=\"mac\"/>\n"
    "<hostnames>\n<hostname name=\"ptr.example\" type=\"PTR\"/>\n"
    "<hostname name=\"lab.example\" type=\"user\"/>\n</hostnames>\n"
    "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port>\n"
    "<port protocol=\"tcp\" portid=\"81\"><state state=\"closed\"/></port>\n"
    "<port protocol=\"udp\" portid=\"53\"><state state=\"open\"/></port>\n"
    "<port protocol=\"tcp\" portid=\"8080\"><state state=\"filtered\"/></port>\n"
    "<port protocol=\"tcp\" portid=\"99999\"><state state=\"open\"/></port>\n"
    "<port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/></port>\n"
    "</ports>\n</host>\n"
    "<host><status state=\"down\" reason=\"no-response\"/>\n"
    "<address addr=\"198.18.3.3\" addrtype=\"ipv4\"/>\n"
    "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port></ports>\n"
    "</host>\n"
    "<host><status state=\"up\"/>\n"
    "<address addr=\"198.18.3.300\" addrtype=\"ipv4\"/>\n"
    "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port></ports>\n"
    "</host>\n"
    "<host><status state=\"up\"/>\n"
    "<address addr=\"fd00:7463:3::2\" addrtype=\"ipv6\"/>\n"
    "<hostnames>\n</hostnames>\n"
    "<ports><extraports state=\"closed\" count=\"998\"/>\n"
    "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port></ports>\n"
    "</host>\n"
    "<runstats><finished exit=\"success\"/></runstats>\n"
    "</nmaprun>\n";

static void test_nmap_open_ports_of_up_hosts(void **state)
{
    (void)state;
    struct run r;
    read_str("--nmap", nmap_xml, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.ips[0], "198.18.3.2");
    assert_int_equal(r.ports[0], 80);
    /* the name given to nmap, not the PTR name */
    assert_string_equal(json_string_value(json_object_get(r.records[0], "host")), "lab.example");
    assert_string_equal(r.ips[1], "198.18.3.2");
    assert_int_equal(r.ports[1], 443);
    assert_string_equal(r.ips[2], "fd00:7463:3::2");
    assert_int_equal(r.ports[2], 80);
    assert_true(json_is_null(json_object_get(r.records[2], "host")));
    assert_int_equal(r.stats.targets, 3);
    assert_int_equal(r.stats.bad_lines, 2);
    assert_non_null(strstr(r.diag, "tcpreq: list:21: <port portid=\"99999\">: not a port in "
                                   "1..65535; port skipped\n"));
    assert_non_null(strstr(r.diag, "tcpreq: list:30: <address addr=\"198.18.3.300\" "
                                   "addrtype=\"ipv4\">: not such an address; host skipped\n"));
    run_free(&r);
}

/* A scan cut off mid-file (nmap killed): the hosts before the cut are kept. */
static void test_nmap_truncated(void **state)
{
    (void)state;
    struct run r;
    const char *cut = strstr(nmap_xml, "<host><status state=\"down\"");
    assert_non_null(cut);
    read_all("--nmap", nmap_xml, (size_t)(cut - nmap_xml) + 20, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.ports[1], 443);
    assert_int_equal(r.stats.bad_lines, 2); /* port 99999, then the cut */
    assert_non_null(strstr(r.diag, "tcpreq: list:25: not well-formed XML: "));
    assert_non_null(strstr(r.diag, "; rest of the file skipped\n"));
    run_free(&r);
}

static void test_nmap_not_nmap(void **state)
{
    (void)state;
    struct run r;
    read_str("--nmap", "<?xml version=\"1.0\"?>\n<html><body/></html>\n", &r);
    assert_int_equal(r.n, 0);
    assert_non_null(strstr(r.diag, "tcpreq: list:2: root element <html>, not <nmaprun>: not an "
                                   "Nmap XML file (nmap -oX); file skipped\n"));
    run_free(&r);
    read_str("--nmap", "", &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.stats.bad_lines, 1);
    assert_non_null(
        strstr(r.diag, "tcpreq: list:1: empty file: not an Nmap XML file (nmap -oX)\n"));
    run_free(&r);
    /* a ZMap CSV handed to --nmap */
    read_str("--nmap", "saddr,sport,success\n198.18.3.2,80,1\n", &r);
    assert_int_equal(r.n, 0);
    assert_non_null(strstr(r.diag, "tcpreq: list:1: not an Nmap XML file (nmap -oX): "));
    run_free(&r);
}

/* Bytes that are not UTF-8 in a file that says it is: an encoding error naming the line. */
static void test_nmap_not_utf8(void **state)
{
    (void)state;
    struct run r;
    read_str("--nmap",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<nmaprun>\n"
             "<host><status state=\"up\"/><address addr=\"198.18.3.2\" addrtype=\"ipv4\"/>\n"
             "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port>\n"
             "<port protocol=\"tcp\" portid=\"81\" x=\"\xff\xfe\"><state state=\"open\"/></port>\n"
             "</ports></host></nmaprun>\n",
             &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ports[0], 80);
    assert_non_null(strstr(r.diag, "tcpreq: list:5: not well-formed XML: "));
    run_free(&r);
}

/* A whole scan on one line is fine (no line buffer); a start tag of 11 MB is past the bound
 * of a start tag's bytes (XML_TAG_MAX, 1 MiB) and ends the file there, keeping the hosts
 * before it. */
static void test_nmap_one_line_and_huge_value(void **state)
{
    (void)state;
    const char host[] = "<host><status state=\"up\"/><address addr=\"198.18.3.2\" "
                        "addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"80\">"
                        "<state state=\"open\"/></port></ports></host>";
    const char head[] = "<nmaprun>", huge_head[] = "<host><status state=\"";
    size_t hosts = 12, huge = (size_t)11 << 20;
    size_t len = strlen(head) + hosts * strlen(host) + strlen(huge_head) + huge;
    char *text = malloc(len), *p = text;
    assert_non_null(text);
    p = stpcpy(p, head);
    for (size_t i = 0; i < hosts; i++)
        p = stpcpy(p, host);
    p = stpcpy(p, huge_head);
    memset(p, 'u', huge);
    struct run r;
    read_all("--nmap", text, len, &r);
    assert_int_equal(r.n, hosts);
    assert_int_equal(r.stats.bad_lines, 1);
    assert_non_null(strstr(r.diag, "tcpreq: list:1: a start tag longer than 1048576 bytes, "
                                   "which Nmap never writes; rest of the file skipped\n"));
    run_free(&r);
    free(text);
}

/* Entity declarations (nmap never writes one) are refused before any could be expanded: a
 * "billion laughs" file must neither take memory nor time. */
static void test_nmap_entities_refused(void **state)
{
    (void)state;
    struct run r;
    read_str("--nmap",
             "<?xml version=\"1.0\"?>\n"
             "<!DOCTYPE nmaprun [\n"
             "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
             "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
             "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
             "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
             "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
             "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
             "<!ENTITY x SYSTEM \"file:///etc/passwd\">\n"
             "]>\n"
             "<nmaprun><host><status state=\"up\"/>\n"
             "<address addr=\"198.18.3.2&f;\" addrtype=\"ipv4\"/>\n"
             "<hostnames><hostname name=\"&x;\" type=\"user\"/></hostnames>\n"
             "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port>\n"
             "</ports></host></nmaprun>\n",
             &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.stats.bad_lines, 1);
    assert_non_null(strstr(r.diag, "tcpreq: list:3: the document declares entities"));
    run_free(&r);
}

/* The table: every format has a long option of its own, a help line, and exactly one way to
 * read (a line parser or a reader of its own). */
static void test_format_table(void **state)
{
    (void)state;
    assert_int_equal(input_format_count, 3);
    for (size_t i = 0; i < input_format_count; i++) {
        const struct input_format *f = input_formats[i];
        assert_true(strncmp(f->option, "--", 2) == 0);
        assert_non_null(f->help);
        assert_true((f->parse_line != NULL) != (f->next != NULL));
        assert_ptr_equal(input_format_by_option(f->option), f);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(input_formats[k]->option, f->option);
    }
    assert_null(input_format_by_option("--xml"));
    assert_null(input_format_by_option("--nmapx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_jsonl_good_and_bad),
        cmocka_unit_test(test_jsonl_hostile_bytes),
        cmocka_unit_test(test_zmap_rows),
        cmocka_unit_test(test_zmap_header_required),
        cmocka_unit_test(test_messages_escape_input_bytes),
        cmocka_unit_test(test_csv_split),
        cmocka_unit_test(test_nmap_open_ports_of_up_hosts),
        cmocka_unit_test(test_nmap_truncated),
        cmocka_unit_test(test_nmap_not_nmap),
        cmocka_unit_test(test_nmap_not_utf8),
        cmocka_unit_test(test_nmap_entities_refused),
        cmocka_unit_test(test_nmap_one_line_and_huge_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
