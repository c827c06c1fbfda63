/* Middlebox attribution from time-exceeded quotes: decode each quote's hop, ask the test
 * whether the quoted segment differs from what was sent, and report the nearest hop at or
 * before which the change happened. A change the path made is never blamed on the host. */
#ifndef TCPREQ_MBOX_H
#define TCPREQ_MBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "tracebox/icmp.h"

#define MBOX_DIFF_TEXT 128

/* Test-specific comparison of a quote with what was sent. Return true if the quote shows
 * a change, writing the expected and the seen value (hex or text) into exp/seen. */
typedef bool (*quote_diff_fn)(const struct icmp_quote *q, const void *ctx, char *exp,
                              size_t exp_cap, char *seen, size_t seen_cap);

struct path_hop {
    unsigned hop;
    struct ip_addr router;
};

#define PATH_MAX_HOPS 64

struct mbox_result {
    bool detected;
    unsigned hop; /* 0 = unknown hop */
    char expected[MBOX_DIFF_TEXT], seen[MBOX_DIFF_TEXT];
    /* The path seen by the quotes, sorted by hop: all quotes when nothing was detected,
     * else those with 1 <= hop <= the middlebox hop (as the original tcpreq). */
    struct path_hop path[PATH_MAX_HOPS];
    size_t path_len;
};

/* Decode hops (fields: the TTL_ENC_* used by the probes) into q[i].hop and run the
 * detection. A hop decoded above hop_max (HOP_LIMIT: none) is no router's that got a copy
 * and counts as unknown: a quote it names cannot be placed, but what it shows changed still
 * detects a middlebox. diff may be NULL (path only). */
void mbox_detect(struct icmp_quote *q, size_t n, unsigned fields, unsigned hop_max,
                 quote_diff_fn diff, const void *ctx, struct mbox_result *res);
/* "Middlebox interference detected at or before hop N (info)" or "... at unknown hop (info)". */
void mbox_reason(const struct mbox_result *res, const char *info, char *buf, size_t cap);

#endif
