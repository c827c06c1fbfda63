/* Token bucket for the global send rate (-r): pure, the caller passes the time. */
#ifndef TCPREQ_TOKEN_BUCKET_H
#define TCPREQ_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
    double rate;  /* tokens per second */
    double burst; /* bucket size */
    double tokens;
    uint64_t last_us;
};

/* The bucket starts full. Depth: one token plus 10 ms of the rate (one token below 25 pps),
 * so no 1 s window, sliding or aligned, sees more than 5 % over the rate, and a sender that
 * wakes up to 10 ms late still reaches it. */
void token_bucket_init(struct token_bucket *tb, double rate, uint64_t now_us);
/* Take one token if available. */
bool token_bucket_take(struct token_bucket *tb, uint64_t now_us);
/* Microseconds until one token is available (0 if one is). */
uint64_t token_bucket_wait(struct token_bucket *tb, uint64_t now_us);

#endif
