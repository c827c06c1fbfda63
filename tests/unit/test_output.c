/* Output in the original tcpreq's schema: result objects, JSON Lines and console lines. */
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

static char *write_with(const struct output_writer *w, json_t *record)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(w->write_target(f, record), 0);
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

    char *console = write_with(&output_console, record);
    assert_string_equal(console,
                        "198.18.3.2\t80\tOptionSupportTest\tStage 1\tUNK: Middlebox interference "
                        "detected at or before hop 2 (header option(s) deleted)\n"
                        "198.18.3.2\t80\tOptionSupportTest\tPASS\n");
    free(console);

    char *line = write_with(&output_jsonl, record);
    assert_non_null(strstr(line, "{\"ip\":\"198.18.3.2\",\"port\":80,\"host\":null,\"results\":["));
    /* One record, one line: the only newline is the last character. */
    size_t line_len = strlen(line);
    assert_true(line_len > 0);
    assert_ptr_equal(strchr(line, '\n'), line + line_len - 1);
    free(line);
    json_decref(record);
    json_decref(t.result.custom);
}

static void test_output_for_path(void **state)
{
    (void)state;
    assert_ptr_equal(output_for_path("x.json"), &output_jsonl);
    assert_ptr_equal(output_for_path("x.jsonl"), &output_jsonl);
    assert_ptr_equal(output_for_path("x.out"), &output_jsonl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_object_schema),
        cmocka_unit_test(test_nulls_for_missing_stage_reason_custom),
        cmocka_unit_test(test_console_and_jsonl_lines),
        cmocka_unit_test(test_output_for_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
