/* The one MSS rule (src/tcp/mss_rule.h, RFC 9293 3.7.1, MUST-14/15/16): the limit is the
 * last well-formed MSS option of the SYN, else the family's default send MSS (536 / 1220),
 * and it bounds a segment's TCP options plus data, never its fixed header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/addr.h"
#include "common/err.h"
#include "tcp/mss_rule.h"
#include "tcp/segment.h"

/* A header with 4 bytes of options (e.g. one MSS option, or timestamps cut short). */
#define HDR_OPTS4 (TCP_HDR_MIN + 4)
#define HDR_MAX 60

static struct tcp_opts parsed(const void *bytes, size_t len, int want_rc)
{
    struct tcp_opts o;
    assert_int_equal(tcp_opts_parse(bytes, len, &o), want_rc);
    return o;
}

static void test_default_without_option(void **state)
{
    (void)state;
    struct tcp_opts o;
    tcp_opts_init(&o);
    bool present = true;
    /* MUST-15: 536 over IPv4; over IPv6 RFC 8200's 1280 less 60 of headers */
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), MSS_DEFAULT_V4);
    assert_false(present);
    present = true;
    assert_int_equal(mss_announced(&o, IP_FAMILY_V6, &present), MSS_DEFAULT_V6);
    assert_false(present);
    assert_int_equal(MSS_DEFAULT_V4, 536);
    assert_int_equal(MSS_DEFAULT_V6, 1220);
    /* other options only, and no list at all */
    tcp_opts_add_nop(&o);
    tcp_opts_add_sized(&o, 158, "\x58\xfa\x89", 3);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), MSS_DEFAULT_V4);
    assert_false(present);
    assert_int_equal(mss_announced(NULL, IP_FAMILY_V6, &present), MSS_DEFAULT_V6);
    assert_false(present);
    assert_int_equal(mss_announced(NULL, IP_FAMILY_V4, NULL), MSS_DEFAULT_V4);
}

static void test_one_option(void **state)
{
    (void)state;
    struct tcp_opts o;
    tcp_opts_init(&o);
    tcp_opts_add_nop(&o);
    tcp_opts_add_mss(&o, 515);
    tcp_opts_add_eol(&o);
    bool present = false;
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), 515);
    assert_true(present);
    /* the family does not matter once the SYN says it */
    present = false;
    assert_int_equal(mss_announced(&o, IP_FAMILY_V6, &present), 515);
    assert_true(present);
    /* a value above the default is the limit just the same */
    o = parsed("\x02\x04\x05\xb4", 4, TCPREQ_OK);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, NULL), 1460);
}

/* MultiMSSTest's SYN (550, 505, 515): the last one holds, as the original judged it and as
 * stacks that parse options in order take it; never the first (550). */
static void test_last_option_wins(void **state)
{
    (void)state;
    struct tcp_opts o;
    tcp_opts_init(&o);
    tcp_opts_add_mss(&o, 550);
    tcp_opts_add_mss(&o, 505);
    tcp_opts_add_mss(&o, 515);
    bool present = false;
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), 515);
    assert_true(present);
    /* the same from the wire, with other options in between */
    o = parsed("\x02\x04\x02\x26\x01\x02\x04\x01\xf9\x01\x02\x04\x02\x03", 14, TCPREQ_OK);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V6, NULL), 515);
    /* descending order: still the last, not the smallest */
    o = parsed("\x02\x04\x01\xf9\x02\x04\x02\x26", 8, TCPREQ_OK);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, NULL), 550);
}

/* An MSS kind with another length than 4 is not an MSS option (stacks skip it): it neither
 * sets the limit nor overrides an earlier well-formed one. */
static void test_malformed_option_ignored(void **state)
{
    (void)state;
    bool present = true;
    struct tcp_opts o = parsed("\x02\x03\x05\x01", 4, TCPREQ_OK);
    assert_int_equal(o.opt[0].kind, TCP_OPT_KIND_MSS);
    assert_int_equal(o.opt[0].len, 3);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), MSS_DEFAULT_V4);
    assert_false(present);
    o = parsed("\x02\x06\x02\x26\x00\x00", 6, TCPREQ_OK);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V6, &present), MSS_DEFAULT_V6);
    assert_false(present);
    /* the last well-formed one before it holds */
    o = parsed("\x02\x04\x02\x26\x02\x03\x05\x01", 8, TCPREQ_OK);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), 550);
    assert_true(present);
    /* entries before a parse error are kept and count */
    o = parsed("\x02\x04\x02\x03\x9e\x01", 6, TCPREQ_EINVAL);
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, NULL), 515);
}

