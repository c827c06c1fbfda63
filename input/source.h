/* The targets of one run as a single stream: the command line's first, then each input file
 * (--json, --zmap, --nmap, ...) in command-line order. A target_source_fn. */
#ifndef TCPREQ_INPUT_SOURCE_H
#define TCPREQ_INPUT_SOURCE_H

#include "common/addr.h"
#include "common/target.h"
#include "input/input.h"

/* A file of targets named on the command line ("-" = standard input). */
struct input_file {
    const char *path;
    const struct input_format *format;
};

struct input_source {
    const struct ip_endpoint *targets; /* the command line's */
    size_t n_targets;
    const struct input_file *inputs;
    size_t n_inputs;
    size_t next_target; /* command-line targets handed out */
    size_t next_file;   /* files opened so far */
    bool reading;       /* reader holds files[next_file - 1] */
    struct input_reader reader;
    FILE **files; /* opened at init, before privileges are dropped; closed when read */
    FILE *diag;
    struct input_stats totals; /* of the files finished so far */
};

/* Open every file now, before anything is sent and while tcpreq may still read them (it
 * drops root once the engine is up): 0, or -1 with one line on stderr naming the file that
 * cannot be opened. targets and inputs must outlive the source. */
int input_source_init(struct input_source *s, const struct ip_endpoint *targets, size_t n_targets,
                      const struct input_file *inputs, size_t n_inputs, FILE *diag);
/* target_source_fn */
int input_source_next(void *ctx, struct target *out);
/* Totals over the command line and every file read. */
void input_source_stats(const struct input_source *s, struct input_stats *out);
void input_source_free(struct input_source *s);

#endif
