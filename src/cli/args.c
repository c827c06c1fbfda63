#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/escape.h"
#include "common/fw_rules.h"
#include "common/lines.h"
#include "tests_cases/registry.h"

#define ARGFILE_PREFIX '@'
#define ARGFILE_MAX_DEPTH 8
/* Longest line (one argument) of an @FILE. */
#define ARGFILE_LINE_MAX 65536
#define ERR_MAX 256

static int usage_error(const char *fmt, ...)
{
    /* arguments come from @FILE lines too: escaped, so a file cannot drive the terminal */
    char safe[ESCAPE_CAP(ERR_MAX)];
    va_list ap;
    va_start(ap, fmt);
    escape_vformat(safe, sizeof(safe), ERR_MAX, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tcpreq: error: %s\n", safe);
    return EXIT_USAGE;
}

/* --help's layout: "      --json FILE       text", the text and its continuation lines
 * starting in one column. */
#define HELP_INDENT 6
#define HELP_TEXT_COLUMN 24

/* An option taken from a module table (input formats), laid out as the fixed ones. */
static void print_option_help(FILE *out, const char *option, const char *arg, const char *help)
{
    char head[64];
    snprintf(head, sizeof(head), "%s %s", option, arg);
    fprintf(out, "%*s%-*s", HELP_INDENT, "", HELP_TEXT_COLUMN - HELP_INDENT, head);
    for (const char *p = help; *p != '\0'; p++) {
        fputc(*p, out);
        if (*p == '\n')
            fprintf(out, "%*s", HELP_TEXT_COLUMN, "");
    }
    fputc('\n', out);
}

/* The output modules picked by extension, one line each, from their table. */
static void print_output_formats(FILE *out)
{
    for (size_t i = 0; i < output_module_count; i++) {
        const struct output_module *m = output_modules[i];
        if (m->extensions == NULL)
            continue;
        char exts[64];
        size_t n = 0;
        exts[0] = '\0';
        for (const char *const *e = m->extensions; *e != NULL && n < sizeof(exts); e++)
            n += (size_t)snprintf(exts + n, sizeof(exts) - n, "%s%s", n > 0 ? ", " : "", *e);
        fprintf(out, "%*s%-14s %s\n", HELP_TEXT_COLUMN + 2, "", exts, m->description);
    }
}

void cli_usage(FILE *out)
{
    fputs("usage: tcpreq [options] [IP:PORT | [IPv6]:PORT ...]\n"
          "\n"
          "Active TCP conformance tests (RFC 9293) against remote hosts.\n"
          "\n"
          "options:\n"
          "  -B, --bind ADDR       source address to send from (repeatable; the first IPv4\n"
          "                        and the first IPv6 address are used)\n"
          "  -r, --rate PPS        send rate in packets per second, suffixes k, m, g\n"
          "                        (default 10k)\n"
          "  -T, --test NAME...    tests to run (repeatable): a name adds it, '*' adds all,\n"
          "                        '!Name' removes; starting with a removal starts from the\n"
          "                        default set (see --list-tests)\n"
          "  -o, --output FILE     write the results to FILE in the format its extension\n"
          "                        names (none: JSON Lines); without -o, one console line\n"
          "                        per test on stdout. Formats:\n",
          out);
    print_output_formats(out);
    fputs("  -i, --interface DEV   capture device (default: the one holding the -B address)\n"
          "      --timing MODE     'adaptive' (default: waits derived from the measured RTT)\n"
          "                        or 'original' (the Python tcpreq's fixed waits)\n"
          "      --trace-burst MODE\n"
          "                        'path' (default: each traced probe reaches the host once;\n"
          "                        TTL-limited copies only for hops known to quote) or 'full'\n"
          "                        (the original's TTL 1..30 burst, for comparison)\n"
          "      --wait-floor MS   shortest RTT-derived wait (default 200)\n"
          "      --wait-ceil MS    longest RTT-derived wait (default 10000)\n"
          "      --rtt-mult N      RTTs to wait for packets in flight (default 4)\n"
          "      --inflight N      targets tested at once (default: rate / 25, at least 1024)\n"
          "  -b, --blocklist FILE  never send to the CIDR blocks or addresses listed in FILE\n"
          "                        (repeatable; '#' comments); such targets are written as\n"
          "                        FLTR, as are duplicates (also --blacklist)\n"
          "      --shard I/N       test only shard I (0..N-1) of the targets: N machines\n"
          "                        (batch array job, Kubernetes indexed job) with I = the\n"
          "                        task index split one list with no overlap and no gap\n"
          "      --resume FILE     skip targets already complete in FILE (an earlier output,\n"
          "                        .jsonl or .csv); with -o FILE the same file is appended\n"
          "                        to after cutting off a target cut short\n",
          out);
    for (size_t i = 0; i < input_format_count; i++)
        print_option_help(out, input_formats[i]->option, "FILE", input_formats[i]->help);
    fputs("  -q, --quiet           no progress or warnings on stderr\n"
          "      --pcap FILE       record every packet sent and received (pcap, raw IP)\n"
          "      --firewall KIND   'nft' or 'iptables': install a table that drops the\n"
          "                        kernel's RSTs for our flows while tcpreq runs and remove\n"
          "                        it at the end; 'none' (default): load firewall/ yourself\n"
          "  -u, --user USER       drop privileges to USER once the sockets and files are\n"
          "                        open (default when run as root: nobody)\n"
          "      --explain         report for implementors on stdout: per test the RFC 9293\n"
          "                        requirement, verdict, reason, path and the segments that\n"
          "                        decided it (with -o the dataset is written as well)\n"
          "      --list-tests[=markdown]\n"
          "                        list the test cases (as the README's Markdown table)\n"
          "                        and exit\n"
          "      --version         print the version and the git revision, and exit\n"
          "  -h, --help            show this help and exit\n"
          "\n"
          "Use @FILE to include a file's lines as arguments. Targets in documentation,\n"
          "reserved and multicast ranges, or of a family without a -B address, are DISC.\n"
          "The kernel must not answer our SYN-ACKs with RSTs: use --firewall or load\n"
          "firewall/tcpreq.nft first.\n"
          "\n"
          "Captures (pcap, pcapng, e.g. from --pcap) are diagnosed offline, and datasets\n"
          "summarised, by subcommands (see their --help and the man pages):\n"
          "  tcpreq analyze [--json] [-Y SEL] FILE\n"
          "  tcpreq summary [--json | --csv] [--svg FILE] FILE...\n",
          out);
}

bool cli_parse_rate(const char *text, double *rate)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno != 0 || v <= 0 || !isfinite(v))
        return false;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 'k':
        v *= 1e3;
        end++;
        break;
    case 'm':
        v *= 1e6;
        end++;
        break;
    case 'g':
        v *= 1e9;
        end++;
        break;
    default:
        return false;
    }
    if (*end != '\0')
        return false;
    *rate = v;
    return true;
}

