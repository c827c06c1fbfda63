/* TCP option lists (RFC 9293 3.1): building, encoding with padding, parsing and its errors,
 * lookup and hex formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "common/err.h"
#include "tcp/options.h"

#define HEX_CAP (2 * TCP_OPTS_MAX_BYTES + 1)

/* Encode o, check the padded bytes, parse them back and check the entries match. */
static void round_trip(const struct tcp_opts *o, const uint8_t *expected, size_t expected_len)
{
    uint8_t buf[TCP_OPTS_MAX_BYTES];
    size_t len = 0;
    struct tcp_opts parsed;

    assert_int_equal(tcp_opts_encode(o, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(len, expected_len);
    assert_int_equal(len % 4, 0);
    assert_memory_equal(buf, expected, expected_len);
    assert_int_equal(tcp_opts_parse(buf, len, &parsed), TCPREQ_OK);
    /* Padding zeros are EOL + ignored bytes, so the parsed list may have one extra EOL. */
    assert_true(parsed.count >= o->count);
    for (unsigned i = 0; i < o->count; i++)
        assert_true(tcp_opt_equal(&o->opt[i], &parsed.opt[i]));
}

static void test_single_options(void **state)
{
    (void)state;
    struct tcp_opts o;
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_eol(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_encoded_len(&o), 3);
    const uint8_t expected[] = {0x01, 0x01, 0x00, 0x00};
    round_trip(&o, expected, sizeof(expected));
    assert_int_equal(o.opt[0].type, TCP_OPT_SINGLE);
    assert_int_equal(o.opt[0].len, 1);
    assert_int_equal(o.opt[2].kind, TCP_OPT_KIND_EOL);
}

static void test_mss(void **state)
{
    (void)state;
    struct tcp_opts o;
    uint16_t mss = 0;
    tcp_opts_init(&o);
    assert_false(tcp_opts_get_mss(&o, &mss));
    assert_int_equal(tcp_opts_add_mss(&o, 1460), TCPREQ_OK);
    const uint8_t expected[] = {0x02, 0x04, 0x05, 0xb4};
    round_trip(&o, expected, sizeof(expected));
    assert_true(tcp_opts_get_mss(&o, &mss));
    assert_int_equal(mss, 1460);
    const struct tcp_opt *found = tcp_opts_find(&o, TCP_OPT_KIND_MSS);
    assert_non_null(found);
    assert_int_equal(found->len, 4);
    assert_null(tcp_opts_find(&o, TCP_OPT_KIND_WSCALE));
}

static void test_sized_arbitrary_kind(void **state)
{
    (void)state;
    struct tcp_opts o;
    const uint8_t payload[] = {0xde, 0xad, 0xbe, 0xef, 0x42};
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_sized(&o, 0xfd, payload, sizeof(payload)), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_sized(&o, TCP_OPT_KIND_SACK_PERM, NULL, 0), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_OK);
    const uint8_t wscale = 7;
    assert_int_equal(tcp_opts_add_sized(&o, TCP_OPT_KIND_WSCALE, &wscale, 1), TCPREQ_OK);
    const uint8_t expected[] = {0xfd, 0x07, 0xde, 0xad, 0xbe, 0xef, 0x42, 0x04,
                                0x02, 0x01, 0x03, 0x03, 0x07, 0x00, 0x00, 0x00};
    round_trip(&o, expected, sizeof(expected));
}

static void test_raw_illegal_mss(void **state)
{
    (void)state;
    struct tcp_opts o, parsed;
    uint8_t buf[TCP_OPTS_MAX_BYTES];
    size_t len = 0;
    uint16_t mss = 0;
    const uint8_t bad_mss[] = {0x02, 0x00, 0x02, 0xf1};
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_raw(&o, bad_mss, sizeof(bad_mss)), TCPREQ_OK);
    assert_int_equal(o.opt[0].type, TCP_OPT_RAW);
    assert_int_equal(o.opt[0].kind, TCP_OPT_KIND_MSS);
    assert_int_equal(tcp_opts_encode(&o, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, bad_mss, sizeof(bad_mss));
    /* Not a well-formed MSS, and the parser refuses length 0. */
    assert_false(tcp_opts_get_mss(&o, &mss));
    assert_int_equal(tcp_opts_parse(buf, len, &parsed), TCPREQ_EINVAL);
    /* A raw entry that happens to be a valid MSS equals the sized one. */
    struct tcp_opts a, b;
    const uint8_t good_mss[] = {0x02, 0x04, 0x05, 0xb4};
    tcp_opts_init(&a);
    tcp_opts_init(&b);
    assert_int_equal(tcp_opts_add_raw(&a, good_mss, sizeof(good_mss)), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_mss(&b, 1460), TCPREQ_OK);
    assert_true(tcp_opt_equal(&a.opt[0], &b.opt[0]));
    assert_true(tcp_opts_get_mss(&a, &mss));
    assert_int_equal(mss, 1460);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct tcp_opts o;
    const uint8_t missing_len[] = {0x01, 0x02};
    const uint8_t len_zero[] = {0x02, 0x00, 0x05, 0xb4};
    const uint8_t len_one[] = {0x08, 0x01, 0x00, 0x00};
    const uint8_t past_end[] = {0x02, 0x04, 0x05};
    const uint8_t past_end_later[] = {0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(tcp_opts_parse(missing_len, sizeof(missing_len), &o), TCPREQ_ETRUNC);
    assert_int_equal(o.count, 1); /* the NOP before the error is kept */
    assert_int_equal(tcp_opts_parse(len_zero, sizeof(len_zero), &o), TCPREQ_EINVAL);
    assert_int_equal(tcp_opts_parse(len_one, sizeof(len_one), &o), TCPREQ_EINVAL);
    assert_int_equal(tcp_opts_parse(past_end, sizeof(past_end), &o), TCPREQ_ETRUNC);
    assert_int_equal(tcp_opts_parse(past_end_later, sizeof(past_end_later), &o), TCPREQ_ETRUNC);

    /* More entries than the list holds: only possible with an area over 40 bytes. */
    uint8_t nops[TCP_OPTS_MAX_ENTRIES + 1];
    memset(nops, TCP_OPT_KIND_NOP, sizeof(nops));
    assert_int_equal(tcp_opts_parse(nops, TCP_OPTS_MAX_ENTRIES, &o), TCPREQ_OK);
    assert_int_equal(o.count, TCP_OPTS_MAX_ENTRIES);
    assert_int_equal(tcp_opts_parse(nops, sizeof(nops), &o), TCPREQ_ENOSPC);

    /* Empty area: no options. */
    assert_int_equal(tcp_opts_parse(NULL, 0, &o), TCPREQ_OK);
    assert_int_equal(o.count, 0);
}

static void test_bytes_after_eol_ignored(void **state)
{
    (void)state;
    struct tcp_opts o;
    /* Garbage after EOL, including what would be a malformed option, is padding. */
    const uint8_t area[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x00, 0x02, 0x00};
    assert_int_equal(tcp_opts_parse(area, sizeof(area), &o), TCPREQ_OK);
    assert_int_equal(o.count, 3);
    assert_int_equal(o.opt[2].type, TCP_OPT_SINGLE);
    assert_int_equal(o.opt[2].kind, TCP_OPT_KIND_EOL);
}

static void test_every_prefix_never_overreads(void **state)
{
    (void)state;
    struct tcp_opts o;
    const uint8_t area[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0xbc,
                            0x61, 0x4e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
    for (size_t len = 0; len <= sizeof(area); len++) {
        /* Exact-size heap copies let ASan catch any read past len. */
        uint8_t *copy = test_malloc(len ? len : 1);
        memcpy(copy, area, len);
        int rc = tcp_opts_parse(copy, len, &o);
        assert_true(rc == TCPREQ_OK || rc == TCPREQ_ETRUNC);
        test_free(copy);
    }
}

static void test_40_byte_limit(void **state)
{
    (void)state;
    struct tcp_opts o;
    uint8_t payload[TCP_OPTS_MAX_BYTES] = {0};
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_sized(&o, 0xfe, payload, TCP_OPTS_MAX_BYTES - 1), TCPREQ_ENOSPC);
    assert_int_equal(tcp_opts_add_sized(&o, 0xfe, payload, 300), TCPREQ_EINVAL);
    assert_int_equal(tcp_opts_add_sized(&o, 0xfe, payload, TCP_OPTS_MAX_BYTES - 2 - 1), TCPREQ_OK);
    assert_int_equal(tcp_opts_encoded_len(&o), 39);
    assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_ENOSPC);
    assert_int_equal(o.count, 2);

    uint8_t buf[TCP_OPTS_MAX_BYTES];
    size_t len = 0;
    assert_int_equal(tcp_opts_encode(&o, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(len, TCP_OPTS_MAX_BYTES);
    assert_int_equal(tcp_opts_encode(&o, buf, sizeof(buf) - 1, &len), TCPREQ_ENOSPC);

    /* Raw bytes count too, and a full list of 40 single bytes is the entry limit. */
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_raw(&o, payload, TCP_OPTS_MAX_BYTES + 1), TCPREQ_ENOSPC);
    for (unsigned i = 0; i < TCP_OPTS_MAX_ENTRIES; i++)
        assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_raw(&o, payload, 0), TCPREQ_ENOSPC);
}

static void test_padding_to_word(void **state)
{
    (void)state;
    struct tcp_opts o;
    uint8_t buf[TCP_OPTS_MAX_BYTES];
    size_t len = 0;
    memset(buf, 0xaa, sizeof(buf));
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_encode(&o, buf, sizeof(buf), &len), TCPREQ_OK);
    assert_int_equal(len, 0);
    assert_int_equal(tcp_opts_add_sized(&o, TCP_OPT_KIND_WSCALE, "\x0e", 1), TCPREQ_OK);
    assert_int_equal(tcp_opts_encode(&o, buf, sizeof(buf), &len), TCPREQ_OK);
    const uint8_t expected[] = {0x03, 0x03, 0x0e, 0x00};
    assert_int_equal(len, 4);
    assert_memory_equal(buf, expected, sizeof(expected));
}

