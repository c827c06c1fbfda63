/* Token bucket for the global send rate (-r): pure, the caller passes the time. */
#ifndef TCPREQ_TOKEN_BUCKET_H
#define TCPREQ_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
    double rate;    /* tokens per second */
    double burst;   /* bucket size */
    double tokens;
    uint64_t last_us;
};

/* Burst: a few milliseconds' worth of packets (at least 1), so the rate holds over short
 * windows too. */
void token_bucket_init(struct token_bucket *tb, double rate, uint64_t now_us);
/* Take one token if available. */
bool token_bucket_take(struct token_bucket *tb, uint64_t now_us);
/* Microseconds until one token is available (0 if one is). */
uint64_t token_bucket_wait(struct token_bucket *tb, uint64_t now_us);

#endif
