/* Text and JSON output of `tcpreq analyze` (formats in report.h and README.md). */
#include "analyze/report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define VERDICT_TEXT_MAX 256
#define FLAGS_TEXT_MAX 12
#define USEC_PER_MSEC_F 1000.0
#define USEC_PER_SEC_F 1000000.0

static const char *const side_names[CONN_SIDES] = {"client_to_server", "server_to_client"};
static const char *const side_arrows[CONN_SIDES] = {"->", "<-"};

const char *report_tcp_flags(uint8_t flags, char *buf, size_t cap)
{
    static const struct {
        uint8_t bit;
        char letter;
    } letters[] = {{TCP_FLAG_SYN, 'S'}, {TCP_FLAG_FIN, 'F'}, {TCP_FLAG_RST, 'R'},
                   {TCP_FLAG_PSH, 'P'}, {TCP_FLAG_URG, 'U'}, {TCP_FLAG_ECE, 'E'},
                   {TCP_FLAG_CWR, 'W'}, {TCP_FLAG_ACK, '.'}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]) && n + 1 < cap; i++)
        if (flags & letters[i].bit)
            buf[n++] = letters[i].letter;
    if (n == 0 && cap > 1)
        buf[n++] = '-';
    buf[n] = '\0';
    return buf;
}

const char *report_verdict_text(uint32_t flags, unsigned dupack_num, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < SV_FLAG_COUNT; i++) {
        uint32_t bit = 1u << i;
        if (!(flags & bit))
            continue;
        int w = bit == SV_DUP_ACK
                    ? snprintf(buf + n, cap - n, "%sdup-ack#%u", n ? "," : "", dupack_num)
                    : snprintf(buf + n, cap - n, "%s%s", n ? "," : "", seg_flag_name(bit));
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    if (n == 0)
        snprintf(buf, cap, "-");
    return buf;
}

/* --- JSON ------------------------------------------------------------------------------ */

static json_t *endpoint_json(const struct an_conn *c, enum conn_side s)
{
    char ip[IP_ADDR_STRLEN];
    return json_pack("{s:s, s:i}", "ip", ip_addr_format(&c->addr[s], ip, sizeof(ip)), "port",
                     (int)c->port[s]);
}

static json_t *direction_json(const struct an_conn *c, enum conn_side s)
{
    const struct seq_dir *d = &c->dir[s];
    const struct seq_counters *k = &d->c;
    uint64_t holes = 0, lost = 0;
    struct seq_hole h;
    for (unsigned i = 0; seqan_hole(d, i, &h); i++) {
        holes++;
        lost += h.bytes;
    }
    json_t *o = json_object();
    json_object_set_new(o, "segments", json_integer((json_int_t)k->segments));
    json_object_set_new(o, "payload_bytes", json_integer((json_int_t)k->payload_bytes));
    json_object_set_new(o, "new_bytes", json_integer((json_int_t)k->new_bytes));
    json_object_set_new(o, "retransmissions", json_integer((json_int_t)k->retransmissions));
    json_object_set_new(o, "retransmitted_bytes", json_integer((json_int_t)k->retrans_bytes));
    json_object_set_new(o, "fast_retransmissions", json_integer((json_int_t)k->fast_retrans));
    json_object_set_new(o, "spurious_retransmissions", json_integer((json_int_t)k->spurious));
    json_object_set_new(o, "partial_retransmissions", json_integer((json_int_t)k->partial));
    json_object_set_new(o, "duplicates", json_integer((json_int_t)k->duplicates));
    json_object_set_new(o, "out_of_order", json_integer((json_int_t)k->out_of_order));
    json_object_set_new(o, "gap_fills", json_integer((json_int_t)k->fills_gap));
    json_object_set_new(o, "previous_not_captured", json_integer((json_int_t)k->prev_not_captured));
    json_object_set_new(o, "holes", json_integer((json_int_t)holes));
    json_object_set_new(o, "lost_bytes", json_integer((json_int_t)lost));
    json_object_set_new(o, "conflicts", json_integer((json_int_t)k->conflicts));
    json_object_set_new(o, "duplicate_acks", json_integer((json_int_t)k->dup_acks));
    json_object_set_new(o, "zero_windows", json_integer((json_int_t)k->zero_windows));
    json_object_set_new(o, "zero_window_probes", json_integer((json_int_t)k->zero_window_probes));
    json_object_set_new(o, "window_updates", json_integer((json_int_t)k->window_updates));
    json_object_set_new(o, "window_full", json_integer((json_int_t)k->window_full));
    json_object_set_new(o, "keep_alives", json_integer((json_int_t)k->keep_alives));
    json_object_set_new(o, "acked_unseen", json_integer((json_int_t)k->acked_unseen));
    json_object_set_new(o, "checksums_checked", json_integer((json_int_t)c->csum[s].checked));
    json_object_set_new(o, "bad_checksums", json_integer((json_int_t)c->csum[s].bad));
    json_object_set_new(o, "syn", json_boolean(d->syn_seen));
    json_object_set_new(o, "mss",
                        d->syn_seen && d->mss_present ? json_integer(d->mss) : json_null());
    json_object_set_new(o, "wscale",
                        d->syn_seen && d->wscale >= 0 ? json_integer(d->wscale) : json_null());
    json_object_set_new(o, "sack_permitted", json_boolean(d->sack_perm));
    return o;
}

