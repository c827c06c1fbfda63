/* Command line of the analyze subcommand: tcpreq analyze [--json] [-Y SEL] [--max-flows N] FILE.
 * Parsed on its own so that the prober's command line stays exactly the original's. */
#ifndef TCPREQ_ANALYZE_ARGS_H
#define TCPREQ_ANALYZE_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "analyze/select.h"

#define ANALYZE_COMMAND "analyze"

struct analyze_options {
    bool json, help;
    bool have_select;
    struct flow_select select;
    size_t max_flows; /* --max-flows: flows open at once */
    const char *path;
};

/* argv[0] is "analyze". 0, or EXIT_USAGE (2) after one line "tcpreq analyze: error: ..." on
 * stderr. */
int analyze_parse(int argc, char **argv, struct analyze_options *o);
void analyze_usage(FILE *out);

#endif
