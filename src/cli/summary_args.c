#include "cli/summary_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
/* More reasons per test than a summary tracks would be counts it does not have. */
#define REASONS_MAX 64

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tcpreq summary: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

void summary_usage(FILE *out)
{
    fputs("usage: tcpreq summary [--json | --csv] [--svg FILE] [--reasons N] FILE...\n"
          "\n"
          "Counts over JSON Lines datasets of tcpreq (one or the shards of one scan; '-' is\n"
          "standard input), read as a stream: per test the PASS/UNK/FAIL/ERR counts and\n"
          "shares, the most common reasons and the hops where middleboxes were found; per\n"
          "target how many passed every test they ran; DISC and FLTR. A target found again\n"
          "(overlapping shards, a file given twice) is reported, not counted twice.\n"
          "\n"
          "options:\n"
          "  --json          one JSON object instead of text\n"
          "  --csv           CSV (RFC 4180), one row per test, instead of text\n"
          "  --svg FILE      also write a stacked bar chart of the statuses per test\n"
          "  --reasons N     most common reasons shown per test (default 5, at most 64)\n"
          "  -h, --help      show this help and exit\n",
          out);
}

static int add_file(struct summary_options *o, const char *path)
{
    if (strcmp(path, "-") == 0)
        for (size_t i = 0; i < o->n_files; i++)
            if (strcmp(o->files[i], "-") == 0)
                return usage_error("standard input ('-') can be read only once");
    const char **grown = realloc(o->files, (o->n_files + 1) * sizeof(*grown));
    if (grown == NULL)
        return usage_error("out of memory");
    o->files = grown;
    o->files[o->n_files++] = path;
    return 0;
}

int summary_parse(int argc, char **argv, struct summary_options *o)
{
    memset(o, 0, sizeof(*o));
    o->reasons = SUMMARY_REASONS_DEFAULT;
    bool only_files = false, json = false, csv = false;
    int rc = 0;
    for (int i = 1; rc == 0 && i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || a[1] == '\0') {
            rc = add_file(o, a);
        } else if (strcmp(a, "--") == 0) {
            only_files = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--csv") == 0) {
            csv = true;
        } else if (strcmp(a, "--svg") == 0 || strcmp(a, "--reasons") == 0) {
            if (i + 1 >= argc)
                return usage_error("argument %s: expected a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--svg") == 0) {
                o->svg = v;
                continue;
            }
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n > REASONS_MAX)
                return usage_error("argument --reasons: expected a number in 0..%d, got '%s'",
                                   REASONS_MAX, v);
            o->reasons = n;
        } else {
            rc = usage_error("unrecognized argument '%s'", a);
        }
    }
    if (rc != 0 || o->help)
        return rc;
    if (json && csv)
        return usage_error("--json and --csv exclude each other");
    o->format = json ? SUMMARY_JSON : csv ? SUMMARY_CSV : SUMMARY_TEXT;
    if (o->n_files == 0)
        return usage_error("at least one dataset FILE is required ('-' for standard input)");
    return 0;
}

void summary_options_free(struct summary_options *o)
{
    free(o->files);
    memset(o, 0, sizeof(*o));
}
