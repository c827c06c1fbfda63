#include "cli/list_tests.h"

#include "testcase/tc.h"
#include "tests_cases/registry.h"

static const char *default_of(const struct test_case *tc)
{
    /* LivenessTest is never selected: the scheduler runs it around every test */
    if (tc == test_case_liveness())
        return "(always)";
    return tc->default_on ? "yes" : "no";
}

void list_tests(FILE *out, enum list_format format)
{
    if (format == LIST_MARKDOWN) {
        fputs("| Test | Default | RFC | Requirement | Checks |\n|---|---|---|---|---|\n", out);
        for (size_t i = 0; i < test_case_count; i++) {
            const struct test_case *tc = test_case_registry[i];
            fprintf(out, "| %s | %s | %s | %s: %s | %s |\n", tc->name, default_of(tc), tc->req.rfc,
                    tc->req.id, tc->req.text, tc->checks);
        }
        return;
    }
    fprintf(out, "%-26s %-9s %-9s %-18s %s\n", "TEST", "DEFAULT", "RFC", "REQUIREMENT", "CHECKS");
    for (size_t i = 0; i < test_case_count; i++) {
        const struct test_case *tc = test_case_registry[i];
        fprintf(out, "%-26s %-9s %-9s %-18s %s\n", tc->name, default_of(tc), tc->req.rfc,
                tc->req.id, tc->checks);
    }
}
