/* Command-line parsing compatible with the original tcpreq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "common/fw_rules.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_rate_suffixes(void **state)
{
    (void)state;
    double r;
    assert_true(cli_parse_rate("500", &r) && r == 500);
    assert_true(cli_parse_rate("10k", &r) && r == 10000);
    assert_true(cli_parse_rate("2M", &r) && r == 2e6);
    assert_true(cli_parse_rate("1g", &r) && r == 1e9);
    assert_false(cli_parse_rate("10x", &r));
    assert_false(cli_parse_rate("k", &r));
    assert_false(cli_parse_rate("-5", &r));
    assert_false(cli_parse_rate("10kk", &r));
}

static void test_full_command_line(void **state)
{
    (void)state;
    char *argv[] = {"tcpreq", "-B", "198.18.1.2", "--bind=fd00:7463:1::2", "-B", "198.18.9.9",
                    "-r", "50k", "-T", "RSTACKTest", "OptionSupportTest", "198.18.3.2:80",
                    "[fd00:7463:3::2]:443", "-o", "out.jsonl", "--wait-floor", "50",
                    "--timing", "original"};
    struct cli_options o;
    assert_int_equal(cli_parse(ARGC(argv), argv, &o), 0);
    char buf[IP_ADDR_STRLEN];
    assert_string_equal(ip_addr_format(&o.src4, buf, sizeof(buf)), "198.18.1.2");
    assert_string_equal(ip_addr_format(&o.src6, buf, sizeof(buf)), "fd00:7463:1::2");
    assert_true(o.rate == 50000);
    assert_int_equal(o.n_targets, 2);
    assert_int_equal(o.targets[0].port, 80);
    assert_int_equal(o.targets[1].port, 443);
    assert_int_equal(o.targets[1].ip.family, IP_FAMILY_V6);
    assert_int_equal(o.selection.n, 2);
    assert_string_equal(o.output, "out.jsonl");
    assert_true(o.timing.original);
    assert_int_equal(o.timing.floor, 50 * TC_MSEC);
    cli_free(&o);
}

/* Without --inflight the targets in flight follow the rate (enough to keep it busy); an
 * explicit --inflight wins, wherever -r stands. */
static void test_inflight_follows_rate(void **state)
{
    (void)state;
    assert_int_equal(cli_default_inflight(10000), INFLIGHT_MIN);
    assert_int_equal(cli_default_inflight(50000), 2000);
    assert_int_equal(cli_default_inflight(1e9), INFLIGHT_MAX);
    struct cli_options o;
    char *dflt[] = {"tcpreq", "-B", "198.18.1.2", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(dflt), dflt, &o), 0);
    assert_int_equal(o.max_inflight, INFLIGHT_MIN);
    cli_free(&o);
    char *fast[] = {"tcpreq", "-B", "198.18.1.2", "198.18.3.2:80", "-r", "100k"};
    assert_int_equal(cli_parse(ARGC(fast), fast, &o), 0);
    assert_int_equal(o.max_inflight, 4000);
    cli_free(&o);
    char *given[] = {"tcpreq", "--inflight", "16", "-B", "198.18.1.2", "-r", "100k",
                     "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(given), given, &o), 0);
    assert_int_equal(o.max_inflight, 16);
    cli_free(&o);
}

static void test_operation_options(void **state)
{
    (void)state;
    char *argv[] = {"tcpreq", "-B", "198.18.1.2", "--pcap", "run.pcap", "--firewall=iptables",
                    "-u", "scanner", "198.18.3.2:80"};
    struct cli_options o;
    assert_int_equal(cli_parse(ARGC(argv), argv, &o), 0);
    assert_string_equal(o.pcap_path, "run.pcap");
    assert_int_equal(o.firewall, FW_IPTABLES);
    assert_string_equal(o.user, "scanner");
    cli_free(&o);
    char *defaults[] = {"tcpreq", "-B", "198.18.1.2", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(defaults), defaults, &o), 0);
    assert_null(o.pcap_path);
    assert_int_equal(o.firewall, FW_NONE); /* as the original: no firewall unless asked */
    assert_null(o.user);
    cli_free(&o);
    char *bad_firewall[] = {"tcpreq", "-B", "198.18.1.2", "--firewall", "pf", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(bad_firewall), bad_firewall, &o), EXIT_USAGE);
    cli_free(&o);
}

static void test_usage_errors_return_2(void **state)
{
    (void)state;
    struct cli_options o;
    char *unknown_test[] = {"tcpreq", "-B", "198.18.1.2", "-T", "Nope", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(unknown_test), unknown_test, &o), EXIT_USAGE);
    cli_free(&o);
    char *bad_target[] = {"tcpreq", "-B", "198.18.1.2", "198.18.3.2"};
    assert_int_equal(cli_parse(ARGC(bad_target), bad_target, &o), EXIT_USAGE);
    cli_free(&o);
    char *no_bind[] = {"tcpreq", "198.18.3.2:80", "[fd00::2]:80"};
    assert_int_equal(cli_parse(ARGC(no_bind), no_bind, &o), EXIT_USAGE);
    cli_free(&o);
    char *missing_value[] = {"tcpreq", "198.18.3.2:80", "-B"};
    assert_int_equal(cli_parse(ARGC(missing_value), missing_value, &o), EXIT_USAGE);
    cli_free(&o);
    char *bad_bind[] = {"tcpreq", "-B", "not-an-ip", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(bad_bind), bad_bind, &o), EXIT_USAGE);
    cli_free(&o);
}

