/* The target filter: DISC ranges, missing source family, blocklist, duplicates, shards, the
 * order of the rules, and the exact DISC/FLTR records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"
#include "targets/blocklist.h"
#include "targets/filter.h"
#include "targets/reserved.h"

#define SHARD_TARGETS 100000
#define SHARD_COUNT 7

/* A source yielding records parsed from JSON texts, as an input reader would. */
struct list_source {
    const char *const *records;
    size_t n, next;
};

static int list_next(void *ctx, struct target *out)
{
    struct list_source *src = ctx;
    if (src->next >= src->n)
        return 0;
    json_t *rec = json_loads(src->records[src->next++], 0, NULL);
    assert_non_null(rec);
    memset(out, 0, sizeof(*out));
    assert_int_equal(ip_addr_parse(json_string_value(json_object_get(rec, "ip")), &out->ip), 0);
    out->port = (uint16_t)json_integer_value(json_object_get(rec, "port"));
    out->record = rec;
    return 1;
}

/* Run the filter over records; the ips passed on go to passed (one per line), the written
 * DISC/FLTR records to written. */
static void run_filter(const struct target_filter_config *base, const char *const *records,
                       size_t n, char **passed, char **written, struct target_filter_stats *stats)
{
    size_t passed_len = 0, written_len = 0;
    FILE *pass_f = open_memstream(passed, &passed_len);
    FILE *out = open_memstream(written, &written_len);
    struct target_filter_config cfg = *base;
    struct output_writer w;
    assert_int_equal(output_open(&w, output_module_by_name("jsonl"), out, false), 0);
    cfg.sink = output_sink(&w);
    struct list_source src = {.records = records, .n = n};
    struct target_filter f;
    target_filter_init(&f, &cfg, list_next, &src);
    struct target t;
    int rc;
    while ((rc = target_filter_next(&f, &t)) == 1) {
        fprintf(pass_f, "%s:%u\n", json_string_value(json_object_get(t.record, "ip")), t.port);
        assert_null(json_object_get(t.record, "_status"));
        json_decref(t.record);
    }
    assert_int_equal(rc, 0);
    if (stats != NULL)
        *stats = f.stats;
    target_filter_free(&f);
    fclose(pass_f);
    fclose(out);
}

static const struct target_filter_config BOTH_FAMILIES = {.have_src4 = true, .have_src6 = true};

static void expect_verdict(const char *ip_text, enum target_verdict expect)
{
    struct target_filter f;
    target_filter_init(&f, &BOTH_FAMILIES, list_next, NULL);
    struct ip_addr ip;
    assert_int_equal(ip_addr_parse(ip_text, &ip), 0);
    enum target_verdict got = target_filter_classify(&f, &ip, 80);
    if (got != expect)
        fail_msg("%s: verdict %d, expected %d", ip_text, got, expect);
    target_filter_free(&f);
}

static void test_disc_ranges_and_their_edges(void **state)
{
    (void)state;
    const char *disc[] = {"0.0.0.0",
                          "0.255.255.255",
                          "127.0.0.1",
                          "127.255.255.254",
                          "169.254.0.1",
                          "169.254.255.255",
                          "192.0.0.1",
                          "192.0.0.9",
                          "192.0.2.1",
                          "192.0.2.255",
                          "198.51.100.7",
                          "203.0.113.255",
                          "224.0.0.1",
                          "239.255.255.255",
                          "240.0.0.1",
                          "255.255.255.255",
                          "::",
                          "::1",
                          "::ffff:198.18.128.1",
                          "100::1",
                          "100::ffff:ffff:ffff:ffff",
                          "2001:db8::1",
                          "2001:db8:ffff::1",
                          "3fff::1",
                          "3fff:fff:ffff::1",
                          "fe80::1",
                          "febf:ffff::1",
                          "ff02::1",
                          "ff0e::1"};
    /* private, shared, benchmarking (our lab) and unique local ranges are scanned; so are
     * the neighbours of each DISC range */
    const char *test[] = {"1.0.0.0",
                          "10.0.0.1",
                          "126.255.255.255",
                          "128.0.0.0",
                          "169.253.255.255",
                          "169.255.0.0",
                          "172.16.0.1",
                          "192.0.1.0",
                          "192.0.3.0",
                          "192.168.1.1",
                          "100.64.0.1",
                          "198.18.0.1",
                          "198.19.255.255",
                          "198.51.99.255",
                          "198.51.101.0",
                          "203.0.112.255",
                          "203.0.114.0",
                          "223.255.255.255",
                          "::2",
                          "::fffe:c000:201",
                          "64:ff9b::c000:201",
                          "64:ff9b:1::1",
                          "100:0:0:1::1",
                          "2001:db7:ffff::1",
                          "2001:db9::1",
                          "3ffe:ffff::1",
                          "3fff:1000::1",
                          "fe7f::1",
                          "fec0::1",
                          "fc00::1",
                          "fd00:7463::1",
                          "2001:4860:4860::8888",
                          "feff::1"};
    for (size_t i = 0; i < sizeof(disc) / sizeof(disc[0]); i++)
        expect_verdict(disc[i], TARGET_DISC);
    for (size_t i = 0; i < sizeof(test) / sizeof(test[0]); i++)
        expect_verdict(test[i], TARGET_TEST);
    struct ip_addr a;
    assert_int_equal(ip_addr_parse("255.255.255.255", &a), 0);
    assert_string_equal(reserved_range_of(&a)->prefix, "240.0.0.0/4");
}