static json_t *finding_json(const struct finding *f)
{
    const struct finding_def *def = &finding_catalogue[f->id];
    json_t *frames = json_array();
    for (unsigned i = 0; i < f->n_frames; i++)
        json_array_append_new(frames, json_integer((json_int_t)f->frames[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "id", def->name, "severity",
                     finding_severity_name(def->severity), "message", f->message, "rfc", def->rfc,
                     "count", (json_int_t)f->count, "frames", frames);
}

json_t *report_flow_json(const struct an_conn *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)c->index));
    json_object_set_new(o, "test", c->test[0] ? json_string(c->test) : json_null());
    json_object_set_new(o, "family", json_integer(c->addr[SIDE_CLIENT].family));
    json_object_set_new(o, "client", endpoint_json(c, SIDE_CLIENT));
    json_object_set_new(o, "server", endpoint_json(c, SIDE_SERVER));
    json_object_set_new(o, "roles_guessed", json_boolean(c->roles_guessed));
    json_object_set_new(o, "first_frame", json_integer((json_int_t)c->first_frame));
    json_object_set_new(o, "last_frame", json_integer((json_int_t)c->last_frame));
    json_object_set_new(o, "packets", json_integer((json_int_t)c->packets));
    json_object_set_new(o, "bytes", json_integer((json_int_t)c->wire_bytes));
    json_object_set_new(o, "start", json_real((double)c->first_ts / USEC_PER_SEC_F));
    json_object_set_new(o, "duration",
                        json_real((double)(c->last_ts - c->first_ts) / USEC_PER_SEC_F));
    json_object_set_new(o, "handshake", json_string(conn_handshake_name(c->handshake)));
    json_object_set_new(o, "close", json_string(conn_close_name(conn_close_state(c))));
    json_object_set_new(o, "rtt_ms",
                        c->seqc.first_rtt > 0
                            ? json_real((double)c->seqc.first_rtt / USEC_PER_MSEC_F)
                            : json_null());
    json_t *dirs = json_object();
    for (int s = 0; s < CONN_SIDES; s++)
        json_object_set_new(dirs, side_names[s], direction_json(c, (enum conn_side)s));
    json_object_set_new(o, "directions", dirs);
    json_t *findings = json_array();
    unsigned order[FIND_COUNT];
    if (c->findings.n <= FIND_COUNT) {
        finding_set_order(&c->findings, order);
        for (unsigned i = 0; i < c->findings.n; i++)
            json_array_append_new(findings, finding_json(&c->findings.items[order[i]]));
    }
    json_object_set_new(o, "findings", findings);
    return o;
}

