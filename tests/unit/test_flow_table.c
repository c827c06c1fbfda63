/* Flow table: lookups by (local port, remote ip, remote port) across growth and removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "common/flow_table.h"

#define N_FLOWS 5000

static void test_insert_find_remove_across_growth(void **state)
{
    (void)state;
    struct flow_table t;
    assert_int_equal(flow_table_init(&t), 0);
    struct flow_entry *entries = calloc(N_FLOWS, sizeof(*entries));
    assert_non_null(entries);
    struct ip_addr a;
    assert_int_equal(ip_addr_parse("198.18.3.2", &a), 0);
    for (unsigned i = 0; i < N_FLOWS; i++) {
        a.bytes[3] = (uint8_t)i;
        flow_key_make(&entries[i].key, (uint16_t)(49152 + i / 256), &a, 80);
        assert_int_equal(flow_table_insert(&t, &entries[i]), 0);
    }
    assert_int_equal(t.count, N_FLOWS);
    for (unsigned i = 0; i < N_FLOWS; i++)
        assert_ptr_equal(flow_table_find(&t, &entries[i].key), &entries[i]);
    /* same port and address, other remote port: a different flow */
    struct flow_key other = entries[7].key;
    other.rport = 443;
    assert_null(flow_table_find(&t, &other));
    /* same bytes, other family: a different flow */
    other = entries[7].key;
    other.rip.family = IP_FAMILY_V6;
    assert_null(flow_table_find(&t, &other));
    for (unsigned i = 0; i < N_FLOWS; i += 2)
        flow_table_remove(&t, &entries[i]);
    assert_int_equal(t.count, N_FLOWS / 2);
    for (unsigned i = 0; i < N_FLOWS; i++)
        assert_true((flow_table_find(&t, &entries[i].key) != NULL) == (i % 2 == 1));
    flow_table_free(&t);
    free(entries);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_find_remove_across_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
