/* The status line shown on a terminal during a scan: one pure formatting function, so the
 * wording is unit-tested and the engine only feeds it numbers. */
#ifndef TCPREQ_PROGRESS_H
#define TCPREQ_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress_snapshot {
    double elapsed;         /* seconds since the scan started */
    uint64_t targets_read;  /* targets taken from the input so far */
    uint64_t targets_total; /* 0 = unknown (streaming input) */
    uint64_t targets_done;
    double sent_pps, recv_pps; /* packets per second over the last interval */
    uint64_t pass, fail, unk;  /* test verdicts so far */
};

/* "12.0s 50.0% ETA 12s | 100/200 targets | 9800 pkt/s out, 4100 pkt/s in | PASS 80 FAIL 2 UNK 1";
 * with an unknown total: "12.0s 33.3% of 300 targets read | 100 done | ...". Returns the length
 * snprintf would write (the text is truncated to cap). */
int progress_format(const struct progress_snapshot *s, char *buf, size_t cap);

#endif
