/* CSV (RFC 4180): one row per test result, for spreadsheets and data frames. Columns:
 *   ip, port, host    the target (host empty when null)
 *   input             the target's other input keys as a JSON object (empty when none)
 *   test, status, stage, reason
 *   hops, routers     the path: hop numbers and router addresses, space-separated, in order
 *   custom            the test's custom object as JSON text (empty when null)
 *   tests             the number of tests the target ran: its rows in a row
 * A DISC or FLTR target is one row with its status and an empty test; a target with no
 * result is one row with both empty; both have tests 0. The header row is fixed, so an
 * appended file (--resume) keeps one header, and a target's rows come together, so
 * --resume knows a target is whole when it has "tests" rows. */
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "common/err.h"
#include "output/output.h"

#define PORT_MAX 65535
/* More tests than tcpreq has are no row of ours. */
#define TESTS_MAX 10000
#define JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

enum csv_column {
    COL_IP,
    COL_PORT,
    COL_HOST,
    COL_INPUT,
    COL_TEST,
    COL_STATUS,
    COL_STAGE,
    COL_REASON,
    COL_HOPS,
    COL_ROUTERS,
    COL_CUSTOM,
    COL_TESTS,
    N_COLUMNS
};
static const char *const column_names[N_COLUMNS] = {
    "ip",    "port",   "host", "input",   "test",   "status",
    "stage", "reason", "hops", "routers", "custom", "tests",
};

/* Keys of a record that have columns of their own (the rest go into "input"). */
static bool own_column(const char *key)
{
    static const char *const own[] = {"ip", "port", "host", "results", "_status"};
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (strcmp(key, own[i]) == 0)
            return true;
    return false;
}

/* A scalar as its text: strings as they are, numbers and literals as JSON, null empty. */
static char *scalar_text(const json_t *v)
{
    if (v == NULL || json_is_null(v))
        return strdup("");
    if (json_is_string(v))
        return strndup(json_string_value(v), json_string_length(v));
    return json_dumps(v, JSON_FLAGS | JSON_ENCODE_ANY);
}

static bool write_value(FILE *out, const json_t *v, bool first)
{
    char *text = scalar_text(v);
    if (text == NULL)
        return false;
    bool ok = csv_write_str(out, text, first);
    free(text);
    return ok;
}

/* The target's columns, repeated on each of its rows. */
struct target_cols {
    char *ip, *port, *host, *input;
};

static bool target_cols_make(const json_t *record, struct target_cols *c)
{
    memset(c, 0, sizeof(*c));
    json_t *rest = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)record, key, value)
    {
        if (!own_column(key) && rest != NULL)
            json_object_set(rest, key, value);
    }
    c->ip = scalar_text(json_object_get(record, "ip"));
    c->port = scalar_text(json_object_get(record, "port"));
    c->host = scalar_text(json_object_get(record, "host"));
    c->input = rest == NULL                  ? NULL
               : json_object_size(rest) == 0 ? strdup("")
                                             : json_dumps(rest, JSON_FLAGS);
    json_decref(rest);
    return c->ip != NULL && c->port != NULL && c->host != NULL && c->input != NULL;
}

static void target_cols_free(struct target_cols *c)
{
    free(c->ip);
    free(c->port);
    free(c->host);
    free(c->input);
}

/* "1 2" and "198.18.1.1 198.18.2.2" from [[1, "198.18.1.1"], [2, "198.18.2.2"]]. */
static bool write_path(FILE *out, const json_t *path)
{
    char *hops = NULL, *routers = NULL;
    size_t hops_len = 0, routers_len = 0;
    FILE *h = open_memstream(&hops, &hops_len), *r = open_memstream(&routers, &routers_len);
    bool ok = h != NULL && r != NULL;
    size_t i;
    const json_t *hop;
    json_array_foreach(path, i, hop)
    {
        const char *router = json_string_value(json_array_get(hop, 1));
        if (ok && fprintf(h, "%s%lld", i > 0 ? " " : "",
                          (long long)json_integer_value(json_array_get(hop, 0))) < 0)
            ok = false;
        if (ok && fprintf(r, "%s%s", i > 0 ? " " : "", router != NULL ? router : "?") < 0)
            ok = false;
    }
    if (h != NULL && fclose(h) != 0)
        ok = false;
    if (r != NULL && fclose(r) != 0)
        ok = false;
    ok = ok && csv_write_field(out, hops, hops_len, false) &&
         csv_write_field(out, routers, routers_len, false);
    free(hops);
    free(routers);
    return ok;
}

static bool write_row(FILE *out, const struct target_cols *c, const json_t *result,
                      const char *status, size_t tests)
{
    char count[24];
    snprintf(count, sizeof(count), "%zu", tests);
    bool ok = csv_write_str(out, c->ip, true) && csv_write_str(out, c->port, false) &&
              csv_write_str(out, c->host, false) && csv_write_str(out, c->input, false);
    if (result == NULL) { /* a filtered target, or one without results */
        ok = ok && csv_write_str(out, "", false) && csv_write_str(out, status, false);
        for (int col = COL_STAGE; col < COL_TESTS; col++)
            ok = ok && csv_write_str(out, "", false);
        return ok && csv_write_str(out, count, false) && csv_end_record(out);
    }
    const json_t *custom = json_object_get(result, "custom");
    char *custom_text = custom == NULL || json_is_null(custom)
                            ? NULL
                            : json_dumps(custom, JSON_FLAGS | JSON_ENCODE_ANY);
    ok = ok && write_value(out, json_object_get(result, "test"), false) &&
         write_value(out, json_object_get(result, "status"), false) &&
         write_value(out, json_object_get(result, "stage"), false) &&
         write_value(out, json_object_get(result, "reason"), false) &&
         write_path(out, json_object_get(result, "path")) &&
         csv_write_str(out, custom_text, false) && csv_write_str(out, count, false) &&
         csv_end_record(out);
    free(custom_text);
    return ok;
}