static void test_disc_and_fltr_records_exactly(void **state)
{
    (void)state;
    const char *records[] = {
        "{\"ip\": \"192.0.2.1\", \"port\": 80, \"host\": \"doc.example\", \"rank\": 7}",
        "{\"ip\": \"198.18.128.1\", \"port\": 80, \"host\": null}",
        "{\"ip\": \"198.18.128.9\", \"port\": 443, \"host\": null}",
        "{\"ip\": \"198.18.128.1\", \"port\": 80, \"host\": \"again\"}",
        "{\"ip\": \"fd00:7463::1\", \"port\": 80}",
        "{\"ip\": \"198.18.128.1\", \"port\": 81, \"host\": null}",
    };
    struct prefix_tree block;
    prefix_tree_init(&block);
    struct ip_addr net;
    assert_int_equal(ip_addr_parse("198.18.128.8", &net), 0);
    assert_int_equal(prefix_tree_insert(&block, &net, 29), 0);
    /* no IPv6 source: the IPv6 target is DISC */
    struct target_filter_config cfg = {.have_src4 = true, .blocklist = &block};
    char *passed, *written;
    struct target_filter_stats st;
    run_filter(&cfg, records, sizeof(records) / sizeof(records[0]), &passed, &written, &st);
    assert_string_equal(passed, "198.18.128.1:80\n198.18.128.1:81\n");
    assert_string_equal(
        written,
        "{\"ip\":\"192.0.2.1\",\"port\":80,\"host\":\"doc.example\",\"rank\":7,\"results\":[],"
        "\"_status\":\"DISC\"}\n"
        "{\"ip\":\"198.18.128.9\",\"port\":443,\"host\":null,\"results\":[],\"_status\":\"FLTR\"}\n"
        "{\"ip\":\"198.18.128.1\",\"port\":80,\"host\":\"again\",\"results\":[],"
        "\"_status\":\"FLTR\"}\n"
        "{\"ip\":\"fd00:7463::1\",\"port\":80,\"results\":[],\"_status\":\"DISC\"}\n");
    assert_int_equal(st.passed, 2);
    assert_int_equal(st.disc, 2);
    assert_int_equal(st.blocklisted, 1);
    assert_int_equal(st.duplicates, 1);
    free(passed);
    free(written);
    prefix_tree_free(&block);
}

static void test_duplicates_after_normalising(void **state)
{
    (void)state;
    struct target_filter f;
    target_filter_init(&f, &BOTH_FAMILIES, list_next, NULL);
    struct ip_addr a, b;
    assert_int_equal(ip_addr_parse("fd00:7463:0:0::1", &a), 0);
    assert_int_equal(ip_addr_parse("FD00:7463::0:1", &b), 0);
    assert_int_equal(target_filter_classify(&f, &a, 80), TARGET_TEST);
    assert_int_equal(target_filter_classify(&f, &b, 80), TARGET_FLTR);
    assert_int_equal(target_filter_classify(&f, &b, 8080), TARGET_TEST);
    /* a reader that left junk past an IPv4 address still names the same target */
    struct ip_addr c = {.family = IP_FAMILY_V4, .bytes = {198, 18, 128, 1}};
    struct ip_addr d = c;
    memset(d.bytes + 4, 0xee, 12);
    assert_int_equal(target_filter_classify(&f, &c, 80), TARGET_TEST);
    assert_int_equal(target_filter_classify(&f, &d, 80), TARGET_FLTR);
    assert_int_equal(d.bytes[4], 0);
    /* DISC is decided before duplicates: a repeated DISC target stays DISC */
    struct ip_addr doc;
    assert_int_equal(ip_addr_parse("192.0.2.1", &doc), 0);
    assert_int_equal(target_filter_classify(&f, &doc, 80), TARGET_DISC);
    assert_int_equal(target_filter_classify(&f, &doc, 80), TARGET_DISC);
    target_filter_free(&f);
}

static struct ip_addr synthetic(uint32_t i, uint16_t *port)
{
    struct ip_addr a = {.family = i % 3 ? IP_FAMILY_V4 : IP_FAMILY_V6};
    if (a.family == IP_FAMILY_V4) {
        a.bytes[0] = 198;
        a.bytes[1] = (uint8_t)(18 + (i >> 16 & 1));
        a.bytes[2] = (uint8_t)(i >> 8);
        a.bytes[3] = (uint8_t)i;
    } else {
        a.bytes[0] = 0xfd;
        memcpy(a.bytes + 12, &i, sizeof(i));
    }
    *port = (uint16_t)(i % 5 == 0 ? 443 : 80);
    return a;
}

/* N shards over a list: every target in exactly one, shards of about equal size, and the
 * shard depends only on (ip, port). */
