/* Network byte order (big-endian) loads and stores on byte buffers: the one copy of these
 * helpers (headers, options, quotes, captures). The caller has checked the bounds. */
#ifndef TCPREQ_BYTES_H
#define TCPREQ_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of len bytes into buf, NUL-terminated, cut to whole bytes that fit cap. */
void bytes_hex(const uint8_t *bytes, size_t len, char *buf, size_t cap);

static inline uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
