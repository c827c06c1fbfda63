/* The status line on a terminal's stderr: redrawn once a second by a libuv timer,
 * overwritten in place, and cleared before any other message and at the end. */
#ifndef TCPREQ_STATUS_H
#define TCPREQ_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "engine.h"
#include "testcase/tc.h"

struct status_line {
    uv_timer_t timer;
    bool enabled, visible, closed;
    const struct engine_stats *stats;
    uint64_t targets_total; /* 0 = unknown */
    uint64_t targets_read, pass, fail, unk;
    uint64_t started_ns, last_ns, last_sent, last_recv;
};

/* enabled: the caller wants it (not -q); it shows only when stderr is a terminal. */
void status_init(struct status_line *s, uv_loop_t *loop, bool enabled,
                 const struct engine_stats *stats, uint64_t targets_total);
void status_count_verdict(struct status_line *s, enum tc_status status);
/* Erase the line (if shown) so another message starts on a clean line. */
void status_clear(struct status_line *s);
/* Erase the line and close the timer (the loop can then end). */
void status_close(struct status_line *s);

#endif
