/* The summary as text (for a terminal), JSON (one object) and CSV (one row per test). */
#include <jansson.h>
#include <string.h>

#include "common/csv.h"
#include "common/err.h"
#include "summary/summary.h"

#define PERCENT 100.0

static double share(uint64_t part, uint64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

static bool any_other_status(const struct summary *s)
{
    for (size_t i = 0; i < s->n_tests; i++)
        if (s->tests[i].counts[SUM_OTHER] > 0)
            return true;
    return s->other_tests.counts[SUM_OTHER] > 0;
}

/* A reason entry's status and text ("STATUS\treason"). */
static const char *split_reason(const char *key, char *status, size_t cap)
{
    const char *tab = strchr(key, '\t');
    size_t n = tab != NULL ? (size_t)(tab - key) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(status, key, n);
    status[n] = '\0';
    return tab != NULL ? tab + 1 : key;
}

static void print_target_line(FILE *out, const char *what, uint64_t n, uint64_t of)
{
    fprintf(out, "  %-30s %12llu %7.2f%%\n", what, (unsigned long long)n, PERCENT * share(n, of));
}

int summary_print_text(struct summary *s, FILE *out, size_t reasons_shown)
{
    fprintf(out, "tcpreq summary of %zu file%s:", s->n_files, s->n_files == 1 ? "" : "s");
    for (size_t i = 0; i < s->n_files; i++)
        fprintf(out, " %s", s->files[i]);
    fprintf(out, "\n  %-30s %12llu (tested %llu, DISC %llu, FLTR %llu)\n", "records",
            (unsigned long long)s->records, (unsigned long long)s->targets.tested,
            (unsigned long long)s->disc, (unsigned long long)s->fltr);
    fprintf(out, "  %-30s %12llu\n", "test results", (unsigned long long)s->results);
    fprintf(out, "  %-30s %12llu", "duplicates (not counted)", (unsigned long long)s->duplicates);
    if (s->duplicates > 0)
        fprintf(out, " records of targets already counted (%llu results), e.g.",
                (unsigned long long)s->duplicate_results);
    fputc('\n', out);
    for (size_t i = 0; i < s->duplicates && i < SUMMARY_EXAMPLES; i++) {
        const struct sum_duplicate *d = &s->dup_examples[i];
        bool v6 = strchr(d->ip, ':') != NULL;
        fprintf(out, "    %s%s%s:%u in %s:%llu, first seen in %s\n", v6 ? "[" : "", d->ip,
                v6 ? "]" : "", d->port, s->files[d->file], (unsigned long long)d->line,
                s->files[d->first_file]);
    }
    fprintf(out, "  %-30s %12llu\n", "bad lines (skipped)", (unsigned long long)s->bad_lines);
    if (s->partial_lines > 0)
        fprintf(out, "  %-30s %12llu\n", "last lines cut short",
                (unsigned long long)s->partial_lines);

    const struct sum_targets *t = &s->targets;
    fprintf(out, "\nTargets tested: %llu\n", (unsigned long long)t->tested);
    print_target_line(out, "passed every test they ran", t->all_pass, t->tested);
    print_target_line(out, "with a FAIL", t->with_fail, t->tested);
    print_target_line(out, "with UNK, no FAIL", t->unk_no_fail, t->tested);
    print_target_line(out, "with ERR, no FAIL or UNK", t->err_other, t->tested);
    print_target_line(out, "without results", t->no_results, t->tested);

    int statuses = any_other_status(s) ? SUM_STATUSES : SUM_OTHER;
    fprintf(out, "\n%-26s %10s", "Test", "runs");
    for (int k = 0; k < statuses; k++)
        fprintf(out, " %17s", sum_status_names[k]);
    fputc('\n', out);
    for (size_t i = 0; i < summary_rows(s); i++) {
        const struct sum_test *r = summary_row(s, i);
        fprintf(out, "%-26s %10llu", r->name, (unsigned long long)r->runs);
        for (int k = 0; k < statuses; k++)
            fprintf(out, " %10llu %5.1f%%", (unsigned long long)r->counts[k],
                    PERCENT * share(r->counts[k], r->runs));
        fputc('\n', out);
    }

    bool header = false;
    for (size_t i = 0; i < summary_rows(s) && reasons_shown > 0; i++) {
        struct sum_test *r = summary_row(s, i);
        if (r->reasons.n == 0)
            continue;
        if (!header)
            fprintf(out, "\nMost common reasons (up to %zu per test):\n", reasons_shown);
        header = true;
        fprintf(out, "  %s%s\n", r->name,
                r->reasons.evicted ? " (more reasons than tracked: counts are upper bounds)" : "");
        const struct topk_entry *e = topk_sorted(&r->reasons);
        for (size_t k = 0; k < r->reasons.n && k < reasons_shown; k++) {
            char status[8];
            const char *reason = split_reason(e[k].text, status, sizeof(status));
            fprintf(out, "    %10llu  %-5s %s\n", (unsigned long long)e[k].count, status, reason);
        }
    }

    header = false;
    for (size_t i = 0; i < summary_rows(s); i++) {
        const struct sum_test *r = summary_row(s, i);
        if (r->middlebox == 0)
            continue;
        if (!header)
            fputs("\nMiddleboxes found, by hop (results whose reason blames one):\n", out);
        header = true;
        fprintf(out, "  %-26s %10llu:", r->name, (unsigned long long)r->middlebox);
        for (int h = 1; h <= SUMMARY_HOP_MAX; h++)
            if (r->hops[h] > 0)
                fprintf(out, " hop %d%s: %llu", h, h == SUMMARY_HOP_MAX ? "+" : "",
                        (unsigned long long)r->hops[h]);
        if (r->hops[0] > 0)
            fprintf(out, " unknown hop: %llu", (unsigned long long)r->hops[0]);
        fputc('\n', out);
    }
    return ferror(out) ? TCPREQ_ESYS : TCPREQ_OK;
}

static json_t *test_json(struct sum_test *r, size_t reasons_shown)
{
    json_t *o = json_pack("{s:s, s:I}", "test", r->name, "runs", (json_int_t)r->runs);
    json_t *shares = json_object();
    for (int k = 0; k < SUM_STATUSES; k++) {
        json_object_set_new(o, sum_status_names[k], json_integer((json_int_t)r->counts[k]));
        json_object_set_new(shares, sum_status_names[k], json_real(share(r->counts[k], r->runs)));
    }
    json_object_set_new(o, "shares", shares);
    json_t *reasons = json_array();
    const struct topk_entry *e = topk_sorted(&r->reasons);
    for (size_t k = 0; k < r->reasons.n && k < reasons_shown; k++) {
        char status[8];
        const char *reason = split_reason(e[k].text, status, sizeof(status));
        json_array_append_new(reasons, json_pack("{s:s, s:s, s:I, s:I}", "status", status, "reason",
                                                 reason, "count", (json_int_t)e[k].count,
                                                 "max_error", (json_int_t)e[k].error));
    }
    json_object_set_new(o, "reasons", reasons);
    json_object_set_new(o, "reasons_exact", json_boolean(!r->reasons.evicted));
    json_object_set_new(o, "middlebox", json_integer((json_int_t)r->middlebox));
    json_t *hops = json_object();
    for (int h = 1; h <= SUMMARY_HOP_MAX; h++) {
        if (r->hops[h] == 0)
            continue;
        char key[16];
        snprintf(key, sizeof(key), "%d%s", h, h == SUMMARY_HOP_MAX ? "+" : "");
        json_object_set_new(hops, key, json_integer((json_int_t)r->hops[h]));
    }
    if (r->hops[0] > 0)
        json_object_set_new(hops, "unknown", json_integer((json_int_t)r->hops[0]));
    json_object_set_new(o, "middlebox_hops", hops);
    return o;
}

int summary_print_json(struct summary *s, FILE *out, size_t reasons_shown)
{
    json_t *files = json_array(), *examples = json_array(), *tests = json_array();
    for (size_t i = 0; i < s->n_files; i++)
        json_array_append_new(files, json_string(s->files[i]));
    for (size_t i = 0; i < s->duplicates && i < SUMMARY_EXAMPLES; i++) {
        const struct sum_duplicate *d = &s->dup_examples[i];
        json_array_append_new(examples, json_pack("{s:s, s:i, s:s, s:I, s:s}", "ip", d->ip, "port",
                                                  (int)d->port, "file", s->files[d->file], "line",
                                                  (json_int_t)d->line, "first_file",
                                                  s->files[d->first_file]));
    }
    for (size_t i = 0; i < summary_rows(s); i++)
        json_array_append_new(tests, test_json(summary_row(s, i), reasons_shown));
    const struct sum_targets *t = &s->targets;
    json_t *o = json_pack(
        "{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:o}, s:{s:I, s:I, s:I, s:I, s:I, s:I},"
        " s:o}",
        "files", files, "records", (json_int_t)s->records, "results", (json_int_t)s->results,
        "disc", (json_int_t)s->disc, "fltr", (json_int_t)s->fltr, "bad_lines",
        (json_int_t)s->bad_lines, "partial_lines", (json_int_t)s->partial_lines, "duplicates",
        "records", (json_int_t)s->duplicates, "results", (json_int_t)s->duplicate_results,
        "examples", examples, "targets", "tested", (json_int_t)t->tested, "all_pass",
        (json_int_t)t->all_pass, "with_fail", (json_int_t)t->with_fail, "unk_no_fail",
        (json_int_t)t->unk_no_fail, "err_other", (json_int_t)t->err_other, "no_results",
        (json_int_t)t->no_results, "tests", tests);
    if (o == NULL)
        return TCPREQ_ENOMEM;
    int rc =
        json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 && fputc('\n', out) != EOF
            ? TCPREQ_OK
            : TCPREQ_ESYS;
    json_decref(o);
    return rc;
}

int summary_print_csv(struct summary *s, FILE *out)
{
    static const char *const header[] = {
        "test",       "runs",      "pass",       "unk",       "fail",      "err",           "other",
        "pass_share", "unk_share", "fail_share", "err_share", "middlebox", "middlebox_hops"};
    bool ok = true;
    for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
        ok = ok && csv_write_str(out, header[i], i == 0);
    ok = ok && csv_end_record(out);
    for (size_t i = 0; i < summary_rows(s) && ok; i++) {
        const struct sum_test *r = summary_row(s, i);
        char num[32], hops[SUMMARY_HOP_MAX * 24];
        ok = csv_write_str(out, r->name, true);
        snprintf(num, sizeof(num), "%llu", (unsigned long long)r->runs);
        ok = ok && csv_write_str(out, num, false);
        for (int k = 0; k < SUM_STATUSES; k++) {
            snprintf(num, sizeof(num), "%llu", (unsigned long long)r->counts[k]);
            ok = ok && csv_write_str(out, num, false);
        }
        for (int k = 0; k < SUM_OTHER; k++) {
            snprintf(num, sizeof(num), "%.6f", share(r->counts[k], r->runs));
            ok = ok && csv_write_str(out, num, false);
        }
        snprintf(num, sizeof(num), "%llu", (unsigned long long)r->middlebox);
        ok = ok && csv_write_str(out, num, false);
        /* "2:1150 unknown:4" */
        size_t n = 0;
        hops[0] = '\0';
        for (int h = 0; h <= SUMMARY_HOP_MAX; h++) {
            int at = h == SUMMARY_HOP_MAX ? 0 : h + 1; /* hops in order, unknown last */
            if (r->hops[at] == 0 || n >= sizeof(hops))
                continue;
            char name[16];
            if (at == 0)
                snprintf(name, sizeof(name), "unknown");
            else
                snprintf(name, sizeof(name), "%d%s", at, at == SUMMARY_HOP_MAX ? "+" : "");
            n += (size_t)snprintf(hops + n, sizeof(hops) - n, "%s%s:%llu", n > 0 ? " " : "", name,
                                  (unsigned long long)r->hops[at]);
        }
        ok = ok && csv_write_str(out, hops, false) && csv_end_record(out);
    }
    return ok && !ferror(out) ? TCPREQ_OK : TCPREQ_ESYS;
}
