/* The alive check (see alive_check.h). */
#include "testcase/alive_check.h"

/* The original tcpreq's wait for an answer, for --timing original. */
#define ORIGINAL_WAIT (10 * TC_SEC)

static void await_answer(struct tc *t, struct alive_check *a, enum alive_check_phase phase,
                         tc_time sent_at)
{
    a->phase = phase;
    tc_set_timer(t, sent_at + tc_wait_inflight(t, ORIGINAL_WAIT));
}

void alive_check_start(struct tc *t, const struct tc_conn *c, struct alive_check *a, tc_time delay,
                       tc_time now)
{
    tc_conn_send_alive_probe(t, c, delay);
    a->first_at = now + delay;
    await_answer(t, a, AC_ASKED, a->first_at);
}

bool alive_check_active(const struct alive_check *a)
{
    return a->phase == AC_ASKED || a->phase == AC_HOLD || a->phase == AC_REPEATED;
}

enum alive_check_outcome alive_check_segment(const struct tc_conn *c, struct alive_check *a,
                                             const struct tcp_seg *seg)
{
    uint32_t acked;
    switch (tc_conn_alive_answer(c, seg, &acked)) {
    case CONN_ALIVE_YES:
        a->phase = AC_DONE;
        return AC_ALIVE;
    case CONN_ALIVE_GONE:
        a->phase = AC_DONE;
        return AC_GONE;
    case CONN_ALIVE_NONE:
        break;
    }
    return AC_PENDING;
}

static void repeat(struct tc *t, const struct tc_conn *c, struct alive_check *a, tc_time now)
{
    tc_conn_send_alive_probe(t, c, 0);
    await_answer(t, a, AC_REPEATED, now);
}

enum alive_check_outcome alive_check_timer(struct tc *t, const struct tc_conn *c,
                                           struct alive_check *a, tc_time now)
{
    switch (a->phase) {
    case AC_ASKED: {
        /* Unanswered: a throttle may have held the answer back. The repeat must not fall
         * into the same throttle window. */
        tc_time repeat_at = a->first_at + TC_ACK_THROTTLE;
        if (now >= repeat_at) {
            repeat(t, c, a, now);
        } else {
            a->phase = AC_HOLD;
            tc_set_timer(t, repeat_at);
        }
        return AC_PENDING;
    }
    case AC_HOLD:
        repeat(t, c, a, now);
        return AC_PENDING;
    case AC_REPEATED:
        a->phase = AC_DONE;
        return AC_SILENT;
    case AC_IDLE:
    case AC_DONE:
        break;
    }
    return AC_PENDING;
}
