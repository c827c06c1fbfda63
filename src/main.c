/* tcpreq: active TCP specification-conformance prober (RFC 9293). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analyze_args.h"
#include "cli/args.h"
#include "cmd/analyze_cmd.h"
#include "engine/engine.h"
#include "input/source.h"
#include "output/output.h"
#include "targets/blocklist.h"
#include "targets/filter.h"
#include "targets/resume.h"
#include "tests_cases/registry.h"

#define EXIT_SIGNAL_BASE 128
#define NO_TARGET "at least one valid target is required"

static void list_tests(void)
{
    printf("%-26s %-8s %-12s %s\n", "TEST", "DEFAULT", "RFC 9293", "REQUIREMENT");
    for (size_t i = 0; i < test_case_count; i++) {
        const struct test_case *tc = test_case_registry[i];
        printf("%-26s %-8s %-12s %s\n", tc->name, tc->default_on ? "yes" : "no", tc->rfc_req,
               tc->rfc_text);
    }
}

#define ERR_LINE_MAX 512

/* A writer and its stream as a target sink. */
struct writer_sink {
    FILE *out;
    const struct output_writer *writer;
};

static int writer_sink_write(void *ctx, const json_t *record)
{
    const struct writer_sink *ws = ctx;
    return ws->writer->write_target(ws->out, record);
}

/* -b files into blocklist and --resume OUT into the filter's set, before anything is sent or
 * the output is opened. 0 or EXIT_USAGE with one line on stderr. */
static int load_filter_inputs(const struct cli_options *opts, struct prefix_tree *blocklist,
                              struct target_filter *filter, struct resume_scan *resumed)
{
    char err[ERR_LINE_MAX];
    for (size_t i = 0; i < opts->n_blocklists; i++) {
        if (blocklist_load_file(opts->blocklists[i], blocklist, opts->quiet ? NULL : stderr, err,
                                sizeof(err)) != 0) {
            fprintf(stderr, "tcpreq: error: %s\n", err);
            return EXIT_USAGE;
        }
    }
    memset(resumed, 0, sizeof(*resumed));
    if (opts->resume != NULL &&
        resume_load_file(opts->resume, &filter->targets, resumed) != 0) {
        fprintf(stderr, "tcpreq: error: --resume %s: %s\n", opts->resume, strerror(errno));
        return EXIT_USAGE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* A subcommand with its own options; the prober's command line is the original's. */
    if (argc > 1 && strcmp(argv[1], ANALYZE_COMMAND) == 0)
        return analyze_main(argc - 1, argv + 1);
    struct cli_options opts;
    int rc = cli_parse(argc, argv, &opts);
    if (rc != 0) {
        cli_free(&opts);
        return rc;
    }
    if (opts.help || opts.list_tests) {
        if (opts.help)
            cli_usage(stdout);
        else
            list_tests();
        cli_free(&opts);
        return 0;
    }
    if (opts.n_targets == 0 && opts.n_inputs == 0) {
        fprintf(stderr, "tcpreq: error: %s\n", NO_TARGET);
        cli_free(&opts);
        return EXIT_USAGE;
    }

    struct input_source source;
    if (input_source_init(&source, opts.targets, opts.n_targets, opts.inputs, opts.n_inputs,
                          stderr) != 0) {
        cli_free(&opts);
        return EXIT_USAGE;
    }
    struct prefix_tree blocklist;
    prefix_tree_init(&blocklist);
    struct target_filter filter;
    struct target_filter_config filter_cfg = {
        .have_src4 = opts.src4.family != 0,
        .have_src6 = opts.src6.family != 0,
        .blocklist = &blocklist,
        .shard_index = opts.shard_index,
        .shard_count = opts.shard_count,
    };
    target_filter_init(&filter, &filter_cfg, input_source_next, &source);
    struct resume_scan resumed;
    if ((rc = load_filter_inputs(&opts, &blocklist, &filter, &resumed)) != 0) {
        target_filter_free(&filter);
        input_source_free(&source);
        prefix_tree_free(&blocklist);
        cli_free(&opts);
        return rc;
    }

    FILE *out = stdout;
    /* --explain's report takes stdout; the console lines would only repeat it. */
    const struct output_writer *writer = opts.explain ? NULL : &output_console;
    if (opts.output != NULL) {
        if (resume_open_output(opts.output, opts.resume, resumed.valid_len, &out) != 0) {
            fprintf(stderr, "tcpreq: error: %s: %s\n", opts.output, strerror(errno));
            target_filter_free(&filter);
            input_source_free(&source);
            prefix_tree_free(&blocklist);
            cli_free(&opts);
            return EXIT_USAGE;
        }
        writer = output_for_path(opts.output);
    }
    /* DISC/FLTR records join the results in the one dataset stream. */
    struct writer_sink dataset = {.out = out, .writer = writer};
    struct writer_sink report = {.out = stdout, .writer = &output_explain};
    struct target_sink dataset_sink = {.write = writer != NULL ? writer_sink_write : NULL,
                                       .ctx = &dataset};
    filter.cfg.sink = dataset_sink;

    struct engine_config cfg = {
        .src4 = opts.src4,
        .src6 = opts.src6,
        .rate = opts.rate,
        .iface = opts.iface,
        .timing = &opts.timing,
        .selection = &opts.selection,
        .max_inflight = opts.max_inflight,
        .dataset = dataset_sink,
        .report = {.write = opts.explain ? writer_sink_write : NULL, .ctx = &report},
        .quiet = opts.quiet,
        /* with files the total is known only at their end */
        .targets_total = opts.n_inputs == 0 ? opts.n_targets : 0,
        .pcap_path = opts.pcap_path,
        .firewall = opts.firewall,
        .user = opts.user,
    };
    struct engine_stats stats = {0};
    rc = engine_run(&cfg, target_filter_next, &filter, &stats);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = -1;
    target_filter_free(&filter);
    prefix_tree_free(&blocklist);
    struct input_stats in_stats;
    input_source_stats(&source, &in_stats);
    input_source_free(&source);
    bool quiet = opts.quiet;
    cli_free(&opts);
    if (!quiet && in_stats.bad_lines > 0)
        fprintf(stderr, "tcpreq: %llu targets read, %llu bad input lines skipped\n",
                (unsigned long long)in_stats.targets, (unsigned long long)in_stats.bad_lines);
    if (stats.signal != 0) /* as shells report a death by signal: 130 SIGINT, 143 SIGTERM */
        return EXIT_SIGNAL_BASE + stats.signal;
    if (rc == 0 && in_stats.targets == 0) {
        /* only files, and not one target in them */
        fprintf(stderr, "tcpreq: error: %s\n", NO_TARGET);
        return EXIT_USAGE;
    }
    return rc == 0 ? 0 : 1;
}