/* --- @FILE expansion ------------------------------------------------------------------ */

struct argv_builder {
    char **v;
    int n, cap;
};

static int push_arg(struct argv_builder *b, const char *arg)
{
    if (b->n + 1 >= b->cap) {
        int cap = b->cap ? b->cap * 2 : 32;
        char **v = realloc(b->v, (size_t)cap * sizeof(*v));
        if (v == NULL)
            return TCPREQ_ENOMEM;
        b->v = v;
        b->cap = cap;
    }
    if ((b->v[b->n] = strdup(arg)) == NULL)
        return TCPREQ_ENOMEM;
    b->v[++b->n] = NULL;
    return TCPREQ_OK;
}

static int expand_arg(struct argv_builder *b, const char *arg, int depth);

/* Each line of the file is one argument (argparse's fromfile_prefix_chars behaviour). */
static int expand_file(struct argv_builder *b, const char *path, int depth)
{
    if (depth > ARGFILE_MAX_DEPTH)
        return usage_error("%s: @FILE nesting too deep", path);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return usage_error("%s: %s", path, strerror(errno));
    struct line_reader lines;
    if (line_reader_init(&lines, f, ARGFILE_LINE_MAX) != 0) {
        fclose(f);
        return usage_error("out of memory");
    }
    size_t len;
    enum line_result lr;
    int rc = 0;
    while (rc == 0 && (lr = line_next(&lines, &len)) != LINE_END) {
        if (lr == LINE_ERROR) {
            rc = usage_error("%s: %s", path, strerror(errno));
        } else if (lr == LINE_TOO_LONG) {
            rc = usage_error("%s:%lu: line longer than %d bytes", path, lines.number,
                             ARGFILE_LINE_MAX);
        } else {
            char *line = lines.buf;
            while (len > 0 && line[len - 1] == '\r')
                line[--len] = '\0';
            if (len > 0)
                rc = expand_arg(b, line, depth + 1);
        }
    }
    line_reader_free(&lines);
    fclose(f);
    return rc;
}

