/* The single-host report (--explain): for an implementor testing one stack, per test the
 * RFC 9293 requirement, the verdict and its reason, the path, and the segments exchanged
 * (relative sequence numbers, > sent, < received), then a tally. */
#include <string.h>

#include "common/err.h"
#include "output/output.h"

#define STATUS_KINDS 4
static const char *const status_order[STATUS_KINDS] = {"PASS", "UNK", "FAIL", "ERR"};

static void print_path(FILE *out, const json_t *path)
{
    size_t i;
    const json_t *hop;
    if (json_array_size(path) == 0)
        return;
    fputs("    path:        ", out);
    json_array_foreach(path, i, hop)
    {
        fprintf(out, "%shop %lld %s", i ? ", " : "",
                (long long)json_integer_value(json_array_get(hop, 0)),
                json_string_value(json_array_get(hop, 1)));
    }
    fputc('\n', out);
}

static void print_segment(FILE *out, const json_t *s)
{
    bool sent = strcmp(json_string_value(json_object_get(s, "dir")), "out") == 0;
    fprintf(out, "      %9.3f %s %-16s seq=%-10lld", json_real_value(json_object_get(s, "ms")),
            sent ? ">" : "<", json_string_value(json_object_get(s, "flags")),
            (long long)json_integer_value(json_object_get(s, "seq")));
    const json_t *ack = json_object_get(s, "ack");
    if (ack != NULL)
        fprintf(out, " ack=%-10lld", (long long)json_integer_value(ack));
    fprintf(out, " win=%lld", (long long)json_integer_value(json_object_get(s, "win")));
    json_int_t len = json_integer_value(json_object_get(s, "len"));
    if (len > 0)
        fprintf(out, " len=%lld", (long long)len);
    json_int_t urg = json_integer_value(json_object_get(s, "urg"));
    if (urg != 0)
        fprintf(out, " urg=%lld", (long long)urg);
    json_int_t rsv = json_integer_value(json_object_get(s, "rsv"));
    if (rsv != 0)
        fprintf(out, " reserved=0x%llx", (long long)rsv);
    const char *opts = json_string_value(json_object_get(s, "opts"));
    if (opts != NULL && opts[0] != '\0')
        fprintf(out, " opts=%s", opts);
    const json_t *ttl = json_object_get(s, "ttl");
    if (ttl != NULL) {
        json_int_t first = json_integer_value(json_array_get(ttl, 0));
        json_int_t last = json_integer_value(json_array_get(ttl, 1));
        if (first == last)
            fprintf(out, " ttl=%lld", (long long)first);
        else
            fprintf(out, " ttl=%lld..%lld (%lld probes, TTL-coded)", (long long)first,
                    (long long)last, (long long)(last - first + 1));
    }
    if (json_is_true(json_object_get(s, "bad_csum")))
        fputs(" BAD-CHECKSUM", out);
    fputc('\n', out);
}

static void print_result(FILE *out, const json_t *res)
{
    const json_t *stage = json_object_get(res, "stage");
    const char *reason = json_string_value(json_object_get(res, "reason"));
    fprintf(out, "  %s: %s", json_string_value(json_object_get(res, "test")),
            json_string_value(json_object_get(res, "status")));
    if (json_is_integer(stage))
        fprintf(out, " (stage %lld)", (long long)json_integer_value(stage));
    fputc('\n', out);
    const json_t *ev = json_object_get(res, "evidence");
    if (ev != NULL)
        fprintf(out, "    requirement: RFC 9293 %s: %s\n",
                json_string_value(json_object_get(ev, "rfc_req")),
                json_string_value(json_object_get(ev, "rfc_text")));
    if (reason != NULL)
        fprintf(out, "    reason:      %s\n", reason);
    const json_t *custom = json_object_get(res, "custom");
    const json_t *diff = json_object_get(custom, "diff");
    if (json_array_size(diff) == 2)
        fprintf(out, "    changed:     expected \"%s\", seen \"%s\"\n",
                json_string_value(json_array_get(diff, 0)),
                json_string_value(json_array_get(diff, 1)));
    print_path(out, json_object_get(res, "path"));
    const json_t *segs = json_object_get(ev, "segments");
    if (json_array_size(segs) == 0)
        return;
    fputs("    segments:    (ms since start; > sent, < received; seq/ack relative to each "
          "direction's SYN)\n",
          out);
    size_t i;
    const json_t *s;
    json_array_foreach(segs, i, s)
    {
        print_segment(out, s);
    }
    json_int_t dropped = json_integer_value(json_object_get(ev, "dropped"));
    if (dropped > 0)
        fprintf(out, "      (%lld segments in between not kept)\n", (long long)dropped);
}

static int explain_write_target(struct output_writer *w, const json_t *record)
{
    FILE *out = w->out;
    const char *ip = json_string_value(json_object_get(record, "ip"));
    json_int_t port = json_integer_value(json_object_get(record, "port"));
    fprintf(out, "%s port %lld\n", ip ? ip : "?", (long long)port);
    const json_t *filtered = json_object_get(record, "_status");
    if (filtered != NULL) {
        fprintf(out, "  not tested: %s\n\n", json_string_value(filtered));
        return fflush(out) == 0 ? TCPREQ_OK : TCPREQ_ESYS;
    }
    size_t counts[STATUS_KINDS] = {0};
    size_t i, total = 0;
    const json_t *res;
    json_array_foreach(json_object_get(record, "results"), i, res)
    {
        print_result(out, res);
        const char *st = json_string_value(json_object_get(res, "status"));
        for (size_t k = 0; k < STATUS_KINDS; k++)
            if (st != NULL && strcmp(st, status_order[k]) == 0)
                counts[k]++;
        total++;
    }
    fprintf(out, "  %zu test runs:", total);
    for (size_t k = 0; k < STATUS_KINDS; k++)
        fprintf(out, " %zu %s%s", counts[k], status_order[k], k + 1 < STATUS_KINDS ? "," : "");
    fputs("\n\n", out);
    return fflush(out) == 0 && !ferror(out) ? TCPREQ_OK : TCPREQ_ESYS;
}

/* Not picked by extension: --explain writes it to stdout beside any -o dataset. */
const struct output_module output_explain = {
    .name = "explain",
    .description = "the single-host report of --explain",
    .write_target = explain_write_target,
};
