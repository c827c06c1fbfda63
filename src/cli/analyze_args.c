#include "cli/analyze_args.h"

#include <stdarg.h>
#include <string.h>

#include "common/err.h"

#define EXIT_USAGE_ANALYZE 2
#define SELECT_LONG "--select"

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tcpreq analyze: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see tcpreq analyze --help)\n", stderr);
    va_end(ap);
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
          "  -h, --help         show this help and exit\n",
          out);
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
    if (!o->help && o->path == NULL)
        return usage_error("a capture FILE is required");
    return 0;
}
