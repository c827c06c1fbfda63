/* The test-case table, in the original tcpreq's order. Adding a case: one file in
 * tests_cases/ and one line in TEST_CASES. */
#include "registry.h"

#include <string.h>

/* One line per case, in the original's order (it is also --list-tests' order). */
#define TEST_CASES(X)                                                                              \
    X(liveness_test)                                                                               \
    X(incorrect_checksum_test)                                                                     \
    X(zero_checksum_test)                                                                          \
    X(rstack_test)                                                                                 \
    X(option_support_test)                                                                         \
    X(unknown_option_test)                                                                         \
    X(illegal_length_option_test)                                                                  \
    X(mss_support_test)                                                                            \
    X(missing_mss_test)                                                                            \
    X(late_option_test)                                                                            \
    X(multi_mss_test)                                                                              \
    X(reserved_flags_test)                                                                         \
    X(urgent_pointer_test)                                                                         \
    X(rst_challenge_ack_test)                                                                      \
    X(synack_backoff_test)                                                                         \
    X(zero_window_probe_test)                                                                      \
    X(isn_test)

#define DECLARE_CASE(name) extern const struct test_case name;
TEST_CASES(DECLARE_CASE)

#define LIST_CASE(name) &name,
const struct test_case *const test_case_registry[] = {TEST_CASES(LIST_CASE)};

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
