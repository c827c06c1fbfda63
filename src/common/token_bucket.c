#include "token_bucket.h"

/* Bucket depth in seconds of the rate: bursts stay short so a 1 s window never sees more
 * than rate * (1 + BURST_SECONDS) packets. */
#define BURST_SECONDS 0.01
#define US_PER_SEC 1e6

void token_bucket_init(struct token_bucket *tb, double rate, uint64_t now_us)
{
    tb->rate = rate > 0 ? rate : 1;
    tb->burst = tb->rate * BURST_SECONDS;
    if (tb->burst < 1)
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