static int expand_arg(struct argv_builder *b, const char *arg, int depth)
{
    if (arg[0] == ARGFILE_PREFIX && arg[1] != '\0')
        return expand_file(b, arg + 1, depth);
    return push_arg(b, arg) == TCPREQ_OK ? 0 : usage_error("out of memory");
}

/* --- option parsing ------------------------------------------------------------------- */

/* A token that continues a -T list: a test name, "*" or "!Name" (targets start with a
 * digit or '[', options with '-'). */
static bool looks_like_test_spec(const char *s)
{
    return isalpha((unsigned char)s[0]) || s[0] == '*' || s[0] == '!';
}

static int add_bind(struct cli_options *o, const char *text)
{
    struct ip_addr a;
    if (ip_addr_parse(text, &a) != 0)
        return usage_error("argument -B/--bind: invalid address '%s'", text);
    struct ip_addr *slot = a.family == IP_FAMILY_V4 ? &o->src4 : &o->src6;
    if (slot->family == 0)
        *slot = a; /* only the first of each family is used, as in the original */
    return 0;
}

static int add_target(struct cli_options *o, const char *text)
{
    struct ip_endpoint t;
    if (ip_endpoint_parse(text, &t.ip, &t.port) != 0)
        return usage_error("invalid target '%s' (expected IP:PORT or [IPv6]:PORT)", text);
    struct ip_endpoint *v = realloc(o->targets, (o->n_targets + 1) * sizeof(*v));
    if (v == NULL)
        return usage_error("out of memory");
    o->targets = v;
    o->targets[o->n_targets++] = t;
    return 0;
}

static int add_test_spec(struct cli_options *o, const char *spec)
{
    const char **v = realloc(o->test_specs, (o->n_test_specs + 1) * sizeof(*v));
    if (v == NULL)
        return usage_error("out of memory");
    o->test_specs = v;
    o->test_specs[o->n_test_specs++] = spec;
    return 0;
}

static int add_input(struct cli_options *o, const char *path, const struct input_format *format)
{
    if (strcmp(path, "-") == 0)
        for (size_t k = 0; k < o->n_inputs; k++)
            if (strcmp(o->inputs[k].path, "-") == 0)
                return usage_error("standard input ('-') can be read only once");
    struct input_file *grown = realloc(o->inputs, (o->n_inputs + 1) * sizeof(*grown));
    if (grown == NULL)
        return usage_error("out of memory");
    o->inputs = grown;
    o->inputs[o->n_inputs++] = (struct input_file){.path = path, .format = format};
    return 0;
}

static int add_blocklist(struct cli_options *o, const char *path)
{
    const char **v = realloc(o->blocklists, (o->n_blocklists + 1) * sizeof(*v));
    if (v == NULL)
        return usage_error("out of memory");
    o->blocklists = v;
    o->blocklists[o->n_blocklists++] = path;
    return 0;
}

/* "I/N" with 0 <= I < N: the job array's task index and its size. */
static int parse_shard(struct cli_options *o, const char *text)
{
    unsigned long i, n;
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)text[0]))
        goto bad;
    i = strtoul(text, &end, 10);
    if (errno != 0 || *end != '/' || !isdigit((unsigned char)end[1]))
        goto bad;
    n = strtoul(end + 1, &end, 10);
    if (errno != 0 || *end != '\0' || n == 0 || n > UINT32_MAX || i >= n)
        goto bad;
    o->shard_index = (uint32_t)i;
    o->shard_count = (uint32_t)n;
    return 0;
bad:
    return usage_error("argument --shard: expected I/N with 0 <= I < N, got '%s'", text);
}

static int parse_ms(const char *opt, const char *text, tc_time *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || text[0] == '-')
        return usage_error("argument %s: invalid milliseconds '%s'", opt, text);
    *out = (tc_time)v * TC_MSEC;
    return 0;
}

