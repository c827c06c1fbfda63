/* JSON Lines, the original tcpreq's format: one object per target, keys in insertion order,
 * flushed per line. The newline is written after the whole object, so a run killed
 * mid-write leaves at most one partial last line, and --resume knows a record is whole when
 * its line ends in a newline. */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/lines.h"
#include "output/output.h"

#define PORT_MAX 65535
/* Longest line a --resume scan reads: a target's record, every test's result in it, is a
 * few tens of KB; a longer line is no record of ours and is not held whole. */
#define RESUME_LINE_MAX (1u << 20)

static int jsonl_write_target(struct output_writer *w, const json_t *record)
{
    if (json_dumpf(record, w->out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        return TCPREQ_ESYS;
    if (fputc('\n', w->out) == EOF || fflush(w->out) != 0)
        return TCPREQ_ESYS;
    return TCPREQ_OK;
}

/* The record's target and whether it was filtered, or false if the line is no record: a
 * record has "ip", "port" and "results" (with "_status" DISC/FLTR, or without: tested). */
static bool parse_record(const char *line, size_t len, struct ip_addr *ip, uint16_t *port,
                         bool *filtered)
{
    json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
    bool ok = false;
    if (json_is_object(rec)) {
        const char *ip_text = json_string_value(json_object_get(rec, "ip"));
        json_t *port_v = json_object_get(rec, "port");
        json_int_t p = json_integer_value(port_v);
        const char *status = json_string_value(json_object_get(rec, "_status"));
        ok = ip_text != NULL && ip_addr_parse(ip_text, ip) == 0 && json_is_integer(port_v) &&
             p >= 1 && p <= PORT_MAX && json_is_array(json_object_get(rec, "results"));
        *port = (uint16_t)p;
        *filtered = status != NULL && (strcmp(status, "FLTR") == 0 || strcmp(status, "DISC") == 0);
    }
    json_decref(rec);
    return ok;
}

static int jsonl_resume_scan(FILE *in, output_resume_fn done, void *ctx, struct output_scan *scan)
{
    memset(scan, 0, sizeof(*scan));
    struct line_reader lines;
    if (line_reader_init(&lines, in, RESUME_LINE_MAX) != 0)
        return TCPREQ_ENOMEM;
    size_t got;
    enum line_result lr;
    int rc = TCPREQ_OK;
    while ((lr = line_next(&lines, &got)) == LINE_OK || lr == LINE_TOO_LONG) {
        if (!lines.newline) {
            scan->partial_tail = true; /* only the last line can lack its newline */
            break;
        }
        scan->valid_len += (off_t)lines.consumed;
        struct ip_addr ip;
        uint16_t port;
        bool filtered;
        if (lr == LINE_TOO_LONG) { /* no record of ours is that long: kept, not resumed */
            if (scan->bad_long++ == 0)
                scan->first_long_line = lines.number;
            scan->bad++;
            continue;
        }
        if (!parse_record(lines.buf, got, &ip, &port, &filtered)) {
            scan->bad++;
            continue;
        }
        scan->records++;
        if ((rc = done(ctx, &ip, port, filtered)) != TCPREQ_OK)
            break;
    }
    if (rc == TCPREQ_OK && lr == LINE_ERROR)
        rc = TCPREQ_ESYS;
    line_reader_free(&lines);
    return rc;
}

static const char *const jsonl_extensions[] = {".jsonl", ".json", NULL};

const struct output_module output_jsonl = {
    .name = "jsonl",
    .extensions = jsonl_extensions,
    .description = "JSON Lines, one object per target",
    .write_target = jsonl_write_target,
    .resume_scan = jsonl_resume_scan,
};
