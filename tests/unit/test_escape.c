/* Escaping bytes from input before they reach a terminal or a report (issue 15, defect 5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/escape.h"

static void test_printable_ascii_is_kept(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(escape_str(out, sizeof(out), "10.1.0.0/16 # ok"), "10.1.0.0/16 # ok");
    assert_true(escape_is_plain("abc ~", 5));
}

static void test_controls_high_bytes_and_backslash_are_escaped(void **state)
{
    (void)state;
    char out[64];
    /* ESC [ 2 J clears a terminal; CR rewrites the line; 0xff is no UTF-8 */
    const char in[] = "a\x1b[2J\r\xff\\b\x7f";
    assert_string_equal(escape_bytes(out, sizeof(out), in, sizeof(in) - 1),
                        "a\\x1b[2J\\x0d\\xff\\\\b\\x7f");
    assert_false(escape_is_plain(in, sizeof(in) - 1));
    /* a NUL inside the bytes is shown, not an end */
    assert_string_equal(escape_bytes(out, sizeof(out), "x\0y", 3), "x\\x00y");
}

static void test_escapes_are_never_cut(void **state)
{
    (void)state;
    char out[6];
    /* "ab" fits, "\x1b" would need 4 more bytes and 1 for the NUL: left out whole */
    assert_string_equal(escape_bytes(out, sizeof(out), "ab\x1b", 3), "ab");
    char one[1];
    assert_string_equal(escape_bytes(one, sizeof(one), "abc", 3), "");
    char room[ESCAPE_CAP(3)];
    assert_string_equal(escape_bytes(room, sizeof(room), "\x01\x02\x03", 3), "\\x01\\x02\\x03");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable_ascii_is_kept),
        cmocka_unit_test(test_controls_high_bytes_and_backslash_are_escaped),
        cmocka_unit_test(test_escapes_are_never_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
