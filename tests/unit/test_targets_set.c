/* SipHash-2-4 against the reference vectors, and the (ip, port) set behind the duplicate
 * filter and --resume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/err.h"
#include "targets/siphash.h"
#include "targets/target_set.h"

#define N_TARGETS 50000

/* From the SipHash paper's reference implementation: key 00..0f, message 00..(len-1). */
static void test_siphash_reference_vectors(void **state)
{
    (void)state;
    uint8_t key[SIPHASH_KEY_LEN], msg[64];
    for (int i = 0; i < SIPHASH_KEY_LEN; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(siphash24(key, msg, 1) == 0x74f839c593dc67fdULL);
    assert_true(siphash24(key, msg, 8) == 0x93f5f5799a932462ULL);
    assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ULL);
    assert_true(siphash24(key, msg, 63) == 0x958a324ceb064572ULL);
}

static struct ip_addr v4(uint32_t host)
{
    struct ip_addr a = {
        .family = IP_FAMILY_V4,
        .bytes = {198, (uint8_t)(18 + (host >> 16 & 1)), (uint8_t)(host >> 8), (uint8_t)host}};
    return a;
}

static void test_add_get_across_growth(void **state)
{
    (void)state;
    struct target_set s;
    target_set_init(&s);
    uint8_t flags;
    struct ip_addr a = v4(1);
    assert_false(target_set_get(&s, &a, 80, &flags)); /* empty, no table yet */
    for (uint32_t i = 0; i < N_TARGETS; i++) {
        a = v4(i);
        assert_int_equal(target_set_add(&s, &a, (uint16_t)(80 + i % 2), 0x04), 0);
    }
    assert_int_equal(s.count, N_TARGETS);
    assert_true(s.capacity >= 2 * s.count); /* kept at most half full */
    for (uint32_t i = 0; i < N_TARGETS; i++) {
        a = v4(i);
        assert_true(target_set_get(&s, &a, (uint16_t)(80 + i % 2), &flags));
        assert_int_equal(flags, 0x04);
        assert_false(target_set_get(&s, &a, (uint16_t)(81 - i % 2), NULL)); /* other port */
    }
    target_set_free(&s);
}

static void test_key_is_family_address_and_port(void **state)
{
    (void)state;
    struct target_set s;
    target_set_init(&s);
    struct ip_addr a4 = {.family = IP_FAMILY_V4, .bytes = {198, 18, 0, 1}};
    /* the same first bytes as IPv6 are another target */
    struct ip_addr a6 = {.family = IP_FAMILY_V6, .bytes = {198, 18, 0, 1}};
    assert_int_equal(target_set_add(&s, &a4, 80, 0x01), 0);
    assert_false(target_set_get(&s, &a6, 80, NULL));
    /* bytes past an IPv4 address are not part of it */
    struct ip_addr dirty = a4;
    dirty.bytes[10] = 0xaa;
    assert_true(target_set_get(&s, &dirty, 80, NULL));
    /* flags accumulate; the count does not */
    assert_int_equal(target_set_add(&s, &a4, 80, 0x04), 0);
    uint8_t flags = 0;
    assert_true(target_set_get(&s, &a4, 80, &flags));
    assert_int_equal(flags, 0x05);
    assert_int_equal(s.count, 1);
    struct ip_addr none = {0};
    assert_int_equal(target_set_add(&s, &none, 80, 1), TCPREQ_EINVAL);
    assert_false(target_set_get(&s, &none, 80, NULL));
    target_set_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_reference_vectors),
        cmocka_unit_test(test_add_get_across_growth),
        cmocka_unit_test(test_key_is_family_address_and_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
