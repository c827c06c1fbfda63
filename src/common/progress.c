#include "progress.h"

#include <math.h>
#include <stdio.h>

#define SECONDS_PER_MINUTE 60
#define SECONDS_PER_HOUR 3600

/* "42s", "3m07s", "2h05m": an ETA needs no more precision than that. */
static void format_duration(double seconds, char *buf, size_t cap)
{
    unsigned long s = seconds > 0 && isfinite(seconds) ? (unsigned long)(seconds + 0.5) : 0;
    if (s < SECONDS_PER_MINUTE)
        snprintf(buf, cap, "%lus", s);
    else if (s < SECONDS_PER_HOUR)
        snprintf(buf, cap, "%lum%02lus", s / SECONDS_PER_MINUTE, s % SECONDS_PER_MINUTE);
    else
        snprintf(buf, cap, "%luh%02lum", s / SECONDS_PER_HOUR,
                 s % SECONDS_PER_HOUR / SECONDS_PER_MINUTE);
}

int progress_format(const struct progress_snapshot *s, char *buf, size_t cap)
{
    char head[96];
    if (s->targets_total > 0) {
        double frac = (double)s->targets_done / (double)s->targets_total;
        char eta[32] = "";
        /* The ETA extrapolates the rate of finished targets; before the first one
         * finishes there is nothing to extrapolate. */
        if (s->targets_done > 0 && s->targets_done < s->targets_total) {
            char d[24];
            format_duration(s->elapsed / frac - s->elapsed, d, sizeof(d));
            snprintf(eta, sizeof(eta), " ETA %s", d);
        }
        snprintf(head, sizeof(head), "%.1fs %.1f%%%s | %llu/%llu targets", s->elapsed, 100.0 * frac,
                 eta, (unsigned long long)s->targets_done, (unsigned long long)s->targets_total);
    } else {
        /* Streaming input: the share done is of what has been read so far. */
        double pct =
            s->targets_read > 0 ? 100.0 * (double)s->targets_done / (double)s->targets_read : 0;
        snprintf(head, sizeof(head), "%.1fs %.1f%% of %llu targets read | %llu done", s->elapsed,
                 pct, (unsigned long long)s->targets_read, (unsigned long long)s->targets_done);
    }
    return snprintf(buf, cap, "%s | %.0f pkt/s out, %.0f pkt/s in | PASS %llu FAIL %llu UNK %llu",
                    head, s->sent_pps, s->recv_pps, (unsigned long long)s->pass,
                    (unsigned long long)s->fail, (unsigned long long)s->unk);
}
