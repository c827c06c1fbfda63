/* `tcpreq summary`: command line, the datasets, the report and the chart (the counting and
 * rendering are in src/summary, the options in src/cli/summary_args.c). */
#include "summary_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli/summary_args.h"
#include "common/err.h"
#include "summary/summary.h"

#define EXIT_RUNTIME 1

/* Open every dataset before reading any, so a mistyped name fails before minutes of work. */
static FILE **open_all(const struct summary_options *o)
{
    FILE **files = calloc(o->n_files, sizeof(*files));
    if (files == NULL)
        return NULL;
    for (size_t i = 0; i < o->n_files; i++) {
        files[i] = strcmp(o->files[i], "-") == 0 ? stdin : fopen(o->files[i], "r");
        if (files[i] == NULL) {
            fprintf(stderr, "tcpreq summary: error: %s: %s\n", o->files[i], strerror(errno));
            for (size_t k = 0; k < i; k++)
                if (files[k] != stdin)
                    fclose(files[k]);
            free(files);
            return NULL;
        }
    }
    return files;
}

static int report(struct summary *s, const struct summary_options *o)
{
    int rc = o->format == SUMMARY_JSON  ? summary_print_json(s, stdout, o->reasons)
             : o->format == SUMMARY_CSV ? summary_print_csv(s, stdout)
                                        : summary_print_text(s, stdout, o->reasons);
    if (rc != TCPREQ_OK || fflush(stdout) != 0) {
        perror("tcpreq summary: error: writing the report");
        return EXIT_RUNTIME;
    }
    if (o->svg == NULL)
        return 0;
    FILE *svg = fopen(o->svg, "w");
    if (svg == NULL || summary_print_svg(s, svg) != TCPREQ_OK || fclose(svg) != 0) {
        fprintf(stderr, "tcpreq summary: error: %s: %s\n", o->svg, strerror(errno));
        return EXIT_RUNTIME;
    }
    return 0;
}

int summary_main(int argc, char **argv)
{
    struct summary_options o;
    int rc = summary_parse(argc, argv, &o);
    if (rc != 0 || o.help) {
        if (o.help)
            summary_usage(stdout);
        summary_options_free(&o);
        return rc;
    }
    FILE **files = open_all(&o);
    if (files == NULL) {
        summary_options_free(&o);
        return EXIT_RUNTIME;
    }
    /* a key of its own per run: slot positions in the duplicate check that hostile input
     * cannot aim at */
    uint8_t key[SEEN_KEY_LEN] = {0};
    if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
        perror("tcpreq summary: warning: getrandom");
    struct summary s;
    rc = summary_init(&s, key, stderr) == TCPREQ_OK ? 0 : EXIT_RUNTIME;
    for (size_t i = 0; rc == 0 && i < o.n_files; i++) {
        const char *name = files[i] == stdin ? "<stdin>" : o.files[i];
        int read_rc = summary_read(&s, files[i], name);
        if (read_rc != TCPREQ_OK) {
            fprintf(stderr, "tcpreq summary: error: %s: %s\n", name,
                    read_rc == TCPREQ_ESYS ? strerror(errno) : tcpreq_strerror(read_rc));
            rc = EXIT_RUNTIME;
        }
    }
    for (size_t i = 0; i < o.n_files; i++)
        if (files[i] != stdin)
            fclose(files[i]);
    free(files);
    if (rc == 0)
        rc = report(&s, &o);
    if (rc == 0 && s.bad_lines > SUMMARY_EXAMPLES)
        fprintf(stderr, "tcpreq summary: %llu bad lines skipped in all (the first %d shown)\n",
                (unsigned long long)s.bad_lines, SUMMARY_EXAMPLES);
    summary_free(&s);
    summary_options_free(&o);
    return rc;
}