json_t *report_segment_json(const struct an_conn *c, const struct an_seg_line *l)
{
    char flags[FLAGS_TEXT_MAX];
    json_t *verdict = json_array();
    for (unsigned i = 0; i < SV_FLAG_COUNT; i++)
        if (l->v->flags & (1u << i))
            json_array_append_new(verdict, json_string(seg_flag_name(1u << i)));
    json_t *o = json_pack(
        "{s:I, s:f, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "frame", (json_int_t)l->frame, "time",
        (double)(l->ts - c->first_ts) / USEC_PER_SEC_F, "dir", side_names[l->side], "flags",
        report_tcp_flags(l->tcp_flags, flags, sizeof(flags)), "seq", (json_int_t)l->v->rel_seq,
        "next", (json_int_t)l->v->rel_next, "ack",
        (json_int_t)((l->tcp_flags & TCP_FLAG_ACK) ? l->v->rel_ack : 0), "len",
        (json_int_t)l->v->len, "win", (json_int_t)l->v->window, "verdict", verdict);
    if (o != NULL && (l->v->flags & SV_DUP_ACK))
        json_object_set_new(o, "dup_ack_num", json_integer(l->v->dupack_num));
    return o;
}

/* --- text ------------------------------------------------------------------------------ */

static void direction_text(FILE *out, const struct an_conn *c, enum conn_side s)
{
    const struct seq_dir *d = &c->dir[s];
    const struct seq_counters *k = &d->c;
    fprintf(out, "  %s: %" PRIu64 " segments, %" PRIu64 " payload bytes (%" PRIu64 " new)",
            s == SIDE_CLIENT ? "client -> server" : "server -> client", k->segments,
            k->payload_bytes, k->new_bytes);
    if (d->syn_seen) {
        fprintf(out, "; SYN:");
        if (d->mss_present)
            fprintf(out, " MSS %u", d->mss);
        else
            fprintf(out, " no MSS");
        if (d->wscale >= 0)
            fprintf(out, ", wscale %d", d->wscale);
        if (d->sack_perm)
            fprintf(out, ", SACK-permitted");
    }
    fputc('\n', out);
}

static void frames_text(FILE *out, const struct finding *f)
{
    if (f->n_frames == 0)
        return;
    fprintf(out, "; frame%s", f->n_frames > 1 ? "s" : "");
    for (unsigned i = 0; i < f->n_frames; i++)
        fprintf(out, "%s%" PRIu64, i ? ", " : " ", f->frames[i]);
    if (f->count > f->n_frames)
        fprintf(out, " (%" PRIu64 " in all)", f->count);
}

void report_flow_text(FILE *out, const struct an_conn *c)
{
    char a[CONN_ENDPOINT_MAX], b[CONN_ENDPOINT_MAX];
    fprintf(out, "flow %" PRIu64 ": %s -> %s (IPv%u)", c->index,
            conn_endpoint(c, SIDE_CLIENT, a, sizeof(a)),
            conn_endpoint(c, SIDE_SERVER, b, sizeof(b)), c->addr[SIDE_CLIENT].family);
    if (c->test[0])
        fprintf(out, " [test %s]", c->test);
    fprintf(out,
            "\n  frames %" PRIu64 "-%" PRIu64 ", %" PRIu64 " packets, %" PRIu64
            " bytes, %.3f s; handshake %s",
            c->first_frame, c->last_frame, c->packets, c->wire_bytes,
            (double)(c->last_ts - c->first_ts) / USEC_PER_SEC_F, conn_handshake_name(c->handshake));
    if (c->seqc.first_rtt > 0)
        fprintf(out, " (RTT %.3f ms)", (double)c->seqc.first_rtt / USEC_PER_MSEC_F);
    fprintf(out, ", %s%s\n", conn_close_name(conn_close_state(c)),
            c->roles_guessed ? " (client/server guessed)" : "");
    direction_text(out, c, SIDE_CLIENT);
    direction_text(out, c, SIDE_SERVER);
    unsigned order[FIND_COUNT];
    if (c->findings.n > FIND_COUNT)
        return;
    finding_set_order(&c->findings, order);
    for (unsigned i = 0; i < c->findings.n; i++) {
        const struct finding *f = &c->findings.items[order[i]];
        const struct finding_def *def = &finding_catalogue[f->id];
        fprintf(out, "  %-7s %s: %s\n          %s", finding_severity_name(def->severity), def->name,
                f->message, def->rfc);
        frames_text(out, f);
        fputc('\n', out);
    }
}

