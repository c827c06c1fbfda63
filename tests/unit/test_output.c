/* Output in the original tcpreq's schema: result objects, JSON Lines and console lines, and
 * -o's choice of a writer by extension. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "record/record.h"
#include "tests_cases/registry.h"

/* 2026-01-02T03:04:05Z */
#define FIXED_WALL ((time_t)1767323045)

static void make_finished_tc(struct tc *t, struct tc_isn *isns)
{
    memset(t, 0, sizeof(*t));
    t->kind = test_case_by_name("OptionSupportTest");
    assert_non_null(t->kind);
    ip_addr_parse("198.18.1.2", &t->env.src);
    ip_addr_parse("198.18.3.2", &t->env.dst);
    t->env.sport = 50123;
    t->env.dport = 80;
    t->result.status = TC_UNK;
    t->result.stage = 1;
    snprintf(t->result.reason, sizeof(t->result.reason), "%s",
             "Middlebox interference detected at or before hop 2 (header option(s) deleted)");
    t->result.custom = json_pack("{s:[ss]}", "diff", "01,00", "");
    t->path_len = 2;
    t->path[0].hop = 1;
    ip_addr_parse("198.18.1.1", &t->path[0].router);
    t->path[1].hop = 2;
    ip_addr_parse("198.18.2.2", &t->path[1].router);
    isns[0] = (struct tc_isn){.at = 1500000, .isn = 4000000000u};
    t->isns = isns;
    t->n_isns = 1;
}

static void test_result_object_schema(void **state)
{
    (void)state;
    struct tc t;
    struct tc_isn isns[1];
    make_finished_tc(&t, isns);
    json_t *r = result_to_json(&t, FIXED_WALL);
    char *text = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(
        text,
        "{\"test\":\"OptionSupportTest\",\"timestamp\":\"2026-01-02T03:04:05Z\","
        "\"src\":{\"ip\":\"198.18.1.2\",\"port\":50123,\"host\":null},"
        "\"path\":[[1,\"198.18.1.1\"],[2,\"198.18.2.2\"]],\"isns\":[[1.5,4000000000]],"
        "\"status\":\"UNK\",\"stage\":1,"
        "\"reason\":\"Middlebox interference detected at or before hop 2 (header option(s) "
        "deleted)\",\"custom\":{\"diff\":[\"01,00\",\"\"]}}");
    free(text);
    json_decref(r);
    json_decref(t.result.custom);
}

static void test_nulls_for_missing_stage_reason_custom(void **state)
{
    (void)state;
    struct tc t;
    struct tc_isn isns[1];
    make_finished_tc(&t, isns);
    json_decref(t.result.custom);
    t.result.custom = NULL;
    t.result.stage = -1;
    t.result.reason[0] = '\0';
    t.result.status = TC_PASS;
    json_t *r = result_to_json(&t, FIXED_WALL);
    assert_true(json_is_null(json_object_get(r, "stage")));
    assert_true(json_is_null(json_object_get(r, "reason")));
    assert_true(json_is_null(json_object_get(r, "custom")));
    assert_string_equal(json_string_value(json_object_get(r, "status")), "PASS");
    json_decref(r);
}

static char *write_with(const char *module, json_t *record)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct output_writer w;
    assert_int_equal(output_open(&w, output_module_by_name(module), f, false), 0);
    assert_int_equal(output_write(&w, record), 0);
    assert_int_equal(output_close(&w), 0);
    fclose(f);
    return buf;
}

static void test_console_and_jsonl_lines(void **state)
{
    (void)state;
    struct tc t;
    struct tc_isn isns[1];
    make_finished_tc(&t, isns);
    json_t *record = json_pack("{s:s, s:i, s:n}", "ip", "198.18.3.2", "port", 80, "host");
    json_t *results = json_array();
    json_array_append_new(results, result_to_json(&t, FIXED_WALL));
    t.result.stage = -1;
    t.result.status = TC_PASS;
    t.result.reason[0] = '\0';
    json_array_append_new(results, result_to_json(&t, FIXED_WALL));
    json_object_set_new(record, "results", results);

    char *console = write_with("console", record);
    assert_string_equal(console,
                        "198.18.3.2\t80\tOptionSupportTest\tStage 1\tUNK: Middlebox interference "
                        "detected at or before hop 2 (header option(s) deleted)\n"
                        "198.18.3.2\t80\tOptionSupportTest\tPASS\n");
    free(console);

    char *line = write_with("jsonl", record);
    assert_non_null(strstr(line, "{\"ip\":\"198.18.3.2\",\"port\":80,\"host\":null,\"results\":["));
    /* One record, one line: the only newline is the last character. */
    size_t line_len = strlen(line);
    assert_true(line_len > 0);
    assert_ptr_equal(strchr(line, '\n'), line + line_len - 1);
    free(line);
    json_decref(record);
    json_decref(t.result.custom);
}

static const char *module_for(const char *path)
{
    char err[256];
    const struct output_module *m = output_module_for_path(path, err, sizeof(err));
    return m != NULL ? m->name : NULL;
}

static void test_module_for_path(void **state)
{
    (void)state;
    assert_string_equal(module_for("x.json"), "jsonl");
    assert_string_equal(module_for("dir.d/x.jsonl"), "jsonl");
    assert_string_equal(module_for("x.JSONL"), "jsonl");
    assert_string_equal(module_for("x.csv"), "csv");
    assert_string_equal(module_for("/data/run.1/x.CSV"), "csv");
    assert_string_equal(module_for("x.txt"), "console");
    /* no extension: JSON Lines, the original's format (a dot in a directory is none) */
    assert_string_equal(module_for("results"), "jsonl");
    assert_string_equal(module_for("run.d/results"), "jsonl");
    assert_string_equal(module_for(".hidden"), "jsonl");
    /* an unknown extension is refused, naming the known ones (no silent JSON Lines) */
    char err[256];
    assert_null(output_module_for_path("x.out", err, sizeof(err)));
    assert_string_equal(err, "x.out: unknown output format '.out' (known: .jsonl, .json, .csv, "
                             ".txt; no extension: JSON Lines)");
    assert_null(output_module_for_path("x.csv.gz", err, sizeof(err)));
    /* --explain's report is a module, but never picked by extension */
    assert_non_null(output_module_by_name("explain"));
    assert_null(output_module_by_name("explain")->extensions);
    /* every module picked by extension can be told apart, and says what it is */
    for (size_t i = 0; i < output_module_count; i++) {
        assert_non_null(output_modules[i]->description);
        assert_non_null(output_modules[i]->write_target);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_object_schema),
        cmocka_unit_test(test_nulls_for_missing_stage_reason_custom),
        cmocka_unit_test(test_console_and_jsonl_lines),
        cmocka_unit_test(test_module_for_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
