/* Shared by the harnesses: reading structured values from the fuzzer's bytes, and invariant
 * checks that abort (libFuzzer then saves the input as a crash) with a message saying which
 * invariant broke. A harness checks what must hold for every input, not only that nothing
 * crashes. */
#ifndef TCPREQ_FUZZ_UTIL_H
#define TCPREQ_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/checksum.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* p lies in [base, base + len] (a pointer one past the end is allowed for empty ranges). */
#define FUZZ_INSIDE(p, n, base, len)                                                               \
    FUZZ_CHECK((const uint8_t *)(p) >= (const uint8_t *)(base) &&                                  \
               (const uint8_t *)(p) + (n) <= (const uint8_t *)(base) + (len))

/* A cursor over the input: values run out as zeros, never past the end. */
struct fz {
    const uint8_t *p;
    size_t left;
};

static inline uint8_t fz_u8(struct fz *f)
{
    if (f->left == 0)
        return 0;
    f->left--;
    return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
    return (uint16_t)(fz_u8(f) << 8 | fz_u8(f));
}

static inline uint32_t fz_u32(struct fz *f)
{
    return (uint32_t)fz_u16(f) << 16 | fz_u16(f);
}

/* Up to max bytes (fewer when the input ends): a pointer into the input and the count. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t max, size_t *n)
{
    *n = max < f->left ? max : f->left;
    const uint8_t *at = f->p;
    f->p += *n;
    f->left -= *n;
    return at;
}

/* Set the checksum of the ICMP (v6: ICMPv6, with its pseudo-header) message that follows an
 * IP header of hdr bytes in msg (len bytes in all), addresses at IPv4/IPv6 offsets. */
static inline void fuzz_icmp_checksum(uint8_t *msg, size_t hdr, size_t len, bool v6)
{
    uint8_t *icmp = msg + hdr;
    size_t icmp_len = len - hdr;
    uint32_t sum = 0;
    icmp[2] = icmp[3] = 0;
    if (v6) {
        uint8_t ph[40] = {0};
        memcpy(ph, msg + 8, 32);
        ph[34] = (uint8_t)(icmp_len >> 8);
        ph[35] = (uint8_t)icmp_len;
        ph[39] = 58; /* ICMPv6 */
        sum = csum_partial(ph, sizeof(ph), sum);
    }
    uint16_t c = csum_finish(csum_partial(icmp, icmp_len, sum));
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
}

#endif
