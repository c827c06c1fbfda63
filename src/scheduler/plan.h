/* Which tests run, and in what order, for each target (pure logic).
 * Selection follows the original tcpreq's -T: names add, "*" adds every test, "!Name"
 * removes; a selection that starts with a removal starts from the default set.
 * Per target: a LivenessTest before each selected test and once at the end; a target that
 * fails liveness is skipped for the rest (the original's FAIL_EARLY). */
#ifndef TCPREQ_PLAN_H
#define TCPREQ_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "testcase/tc.h"
#include "tests_cases/registry.h"

#define SELECTION_MAX TEST_CASE_MAX

struct test_selection {
    const struct test_case *tests[SELECTION_MAX]; /* registry order */
    size_t n;
};

/* The default selection (registry entries with default_on). */
void selection_default(struct test_selection *sel);
/* Apply specs in order. On an unknown name returns TCPREQ_ENOTFOUND with a message in err. */
int selection_parse(const char *const *specs, size_t n_specs, struct test_selection *sel, char *err,
                    size_t err_cap);

struct target_plan {
    const struct test_selection *sel;
    size_t step;  /* index into L, T0, L, T1, ..., L */
    bool stopped; /* liveness failed: nothing more runs */
};

void plan_init(struct target_plan *p, const struct test_selection *sel);
/* The next test to run, or NULL when the target is finished. Advances the plan. */
const struct test_case *plan_next(struct target_plan *p);
/* Tell the plan how a test ended (a non-PASS liveness stops the target). */
void plan_record(struct target_plan *p, const struct test_case *kind, enum tc_status status);
/* Number of tests the plan runs at most. */
size_t plan_length(const struct target_plan *p);

#endif
