/* Link-layer framing: IP found behind every supported header, errors for the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/err.h"
#include "tcp/linklayer.h"

static void test_ethernet_and_vlan(void **state)
{
    (void)state;
    uint8_t f[64] = {0};
    f[12] = 0x08; f[13] = 0x00;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_ETHERNET, f, sizeof(f)), 14);
    f[12] = 0x86; f[13] = 0xdd;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_ETHERNET, f, sizeof(f)), 14);
    /* one 802.1Q tag, then IPv4 */
    f[12] = 0x81; f[13] = 0x00; f[16] = 0x08; f[17] = 0x00;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_ETHERNET, f, sizeof(f)), 18);
    /* ARP is not IP */
    f[12] = 0x08; f[13] = 0x06;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_ETHERNET, f, sizeof(f)), TCPREQ_EPROTO);
}

static void test_truncated_frames(void **state)
{
    (void)state;
    uint8_t f[64] = {0};
    f[12] = 0x81; f[13] = 0x00; f[16] = 0x08; f[17] = 0x00;
    for (size_t len = 0; len < 18; len++)
        assert_true(linklayer_ip_offset(LINKTYPE_ETHERNET, f, len) < 0);
    for (size_t len = 0; len < 16; len++)
        assert_true(linklayer_ip_offset(LINKTYPE_LINUX_SLL, f, len) < 0);
    for (size_t len = 0; len < 20; len++)
        assert_true(linklayer_ip_offset(LINKTYPE_LINUX_SLL2, f, len) < 0);
    for (size_t len = 0; len < 4; len++)
        assert_true(linklayer_ip_offset(LINKTYPE_NULL, f, len) < 0);
}

static void test_cooked_raw_and_loopback(void **state)
{
    (void)state;
    uint8_t f[64] = {0};
    f[14] = 0x86; f[15] = 0xdd;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_LINUX_SLL, f, sizeof(f)), 16);
    memset(f, 0, sizeof(f));
    f[0] = 0x08; f[1] = 0x00;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_LINUX_SLL2, f, sizeof(f)), 20);
    assert_int_equal(linklayer_ip_offset(LINKTYPE_RAW, f, sizeof(f)), 0);
    memset(f, 0, sizeof(f));
    f[0] = 2; /* AF_INET, little-endian host */
    assert_int_equal(linklayer_ip_offset(LINKTYPE_NULL, f, sizeof(f)), 4);
    memset(f, 0, sizeof(f));
    f[3] = 30; /* AF_INET6 as macOS writes it, network order (LINKTYPE_LOOP) */
    assert_int_equal(linklayer_ip_offset(LINKTYPE_LOOP, f, sizeof(f)), 4);
    f[3] = 99;
    assert_int_equal(linklayer_ip_offset(LINKTYPE_LOOP, f, sizeof(f)), TCPREQ_EPROTO);
    assert_int_equal(linklayer_ip_offset(12345, f, sizeof(f)), TCPREQ_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_and_vlan),
        cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_cooked_raw_and_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
