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

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* p lies in [base, base + len] (a pointer one past the end is allowed for empty ranges). */
#define FUZZ_INSIDE(p, n, base, len)                                                       \
    FUZZ_CHECK((const uint8_t *)(p) >= (const uint8_t *)(base) &&                         \
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

#endif
