#include "token_bucket.h"

/* Bucket depth: one whole token plus BURST_SECONDS of the rate. The fraction is the slack
 * for a sender that wakes late (the engine's pace timer has millisecond resolution and
 * runs on a loop that may be busy): without it a bucket holding exactly one token drops
 * whatever accrued past that token while the sender slept, and 100 pps came out as about
 * 80. Over any 1 s window the bucket lets through less than depth + rate packets, i.e. at
 * most rate * (1 + BURST_SECONDS) + 1. */
#define BURST_SECONDS 0.01
/* ... and that must stay within this fraction over the rate. Below 1 / (RATE_TOLERANCE -
 * BURST_SECONDS) = 25 pps the one extra packet alone would exceed it: the bucket then holds
 * one token, so no window ever sees more than the rate (late wakes cost rate instead). */
#define RATE_TOLERANCE 0.05
#define US_PER_SEC 1e6

void token_bucket_init(struct token_bucket *tb, double rate, uint64_t now_us)
{
    tb->rate = rate > 0 ? rate : 1;
    tb->burst = 1 + tb->rate * BURST_SECONDS;
    if (tb->burst > tb->rate * RATE_TOLERANCE)
        tb->burst = 1;
    tb->tokens = tb->burst;
    tb->last_us = now_us;
}

static void refill(struct token_bucket *tb, uint64_t now_us)
{
    if (now_us > tb->last_us) {
        tb->tokens += (double)(now_us - tb->last_us) * tb->rate / US_PER_SEC;
        if (tb->tokens > tb->burst)
            tb->tokens = tb->burst;
        tb->last_us = now_us;
    }
}

bool token_bucket_take(struct token_bucket *tb, uint64_t now_us)
{
    refill(tb, now_us);
    if (tb->tokens < 1)
        return false;
    tb->tokens -= 1;
    return true;
}

uint64_t token_bucket_wait(struct token_bucket *tb, uint64_t now_us)
{
    refill(tb, now_us);
    if (tb->tokens >= 1)
        return 0;
    return (uint64_t)((1 - tb->tokens) * US_PER_SEC / tb->rate) + 1;
}
