/* --zmap FILE: ZMap's CSV output. The header names the columns (saddr, sport and success are
 * required, in any order); rows whose success is not 1 are no open port and are skipped. */
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

#define ZMAP_FIELDS_MAX 256
#define PORT_MAX 65535

int input_csv_split(char *line, char **fields, int cap)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == cap)
            return -1;
        if (*p == '"') {
            /* quoted: "" is a quote; the field is unquoted in place */
            char *w = ++p;
            fields[n++] = w;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            *w = '\0';
            if (*p != ',' && *p != '\0')
                return -1; /* text after the closing quote */
        } else {
            fields[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p == '\0')
            return n;
        *p++ = '\0';
    }
}

/* Column indexes from the header (-1: absent). */
struct zmap_columns {
    int saddr, sport, success;
};

static int column(char **fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fields[i], name) == 0)
            return i;
    return -1;
}

/* The first line: the columns, kept as the reader's state (its presence marks the header
 * as read). */
static int read_header(struct input_reader *r, char **fields, int n)
{
    struct zmap_columns *col = malloc(sizeof(*col));
    if (col == NULL)
        return -1;
    col->saddr = column(fields, n, "saddr");
    col->sport = column(fields, n, "sport");
    col->success = column(fields, n, "success");
    r->state = col;
    if (col->saddr < 0 || col->sport < 0 || col->success < 0) {
        input_bad_line(r, "not a ZMap CSV header: saddr, sport and success are required "
                          "(zmap -O csv -f saddr,sport,success,...); file skipped");
        r->failed = true;
    }
    return 0;
}

static int zmap_parse_line(struct input_reader *r, char *line, size_t len, struct target *out)
{
    (void)len;
    char *fields[ZMAP_FIELDS_MAX];
    const struct zmap_columns *col = r->state;
    int n = input_csv_split(line, fields, ZMAP_FIELDS_MAX);
    if (n < 0) {
        input_bad_line(r, col == NULL ? "malformed CSV header" : "malformed CSV row");
        if (col == NULL)
            r->failed = true;
        return 0;
    }
    if (col == NULL)
        return read_header(r, fields, n);
    int need = col->saddr;
    if (col->sport > need)
        need = col->sport;
    if (col->success > need)
        need = col->success;
    if (n <= need) {
        input_bad_line(r, "%d fields, the header has at least %d", n, need + 1);
        return 0;
    }
    if (strcmp(fields[col->success], "1") != 0) {
        r->stats.not_success++;
        return 0;
    }
    char *end = NULL;
    const char *sport = fields[col->sport];
    unsigned long p = strtoul(sport, &end, 10);
    if (ip_addr_parse(fields[col->saddr], &out->ip) != 0) {
        input_bad_line(r, "saddr '%.60s' is not an IPv4 or IPv6 address", fields[col->saddr]);
        return 0;
    }
    if (sport[0] < '0' || sport[0] > '9' || *end != '\0' || p < 1 || p > PORT_MAX) {
        input_bad_line(r, "sport '%.20s' is not a port in 1..65535", sport);
        return 0;
    }
    char buf[IP_ADDR_STRLEN];
    out->port = (uint16_t)p;
    out->record = json_pack("{s:s, s:i, s:n}", "ip", ip_addr_format(&out->ip, buf, sizeof(buf)),
                            "port", (int)p, "host");
    return out->record != NULL ? 1 : -1;
}

static void zmap_close(struct input_reader *r)
{
    free(r->state);
}

const struct input_format input_zmap = {
    .name = "zmap",
    .option = "--zmap",
    .help = "targets from ZMap CSV (saddr, sport, success columns;\n"
            "rows with success != 1 skipped); repeatable",
    .parse_line = zmap_parse_line,
    .close = zmap_close,
};