static int parse_count(const char *opt, const char *text, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || v == 0 || text[0] == '-')
        return usage_error("argument %s: invalid number '%s'", opt, text);
    *out = v;
    return 0;
}

/* Options that take a value; returns the value (from "--opt=v", "-Xv" or the next
 * argument) or NULL with *rc set. */
static const char *option_value(char **argv, int argc, int *i, const char *inline_value,
                                const char *name, int *rc)
{
    if (inline_value != NULL)
        return inline_value;
    if (*i + 1 >= argc) {
        *rc = usage_error("argument %s: expected a value", name);
        return NULL;
    }
    return argv[++*i];
}

static int apply_option(struct cli_options *o, char **argv, int argc, int *i)
{
    const char *arg = argv[*i], *inline_value = NULL;
    char name[64];
    int rc = 0;
    if (arg[1] == '-') {
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (len >= sizeof(name))
            return usage_error("unrecognized argument '%s'", arg);
        memcpy(name, arg, len);
        name[len] = '\0';
        inline_value = eq ? eq + 1 : NULL;
    } else {
        snprintf(name, sizeof(name), "-%c", arg[1]);
        inline_value = arg[2] != '\0' ? arg + 2 : NULL;
    }
#define IS(short_name, long_name) (strcmp(name, short_name) == 0 || strcmp(name, long_name) == 0)
    const char *v;
    const struct input_format *format;
    if (IS("-h", "--help")) {
        o->help = true;
    } else if (IS("-q", "--quiet")) {
        o->quiet = true;
    } else if (IS("--explain", "--explain")) {
        o->explain = true;
    } else if (IS("--list-tests", "--list-tests")) {
        /* --list-tests=markdown: the README's table (no separate value: -T may follow) */
        o->list_tests = true;
        if (inline_value != NULL && strcmp(inline_value, "markdown") == 0)
            o->list_markdown = true;
        else if (inline_value != NULL)
            rc = usage_error("argument --list-tests: expected no value or '=markdown'");
    } else if (IS("--version", "--version")) {
        o->version = true;
    } else if (IS("-B", "--bind")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            rc = add_bind(o, v);
    } else if (IS("-r", "--rate")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL &&
            !cli_parse_rate(v, &o->rate))
            rc = usage_error("argument -r/--rate: invalid rate '%s'", v);
    } else if (IS("-T", "--test")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL) {
            rc = add_test_spec(o, v);
            /* -T takes one or more names, as argparse's nargs="+" did */
            while (rc == 0 && *i + 1 < argc && looks_like_test_spec(argv[*i + 1]))
                rc = add_test_spec(o, argv[++*i]);
        }
    } else if (IS("-o", "--output")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            o->output = v;
    } else if (IS("-i", "--interface")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            o->iface = v;
    } else if (IS("--pcap", "--pcap")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            o->pcap_path = v;
    } else if (IS("-u", "--user")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            o->user = v;
    } else if (IS("--firewall", "--firewall")) {
        enum fw_kind kind;
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL) {
            if (fw_kind_parse(v, &kind))
                o->firewall = kind;
            else
                rc = usage_error("argument --firewall: expected 'nft', 'iptables' or 'none'");
        }
    } else if (IS("--timing", "--timing")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL) {
            if (strcmp(v, "original") == 0)
                o->timing.original = true;
            else if (strcmp(v, "adaptive") == 0)
                o->timing.original = false;
            else
                rc = usage_error("argument --timing: expected 'adaptive' or 'original'");
        }
    } else if (IS("--trace-burst", "--trace-burst")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL) {
            if (strcmp(v, "full") == 0)
                o->trace_full = true;
            else if (strcmp(v, "path") == 0)
                o->trace_full = false;
            else
                rc = usage_error("argument --trace-burst: expected 'path' or 'full'");
        }
    } else if (IS("--wait-floor", "--wait-floor")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            rc = parse_ms(name, v, &o->timing.floor);
    } else if (IS("--wait-ceil", "--wait-ceil")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            rc = parse_ms(name, v, &o->timing.ceil);
    } else if (IS("--rtt-mult", "--rtt-mult")) {
        unsigned long n = 0;
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL &&
            (rc = parse_count(name, v, &n)) == 0)
            o->timing.rtt_mult = (unsigned)n;
    } else if (IS("--inflight", "--inflight")) {
        unsigned long n = 0;
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL &&
            (rc = parse_count(name, v, &n)) == 0)
            o->max_inflight = n;
    } else if (IS("-b", "--blocklist") || IS("--blacklist", "--blacklist")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            rc = add_blocklist(o, v);
    } else if (IS("--shard", "--shard")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            rc = parse_shard(o, v);
    } else if ((format = input_format_by_option(name)) != NULL) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            rc = add_input(o, v, format);
    } else if (IS("--resume", "--resume")) {
        if ((v = option_value(argv, argc, i, inline_value, name, &rc)) != NULL)
            o->resume = v;
    } else {
        rc = usage_error("unrecognized argument '%s'", arg);
    }
