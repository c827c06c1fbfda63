/* The test-case table, in the original tcpreq's order. Adding a case: one file in
 * tests_cases/ and one line here. */
#include "registry.h"

#include <string.h>

extern const struct test_case liveness_test;
extern const struct test_case incorrect_checksum_test;
extern const struct test_case zero_checksum_test;
extern const struct test_case rstack_test;
extern const struct test_case option_support_test;
extern const struct test_case unknown_option_test;
extern const struct test_case illegal_length_option_test;
extern const struct test_case mss_support_test;
extern const struct test_case missing_mss_test;
extern const struct test_case late_option_test;
extern const struct test_case multi_mss_test;
extern const struct test_case reserved_flags_test;
extern const struct test_case urgent_pointer_test;

const struct test_case *const test_case_registry[] = {
    &liveness_test,
    &incorrect_checksum_test,
    &zero_checksum_test,
    &rstack_test,
    &option_support_test,
    &unknown_option_test,
    &illegal_length_option_test,
    &mss_support_test,
    &missing_mss_test,
    &late_option_test,
    &multi_mss_test,
    &reserved_flags_test,
    &urgent_pointer_test,
};

const size_t test_case_count = sizeof(test_case_registry) / sizeof(test_case_registry[0]);

const struct test_case *test_case_by_name(const char *name)
{
    for (size_t i = 0; i < test_case_count; i++)
        if (strcmp(test_case_registry[i]->name, name) == 0)
            return test_case_registry[i];
    return NULL;
}

const struct test_case *test_case_liveness(void)
{
    return &liveness_test;
}
