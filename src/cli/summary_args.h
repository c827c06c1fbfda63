/* Command line of the summary subcommand:
 *   tcpreq summary [--json | --csv] [--svg FILE] [--reasons N] FILE...
 * FILE is a JSON Lines dataset of tcpreq (or the original's); "-" reads standard input. */
#ifndef TCPREQ_SUMMARY_ARGS_H
#define TCPREQ_SUMMARY_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SUMMARY_COMMAND "summary"
#define SUMMARY_REASONS_DEFAULT 5

enum summary_format { SUMMARY_TEXT, SUMMARY_JSON, SUMMARY_CSV };

struct summary_options {
    enum summary_format format;
    const char *svg; /* --svg FILE, or NULL */
    size_t reasons;  /* --reasons N: most common reasons shown per test */
    bool help;
    const char **files; /* argv's, in order */
    size_t n_files;
};

/* argv[0] is "summary". 0, or EXIT_USAGE (2) after one line "tcpreq summary: error: ..." on
 * stderr. */
int summary_parse(int argc, char **argv, struct summary_options *o);
void summary_options_free(struct summary_options *o);
void summary_usage(FILE *out);

#endif