void report_segment_text(FILE *out, const struct an_conn *c, const struct an_seg_line *l)
{
    char flags[FLAGS_TEXT_MAX], verdict[VERDICT_TEXT_MAX];
    fprintf(out, "%8" PRIu64 " %10.6f %s %-5s %10u %10u %10u %6zu %8u %s\n", l->frame,
            (double)(l->ts - c->first_ts) / USEC_PER_SEC_F, side_arrows[l->side],
            report_tcp_flags(l->tcp_flags, flags, sizeof(flags)), l->v->rel_seq, l->v->rel_next,
            (l->tcp_flags & TCP_FLAG_ACK) ? l->v->rel_ack : 0, l->v->len, l->v->window,
            report_verdict_text(l->v->flags, l->v->dupack_num, verdict, sizeof(verdict)));
}

/* --- the sink -------------------------------------------------------------------------- */

static void write_json_line(struct report *r, json_t *o)
{
    /* dumped to memory and written at once: json_dumpf writes token by token */
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    if (text == NULL || fputs(text, r->out) == EOF || fputc('\n', r->out) == EOF)
        r->error = TCPREQ_ESYS;
    free(text);
    json_decref(o);
}

/* -Y with --json: the flow's object ends with "segments", a list as long as the flow, while
 * its other keys are known only when the flow completes. The segments are spooled to a
 * temporary file as they come (one JSON text each, comma-separated) and copied in after the
 * rest of the object, so memory stays flat however many segments the flow has. */
struct spool {
    FILE *f;
    uint64_t n;
    bool failed;
};

static void spool_segment(struct report *r, struct an_conn *c, const struct an_seg_line *line)
{
    struct spool *sp = c->listing;
    if (sp == NULL) {
        if ((sp = calloc(1, sizeof(*sp))) == NULL || (sp->f = tmpfile()) == NULL) {
            free(sp);
            r->error = TCPREQ_ESYS;
            return;
        }
        c->listing = sp;
    }
    json_t *o = report_segment_json(c, line);
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    if (text == NULL || (sp->n > 0 && fputc(',', sp->f) == EOF) || fputs(text, sp->f) == EOF)
        sp->failed = true;
    sp->n++;
    free(text);
    json_decref(o);
}

/* The flow object with the spooled segments as its last key; frees the spool. */
static void write_json_with_segments(struct report *r, json_t *o, struct spool *sp)
{
    char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    size_t len = text != NULL ? strlen(text) : 0;
    /* an object's text ends in '}': open "segments" before it */
    if (len < 2 || text[len - 1] != '}' || sp->failed || fflush(sp->f) != 0 ||
        fseek(sp->f, 0, SEEK_SET) != 0) {
        r->error = TCPREQ_ESYS;
    } else {
        text[len - 1] = '\0';
        fprintf(r->out, "%s%s\"segments\":[", text, len > 2 ? "," : "");
        char buf[BUFSIZ];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), sp->f)) > 0)
            if (fwrite(buf, 1, n, r->out) != n)
                r->error = TCPREQ_ESYS;
        if (ferror(sp->f) || fputs("]}\n", r->out) == EOF)
            r->error = TCPREQ_ESYS;
    }
    free(text);
    fclose(sp->f);
    free(sp);
}

