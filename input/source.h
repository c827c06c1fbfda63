/* The targets of one run as a single stream: the command line's first, then each --json and
 * --zmap and --nmap file in command-line order. Fits engine_run's target_source_fn. */
#ifndef TCPREQ_INPUT_SOURCE_H
#define TCPREQ_INPUT_SOURCE_H

#include "cli/args.h"
#include "engine/engine.h"
#include "input/input.h"

struct input_source {
    const struct cli_options *opts;
    size_t next_target; /* command-line targets handed out */
    size_t next_file;   /* files opened so far */
    bool reading;       /* reader holds files[next_file - 1] */
    struct input_reader reader;
    FILE **files; /* opened at init, before privileges are dropped; closed when read */
    FILE *diag;
    struct input_stats totals; /* of the files finished so far */
};

/* Open every file now, before anything is sent and while tcpreq may still read them (it
 * drops root once the engine is up): 0, or EXIT_USAGE with one line on stderr naming the
 * file that cannot be opened. */
int input_source_init(struct input_source *s, const struct cli_options *opts, FILE *diag);
/* target_source_fn */
int input_source_next(void *ctx, struct engine_target *out);
/* Totals over the command line and every file read. */
void input_source_stats(const struct input_source *s, struct input_stats *out);
void input_source_free(struct input_source *s);

#endif
