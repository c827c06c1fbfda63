/* tcpreq: active TCP specification-conformance prober (RFC 9293). main wires the layers
 * together: inputs -> target filter -> engine -> output writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analyze_args.h"
#include "cli/args.h"
#include "cli/list_tests.h"
#include "cli/summary_args.h"
#include "cmd/analyze_cmd.h"
#include "cmd/summary_cmd.h"
#include "common/err.h"
#include "common/version.h"
#include "engine/engine.h"
#include "input/source.h"
#include "output/output.h"
#include "targets/blocklist.h"
#include "targets/filter.h"
#include "targets/resume.h"

#define EXIT_SIGNAL_BASE 128
#define NO_TARGET "at least one valid target is required"
#define ERR_LINE_MAX 512

/* Everything one scan holds, released by run_free whatever was opened. */
struct run {
    struct input_source source;
    struct prefix_tree blocklist;
    struct target_filter filter;
    FILE *out; /* the dataset's stream (stdout without -o) */
    struct output_writer dataset, report;
    bool dataset_open, report_open;
};

/* -b files into the blocklist and --resume OUT into the filter's set, before anything is
 * sent or the output is opened. 0 or EXIT_USAGE with one line on stderr. */
static int load_filter_inputs(const struct cli_options *opts, struct run *run,
                              struct output_scan *resumed)
{
    char err[ERR_LINE_MAX];
    for (size_t i = 0; i < opts->n_blocklists; i++) {
        if (blocklist_load_file(opts->blocklists[i], &run->blocklist, opts->quiet ? NULL : stderr,
                                err, sizeof(err)) != 0) {
            fprintf(stderr, "tcpreq: error: %s\n", err);
            return EXIT_USAGE;
        }
    }
    memset(resumed, 0, sizeof(*resumed));
    if (opts->resume == NULL)
        return 0;
    int rc = output_resume_file(opts->resume_module, opts->resume, resume_mark,
                                &run->filter.targets, resumed);
    if (rc == TCPREQ_OK && resumed->bad_long > 0 && !opts->quiet)
        fprintf(stderr,
                "tcpreq: %s:%lu: warning: line longer than any record (%llu such lines): kept, "
                "not resumed\n",
                opts->resume, resumed->first_long_line, (unsigned long long)resumed->bad_long);
    if (rc != TCPREQ_OK) {
        fprintf(stderr, "tcpreq: error: --resume %s: %s\n", opts->resume,
                rc == TCPREQ_EPROTO ? resumed->error
                : rc == TCPREQ_ESYS ? strerror(errno)
                                    : tcpreq_strerror(rc));
        return EXIT_USAGE;
    }
    return 0;
}

/* The dataset's writer (-o FILE, else the console on stdout unless --explain has it) and
 * --explain's report on stdout. 0 or EXIT_USAGE / 1 with one line on stderr. */
static int open_outputs(const struct cli_options *opts, struct run *run, off_t resume_len)
{
    const struct output_module *module = opts->output_module;
    bool continuing = false;
    run->out = stdout;
    if (opts->output != NULL &&
        output_open_file(opts->output, opts->resume, resume_len, &run->out, &continuing) != 0) {
        run->out = NULL;
        fprintf(stderr, "tcpreq: error: %s: %s\n", opts->output, strerror(errno));
        return EXIT_USAGE;
    }
    /* --explain's report takes stdout; the console lines would only repeat it */
    if (module == NULL && !opts->explain)
        module = output_module_by_name("console");
    if (module != NULL) {
        if (output_open(&run->dataset, module, run->out, continuing) != 0) {
            fprintf(stderr, "tcpreq: error: writing %s: %s\n",
                    opts->output ? opts->output : "stdout", strerror(errno));
            return 1;
        }
        run->dataset_open = true;
    }
    if (opts->explain) {
        output_open(&run->report, output_module_by_name("explain"), stdout, false);
        run->report_open = true;
    }
    return 0;
}

/* Close the outputs and release everything; rc stays, or becomes 1 if closing failed. */
static int run_free(struct run *run, int rc)
{
    if (run->report_open && output_close(&run->report) != 0 && rc == 0)
        rc = 1;
    if (run->dataset_open && output_close(&run->dataset) != 0 && rc == 0)
        rc = 1;
    if (run->out != NULL && run->out != stdout && output_close_file(run->out) != 0 && rc == 0)
        rc = 1;
    target_filter_free(&run->filter);
    prefix_tree_free(&run->blocklist);
    input_source_free(&run->source);
    return rc;
}

