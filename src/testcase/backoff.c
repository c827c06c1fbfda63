/* Judging a retransmission timer's backoff (see backoff.h). */
#include "testcase/backoff.h"

#include <string.h>

/* The timer tolerance, 1/6 (backoff.h): the lines below are derived from it. */
#define TOL_NUM 1
#define TOL_DEN 6
/* A doubled interval measures at least 2 (DEN - NUM) / (DEN + NUM) = 10/7 of the one before. */
#define GROWN_NUM (2 * (TOL_DEN - TOL_NUM))
#define GROWN_DEN (TOL_DEN + TOL_NUM)
/* The next interval of a doubling timer measures at most 2 (DEN + NUM) / (DEN - NUM) of the
 * last one. */
#define NEXT_NUM (2 * (TOL_DEN + TOL_NUM))
#define NEXT_DEN (TOL_DEN - TOL_NUM)
#define JITTER_RTTS 2

void backoff_init(struct backoff *b, tc_time jitter)
{
    memset(b, 0, sizeof(*b));
    b->jitter = jitter;
}

bool backoff_add(struct backoff *b, tc_time at)
{
    if (b->n > 0) {
        tc_time last = b->at[b->n - 1];
        if (at < last)
            return false;
        if (at - last <= b->jitter) {
            b->duplicates++;
            return false;
        }
    }
    if (b->n == BACKOFF_MAX_TIMES)
        return false;
    b->at[b->n++] = at;
    return true;
}

tc_time backoff_interval(const struct backoff *b, size_t k)
{
    return k + 1 < b->n ? b->at[k + 1] - b->at[k] : 0;
}

enum backoff_verdict backoff_judge(const struct backoff *b, size_t *bad)
{
    if (b->n < 3)
        return BACKOFF_TOO_FEW;
    for (size_t k = 1; k + 1 < b->n; k++) {
        tc_time prev = backoff_interval(b, k - 1), cur = backoff_interval(b, k);
        if (GROWN_DEN * (cur + b->jitter) < GROWN_NUM * prev) {
            *bad = k;
            return BACKOFF_NOT_BACKED_OFF;
        }
    }
    return BACKOFF_BACKED_OFF;
}

tc_time backoff_next_due(const struct backoff *b, tc_time first_max)
{
    if (b->n == 0)
        return 0;
    tc_time last = b->at[b->n - 1];
    if (b->n == 1)
        return last + first_max * (TOL_DEN + TOL_NUM) / TOL_DEN + b->jitter;
    return last + backoff_interval(b, b->n - 2) * NEXT_NUM / NEXT_DEN + b->jitter;
}

tc_time backoff_jitter(const struct tc *t)
{
    tc_time j = JITTER_RTTS * tc_rtt_estimate(t);
    return j > BACKOFF_JITTER_FLOOR ? j : BACKOFF_JITTER_FLOOR;
}

json_t *backoff_json(const struct backoff *b)
{
    json_t *intervals = json_array();
    for (size_t k = 0; k + 1 < b->n; k++)
        json_array_append_new(intervals,
                              json_integer((json_int_t)(backoff_interval(b, k) / TC_MSEC)));
    json_t *j = json_pack("{s:o,s:i}", "intervals_ms", intervals, "duplicates", (int)b->duplicates);
    size_t bad;
    if (backoff_judge(b, &bad) == BACKOFF_NOT_BACKED_OFF)
        json_object_set_new(j, "not_grown_index", json_integer((json_int_t)bad));
    return j;
}
