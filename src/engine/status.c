#include "status.h"

#include <stdio.h>
#include <unistd.h>

#include "common/progress.h"

#define STATUS_INTERVAL_MS 1000
#define NSEC_PER_SEC 1e9
#define LINE_MAX_CHARS 256
/* Back to column 0 and erase to the end of the line (ECMA-48 EL). */
#define ERASE_LINE "\r\033[K"

static void on_status_tick(uv_timer_t *timer)
{
    struct status_line *s = timer->data;
    uint64_t now = uv_hrtime();
    double interval = (double)(now - s->last_ns) / NSEC_PER_SEC;
    struct progress_snapshot snap = {
        .elapsed = (double)(now - s->started_ns) / NSEC_PER_SEC,
        .targets_read = s->targets_read,
        .targets_total = s->targets_total,
        .targets_done = s->stats->targets_done,
        .sent_pps = interval > 0 ? (double)(s->stats->packets_sent - s->last_sent) / interval : 0,
        .recv_pps =
            interval > 0 ? (double)(s->stats->packets_received - s->last_recv) / interval : 0,
        .pass = s->pass,
        .fail = s->fail,
        .unk = s->unk,
    };
    s->last_ns = now;
    s->last_sent = s->stats->packets_sent;
    s->last_recv = s->stats->packets_received;
    char line[LINE_MAX_CHARS];
    progress_format(&snap, line, sizeof(line));
    fprintf(stderr, ERASE_LINE "%s", line);
    fflush(stderr);
    s->visible = true;
}

void status_init(struct status_line *s, uv_loop_t *loop, bool enabled,
                 const struct engine_stats *stats, uint64_t targets_total)
{
    *s = (struct status_line){.stats = stats, .targets_total = targets_total};
    s->enabled = enabled && isatty(STDERR_FILENO);
    if (!s->enabled)
        return;
    s->started_ns = s->last_ns = uv_hrtime();
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    uv_timer_start(&s->timer, on_status_tick, STATUS_INTERVAL_MS, STATUS_INTERVAL_MS);
}

void status_count_verdict(struct status_line *s, enum tc_status status)
{
    switch (status) {
    case TC_PASS:
        s->pass++;
        break;
    case TC_FAIL:
        s->fail++;
        break;
    case TC_UNK:
        s->unk++;
        break;
    case TC_ERR:
        break;
    }
}

void status_clear(struct status_line *s)
{
    if (!s->visible)
        return;
    fputs(ERASE_LINE, stderr);
    fflush(stderr);
    s->visible = false;
}

void status_close(struct status_line *s)
{
    status_clear(s);
    if (s->enabled && !s->closed) {
        s->closed = true;
        uv_close((uv_handle_t *)&s->timer, NULL);
    }
}
