/* Target inputs that could stall or swamp the engine (issue 15, defects 3 and 9): a pipe that
 * stops in the middle of a line is waited for, not blocked on; a long stretch without a
 * target hands the loop back; Nmap XML is bounded in depth, attributes and tag size before
 * libxml2 parses it, with a FILE:LINE error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "input/input.h"
#include "input/xml_bounds.h"

static void write_all(int fd, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
}

/* --json from a pipe: nothing there yet is INPUT_AGAIN with the pipe to wait for, a line
 * cut between writes is taken up where it stopped, the end of the pipe is the end. */
static void test_pipe_is_waited_for_not_blocked_on(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    FILE *in = fdopen(p[0], "r");
    assert_non_null(in);
    struct input_reader r;
    input_open_stream(&r, input_format_by_option("--json"), in, "<stdin>", NULL);
    struct target t;
    assert_int_equal(input_next(&r, &t), INPUT_AGAIN);
    assert_int_equal(r.wait_fd, p[0]);
    write_all(p[1], "{\"ip\": \"198.18.3.2\", ");
    assert_int_equal(input_next(&r, &t), INPUT_AGAIN);
    write_all(p[1], "\"port\": 80}\n{\"ip\": \"198.18.3.3\"");
    assert_int_equal(input_next(&r, &t), 1);
    assert_int_equal(t.port, 80);
    json_decref(t.record);
    assert_int_equal(input_next(&r, &t), INPUT_AGAIN);
    write_all(p[1], ", \"port\": 443}");
    close(p[1]); /* the last line has no line end */
    assert_int_equal(input_next(&r, &t), 1);
    assert_int_equal(t.port, 443);
    json_decref(t.record);
    assert_int_equal(input_next(&r, &t), 0);
    assert_int_equal(r.stats.targets, 2);
    input_close(&r);
    fclose(in);
}

/* Megabytes of lines without a target: input_next returns INPUT_AGAIN (no descriptor to
 * wait for: the loop runs once) after about INPUT_YIELD_BYTES, and the target after them is
 * still read. */
static void test_long_runs_without_targets_yield(void **state)
{
    (void)state;
    const char bad[] = "not json\n", good[] = "{\"ip\": \"198.18.3.2\", \"port\": 80}\n";
    size_t lines = 3 * INPUT_YIELD_BYTES / (sizeof(bad) - 1);
    size_t len = lines * (sizeof(bad) - 1) + sizeof(good) - 1;
    char *text = malloc(len);
    assert_non_null(text);
    for (size_t i = 0; i < lines; i++)
        memcpy(text + i * (sizeof(bad) - 1), bad, sizeof(bad) - 1);
    memcpy(text + lines * (sizeof(bad) - 1), good, sizeof(good) - 1);
    FILE *in = fmemopen(text, len, "r");
    assert_non_null(in);
    struct input_reader r;
    input_open_stream(&r, input_format_by_option("--json"), in, "list", NULL);
    struct target t;
    int yields = 0, rc;
    while ((rc = input_next(&r, &t)) == INPUT_AGAIN) {
        assert_int_equal(r.wait_fd, -1);
        yields++;
    }
    assert_int_equal(rc, 1);
    assert_true(yields >= 2 && yields <= 4);
    assert_int_equal(r.stats.bad_lines, lines);
    json_decref(t.record);
    assert_int_equal(input_next(&r, &t), 0);
    input_close(&r);
    fclose(in);
    free(text);
}

/* Read an Nmap document to its end, collecting ports and messages. */
static size_t nmap_ports(const char *text, size_t len, char **diag)
{
    size_t diag_len;
    FILE *in = fmemopen((void *)text, len, "r"), *d = open_memstream(diag, &diag_len);
    assert_non_null(in);
    assert_non_null(d);
    struct input_reader r;
    input_open_stream(&r, input_format_by_option("--nmap"), in, "scan.xml", d);
    struct target t;
    size_t n = 0;
    int rc;
    while ((rc = input_next(&r, &t)) != 0) {
        if (rc == INPUT_AGAIN)
            continue;
        assert_int_equal(rc, 1);
        json_decref(t.record);
        n++;
    }
    input_close(&r);
    fclose(in);
    fclose(d);
    return n;
}

