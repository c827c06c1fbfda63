/* `tcpreq analyze`: command line, capture file, report (the pieces are in src/analyze,
 * src/cli/analyze_args.c and offline.c). */
#include "analyze_cmd.h"

#include <stdio.h>
#include <stdlib.h>

#include "analyze/analyzer.h"
#include "analyze/report.h"
#include "cli/analyze_args.h"
#include "engine/offline.h"

#define EXIT_RUNTIME 1
#define ERR_MAX 512
#define STDOUT_BUFFER (1 << 16)

int analyze_main(int argc, char **argv)
{
    struct analyze_options opts;
    int rc = analyze_parse(argc, argv, &opts);
    if (rc != 0)
        return rc;
    if (opts.help) {
        analyze_usage(stdout);
        return 0;
    }
    /* flows stream out as they complete: a full buffer, not a line at a time */
    setvbuf(stdout, NULL, _IOFBF, STDOUT_BUFFER);
    struct report report;
    report_init(&report, stdout, opts.json, opts.have_select);
    struct analyzer_sink sink = report_sink(&report);
    struct analyzer *a = malloc(sizeof(*a));
    if (a == NULL || analyzer_init(a, opts.have_select ? &opts.select : NULL, &sink, AN_KEEP_BYTES,
                                   opts.max_flows) != 0) {
        fprintf(stderr, "tcpreq analyze: error: out of memory\n");
        free(a);
        return EXIT_RUNTIME;
    }
    char err[ERR_MAX];
    int read_rc = offline_read(opts.path, a, err, sizeof(err));
    /* after a read error too: the findings gathered so far are reported */
    analyzer_finish(a);
    report_summary(&report, opts.path, &a->st);
    int exit_code = 0;
    if (a->st.flows_evicted > 0)
        fprintf(stderr,
                "tcpreq analyze: more than %zu flows open at once: %llu completed early, the "
                "one idle longest first (--max-flows)\n",
                opts.max_flows, (unsigned long long)a->st.flows_evicted);
    if (fflush(stdout) != 0 || report.error != 0) {
        perror("tcpreq analyze: error: writing the report");
        exit_code = EXIT_RUNTIME;
    }
    if (read_rc != 0) {
        fprintf(stderr, "tcpreq analyze: error: %s\n", err);
        if (a->st.frames > 0)
            fprintf(stderr, "tcpreq analyze: the report covers the %llu frames read before\n",
                    (unsigned long long)a->st.frames);
        exit_code = EXIT_RUNTIME;
    } else if (opts.have_select && a->st.flows_selected == 0) {
        fprintf(stderr, "tcpreq analyze: error: no flow matches -Y\n");
        exit_code = EXIT_RUNTIME;
    }
    free(a);
    return exit_code;
}