#undef IS
    return rc;
}

/* -o and --resume name formats by their extensions: unknown ones are usage errors, before
 * anything is sent (-o out.csv used to write JSON Lines; --resume out.csv read it as JSON
 * Lines, found nothing, and tested every target again). */
static int check_output_formats(struct cli_options *o)
{
    char err[ERR_MAX];
    if (o->output != NULL &&
        (o->output_module = output_module_for_path(o->output, err, sizeof(err))) == NULL)
        return usage_error("argument -o/--output: %s", err);
    if (o->resume == NULL)
        return 0;
    if ((o->resume_module = output_module_for_path(o->resume, err, sizeof(err))) == NULL)
        return usage_error("argument --resume: %s", err);
    if (o->resume_module->resume_scan == NULL)
        return usage_error("argument --resume: %s is %s output, which cannot be resumed (it "
                           "does not show when a target is whole); write .jsonl or .csv",
                           o->resume, o->resume_module->name);
    return 0;
}

/* A target whose family has no -B address is DISC (src/targets), not an error: a mixed list
 * scanned from a v4-only host still yields a whole dataset. Without any -B nothing can be
 * sent at all. */
static int check_targets(const struct cli_options *o)
{
    if (o->src4.family == 0 && o->src6.family == 0)
        return usage_error("no source address: give at least one with -B");
    if (o->timing.floor > o->timing.ceil)
        return usage_error("--wait-floor is larger than --wait-ceil");
    return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *o)
{
    memset(o, 0, sizeof(*o));
    o->rate = DEFAULT_RATE;
    o->timing = tc_timing_default;
    o->max_inflight = 0; /* not given: from the rate, once all options are read */

    struct argv_builder b = {0};
    int rc = push_arg(&b, argc > 0 ? argv[0] : "tcpreq") == TCPREQ_OK ? 0 : EXIT_USAGE;
    for (int i = 1; rc == 0 && i < argc; i++)
        rc = expand_arg(&b, argv[i], 0);
    o->argv = b.v;
    o->argc = b.n;
    if (rc != 0)
        return rc;

    bool only_positional = false;
    for (int i = 1; rc == 0 && i < o->argc; i++) {
        const char *arg = o->argv[i];
        if (!only_positional && strcmp(arg, "--") == 0)
            only_positional = true;
        else if (!only_positional && arg[0] == '-' && arg[1] != '\0')
            rc = apply_option(o, o->argv, o->argc, &i);
        else
            rc = add_target(o, arg);
    }
    if (rc != 0 || o->help || o->list_tests || o->version)
        return rc;
    if (o->max_inflight == 0)
        o->max_inflight = cli_default_inflight(o->rate);

    char err[ERR_MAX];
    if (o->n_test_specs == 0)
        selection_default(&o->selection);
    else if (selection_parse(o->test_specs, o->n_test_specs, &o->selection, err, sizeof(err)) != 0)
        return usage_error("argument -T/--test: %s", err);
    if ((rc = check_output_formats(o)) != 0)
        return rc;
    return check_targets(o);
}

size_t cli_default_inflight(double rate)
{
    double n = rate / INFLIGHT_PPS_PER_TARGET;
    if (n < INFLIGHT_MIN)
        return INFLIGHT_MIN;
    if (n > INFLIGHT_MAX)
        return INFLIGHT_MAX;
    return (size_t)n;
}

void cli_free(struct cli_options *o)
{
    for (int i = 0; i < o->argc; i++)
        free(o->argv[i]);
    free(o->argv);
    free(o->targets);
    free(o->test_specs);
    free(o->blocklists);
    free(o->inputs);
    memset(o, 0, sizeof(*o));
}
