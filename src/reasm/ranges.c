/* Bounded range list for out-of-order data (see ranges.h). Lookups are binary searches over
 * the sorted ranges (their ends increase as their starts do); insertions shift the tail. */
#include "reasm/ranges.h"

#include <stdlib.h>
#include <string.h>

void reasm_ranges_init(struct reasm_ranges *rs)
{
    rs->r = NULL;
    rs->n = rs->cap = 0;
}

void reasm_ranges_clear(struct reasm_ranges *rs)
{
    rs->n = 0;
}

void reasm_ranges_free(struct reasm_ranges *rs)
{
    free(rs->r);
    rs->r = NULL;
    rs->n = rs->cap = 0;
}

/* Room for one more range: false when the list is at its bound or cannot grow. */
static bool room_for_one(struct reasm_ranges *rs)
{
    if (rs->n < rs->cap)
        return true;
    if (rs->cap >= REASM_MAX_RANGES)
        return false;
    size_t cap = rs->cap != 0 ? 2 * rs->cap : REASM_RANGES_INITIAL;
    if (cap > REASM_MAX_RANGES)
        cap = REASM_MAX_RANGES;
    struct reasm_range *r = realloc(rs->r, cap * sizeof(*r));
    if (r == NULL)
        return false;
    rs->r = r;
    rs->cap = cap;
    return true;
}

/* Index of the first range whose end is at or after pos (n if none): ranges are sorted and
 * disjoint, so their ends increase. */
static size_t first_end_at_or_after(const struct reasm_ranges *rs, int64_t pos)
{
    size_t lo = 0, hi = rs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rs->r[mid].end < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct reasm_range *reasm_ranges_find(const struct reasm_ranges *rs, int64_t pos)
{
    /* the first range ending after pos is the only one that can hold it */
    size_t i = first_end_at_or_after(rs, pos + 1);
    if (i < rs->n && rs->r[i].start <= pos)
        return &rs->r[i];
    return NULL;
}

/* Index of the first range that ends at or after start (may touch [start, ...)). */
static size_t first_touching(const struct reasm_ranges *rs, int64_t start)
{
    return first_end_at_or_after(rs, start);
}

/* Index one past the last range that starts at or before end (may touch [..., end)). */
static size_t past_touching(const struct reasm_ranges *rs, size_t from, int64_t end)
{
    size_t j = from;
    while (j < rs->n && rs->r[j].start <= end)
        j++;
    return j;
}

bool reasm_ranges_reserve(struct reasm_ranges *rs, int64_t start, int64_t end)
{
    size_t i = first_touching(rs, start);
    return past_touching(rs, i, end) > i || room_for_one(rs);
}

bool reasm_ranges_add(struct reasm_ranges *rs, int64_t start, int64_t end)
{
    if (start >= end)
        return true;
    size_t i = first_touching(rs, start);
    size_t j = past_touching(rs, i, end);
    if (i == j) {
        if (!room_for_one(rs))
            return false;
        memmove(&rs->r[i + 1], &rs->r[i], (rs->n - i) * sizeof(rs->r[0]));
        rs->r[i] = (struct reasm_range){start, end};
        rs->n++;
        return true;
    }
    /* ranges i .. j-1 touch the new one: fold them into slot i */
    if (rs->r[i].start < start)
        start = rs->r[i].start;
    if (rs->r[j - 1].end > end)
        end = rs->r[j - 1].end;
    rs->r[i] = (struct reasm_range){start, end};
    memmove(&rs->r[i + 1], &rs->r[j], (rs->n - j) * sizeof(rs->r[0]));
    rs->n -= j - i - 1;
    return true;
}

int64_t reasm_ranges_absorb(struct reasm_ranges *rs, int64_t edge)
{
    size_t k = 0;
    while (k < rs->n && rs->r[k].start <= edge) {
        if (rs->r[k].end > edge)
            edge = rs->r[k].end;
        k++;
    }
    if (k > 0) {
        memmove(&rs->r[0], &rs->r[k], (rs->n - k) * sizeof(rs->r[0]));
        rs->n -= k;
    }
    return edge;
}
