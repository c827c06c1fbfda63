/* src/tcp/option_rules.h: MUST-65 (no MSS option without SYN) and MUST-69 (zero padding
 * after EOL), the rules the live exchange cases and `tcpreq analyze` share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/option_rules.h"
#include "tcp/segment.h"

static void test_mss_without_syn(void **state)
{
    (void)state;
    struct tcp_opts o;
    tcp_opts_init(&o);
    tcp_opts_add_nop(&o);
    tcp_opts_add_mss(&o, 1460);
    uint16_t mss = 0;
    assert_true(opt_rule_mss_without_syn(TCP_FLAG_ACK, &o, &mss));
    assert_int_equal(mss, 1460);
    assert_true(opt_rule_mss_without_syn(TCP_FLAG_RST, &o, NULL)); /* any segment without SYN */
    assert_true(opt_rule_mss_without_syn(TCP_FLAG_ACK | TCP_FLAG_FIN, &o, NULL));
    assert_false(opt_rule_mss_without_syn(TCP_FLAG_SYN, &o, NULL));
    assert_false(opt_rule_mss_without_syn(TCP_FLAG_SYN | TCP_FLAG_ACK, &o, NULL));
    /* other options, or a kind-2 option of another length (malformed, not judged here) */
    tcp_opts_init(&o);
    tcp_opts_add_sized(&o, TCP_OPT_KIND_SACK_PERM, NULL, 0);
    assert_false(opt_rule_mss_without_syn(TCP_FLAG_ACK, &o, NULL));
    static const uint8_t mss6[] = {0x05, 0xb4, 0x00, 0x00};
    tcp_opts_add_sized(&o, TCP_OPT_KIND_MSS, mss6, sizeof(mss6));
    assert_false(opt_rule_mss_without_syn(TCP_FLAG_ACK, &o, NULL));
}

static void expect_after_eol(const uint8_t *area, size_t len, bool nonzero, size_t want_at)
{
    size_t at = 0xdead;
    assert_int_equal(opt_rule_nonzero_after_eol(area, len, &at), nonzero);
    if (nonzero)
        assert_int_equal(at, want_at);
}

static void test_zero_after_eol(void **state)
{
    (void)state;
    expect_after_eol(NULL, 0, false, 0); /* no options */
    /* Linux's alignment: no EOL at all */
    static const uint8_t nops[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02};
    expect_after_eol(nops, sizeof(nops), false, 0);
    /* the BSDs': MSS, SACK-permitted, EOL, one zero */
    static const uint8_t bsd[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x00, 0x00};
    expect_after_eol(bsd, sizeof(bsd), false, 0);
    static const uint8_t eol_last[] = {0x01, 0x01, 0x01, 0x00};
    expect_after_eol(eol_last, sizeof(eol_last), false, 0);
}

static void test_nonzero_after_eol(void **state)
{
    (void)state;
    static const uint8_t junk[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x00, 0x5a};
    expect_after_eol(junk, sizeof(junk), true, 7);
    /* an EOL first: everything after it is padding, option-like bytes included */
    static const uint8_t early[] = {0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00};
    expect_after_eol(early, sizeof(early), true, 2);
    static const uint8_t after_nop[] = {0x01, 0x00, 0x00, 0x01};
    expect_after_eol(after_nop, sizeof(after_nop), true, 3);
}

/* An area that does not parse up to its EOL is malformed, not judged here (MUST-7). */
static void test_malformed_not_judged(void **state)
{
    (void)state;
    static const uint8_t zero_len[] = {0x02, 0x00, 0x00, 0x5a};
    expect_after_eol(zero_len, sizeof(zero_len), false, 0);
    static const uint8_t overrun[] = {0x08, 0x0a, 0x00, 0x5a};
    expect_after_eol(overrun, sizeof(overrun), false, 0);
    static const uint8_t no_len[] = {0x01, 0x01, 0x01, 0x08};
    expect_after_eol(no_len, sizeof(no_len), false, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mss_without_syn),
        cmocka_unit_test(test_zero_after_eol),
        cmocka_unit_test(test_nonzero_after_eol),
        cmocka_unit_test(test_malformed_not_judged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
