/* RFC 7323 and RFC 2018 options (src/tcp/ext_options.c): the bytes each builder writes, the
 * values read back from a parsed header, and what is no such option (wrong length, a second
 * option of the kind, more SACK blocks than fit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/err.h"
#include "tcp/ext_options.h"

#define HEX_CAP (2 * TCP_OPTS_MAX_BYTES + 1)

/* o encoded (padded) as hex. */
static const char *hex_of(const struct tcp_opts *o, char *buf)
{
    uint8_t bytes[TCP_OPTS_MAX_BYTES];
    size_t len;
    assert_int_equal(tcp_opts_encode(o, bytes, sizeof(bytes), &len), TCPREQ_OK);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        buf[2 * i] = digits[bytes[i] >> 4];
        buf[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    buf[2 * len] = '\0';
    return buf;
}

/* The options as a receiver sees them: encoded, then parsed. */
static void reparse(const struct tcp_opts *o, struct tcp_opts *parsed)
{
    uint8_t bytes[TCP_OPTS_MAX_BYTES];
    size_t len;
    assert_int_equal(tcp_opts_encode(o, bytes, sizeof(bytes), &len), TCPREQ_OK);
    assert_int_equal(tcp_opts_parse(bytes, len, parsed), TCPREQ_OK);
}

static void test_wscale(void **state)
{
    (void)state;
    struct tcp_opts o, p;
    char hex[HEX_CAP];
    uint8_t shift = 0;
    tcp_opts_init(&o);
    assert_false(tcp_opts_get_wscale(&o, &shift));
    assert_int_equal(tcp_opts_add_wscale(&o, 15), TCPREQ_OK);
    assert_string_equal(hex_of(&o, hex), "03030f00");
    reparse(&o, &p);
    assert_true(tcp_opts_get_wscale(&p, &shift));
    assert_int_equal(shift, 15);
    /* length 4 is no Window Scale option */
    const uint8_t bad[] = {3, 4, 7, 0};
    assert_int_equal(tcp_opts_parse(bad, sizeof(bad), &p), TCPREQ_OK);
    assert_false(tcp_opts_get_wscale(&p, &shift));
}

static void test_timestamp(void **state)
{
    (void)state;
    struct tcp_opts o, p;
    char hex[HEX_CAP];
    uint32_t tsval = 0, tsecr = 0;
    tcp_opts_init(&o);
    assert_false(tcp_opts_get_timestamp(&o, &tsval, &tsecr));
    assert_int_equal(tcp_opts_add_timestamp(&o, 0x01020304u, 0xa0b0c0d0u), TCPREQ_OK);
    assert_string_equal(hex_of(&o, hex), "080a01020304a0b0c0d00000");
    reparse(&o, &p);
    assert_true(tcp_opts_get_timestamp(&p, &tsval, &tsecr));
    assert_int_equal(tsval, 0x01020304u);
    assert_int_equal(tsecr, 0xa0b0c0d0u);
    /* a Timestamps option 6 bytes long is none */
    const uint8_t bad[] = {8, 6, 1, 2, 3, 4, 1, 1};
    assert_int_equal(tcp_opts_parse(bad, sizeof(bad), &p), TCPREQ_OK);
    assert_false(tcp_opts_get_timestamp(&p, &tsval, &tsecr));
    /* only the first one counts, even when a later one is well-formed */
    const uint8_t two[] = {8, 6, 1, 2, 3, 4, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
    assert_int_equal(tcp_opts_parse(two, sizeof(two), &p), TCPREQ_OK);
    assert_false(tcp_opts_get_timestamp(&p, &tsval, &tsecr));
}

static void test_sack_perm(void **state)
{
    (void)state;
    struct tcp_opts o, p;
    char hex[HEX_CAP];
    tcp_opts_init(&o);
    assert_false(tcp_opts_has_sack_perm(&o));
    assert_int_equal(tcp_opts_add_sack_perm(&o), TCPREQ_OK);
    assert_string_equal(hex_of(&o, hex), "04020000");
    reparse(&o, &p);
    assert_true(tcp_opts_has_sack_perm(&p));
    const uint8_t bad[] = {4, 3, 0, 0};
    assert_int_equal(tcp_opts_parse(bad, sizeof(bad), &p), TCPREQ_OK);
    assert_false(tcp_opts_has_sack_perm(&p));
}

static void test_sack_blocks(void **state)
{
    (void)state;
    struct tcp_opts o, p;
    char hex[HEX_CAP];
    struct tcp_sack_block in[TCP_SACK_BLOCKS_MAX] = {
        {0x10, 0x20}, {0xfffffff0u, 0x10}, {3, 4}, {5, 6}};
    struct tcp_sack_block out[TCP_SACK_BLOCKS_MAX];
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_get_sack(&o, out), 0);
    assert_false(tcp_opts_has_sack(&o));
    assert_int_equal(tcp_opts_add_sack(&o, in, 0), TCPREQ_EINVAL);
    assert_int_equal(tcp_opts_add_sack(&o, in, TCP_SACK_BLOCKS_MAX + 1), TCPREQ_EINVAL);
    assert_int_equal(tcp_opts_add_sack(&o, in, 2), TCPREQ_OK);
    assert_string_equal(hex_of(&o, hex), "0512000000100000002"
                                         "0fffffff000000010"
                                         "0000");
    reparse(&o, &p);
    assert_true(tcp_opts_has_sack(&p));
    assert_int_equal(tcp_opts_get_sack(&p, out), 2);
    assert_int_equal(out[0].left, 0x10);
    assert_int_equal(out[0].right, 0x20);
    assert_int_equal(out[1].left, 0xfffffff0u);
    assert_int_equal(out[1].right, 0x10);
    /* four blocks fit (34 bytes); a fifth would not */
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_sack(&o, in, TCP_SACK_BLOCKS_MAX), TCPREQ_OK);
    reparse(&o, &p);
    assert_int_equal(tcp_opts_get_sack(&p, out), TCP_SACK_BLOCKS_MAX);
    assert_int_equal(out[3].left, 5);
    /* malformed: no block, half a block, a block and a half; each is still a SACK option */
    const uint8_t empty[] = {5, 2, 0, 0};
    const uint8_t half[] = {5, 6, 0, 0, 0, 1, 0, 0};
    const uint8_t one_and_half[] = {5, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0};
    const uint8_t *bad[] = {empty, half, one_and_half};
    const size_t bad_len[] = {sizeof(empty), sizeof(half), sizeof(one_and_half)};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tcp_opts_parse(bad[i], bad_len[i], &p), TCPREQ_OK);
        assert_int_equal(tcp_opts_get_sack(&p, out), 0);
        assert_true(tcp_opts_has_sack(&p));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wscale),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_sack_perm),
        cmocka_unit_test(test_sack_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