/* A hand-filled list claiming more entries than it holds is read no further than its
 * array (options.h: a bad count must never make us read past it). */
static void test_count_bounded(void **state)
{
    (void)state;
    struct tcp_opts o;
    tcp_opts_init(&o);
    for (unsigned i = 0; i < TCP_OPTS_MAX_ENTRIES; i++)
        tcp_opts_add_nop(&o);
    o.opt[TCP_OPTS_MAX_ENTRIES - 1] = (struct tcp_opt){
        .type = TCP_OPT_SIZED, .kind = TCP_OPT_KIND_MSS, .len = 4, .bytes = {0x02, 0x03}};
    o.count = TCP_OPTS_MAX_ENTRIES + 5;
    bool present = false;
    assert_int_equal(mss_announced(&o, IP_FAMILY_V4, &present), 515);
    assert_true(present);
}

/* RFC 9293 3.7.1: the MSS counts neither IP nor TCP header, but TCP options come out of it. */
static void test_counted_len(void **state)
{
    (void)state;
    assert_int_equal(mss_counted_len(TCP_HDR_MIN, 0), 0);
    assert_int_equal(mss_counted_len(TCP_HDR_MIN, 515), 515);
    assert_int_equal(mss_counted_len(HDR_OPTS4, 511), 515);
    assert_int_equal(mss_counted_len(HDR_MAX, 1), 41);
    /* a header length below the minimum (a corrupt data offset) counts no options */
    assert_int_equal(mss_counted_len(0, 100), 100);
    assert_int_equal(mss_counted_len(TCP_HDR_MIN - 4, 100), 100);
}

static void test_exceeded_at_the_boundary(void **state)
{
    (void)state;
    /* MSSSupportTest's 515: 515 of data pass, 516 fail */
    assert_false(mss_exceeded(TCP_HDR_MIN, 515, 515));
    assert_true(mss_exceeded(TCP_HDR_MIN, 516, 515));
    /* with 4 option bytes, 511 of data are the most */
    assert_false(mss_exceeded(HDR_OPTS4, 511, 515));
    assert_true(mss_exceeded(HDR_OPTS4, 512, 515));
    /* a SYN-ACK full of options and no data is held to it too (MUST-14) */
    assert_false(mss_exceeded(HDR_MAX, 0, 515));
    assert_true(mss_exceeded(HDR_MAX, 476, 515));
    /* the defaults (MUST-15) */
    assert_false(mss_exceeded(TCP_HDR_MIN, MSS_DEFAULT_V4, MSS_DEFAULT_V4));
    assert_true(mss_exceeded(TCP_HDR_MIN, MSS_DEFAULT_V4 + 1, MSS_DEFAULT_V4));
    assert_false(mss_exceeded(TCP_HDR_MIN, MSS_DEFAULT_V6, MSS_DEFAULT_V6));
    assert_true(mss_exceeded(TCP_HDR_MIN, MSS_DEFAULT_V6 + 1, MSS_DEFAULT_V6));
    /* MultiMSSTest judged against the first option (550) would pass 520: the rule says no */
    struct tcp_opts o = parsed("\x02\x04\x02\x26\x02\x04\x01\xf9\x02\x04\x02\x03", 12, TCPREQ_OK);
    assert_true(mss_exceeded(TCP_HDR_MIN, 520, mss_announced(&o, IP_FAMILY_V4, NULL)));
    /* an MSS of 0 leaves room for nothing */
    assert_false(mss_exceeded(TCP_HDR_MIN, 0, 0));
    assert_true(mss_exceeded(TCP_HDR_MIN, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_without_option),
        cmocka_unit_test(test_one_option),
        cmocka_unit_test(test_last_option_wins),
        cmocka_unit_test(test_malformed_option_ignored),
        cmocka_unit_test(test_count_bounded),
        cmocka_unit_test(test_counted_len),
        cmocka_unit_test(test_exceeded_at_the_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
