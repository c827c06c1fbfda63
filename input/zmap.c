/* --zmap FILE: ZMap's CSV output. The header names the columns (saddr, sport and success are
 * required, in any order); rows whose success is not 1 are no open port and are skipped. */
#include <stdlib.h>
#include <string.h>

#include "input/formats.h"

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

static int column(char **fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fields[i], name) == 0)
            return i;
    return -1;
}

static int read_header(struct input_reader *r, char **fields, int n)
{
    r->col_saddr = column(fields, n, "saddr");
    r->col_sport = column(fields, n, "sport");
    r->col_success = column(fields, n, "success");
    if (r->col_saddr < 0 || r->col_sport < 0 || r->col_success < 0) {
        input_bad_line(r, "not a ZMap CSV header: saddr, sport and success are required "
                          "(zmap -O csv -f saddr,sport,success,...); file skipped");
        r->failed = true;
    }
    return 0;
}

int zmap_parse_line(struct input_reader *r, char *line, struct ip_addr *ip, uint16_t *port,
                    json_t **record)
{
    char *fields[ZMAP_FIELDS_MAX];
    int n = input_csv_split(line, fields, ZMAP_FIELDS_MAX);
    if (n < 0) {
        input_bad_line(r, r->col_saddr < 0 ? "malformed CSV header" : "malformed CSV row");
        if (r->col_saddr < 0)
            r->failed = true;
        return 0;
    }
    if (r->col_saddr < 0)
        return read_header(r, fields, n);
    int need = r->col_saddr;
    if (r->col_sport > need)
        need = r->col_sport;
    if (r->col_success > need)
        need = r->col_success;
    if (n <= need) {
        input_bad_line(r, "%d fields, the header has at least %d", n, need + 1);
        return 0;
    }
    if (strcmp(fields[r->col_success], "1") != 0) {
        r->stats.not_success++;
        return 0;
    }
    char *end = NULL;
    const char *sport = fields[r->col_sport];
    unsigned long p = strtoul(sport, &end, 10);
    if (ip_addr_parse(fields[r->col_saddr], ip) != 0) {
        input_bad_line(r, "saddr '%.60s' is not an IPv4 or IPv6 address", fields[r->col_saddr]);
        return 0;
    }
    if (sport[0] < '0' || sport[0] > '9' || *end != '\0' || p < 1 || p > PORT_MAX) {
        input_bad_line(r, "sport '%.20s' is not a port in 1..65535", sport);
        return 0;
    }
    char buf[IP_ADDR_STRLEN];
    *port = (uint16_t)p;
    *record = json_pack("{s:s, s:i, s:n}", "ip", ip_addr_format(ip, buf, sizeof(buf)), "port",
                        (int)p, "host");
    return *record != NULL ? 1 : -1;
}
