/* Test selection (-T) and the per-target plan: liveness around every test, fail early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/err.h"
#include "scheduler/plan.h"
#include "tests_cases/registry.h"

static void assert_selection(const struct test_selection *sel, const char *const *names, size_t n)
{
    assert_int_equal(sel->n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(sel->tests[i]->name, names[i]);
}

static void test_default_contains_option_support_only_defaults(void **state)
{
    (void)state;
    struct test_selection sel;
    selection_default(&sel);
    for (size_t i = 0; i < sel.n; i++)
        assert_true(sel.tests[i]->default_on);
    int found = 0;
    for (size_t i = 0; i < sel.n; i++)
        found |= strcmp(sel.tests[i]->name, "OptionSupportTest") == 0;
    assert_true(found);
    for (size_t i = 0; i < sel.n; i++)
        assert_string_not_equal(sel.tests[i]->name, "RSTACKTest");
}

static void test_names_star_and_removal(void **state)
{
    (void)state;
    struct test_selection sel;
    char err[128];
    /* order on the command line does not matter: registry order is run order */
    const char *specs1[] = {"OptionSupportTest", "RSTACKTest", "LivenessTest"};
    assert_int_equal(selection_parse(specs1, 3, &sel, err, sizeof(err)), 0);
    const char *want1[] = {"RSTACKTest", "OptionSupportTest"};
    assert_selection(&sel, want1, 2);

    const char *specs2[] = {"*", "!RSTACKTest"};
    assert_int_equal(selection_parse(specs2, 2, &sel, err, sizeof(err)), 0);
    for (size_t i = 0; i < sel.n; i++) {
        assert_string_not_equal(sel.tests[i]->name, "RSTACKTest");
        assert_string_not_equal(sel.tests[i]->name, "LivenessTest");
    }
    assert_int_equal(sel.n, test_case_count - 2);

    /* a selection starting with a removal starts from the defaults */
    const char *specs3[] = {"!OptionSupportTest", "RSTACKTest"};
    assert_int_equal(selection_parse(specs3, 2, &sel, err, sizeof(err)), 0);
    struct test_selection defaults;
    selection_default(&defaults);
    int has_rstack = 0, has_option = 0;
    for (size_t i = 0; i < sel.n; i++) {
        has_rstack |= strcmp(sel.tests[i]->name, "RSTACKTest") == 0;
        has_option |= strcmp(sel.tests[i]->name, "OptionSupportTest") == 0;
    }
    assert_true(has_rstack);
    assert_false(has_option);
    assert_int_equal(sel.n, defaults.n);
}

static void test_unknown_name(void **state)
{
    (void)state;
    struct test_selection sel;
    char err[128];
    const char *specs[] = {"RSTACKTest", "NoSuchTest"};
    assert_int_equal(selection_parse(specs, 2, &sel, err, sizeof(err)), TCPREQ_ENOTFOUND);
    assert_string_equal(err, "unknown test 'NoSuchTest' (see --list-tests)");
    const char *specs2[] = {"!Bogus"};
    assert_int_equal(selection_parse(specs2, 1, &sel, err, sizeof(err)), TCPREQ_ENOTFOUND);
}

static void test_plan_wraps_tests_in_liveness(void **state)
{
    (void)state;
    struct test_selection sel;
    char err[128];
    const char *specs[] = {"RSTACKTest", "OptionSupportTest"};
    assert_int_equal(selection_parse(specs, 2, &sel, err, sizeof(err)), 0);
    struct target_plan p;
    plan_init(&p, &sel);
    assert_int_equal(plan_length(&p), 5);
    const char *want[] = {"LivenessTest", "RSTACKTest", "LivenessTest", "OptionSupportTest",
                          "LivenessTest"};
    for (size_t i = 0; i < 5; i++) {
        const struct test_case *k = plan_next(&p);
        assert_non_null(k);
        assert_string_equal(k->name, want[i]);
        /* a failing non-liveness test does not stop the target */
        plan_record(&p, k, k == test_case_liveness() ? TC_PASS : TC_FAIL);
    }
    assert_null(plan_next(&p));
}

static void test_plan_stops_after_failed_liveness(void **state)
{
    (void)state;
    struct test_selection sel;
    char err[128];
    const char *specs[] = {"RSTACKTest", "OptionSupportTest"};
    assert_int_equal(selection_parse(specs, 2, &sel, err, sizeof(err)), 0);
    struct target_plan p;
    plan_init(&p, &sel);
    const struct test_case *k = plan_next(&p);
    assert_ptr_equal(k, test_case_liveness());
    plan_record(&p, k, TC_PASS);
    k = plan_next(&p);
    assert_string_equal(k->name, "RSTACKTest");
    plan_record(&p, k, TC_PASS);
    k = plan_next(&p);
    plan_record(&p, k, TC_UNK); /* liveness not PASS: skip the rest */
    assert_null(plan_next(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_contains_option_support_only_defaults),
        cmocka_unit_test(test_names_star_and_removal),
        cmocka_unit_test(test_unknown_name),
        cmocka_unit_test(test_plan_wraps_tests_in_liveness),
        cmocka_unit_test(test_plan_stops_after_failed_liveness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