/* A target of a family without -B is no longer a usage error: the filter writes it as DISC. */
static void test_target_without_matching_bind_parses(void **state)
{
    (void)state;
    struct cli_options o;
    char *argv[] = {"tcpreq", "-B", "198.18.1.2", "[fd00::2]:80", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(argv), argv, &o), 0);
    assert_int_equal(o.n_targets, 2);
    assert_int_equal(o.src6.family, 0);
    cli_free(&o);
}

static void test_filter_options(void **state)
{
    (void)state;
    struct cli_options o;
    char *argv[] = {"tcpreq", "-B", "198.18.1.2", "-b", "a.txt", "--blocklist=b.txt",
                    "--blacklist", "c.txt", "-bd.txt", "--shard", "3/8", "--resume",
                    "old.jsonl", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(argv), argv, &o), 0);
    assert_int_equal(o.n_blocklists, 4);
    assert_string_equal(o.blocklists[0], "a.txt");
    assert_string_equal(o.blocklists[1], "b.txt");
    assert_string_equal(o.blocklists[2], "c.txt");
    assert_string_equal(o.blocklists[3], "d.txt");
    assert_int_equal(o.shard_index, 3);
    assert_int_equal(o.shard_count, 8);
    assert_string_equal(o.resume, "old.jsonl");
    cli_free(&o);

    const char *bad_shards[] = {"2/2", "0/0", "1", "-1/2", "1/", "/2", "1/2x", "a/b",
                                "1/99999999999", " 1/2"};
    for (size_t i = 0; i < sizeof(bad_shards) / sizeof(bad_shards[0]); i++) {
        char *bad[] = {"tcpreq", "-B", "198.18.1.2", "--shard", (char *)bad_shards[i],
                       "198.18.3.2:80"};
        assert_int_equal(cli_parse(ARGC(bad), bad, &o), EXIT_USAGE);
        cli_free(&o);
    }
    char *last[] = {"tcpreq", "-B", "198.18.1.2", "--shard", "0/1", "198.18.3.2:80"};
    assert_int_equal(cli_parse(ARGC(last), last, &o), 0);
    assert_int_equal(o.shard_count, 1);
    cli_free(&o);
}

/* --json/--zmap/--nmap keep their command-line order; standard input only once. */
static void test_input_files(void **state)
{
    (void)state;
    struct cli_options o;
    char *argv[] = {"tcpreq", "-B", "198.18.1.2", "--zmap", "a.csv", "--json=b.jsonl",
                    "--json", "-", "--zmap", "c.csv", "--nmap", "d.xml"};
    assert_int_equal(cli_parse(ARGC(argv), argv, &o), 0);
    assert_int_equal(o.n_targets, 0);
    assert_int_equal(o.n_inputs, 5);
    const char *paths[] = {"a.csv", "b.jsonl", "-", "c.csv", "d.xml"};
    const char *formats[] = {"zmap", "jsonl", "jsonl", "zmap", "nmap"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(o.inputs[i].path, paths[i]);
        assert_string_equal(o.inputs[i].format->name, formats[i]);
    }
    cli_free(&o);
    char *twice[] = {"tcpreq", "-B", "198.18.1.2", "--json", "-", "--nmap", "-"};
    assert_int_equal(cli_parse(ARGC(twice), twice, &o), EXIT_USAGE);
    cli_free(&o);
    char *no_value[] = {"tcpreq", "-B", "198.18.1.2", "--json"};
    assert_int_equal(cli_parse(ARGC(no_value), no_value, &o), EXIT_USAGE);
    cli_free(&o);
}

static void test_argument_file(void **state)
{
    (void)state;
    char path[] = "/tmp/tcpreq-args-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("-B\n198.18.1.2\n198.18.3.2:80\r\n\n198.18.3.3:8080\n", f);
    fclose(f);
    char arg[sizeof(path) + 1];
    snprintf(arg, sizeof(arg), "@%s", path);
    char *argv[] = {"tcpreq", arg, "198.18.3.4:22"};
    struct cli_options o;
    assert_int_equal(cli_parse(ARGC(argv), argv, &o), 0);
    assert_int_equal(o.n_targets, 3);
    assert_int_equal(o.targets[1].port, 8080);
    assert_int_equal(o.targets[2].port, 22);
    cli_free(&o);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_suffixes),
        cmocka_unit_test(test_full_command_line),
        cmocka_unit_test(test_operation_options),
        cmocka_unit_test(test_inflight_follows_rate),
        cmocka_unit_test(test_usage_errors_return_2),
        cmocka_unit_test(test_argument_file),
        cmocka_unit_test(test_target_without_matching_bind_parses),
        cmocka_unit_test(test_filter_options),
        cmocka_unit_test(test_input_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
