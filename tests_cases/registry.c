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
    X(syn_rcvd_rst_test)                                                                           \
    X(rst_with_data_test)                                                                          \
    X(syn_challenge_ack_test)                                                                      \
    X(ack_beyond_snd_nxt_test)                                                                     \
    X(ecn_setup_test)                                                                              \
    X(ecn_ece_only_syn_test)                                                                       \
    X(ecn_cwr_only_syn_test)                                                                       \
    X(ecn_echo_test)                                                                               \
    X(timestamps_every_segment_test)                                                               \
    X(tsecr_ignored_without_ack_test)                                                              \
    X(window_scale_clamp_test)                                                                     \
    X(sack_not_offered_test)                                                                       \
    X(sack_first_block_test)                                                                       \
    X(option_alignment_test)                                                                       \
    X(mss_only_in_syn_test)                                                                        \
    X(zero_padding_after_eol_test)                                                                 \
    X(mss_sent_test)                                                                               \
    X(out_of_order_queue_test)                                                                     \
    X(delayed_ack_test)                                                                            \
    X(synack_backoff_test)                                                                         \
    X(zero_window_probe_test)                                                                      \
    X(isn_test)

#define DECLARE_CASE(name) extern const struct test_case name;
TEST_CASES(DECLARE_CASE)

#define LIST_CASE(name) &name,
const struct test_case *const test_case_registry[] = {TEST_CASES(LIST_CASE)};

const size_t test_case_count = sizeof(test_case_registry) / sizeof(test_case_registry[0]);
_Static_assert(sizeof(test_case_registry) / sizeof(test_case_registry[0]) <= TEST_CASE_MAX,
               "more test cases than TEST_CASE_MAX: raise it in registry.h");

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