static int csv_open(struct output_writer *w)
{
    if (w->continuing)
        return TCPREQ_OK;
    for (size_t i = 0; i < N_COLUMNS; i++)
        if (!csv_write_str(w->out, column_names[i], i == 0))
            return TCPREQ_ESYS;
    return csv_end_record(w->out) && fflush(w->out) == 0 ? TCPREQ_OK : TCPREQ_ESYS;
}

static int csv_write_target(struct output_writer *w, const json_t *record)
{
    struct target_cols c;
    if (!target_cols_make(record, &c)) {
        target_cols_free(&c);
        return TCPREQ_ENOMEM;
    }
    const json_t *results = json_object_get(record, "results");
    size_t n = json_array_size(results);
    bool ok = true;
    if (n == 0) {
        ok = write_row(w->out, &c, NULL, json_string_value(json_object_get(record, "_status")), 0);
    } else {
        for (size_t i = 0; i < n && ok; i++)
            ok = write_row(w->out, &c, json_array_get(results, i), NULL, n);
    }
    target_cols_free(&c);
    return ok && fflush(w->out) == 0 ? TCPREQ_OK : TCPREQ_ESYS;
}

/* --- resume ------------------------------------------------------------------------- */

/* The rows of one target seen so far. */
struct pending {
    bool open;
    char ip[IP_ADDR_STRLEN];
    char port[8];
    unsigned long want, have;
    bool filtered;
};

static bool header_matches(const struct csv_reader *r)
{
    if (r->n_fields != N_COLUMNS)
        return false;
    for (size_t i = 0; i < N_COLUMNS; i++)
        if (strcmp(csv_field(r, i), column_names[i]) != 0)
            return false;
    return true;
}

static bool parse_count(const char *text, unsigned long max, unsigned long *out)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return false;
    unsigned long v = strtoul(text, &end, 10);
    if (*end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

/* A row of ours: a target's address, port and test count. */
static bool parse_row(const struct csv_reader *r, struct ip_addr *ip, unsigned long *port,
                      unsigned long *tests)
{
    return r->n_fields == N_COLUMNS && ip_addr_parse(csv_field(r, COL_IP), ip) == 0 &&
           parse_count(csv_field(r, COL_PORT), PORT_MAX, port) && *port >= 1 &&
           parse_count(csv_field(r, COL_TESTS), TESTS_MAX, tests);
}

static bool same_target(const struct pending *p, const struct csv_reader *r)
{
    return strcmp(p->ip, csv_field(r, COL_IP)) == 0 && strcmp(p->port, csv_field(r, COL_PORT)) == 0;
}

static int csv_resume_scan(FILE *in, output_resume_fn done, void *ctx, struct output_scan *scan)
{
    memset(scan, 0, sizeof(*scan));
    struct csv_reader r;
    csv_reader_init(&r, in);
    struct pending p = {0};
    int rc = TCPREQ_OK;
    bool header = false;
    for (;;) {
        enum csv_read got = csv_read_record(&r);
        if (got == CSV_ERROR) {
            rc = TCPREQ_ESYS;
            break;
        }
        if (got == CSV_END || got == CSV_PARTIAL) {
            /* a target whose rows stop short was cut by the end of the run: redone */
            scan->partial_tail = got == CSV_PARTIAL || p.open;
            break;
        }
        if (!header) {
            if (got != CSV_RECORD || !header_matches(&r)) {
                scan->error = "not a tcpreq CSV output: its first row is not the header "
                              "ip,port,host,input,test,status,stage,reason,hops,routers,"
                              "custom,tests";
                rc = TCPREQ_EPROTO;
                break;
            }
            header = true;
            scan->valid_len = r.offset;
            continue;
        }
        struct ip_addr ip;
        unsigned long port, tests;
        if (got == CSV_BAD || !parse_row(&r, &ip, &port, &tests)) {
            scan->bad += 1 + (p.open ? p.have : 0);
            p.open = false;
            scan->valid_len = r.offset;
            continue;
        }
        if (p.open && same_target(&p, &r) && p.have < p.want) {
            p.have++;
        } else {
            if (p.open) /* another target began before this one's rows were all there */
                scan->bad += p.have;
            p.open = true;
            snprintf(p.ip, sizeof(p.ip), "%s", csv_field(&r, COL_IP));
            snprintf(p.port, sizeof(p.port), "%s", csv_field(&r, COL_PORT));
            p.want = tests > 0 ? tests : 1;
            p.have = 1;
            const char *status = csv_field(&r, COL_STATUS);
            p.filtered = tests == 0 && (strcmp(status, "DISC") == 0 || strcmp(status, "FLTR") == 0);
        }
        if (p.have < p.want)
            continue;
        p.open = false;
        scan->records++;
        scan->valid_len = r.offset;
        if ((rc = done(ctx, &ip, (uint16_t)port, p.filtered)) != TCPREQ_OK)
            break;
    }
    csv_reader_free(&r);
    return rc;
}

static const char *const csv_extensions[] = {".csv", NULL};

const struct output_module output_csv = {
    .name = "csv",
    .extensions = csv_extensions,
    .description = "CSV (RFC 4180), one row per test",
    .open = csv_open,
    .write_target = csv_write_target,
    .resume_scan = csv_resume_scan,
};