static void sink_flow(void *ctx, struct an_conn *c)
{
    struct report *r = ctx;
    if (r->json) {
        json_t *o = report_flow_json(c);
        struct spool *sp = c->listing;
        c->listing = NULL;
        if (sp != NULL)
            write_json_with_segments(r, o, sp);
        else
            write_json_line(r, o);
        return;
    }
    report_flow_text(r->out, c);
    fputc('\n', r->out);
    if (ferror(r->out))
        r->error = TCPREQ_ESYS;
}

static void sink_segment(void *ctx, struct an_conn *c, const struct an_seg_line *line)
{
    struct report *r = ctx;
    if (r->json) {
        spool_segment(r, c, line);
        return;
    }
    if (c->listing == NULL) {
        char a[CONN_ENDPOINT_MAX], b[CONN_ENDPOINT_MAX];
        c->listing = c; /* header written */
        fprintf(r->out,
                "segments of flow %" PRIu64 " (%s -> %s; seq, next and ack relative):\n"
                "   frame       time dir flags        seq       next        ack    len      "
                "win verdict\n",
                c->index, conn_endpoint(c, SIDE_CLIENT, a, sizeof(a)),
                conn_endpoint(c, SIDE_SERVER, b, sizeof(b)));
    }
    report_segment_text(r->out, c, line);
}

void report_init(struct report *r, FILE *out, bool json, bool listing)
{
    memset(r, 0, sizeof(*r));
    r->out = out;
    r->json = json;
    r->listing = listing;
}

struct analyzer_sink report_sink(struct report *r)
{
    return (struct analyzer_sink){
        .flow = sink_flow,
        .segment = r->listing ? sink_segment : NULL,
        .ctx = r,
    };
}

void report_summary(struct report *r, const char *path, const struct analyzer_stats *st)
{
    if (r->json)
        return;
    FILE *out = r->out;
    uint64_t skipped = 0;
    for (int i = 0; i < AN_SKIP_COUNT; i++)
        skipped += st->skipped[i];
    fprintf(out,
            "capture %s: %" PRIu64 " frames, %" PRIu64 " TCP segments, %" PRIu64
            " ICMP errors about TCP (%" PRIu64 " for no known flow), %" PRIu64
            " other frames skipped; %.3f s\n",
            path, st->frames, st->tcp_segments, st->icmp_errors, st->icmp_unmatched, skipped,
            st->frames ? (double)(st->last_ts - st->first_ts) / USEC_PER_SEC_F : 0.0);
    fprintf(out,
            "flows: %" PRIu64 " (%" PRIu64 " IPv4, %" PRIu64 " IPv6), %" PRIu64
            " reported, at most %zu open at once",
            st->flows, st->flows_v4, st->flows_v6, st->flows_selected, st->peak_flows);
    if (st->flows_evicted > 0)
        fprintf(out, ", %" PRIu64 " completed early (--max-flows)", st->flows_evicted);
    fputc('\n', out);
    fprintf(out, "findings by severity:\n");
    bool any = false;
    for (int sev = 0; sev < SEV_COUNT; sev++) {
        for (int id = 0; id < FIND_COUNT; id++) {
            const struct finding_total *t = &st->findings[id];
            if (t->flows == 0 || finding_catalogue[id].severity != (enum finding_severity)sev)
                continue;
            any = true;
            fprintf(out, "  %-7s %-22s %6" PRIu64 " flow%s %8" PRIu64 " times; flows",
                    finding_severity_name((enum finding_severity)sev), finding_catalogue[id].name,
                    t->flows, t->flows == 1 ? " " : "s", t->occurrences);
            unsigned named = t->flows < AN_FLOWS_NAMED ? (unsigned)t->flows : AN_FLOWS_NAMED;
            for (unsigned i = 0; i < named; i++)
                fprintf(out, "%s%" PRIu64, i ? ", " : " ", t->first_flows[i]);
            fprintf(out, "%s\n", t->flows > named ? ", ..." : "");
        }
    }
    if (!any)
        fprintf(out, "  none\n");
    if (ferror(out))
        r->error = TCPREQ_ESYS;
}