static void test_shards_partition_the_list(void **state)
{
    (void)state;
    struct target_filter shards[SHARD_COUNT];
    for (uint32_t s = 0; s < SHARD_COUNT; s++) {
        struct target_filter_config cfg = BOTH_FAMILIES;
        cfg.shard_index = s;
        cfg.shard_count = SHARD_COUNT;
        target_filter_init(&shards[s], &cfg, list_next, NULL);
    }
    for (uint32_t i = 0; i < SHARD_TARGETS; i++) {
        uint16_t port;
        int takers = 0;
        for (uint32_t s = 0; s < SHARD_COUNT; s++) {
            struct ip_addr a = synthetic(i, &port);
            enum target_verdict v = target_filter_classify(&shards[s], &a, port);
            if (v == TARGET_TEST)
                takers++;
            else
                assert_int_equal(v, TARGET_OTHER_SHARD);
        }
        assert_int_equal(takers, 1);
    }
    for (uint32_t s = 0; s < SHARD_COUNT; s++) {
        uint64_t n = shards[s].stats.passed, even = SHARD_TARGETS / SHARD_COUNT;
        if (n < even * 9 / 10 || n > even * 11 / 10)
            fail_msg("shard %u holds %llu of %u targets", s, (unsigned long long)n, SHARD_TARGETS);
        /* memory only for its own targets */
        assert_int_equal(shards[s].targets.count, n);
        target_filter_free(&shards[s]);
    }
    /* Pinned values: a change of key or byte order would split running jobs differently. */
    struct ip_addr a;
    assert_int_equal(ip_addr_parse("198.18.128.1", &a), 0);
    uint32_t first = target_shard_of(&a, 80, 1000);
    assert_int_equal(target_shard_of(&a, 80, 1000), first);
    assert_int_equal(target_shard_of(&a, 80, 1), 0);
    assert_int_equal(target_shard_of(&a, 80, 0), 0);
}

static int compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text in sorted order, as one string: a multiset to compare. */
static char *sorted_lines(const char *text)
{
    char *copy = strdup(text), *lines[64], *save = NULL;
    size_t n = 0;
    for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        assert_true(n < 64);
        lines[n++] = l;
    }
    qsort(lines, n, sizeof(lines[0]), compare_lines);
    char *joined = calloc(1, strlen(text) + 2);
    for (size_t i = 0; i < n; i++) {
        strcat(joined, lines[i]);
        strcat(joined, "\n");
    }
    free(copy);
    return joined;
}

static char *concat(const char *a, const char *b)
{
    char *s = malloc(strlen(a) + strlen(b) + 1);
    strcpy(s, a);
    strcat(s, b);
    return s;
}

/* With shards, every DISC/FLTR record and every tested target appears in exactly one shard,
 * exactly as often as without shards (duplicates of a target share its shard). */
static void test_shards_write_filtered_records_once(void **state)
{
    (void)state;
    const char *records[] = {
        "{\"ip\": \"192.0.2.1\", \"port\": 80}",    "{\"ip\": \"198.18.128.1\", \"port\": 80}",
        "{\"ip\": \"198.18.128.2\", \"port\": 80}", "{\"ip\": \"198.18.128.1\", \"port\": 80}",
        "{\"ip\": \"198.18.128.3\", \"port\": 80}", "{\"ip\": \"2001:db8::1\", \"port\": 80}",
        "{\"ip\": \"198.18.128.2\", \"port\": 80}", "{\"ip\": \"198.18.128.4\", \"port\": 80}",
        "{\"ip\": \"198.18.128.5\", \"port\": 80}", "{\"ip\": \"198.18.128.6\", \"port\": 80}",
        "{\"ip\": \"198.18.128.6\", \"port\": 80}", "{\"ip\": \"198.18.128.7\", \"port\": 80}",
    };
    size_t n = sizeof(records) / sizeof(records[0]);
    char *all[2], *shard[2][2]; /* [passed, written] */
    run_filter(&BOTH_FAMILIES, records, n, &all[0], &all[1], NULL);
    for (uint32_t s = 0; s < 2; s++) {
        struct target_filter_config cfg = BOTH_FAMILIES;
        cfg.shard_index = s;
        cfg.shard_count = 2;
        run_filter(&cfg, records, n, &shard[s][0], &shard[s][1], NULL);
    }
    for (int kind = 0; kind < 2; kind++) {
        char *joined = concat(shard[0][kind], shard[1][kind]);
        char *expect = sorted_lines(all[kind]), *got = sorted_lines(joined);
        assert_string_equal(got, expect);
        /* both shards got some of the list (else this checks nothing) */
        assert_true(strlen(shard[0][kind]) < strlen(all[kind]));
        free(joined);
        free(expect);
        free(got);
    }
    for (int kind = 0; kind < 2; kind++) {
        free(all[kind]);
        free(shard[0][kind]);
        free(shard[1][kind]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disc_ranges_and_their_edges),
        cmocka_unit_test(test_disc_and_fltr_records_exactly),
        cmocka_unit_test(test_duplicates_after_normalising),
        cmocka_unit_test(test_shards_partition_the_list),
        cmocka_unit_test(test_shards_write_filtered_records_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
