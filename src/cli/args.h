/* Command line compatible with the original tcpreq: positional IP:PORT / [IPv6]:PORT
 * targets, -B (repeatable), -r with k/m/g, -T with "*" and "!Name", -o, @FILE expansion. */
#ifndef TCPREQ_ARGS_H
#define TCPREQ_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "input/source.h"
#include "output/output.h"
#include "scheduler/plan.h"
#include "testcase/tc.h"

/* Exit code for usage errors (bad target, unknown test, no -B at all, bad blocklist), as
 * argparse. */
#define EXIT_USAGE 2
#define DEFAULT_RATE 10000.0
/* Targets in flight without --inflight: enough to keep -r busy. With the default suite a
 * target in flight sends about 40 packets per second to a near host (the lab: 337 packets
 * in 8.5 s) and fewer to far ones (longer waits), so rate / 25 of them, at least the 1024
 * that used to be the fixed default (which held 50k pps to 81 %) and at most 65536 (about
 * 64 KB each). */
#define INFLIGHT_MIN 1024
#define INFLIGHT_PPS_PER_TARGET 25
#define INFLIGHT_MAX 65536

struct cli_options {
    struct ip_endpoint *targets;
    size_t n_targets;
    struct ip_addr src4, src6;
    double rate;
    const char **test_specs;
    size_t n_test_specs;
    struct test_selection selection;
    const char *output;
    const struct output_module *output_module; /* -o's, by its extension */
    const char *iface;
    struct tc_timing timing;
    size_t max_inflight;
    bool quiet, help, list_tests, version;
    bool explain; /* --explain: the single-host report on stdout */
    /* target filter (src/targets): -b files, --shard I/N (count 0 = none), --resume OUT */
    const char **blocklists;
    size_t n_blocklists;
    uint32_t shard_index, shard_count;
    const char *resume;
    const struct output_module *resume_module; /* --resume's, by its extension */
    struct input_file *inputs; /* each input format's option (--json, ...), in order */
    size_t n_inputs;
    const char *pcap_path; /* --pcap FILE */
    int firewall;          /* --firewall nft|iptables|none: enum fw_kind */
    const char *user;      /* -u USER: drop privileges to this user */
    /* argv after @FILE expansion (owned) */
    char **argv;
    int argc;
};

/* Parse argv into opts. On error prints one line "tcpreq: error: ..." to stderr and
 * returns EXIT_USAGE; 0 on success. */
int cli_parse(int argc, char **argv, struct cli_options *opts);
/* Targets in flight for -r rate when --inflight is not given. */
size_t cli_default_inflight(double rate);
void cli_free(struct cli_options *opts);
void cli_usage(FILE *out);
/* "10k" -> 10000 etc.; false on a malformed number. */
bool cli_parse_rate(const char *text, double *rate);

#endif
