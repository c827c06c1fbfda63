/* The static table of test cases: adding a case is one file in tests_cases/ plus one line
 * in registry.c. Order is the original tcpreq's order of tests. */
#ifndef TCPREQ_REGISTRY_H
#define TCPREQ_REGISTRY_H

#include <stddef.h>

#include "testcase/tc.h"

/* Room for this many cases in fixed tables (a selection, scheduler/plan.h); registry.c
 * fails to compile when the list outgrows it. */
#define TEST_CASE_MAX 128

extern const struct test_case *const test_case_registry[];
extern const size_t test_case_count;

/* Case-sensitive lookup by name; NULL if unknown. */
const struct test_case *test_case_by_name(const char *name);
/* The LivenessTest entry (run before every test and at the end). */
const struct test_case *test_case_liveness(void);

#endif
