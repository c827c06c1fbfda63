/* Line limits of the files read before the loop (issue 15, defect 9): a 100 MB line took 281
 * MB as a blocklist and 597 MB as a --resume file. Now a line longer than its bound is read
 * to its end without being kept: a blocklist names it FILE:LINE, a --resume scan keeps it as
 * no record (counted, first line noted), @FILE names it FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/args.h"
#include "common/err.h"
#include "common/lines.h"
#include "output/output.h"
#include "targets/blocklist.h"

static char *repeated(char c, size_t n, const char *head, const char *tail, size_t *len)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, c, n);
    memcpy(s + h + n, tail, t + 1);
    *len = h + n + t;
    return s;
}

static void test_reader_bounds_lines(void **state)
{
    (void)state;
    size_t len;
    char *text = repeated('a', 100, "one\n", "\nlast", &len);
    FILE *in = fmemopen(text, len, "r");
    struct line_reader r;
    assert_int_equal(line_reader_init(&r, in, 10), 0);
    size_t n;
    assert_int_equal(line_next(&r, &n), LINE_OK);
    assert_string_equal(r.buf, "one");
    assert_true(r.newline);
    assert_int_equal(line_next(&r, &n), LINE_TOO_LONG);
    assert_int_equal(r.number, 2);
    assert_int_equal(r.consumed, 101);
    assert_int_equal(line_next(&r, &n), LINE_OK);
    assert_string_equal(r.buf, "last");
    assert_false(r.newline);
    assert_int_equal(line_next(&r, &n), LINE_END);
    line_reader_free(&r);
    fclose(in);
    free(text);
}

static void test_blocklist_line_too_long(void **state)
{
    (void)state;
    size_t len;
    char *text = repeated(' ', 10 << 20, "198.18.0.0/16\n10.0.0.0/8", " # pad\n", &len);
    FILE *in = fmemopen(text, len, "r");
    struct prefix_tree t;
    prefix_tree_init(&t);
    char err[256];
    assert_int_equal(blocklist_load(in, "block.txt", &t, NULL, err, sizeof(err)), TCPREQ_EINVAL);
    assert_string_equal(err, "block.txt:2: line longer than 4096 bytes (expected ADDRESS or "
                             "ADDRESS/LENGTH)");
    prefix_tree_free(&t);
    fclose(in);
    free(text);
}

static int count_done(void *ctx, const struct ip_addr *ip, uint16_t port, bool filtered)
{
    (void)ip, (void)port, (void)filtered;
    (*(int *)ctx)++;
    return TCPREQ_OK;
}

static void test_resume_long_line_is_no_record(void **state)
{
    (void)state;
    const char rec[] = "{\"ip\":\"198.18.3.2\",\"port\":80,\"host\":null,\"results\":[]}\n";
    size_t len;
    char *junk = repeated('x', 3 << 20, rec, "\n", &len);
    char *text = malloc(len + 2 * sizeof(rec));
    assert_non_null(text);
    memcpy(text, junk, len);
    memcpy(text + len, rec, sizeof(rec) - 1);
    size_t total = len + sizeof(rec) - 1;
    FILE *in = fmemopen(text, total, "r");
    int records = 0;
    struct output_scan scan;
    const struct output_module *jsonl = output_module_by_name("jsonl");
    assert_int_equal(jsonl->resume_scan(in, count_done, &records, &scan), TCPREQ_OK);
    assert_int_equal(records, 2);
    assert_int_equal(scan.bad, 1);
    assert_int_equal(scan.bad_long, 1);
    assert_int_equal(scan.first_long_line, 2);
    assert_int_equal(scan.valid_len, (off_t)total);
    fclose(in);
    free(text);
    free(junk);
}

static void test_argfile_line_too_long(void **state)
{
    (void)state;
    char path[] = "/tmp/tcpreq-argfile-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len;
    char *text = repeated('1', 70000, "-B\n198.18.1.2\n", "\n", &len);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    char arg[64];
    snprintf(arg, sizeof(arg), "@%s", path);
    char *argv[] = {"tcpreq", arg, NULL};
    struct cli_options opts;
    assert_int_equal(cli_parse(2, argv, &opts), EXIT_USAGE);
    cli_free(&opts);
    unlink(path);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_bounds_lines),
        cmocka_unit_test(test_blocklist_line_too_long),
        cmocka_unit_test(test_resume_long_line_is_no_record),
        cmocka_unit_test(test_argfile_line_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
