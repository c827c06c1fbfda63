/* The whole `tcpreq analyze` pipeline on a capture file (pcap or pcapng bytes): the
 * program's own reader (src/engine/offline.c: libpcap plus the pcapng comment pass), the
 * flow table, sequence analysis, findings and both reports. Each input runs twice: every
 * flow, and -Y 0 with its per-segment listing.
 * Invariants: every flow the table opened is reported once; the flows' segments add up to
 * the TCP segments read; at most as many flows are open at once as there are flows; every
 * flow's JSON object dumps, with its "test" key present (string or null); the text reports
 * hold nothing but printable ASCII and line ends. */
#include "fuzz_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include "analyze/analyzer.h"
#include "analyze/report.h"
#include "analyze/select.h"
#include "engine/offline.h"

#define MAX_FLOWS_CHECKED 4096

struct seen {
    uint64_t flows, segments, listed;
    uint8_t reported[MAX_FLOWS_CHECKED / 8];
    FILE *text;
};

static void check_printable(const char *s)
{
    for (; *s != '\0'; s++)
        FUZZ_CHECK((*s >= ' ' && *s <= '~') || *s == '\n');
}

static void on_flow(void *ctx, struct an_conn *c)
{
    struct seen *s = ctx;
    s->flows++;
    s->segments += c->packets;
    if (c->index < MAX_FLOWS_CHECKED) {
        FUZZ_CHECK(!(s->reported[c->index / 8] & (1u << (c->index % 8))));
        s->reported[c->index / 8] |= (uint8_t)(1u << (c->index % 8));
    }
    json_t *o = report_flow_json(c);
    FUZZ_CHECK(o != NULL && json_object_get(o, "test") != NULL);
    char *text = json_dumps(o, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    free(text);
    json_decref(o);
    report_flow_text(s->text, c);
}

static void on_segment(void *ctx, struct an_conn *c, const struct an_seg_line *l)
{
    struct seen *s = ctx;
    s->listed++;
    report_segment_text(s->text, c, l);
    json_decref(report_segment_json(c, l));
}

static void run(const char *path, const struct flow_select *sel)
{
    static struct analyzer a;
    struct seen s = {0};
    char *text = NULL;
    size_t text_len = 0;
    s.text = open_memstream(&text, &text_len);
    FUZZ_CHECK(s.text != NULL);
    struct analyzer_sink sink = {.flow = on_flow, .segment = on_segment, .ctx = &s};
    FUZZ_CHECK(analyzer_init(&a, sel, &sink, AN_KEEP_BYTES, 0) == 0);
    char err[512];
    offline_read(path, &a, err, sizeof(err));
    analyzer_finish(&a);
    fclose(s.text);
    check_printable(text);
    free(text);
    const struct analyzer_stats *st = &a.st;
    FUZZ_CHECK(st->peak_flows <= st->flows);
    FUZZ_CHECK(st->tcp_segments + st->icmp_errors <= st->frames);
    if (sel == NULL) {
        FUZZ_CHECK(s.flows == st->flows && st->flows_selected == st->flows);
        FUZZ_CHECK(s.segments == st->tcp_segments);
    } else {
        FUZZ_CHECK(s.flows == st->flows_selected && s.flows <= 1);
        FUZZ_CHECK(s.listed == s.segments);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("capture", 0)) < 0)
        abort();
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    run(path, NULL);
    struct flow_select first;
    FUZZ_CHECK(flow_select_parse("0", &first) == 0);
    run(path, &first);
    return 0;
}
