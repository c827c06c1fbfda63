/* -b blocklist files: the accepted line forms, host bits, and FILE:LINE errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "targets/blocklist.h"

static void test_line_forms(void **state)
{
    (void)state;
    struct ip_addr a;
    unsigned len = 0;
    bool host = true;
    char buf[IP_ADDR_STRLEN];
    assert_int_equal(blocklist_parse_line("198.18.128.0/24", &a, &len, &host), 1);
    assert_string_equal(ip_addr_format(&a, buf, sizeof(buf)), "198.18.128.0");
    assert_int_equal(len, 24);
    assert_false(host);
    assert_int_equal(blocklist_parse_line("  198.18.128.9  # the printer\t", &a, &len, &host), 1);
    assert_int_equal(len, 32); /* a bare address is a host route */
    assert_int_equal(blocklist_parse_line("fd00:7463::/32#no space", &a, &len, &host), 1);
    assert_int_equal(len, 32);
    assert_int_equal(a.family, IP_FAMILY_V6);
    assert_int_equal(blocklist_parse_line("fd00::5", &a, &len, &host), 1);
    assert_int_equal(len, 128);
    assert_int_equal(blocklist_parse_line("0.0.0.0/0", &a, &len, &host), 1);
    assert_int_equal(len, 0);
    assert_int_equal(blocklist_parse_line("::/0", &a, &len, &host), 1);
    assert_int_equal(blocklist_parse_line("198.18.1.77/24", &a, &len, &host), 1);
    assert_true(host);
    assert_string_equal(ip_addr_format(&a, buf, sizeof(buf)), "198.18.1.0");

    assert_int_equal(blocklist_parse_line("", &a, &len, &host), 0);
    assert_int_equal(blocklist_parse_line("   \t", &a, &len, &host), 0);
    assert_int_equal(blocklist_parse_line("# 10.0.0.0/8", &a, &len, &host), 0);
    assert_int_equal(blocklist_parse_line("   # indented comment", &a, &len, &host), 0);

    const char *bad[] = {"198.18.300.1",
                         "198.18.0.0/33",
                         "fd00::/129",
                         "198.18.0.0/",
                         "198.18.0.0/-1",
                         "198.18.0.0/+8",
                         "198.18.0.0/ 8",
                         "198.18.0.0/0x8",
                         "198.18.0.0/08x",
                         "198.18.0.0/1000",
                         "198.18.0.0 10.0.0.0",
                         "example.com",
                         "198.18.0.0/24/24",
                         "[fd00::1]",
                         "198.18.0.1:80",
                         "/24",
                         "198.18.0.0/16 garbage # comment"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (blocklist_parse_line(bad[i], &a, &len, &host) != TCPREQ_EINVAL)
            fail_msg("accepted '%s'", bad[i]);
    }
}

static int load_text(const char *text, size_t text_len, struct prefix_tree *t, char *warn_buf,
                     size_t warn_cap, char *err, size_t err_cap)
{
    FILE *in = fmemopen((void *)text, text_len, "r");
    FILE *warn = fmemopen(warn_buf, warn_cap, "w");
    assert_non_null(in);
    assert_non_null(warn);
    int rc = blocklist_load(in, "lab.txt", t, warn, err, err_cap);
    fclose(in);
    fclose(warn);
    return rc;
}

static void test_load_file(void **state)
{
    (void)state;
    static const char text[] = "# lab blocklist\r\n"
                               "\n"
                               "198.18.128.0/30   # first four\r\n"
                               "198.18.129.7\n"
                               "198.18.130.77/24\n"
                               "fd00:7463:3::/48\n"
                               "  # trailing blank lines\n\n";
    struct prefix_tree t;
    prefix_tree_init(&t);
    char warn[512] = {0}, err[256] = {0};
    assert_int_equal(load_text(text, sizeof(text) - 1, &t, warn, sizeof(warn), err, sizeof(err)),
                     0);
    assert_int_equal(t.prefixes, 4);
    assert_string_equal(warn, "tcpreq: lab.txt:5: warning: host bits set in '198.18.130.77/24', "
                              "using 198.18.130.0/24\n");
    struct ip_addr a;
    assert_int_equal(ip_addr_parse("198.18.128.3", &a), 0);
    assert_true(prefix_tree_contains(&t, &a, NULL));
    assert_int_equal(ip_addr_parse("198.18.128.4", &a), 0);
    assert_false(prefix_tree_contains(&t, &a, NULL));
    assert_int_equal(ip_addr_parse("198.18.130.200", &a), 0);
    assert_true(prefix_tree_contains(&t, &a, NULL));
    assert_int_equal(ip_addr_parse("fd00:7463:3::99", &a), 0);
    assert_true(prefix_tree_contains(&t, &a, NULL));
    prefix_tree_free(&t);
}

static void test_malformed_line_names_file_and_line(void **state)
{
    (void)state;
    static const char text[] = "198.18.128.0/24\n# ok\n198.18.128.0/40\n10.0.0.0/8\n";
    struct prefix_tree t;
    prefix_tree_init(&t);
    char warn[64] = {0}, err[256] = {0};
    assert_int_equal(load_text(text, sizeof(text) - 1, &t, warn, sizeof(warn), err, sizeof(err)),
                     TCPREQ_EINVAL);
    assert_string_equal(err, "lab.txt:3: invalid blocklist entry '198.18.128.0/40' "
                             "(expected ADDRESS or ADDRESS/LENGTH)");
    prefix_tree_free(&t);

    /* a NUL byte would hide the rest of its line from a string parser: an error too, and
     * named as such (quoting the line up to the NUL, "10.1.0.0/16", looked valid) */
    static const char nul[] = "198.18.128.0/24\n10.1.0.0/16\0 10.0.0.0/8\n";
    prefix_tree_init(&t);
    assert_int_equal(load_text(nul, sizeof(nul) - 1, &t, warn, sizeof(warn), err, sizeof(err)),
                     TCPREQ_EINVAL);
    assert_string_equal(err, "lab.txt:2: NUL byte at column 12 (a blocklist is text: ADDRESS or "
                             "ADDRESS/LENGTH per line)");
    prefix_tree_free(&t);

    /* terminal escape sequences in a bad line are shown escaped, never sent as they are */
    static const char esc[] = "\x1b]0;owned\x07\x1b[2J10.0.0.0/8\n";
    prefix_tree_init(&t);
    assert_int_equal(load_text(esc, sizeof(esc) - 1, &t, warn, sizeof(warn), err, sizeof(err)),
                     TCPREQ_EINVAL);
    assert_string_equal(err, "lab.txt:1: invalid blocklist entry '\\x1b]0;owned\\x07\\x1b[2J"
                             "10.0.0.0/8' (expected ADDRESS or ADDRESS/LENGTH)");
    prefix_tree_free(&t);

    prefix_tree_init(&t);
    assert_int_equal(blocklist_load_file("/nonexistent/block.txt", &t, NULL, err, sizeof(err)),
                     TCPREQ_ESYS);
    assert_non_null(strstr(err, "/nonexistent/block.txt"));
    prefix_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_forms),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_malformed_line_names_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
