/* --resume: which records of an earlier JSON Lines output count as done, the partial last
 * line, and reopening the same file for appending. (Every resumable format's whole cycle is
 * in test_output_resume.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "output/output.h"
#include "targets/filter.h"
#include "targets/resume.h"

/* An earlier run's output, killed while writing its last record. */
static const char EARLIER[] =
    "{\"ip\":\"198.18.128.1\",\"port\":80,\"host\":null,\"results\":[{\"test\":\"LivenessTest\"}]}"
    "\n"
    "{\"ip\":\"192.0.2.1\",\"port\":80,\"host\":null,\"results\":[],\"_status\":\"DISC\"}\n"
    "{\"ip\":\"198.18.128.9\",\"port\":80,\"host\":null,\"results\":[],\"_status\":\"FLTR\"}\n"
    "not json at all\n"
    "{\"ip\":\"198.18.128.2\",\"port\":80,\"host\":null}\n"     /* no results */
    "{\"ip\":\"198.18.128.3\",\"port\":70000,\"results\":[]}\n" /* bad port */
    "{\"ip\":\"fd00:7463::3\",\"port\":443,\"host\":null,\"results\":[]}\n"
    "{\"ip\":\"198.18.128.4\",\"port\":80,\"host\":null,\"results\":[{\"te";
#define COMPLETE_LEN                                                                               \
    (sizeof(EARLIER) - 1 -                                                                         \
     strlen("{\"ip\":\"198.18.128.4\",\"port\":80,\"host\":null,\"results\":[{\"te"))

static int resume_load(FILE *in, struct target_set *set, struct output_scan *scan)
{
    return output_module_by_name("jsonl")->resume_scan(in, resume_mark, set, scan);
}

static int resume_load_file(const char *path, struct target_set *set, struct output_scan *scan)
{
    return output_resume_file(output_module_by_name("jsonl"), path, resume_mark, set, scan);
}

static void load(struct target_set *set, struct output_scan *scan)
{
    FILE *in = fmemopen((void *)EARLIER, sizeof(EARLIER) - 1, "r");
    assert_non_null(in);
    assert_int_equal(resume_load(in, set, scan), 0);
    fclose(in);
}

static bool has(const struct target_set *set, const char *ip_text, uint16_t port, uint8_t *flags)
{
    struct ip_addr ip;
    assert_int_equal(ip_addr_parse(ip_text, &ip), 0);
    return target_set_get(set, &ip, port, flags);
}

static void test_complete_records_and_partial_tail(void **state)
{
    (void)state;
    struct target_set set;
    target_set_init(&set);
    struct output_scan scan;
    load(&set, &scan);
    assert_int_equal(scan.records, 4);
    assert_int_equal(scan.bad, 3);
    assert_true(scan.partial_tail);
    assert_int_equal(scan.valid_len, COMPLETE_LEN);
    uint8_t flags;
    assert_true(has(&set, "198.18.128.1", 80, &flags));
    assert_int_equal(flags, TARGET_RESUMED_DONE);
    /* DISC and FLTR records are counted, not done */
    assert_true(has(&set, "192.0.2.1", 80, &flags));
    assert_int_equal(flags, 1 << TARGET_WRITTEN_SHIFT);
    assert_true(has(&set, "198.18.128.9", 80, &flags));
    assert_int_equal(flags, 1 << TARGET_WRITTEN_SHIFT);
    assert_true(has(&set, "fd00:7463::3", 443, NULL));
    assert_false(has(&set, "fd00:7463::3", 80, NULL));
    assert_false(has(&set, "198.18.128.2", 80, NULL)); /* no results: not complete */
    assert_false(has(&set, "198.18.128.4", 80, NULL)); /* the cut-off record */
    target_set_free(&set);

    /* an output that ends cleanly has no partial tail */
    FILE *in = fmemopen((void *)EARLIER, COMPLETE_LEN, "r");
    target_set_init(&set);
    assert_int_equal(resume_load(in, &set, &scan), 0);
    fclose(in);
    assert_false(scan.partial_tail);
    assert_int_equal(scan.valid_len, COMPLETE_LEN);
    target_set_free(&set);
}