static void test_hex(void **state)
{
    (void)state;
    struct tcp_opts o;
    char hex[HEX_CAP];
    const uint8_t raw[] = {0x02, 0x00, 0x02, 0xf1};
    tcp_opts_init(&o);
    assert_int_equal(tcp_opts_add_mss(&o, 1460), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_nop(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_eol(&o), TCPREQ_OK);
    assert_int_equal(tcp_opts_add_raw(&o, raw, sizeof(raw)), TCPREQ_OK);
    assert_string_equal(tcp_opt_hex(&o.opt[0], hex, sizeof(hex)), "020405b4");
    assert_string_equal(tcp_opt_hex(&o.opt[1], hex, sizeof(hex)), "01");
    assert_string_equal(tcp_opt_hex(&o.opt[2], hex, sizeof(hex)), "00");
    assert_string_equal(tcp_opt_hex(&o.opt[3], hex, sizeof(hex)), "020002f1");
    /* A small buffer gets whole bytes only, always terminated. */
    assert_string_equal(tcp_opt_hex(&o.opt[0], hex, 6), "0204");

    struct tcp_opts big;
    uint8_t payload[TCP_OPTS_MAX_BYTES - 2];
    memset(payload, 0xff, sizeof(payload));
    tcp_opts_init(&big);
    assert_int_equal(tcp_opts_add_sized(&big, 0xfe, payload, sizeof(payload)), TCPREQ_OK);
    assert_int_equal(strlen(tcp_opt_hex(&big.opt[0], hex, sizeof(hex))), 2 * TCP_OPTS_MAX_BYTES);
    assert_memory_equal(hex, "fe28ffff", 8);
}

static void test_hand_filled_entry_is_clamped(void **state)
{
    (void)state;
    /* A corrupted entry must not make encoding read past bytes[]. */
    struct tcp_opt opt;
    char hex[HEX_CAP];
    memset(&opt, 0, sizeof(opt));
    opt.type = TCP_OPT_SIZED;
    opt.kind = 0xfe;
    opt.len = 0xff;
    assert_int_equal(strlen(tcp_opt_hex(&opt, hex, sizeof(hex))), 2 * TCP_OPTS_MAX_BYTES);
    opt.type = TCP_OPT_RAW;
    assert_int_equal(strlen(tcp_opt_hex(&opt, hex, sizeof(hex))), 2 * TCP_OPTS_MAX_BYTES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_options),
        cmocka_unit_test(test_mss),
        cmocka_unit_test(test_sized_arbitrary_kind),
        cmocka_unit_test(test_raw_illegal_mss),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_bytes_after_eol_ignored),
        cmocka_unit_test(test_every_prefix_never_overreads),
        cmocka_unit_test(test_40_byte_limit),
        cmocka_unit_test(test_padding_to_word),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_hand_filled_entry_is_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