static int scan_main(const struct cli_options *opts)
{
    struct run run;
    memset(&run, 0, sizeof(run));
    prefix_tree_init(&run.blocklist);
    struct target_filter_config filter_cfg = {
        .have_src4 = opts->src4.family != 0,
        .have_src6 = opts->src6.family != 0,
        .blocklist = &run.blocklist,
        .shard_index = opts->shard_index,
        .shard_count = opts->shard_count,
    };
    target_filter_init(&run.filter, &filter_cfg, input_source_next, &run.source);
    if (input_source_init(&run.source, opts->targets, opts->n_targets, opts->inputs, opts->n_inputs,
                          stderr) != 0)
        return run_free(&run, EXIT_USAGE);
    struct output_scan resumed;
    int rc = load_filter_inputs(opts, &run, &resumed);
    /* before the output is opened (and an earlier one truncated) */
    if (rc == 0 && engine_check_sources(&opts->src4, &opts->src6) != 0)
        rc = EXIT_USAGE;
    if (rc == 0)
        rc = open_outputs(opts, &run, resumed.valid_len);
    if (rc != 0)
        return run_free(&run, rc);
    /* DISC/FLTR records join the results in the one dataset stream. */
    struct target_sink dataset = {0}, report = {0};
    if (run.dataset_open)
        dataset = output_sink(&run.dataset);
    if (run.report_open)
        report = output_sink(&run.report);
    run.filter.cfg.sink = dataset;

    struct engine_config cfg = {
        .src4 = opts->src4,
        .src6 = opts->src6,
        .rate = opts->rate,
        .iface = opts->iface,
        .timing = &opts->timing,
        .trace_full = opts->trace_full,
        .selection = &opts->selection,
        .max_inflight = opts->max_inflight,
        .dataset = dataset,
        .report = report,
        .quiet = opts->quiet,
        /* with files the total is known only at their end */
        .targets_total = opts->n_inputs == 0 ? opts->n_targets : 0,
        .pcap_path = opts->pcap_path,
        .firewall = opts->firewall,
        .user = opts->user,
    };
    struct engine_stats stats = {0};
    rc = engine_run(&cfg, target_filter_next, &run.filter, &stats) == 0 ? 0 : 1;
    struct input_stats in_stats;
    input_source_stats(&run.source, &in_stats);
    rc = run_free(&run, rc);
    if (!opts->quiet && in_stats.bad_lines > 0)
        fprintf(stderr, "tcpreq: %llu targets read, %llu bad input lines skipped\n",
                (unsigned long long)in_stats.targets, (unsigned long long)in_stats.bad_lines);
    if (stats.signal != 0) /* as shells report a death by signal: 130 SIGINT, 143 SIGTERM */
        return EXIT_SIGNAL_BASE + stats.signal;
    if (rc == 0 && in_stats.targets == 0) {
        /* only files, and not one target in them */
        fprintf(stderr, "tcpreq: error: %s\n", NO_TARGET);
        return EXIT_USAGE;
    }
    return rc;
}

int main(int argc, char **argv)
{
    /* A subcommand with its own options; the prober's command line is the original's. */
    if (argc > 1 && strcmp(argv[1], ANALYZE_COMMAND) == 0)
        return analyze_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], SUMMARY_COMMAND) == 0)
        return summary_main(argc - 1, argv + 1);
    struct cli_options opts;
    int rc = cli_parse(argc, argv, &opts);
    if (rc == 0 && opts.help)
        cli_usage(stdout);
    else if (rc == 0 && opts.list_tests)
        list_tests(stdout, opts.list_markdown ? LIST_MARKDOWN : LIST_TEXT);
    else if (rc == 0 && opts.version)
        printf("tcpreq %s (git %s)\n", tcpreq_version, tcpreq_revision);
    else if (rc == 0 && opts.n_targets == 0 && opts.n_inputs == 0) {
        fprintf(stderr, "tcpreq: error: %s\n", NO_TARGET);
        rc = EXIT_USAGE;
    } else if (rc == 0)
        rc = scan_main(&opts);
    cli_free(&opts);
    return rc;
}