static void test_filter_skips_resumed_targets(void **state)
{
    (void)state;
    struct prefix_tree block;
    prefix_tree_init(&block);
    struct ip_addr ip;
    assert_int_equal(ip_addr_parse("198.18.128.9", &ip), 0);
    assert_int_equal(prefix_tree_insert(&block, &ip, 32), 0);
    struct target_filter_config cfg = {.have_src4 = true, .have_src6 = true, .blocklist = &block};
    struct target_filter f;
    target_filter_init(&f, &cfg, NULL, NULL);
    struct output_scan scan;
    load(&f.targets, &scan);
    const struct {
        const char *ip;
        uint16_t port;
        enum target_verdict v;
    } cases[] = {
        {"198.18.128.1", 80, TARGET_RESUMED},
        {"192.0.2.1", 80, TARGET_RESUMED},    /* its DISC record is there already */
        {"198.18.128.9", 80, TARGET_RESUMED}, /* still blocklisted, FLTR already written */
        {"fd00:7463::3", 443, TARGET_RESUMED},
        {"198.18.128.4", 80, TARGET_TEST}, /* cut off: tested again */
        {"198.18.128.2", 80, TARGET_TEST},
        {"198.18.128.2", 80, TARGET_FLTR}, /* a duplicate in this run */
        /* listed again: the FLTR an uninterrupted run would have written after it */
        {"198.18.128.1", 80, TARGET_FLTR},
        {"192.0.2.1", 80, TARGET_DISC}, /* the earlier record is used up */
        {"198.18.128.9", 80, TARGET_FLTR},
        {"192.0.2.2", 80, TARGET_DISC},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(ip_addr_parse(cases[i].ip, &ip), 0);
        if (target_filter_classify(&f, &ip, cases[i].port) != cases[i].v)
            fail_msg("case %zu (%s:%u)", i, cases[i].ip, cases[i].port);
    }
    assert_int_equal(f.stats.resumed, 4);
    assert_int_equal(f.stats.passed, 2);
    target_filter_free(&f);

    /* An earlier run that wrote a duplicate's FLTR while its first occurrence was still being
     * tested (then got killed): the first occurrence is tested now, and the duplicate's FLTR
     * is not written a second time. */
    target_filter_init(&f, &cfg, NULL, NULL);
    assert_int_equal(ip_addr_parse("198.18.128.20", &ip), 0);
    assert_int_equal(target_set_add(&f.targets, &ip, 80, 1 << TARGET_WRITTEN_SHIFT), 0);
    assert_int_equal(target_filter_classify(&f, &ip, 80), TARGET_TEST);
    assert_int_equal(target_filter_classify(&f, &ip, 80), TARGET_RESUMED);
    assert_int_equal(target_filter_classify(&f, &ip, 80), TARGET_FLTR); /* a third copy */
    target_filter_free(&f);
    prefix_tree_free(&block);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static size_t file_size(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f);
    fclose(f);
    return n;
}

static void test_same_file_is_cut_and_appended(void **state)
{
    (void)state;
    char dir[] = "/tmp/tcpreq-resume-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], link_path[64], other[64];
    snprintf(path, sizeof(path), "%s/out.jsonl", dir);
    snprintf(link_path, sizeof(link_path), "%s/link.jsonl", dir);
    snprintf(other, sizeof(other), "%s/other.jsonl", dir);
    write_file(path, EARLIER, sizeof(EARLIER) - 1);
    assert_int_equal(symlink("out.jsonl", link_path), 0);

    struct target_set set;
    target_set_init(&set);
    struct output_scan scan;
    assert_int_equal(resume_load_file(path, &set, &scan), 0);
    FILE *out;
    bool continuing;
    /* -o names the resume file by another path: still the same file */
    assert_int_equal(output_open_file(link_path, path, scan.valid_len, &out, &continuing), 0);
    assert_true(continuing);
    fputs("{\"new\":1}\n", out);
    fclose(out);
    assert_int_equal(file_size(path), COMPLETE_LEN + strlen("{\"new\":1}\n"));
    FILE *in = fopen(path, "r");
    char buf[sizeof(EARLIER)];
    size_t n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    assert_memory_equal(buf, EARLIER, COMPLETE_LEN);
    assert_memory_equal(buf + COMPLETE_LEN, "{\"new\":1}\n", n - COMPLETE_LEN);

    /* a different -o file is written from scratch, the resume file left alone */
    write_file(other, "old\n", 4);
    assert_int_equal(output_open_file(other, path, scan.valid_len, &out, &continuing), 0);
    assert_false(continuing);
    fclose(out);
    assert_int_equal(file_size(other), 0);
    assert_int_equal(file_size(path), COMPLETE_LEN + strlen("{\"new\":1}\n"));

    /* a resume file that does not exist yet resumes nothing */
    char missing[80];
    snprintf(missing, sizeof(missing), "%s/missing.jsonl", dir);
    assert_int_equal(resume_load_file(missing, &set, &scan), 0);
    assert_int_equal(scan.records, 0);
    assert_int_equal(scan.valid_len, 0);

    target_set_free(&set);
    unlink(link_path);
    unlink(path);
    unlink(other);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_records_and_partial_tail),
        cmocka_unit_test(test_filter_skips_resumed_targets),
        cmocka_unit_test(test_same_file_is_cut_and_appended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
