/* Bounded range list for out-of-order data (see ranges.h). Linear scans: the list holds at
 * most REASM_MAX_RANGES entries, and a sender rarely leaves more than one or two holes. */
#include "reasm/ranges.h"

#include <string.h>

void reasm_ranges_clear(struct reasm_ranges *rs)
{
    rs->n = 0;
}

const struct reasm_range *reasm_ranges_find(const struct reasm_ranges *rs, int64_t pos)
{
    for (size_t i = 0; i < rs->n && rs->r[i].start <= pos; i++)
        if (pos < rs->r[i].end)
            return &rs->r[i];
    return NULL;
}

/* Index of the first range that ends at or after start (may touch [start, ...)). */
static size_t first_touching(const struct reasm_ranges *rs, int64_t start)
{
    size_t i = 0;
    while (i < rs->n && rs->r[i].end < start)
        i++;
    return i;
}

/* Index one past the last range that starts at or before end (may touch [..., end)). */
static size_t past_touching(const struct reasm_ranges *rs, size_t from, int64_t end)
{
    size_t j = from;
    while (j < rs->n && rs->r[j].start <= end)
        j++;
    return j;
}

bool reasm_ranges_can_add(const struct reasm_ranges *rs, int64_t start, int64_t end)
{
    size_t i = first_touching(rs, start);
    return past_touching(rs, i, end) > i || rs->n < REASM_MAX_RANGES;
}

bool reasm_ranges_add(struct reasm_ranges *rs, int64_t start, int64_t end)
{
    if (start >= end)
        return true;
    size_t i = first_touching(rs, start);
    size_t j = past_touching(rs, i, end);
    if (i == j) {
        if (rs->n == REASM_MAX_RANGES)
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
    memmove(&rs->r[0], &rs->r[k], (rs->n - k) * sizeof(rs->r[0]));
    rs->n -= k;
    return edge;
}
