#include "cli/analyze_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/table.h"
#include "common/err.h"
#include "common/escape.h"

#define EXIT_USAGE_ANALYZE 2
#define SELECT_LONG "--select"
#define MAX_FLOWS_LONG "--max-flows"
#define ERR_MAX 256

static int usage_error(const char *fmt, ...)
{
    char safe[ESCAPE_CAP(ERR_MAX)];
    va_list ap;
    va_start(ap, fmt);
    escape_vformat(safe, sizeof(safe), ERR_MAX, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tcpreq analyze: error: %s (see tcpreq analyze --help)\n", safe);
    return EXIT_USAGE_ANALYZE;
}

void analyze_usage(FILE *out)
{
    fputs("usage: tcpreq analyze [--json] [-Y SEL] FILE\n"
          "\n"
          "Reassemble and diagnose the TCP connections of a capture (pcap or pcapng;\n"
          "Ethernet, Linux cooked v1/v2, raw IP or BSD loopback; '-' reads stdin):\n"
          "retransmissions, out-of-order and lost segments, conflicting overlaps, duplicate\n"
          "ACKs, window problems, handshake outcome, and RFC conformance findings by\n"
          "severity with the frames that show them.\n"
          "\n"
          "options:\n"
          "  --json             one JSON object per flow (JSON Lines) instead of text\n"
          "  -Y, --select SEL   only flow SEL, with a listing of its segments: an index\n"
          "                     (-Y 3) or a 4-tuple in either direction\n"
          "                     (-Y 198.18.1.2:40000-198.18.3.2:80, [v6]:port-[v6]:port)\n"
          "  --max-flows N      flows open at once (default 1000000); beyond, the one idle\n"
          "                     longest is completed early (counted in the summary)\n"
          "  -h, --help         show this help and exit\n",
          out);
}

static int set_max_flows(struct analyze_options *o, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || v == 0 || v > SIZE_MAX / 2)
        return usage_error(MAX_FLOWS_LONG " %s: expected a positive number of flows", text);
    o->max_flows = (size_t)v;
    return 0;
}

static int set_select(struct analyze_options *o, const char *text)
{
    if (o->have_select)
        return usage_error("-Y given twice");
    if (flow_select_parse(text, &o->select) != TCPREQ_OK)
        return usage_error("-Y %s: expected a flow index or IP:PORT-IP:PORT", text);
    o->have_select = true;
    return 0;
}

int analyze_parse(int argc, char **argv, struct analyze_options *o)
{
    memset(o, 0, sizeof(*o));
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc = 0;
        if (options_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (o->path != NULL)
                return usage_error("one capture file only ('%s' and '%s')", o->path, arg);
            o->path = arg;
        } else if (strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (strcmp(arg, "--json") == 0) {
            o->json = true;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            o->help = true;
        } else if (strcmp(arg, "-Y") == 0 || strcmp(arg, SELECT_LONG) == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a flow (index or IP:PORT-IP:PORT)", arg);
            rc = set_select(o, argv[++i]);
        } else if (strcmp(arg, MAX_FLOWS_LONG) == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a number", arg);
            rc = set_max_flows(o, argv[++i]);
        } else if (strncmp(arg, MAX_FLOWS_LONG "=", strlen(MAX_FLOWS_LONG) + 1) == 0) {
            rc = set_max_flows(o, arg + strlen(MAX_FLOWS_LONG) + 1);
        } else if (strncmp(arg, "-Y", 2) == 0) {
            rc = set_select(o, arg + 2);
        } else if (strncmp(arg, SELECT_LONG "=", strlen(SELECT_LONG) + 1) == 0) {
            rc = set_select(o, arg + strlen(SELECT_LONG) + 1);
        } else {
            return usage_error("unknown option '%s'", arg);
        }
        if (rc != 0)
            return rc;
    }
    if (o->max_flows == 0)
        o->max_flows = AN_MAX_FLOWS_DEFAULT;
    if (!o->help && o->path == NULL)
        return usage_error("a capture FILE is required");
    return 0;
}
