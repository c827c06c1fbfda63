#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "tests_cases/registry.h"

#define SPEC_ALL "*"
#define SPEC_REMOVE '!'

void selection_default(struct test_selection *sel)
{
    sel->n = 0;
    for (size_t i = 0; i < test_case_count && sel->n < SELECTION_MAX; i++)
        if (test_case_registry[i]->default_on)
            sel->tests[sel->n++] = test_case_registry[i];
}

/* Membership is kept as flags over the registry so the result is always in registry order. */
static void selection_from_flags(const bool *on, struct test_selection *sel)
{
    sel->n = 0;
    for (size_t i = 0; i < test_case_count && sel->n < SELECTION_MAX; i++)
        if (on[i] && test_case_registry[i] != test_case_liveness())
            sel->tests[sel->n++] = test_case_registry[i];
}

static long registry_index(const char *name)
{
    for (size_t i = 0; i < test_case_count; i++)
        if (strcmp(test_case_registry[i]->name, name) == 0)
            return (long)i;
    return -1;
}

int selection_parse(const char *const *specs, size_t n_specs, struct test_selection *sel,
                    char *err, size_t err_cap)
{
    bool on[SELECTION_MAX] = {false};
    if (n_specs > 0 && specs[0][0] == SPEC_REMOVE) {
        for (size_t i = 0; i < test_case_count && i < SELECTION_MAX; i++)
            on[i] = test_case_registry[i]->default_on;
    }
    for (size_t s = 0; s < n_specs; s++) {
        const char *spec = specs[s];
        bool remove = spec[0] == SPEC_REMOVE;
        const char *name = remove ? spec + 1 : spec;
        if (strcmp(name, SPEC_ALL) == 0) {
            for (size_t i = 0; i < test_case_count && i < SELECTION_MAX; i++)
                on[i] = !remove;
            continue;
        }
        long idx = registry_index(name);
        if (idx < 0 || idx >= SELECTION_MAX) {
            snprintf(err, err_cap, "unknown test '%s' (see --list-tests)", name);
            return TCPREQ_ENOTFOUND;
        }
        on[idx] = !remove;
    }
    selection_from_flags(on, sel);
    return TCPREQ_OK;
}

void plan_init(struct target_plan *p, const struct test_selection *sel)
{
    p->sel = sel;
    p->step = 0;
    p->stopped = false;
}

size_t plan_length(const struct target_plan *p)
{
    return 2 * p->sel->n + 1;
}

const struct test_case *plan_next(struct target_plan *p)
{
    if (p->stopped || p->step >= plan_length(p))
        return NULL;
    size_t step = p->step++;
    /* Even steps are the liveness checks around every selected test. */
    return step % 2 == 0 ? test_case_liveness() : p->sel->tests[step / 2];
}

void plan_record(struct target_plan *p, const struct test_case *kind, enum tc_status status)
{
    if (kind == test_case_liveness() && status != TC_PASS)
        p->stopped = true;
}