#define HOST                                                                                       \
    "<host><status state=\"up\"/><address addr=\"198.18.3.2\" addrtype=\"ipv4\"/>\n"               \
    "<ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port></ports></host>\n"

/* 99 MB of nested elements took 1.2 GB: now the file stops at the 65th level, with its
 * line, and the open port before it counts. */
static void test_nmap_depth_bounded(void **state)
{
    (void)state;
    size_t levels = 100000;
    const char head[] = "<nmaprun>\n" HOST;
    char *text = malloc(sizeof(head) + levels * 3 + 16);
    assert_non_null(text);
    char *p = stpcpy(text, head);
    for (size_t i = 0; i < levels; i++)
        p = stpcpy(p, "<a>");
    char *diag = NULL;
    assert_int_equal(nmap_ports(text, (size_t)(p - text), &diag), 1);
    assert_string_equal(diag, "tcpreq: scan.xml:4: elements nested deeper than 64 levels, "
                              "which Nmap never writes; rest of the file skipped\n");
    free(diag);
    free(text);
}

/* One start tag with 400,000 attributes cost 45 s in libxml2: stopped at the 65th. */
static void test_nmap_attributes_bounded(void **state)
{
    (void)state;
    size_t attrs = 400000;
    const char head[] = "<nmaprun>\n" HOST "<host\n";
    char *text = malloc(sizeof(head) + attrs * 16 + 16);
    assert_non_null(text);
    char *p = stpcpy(text, head);
    for (size_t i = 0; i < attrs; i++)
        p += sprintf(p, " a%zu=\"v\"", i);
    p = stpcpy(p, "/>");
    char *diag = NULL;
    assert_int_equal(nmap_ports(text, (size_t)(p - text), &diag), 1);
    assert_string_equal(diag, "tcpreq: scan.xml:5: a start tag with more than 64 attributes, "
                              "which Nmap never writes; rest of the file skipped\n");
    free(diag);
    free(text);
}

static size_t scan_all(const char *text, char *why)
{
    struct xml_bounds b;
    xml_bounds_init(&b);
    return xml_bounds_scan(&b, text, strlen(text), why, 96);
}

/* Markup that is no element or attribute counts for nothing: quoted '>' and '=', comments,
 * CDATA, processing instructions, a DOCTYPE with an internal subset, empty elements. */
static void test_scanner_follows_markup(void **state)
{
    (void)state;
    char why[96];
    char deep[64 * 3 + 8], *p = deep;
    for (int i = 0; i < XML_DEPTH_MAX; i++)
        p = stpcpy(p, "<a>");
    assert_int_equal(scan_all(deep, why), strlen(deep)); /* 64 levels: fine */
    p = stpcpy(p, "<b>");
    assert_int_equal(scan_all(deep, why), strlen(deep) - 1); /* the 65th's '>' */

    char text[8192];
    p = stpcpy(text, "<?xml version=\"1.0\"?><!DOCTYPE nmaprun [<!ELEMENT a (b)> ]>"
                     "<!-- <a><a> x=1 -- -> --><![CDATA[<a x=1 y=2>]]>");
    for (int i = 0; i < 200; i++)
        p = stpcpy(p, "<e a=\"x=>y\" b='=<'/>"); /* empty elements, '=' and '>' in values */
    p = stpcpy(p, "<t");
    for (int i = 0; i < XML_ATTRS_MAX; i++)
        p += sprintf(p, " a%d='='", i);
    p = stpcpy(p, ">");
    assert_int_equal(scan_all(text, why), strlen(text));
    p[-1] = ' ';
    p = stpcpy(p, "one=\"more\">");
    assert_true(scan_all(text, why) < strlen(text));
    assert_string_equal(why, "a start tag with more than 64 attributes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_is_waited_for_not_blocked_on),
        cmocka_unit_test(test_long_runs_without_targets_yield),
        cmocka_unit_test(test_nmap_depth_bounded),
        cmocka_unit_test(test_nmap_attributes_bounded),
        cmocka_unit_test(test_scanner_follows_markup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
