/* SipHash-2-4, following the reference implementation's structure (2 compression rounds
 * per 8-byte word, 4 finalisation rounds, little-endian words). */
#include "siphash.h"

#define SIP_C_ROUNDS 2
#define SIP_D_ROUNDS 4

static uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
    const uint8_t *in = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;

    size_t full = len - len % 8;
    for (size_t off = 0; off < full; off += 8) {
        uint64_t m = load_le64(in + off);
        v3 ^= m;
        for (int r = 0; r < SIP_C_ROUNDS; r++)
            SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        last |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= last;
    for (int r = 0; r < SIP_C_ROUNDS; r++)
        SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    for (int r = 0; r < SIP_D_ROUNDS; r++)
        SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
