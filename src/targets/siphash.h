/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash. Used where a target's
 * (ip, port) must hash the same on every machine (--shard) and where hostile input lists must
 * not degrade the duplicate set into long probe chains. */
#ifndef TCPREQ_SIPHASH_H
#define TCPREQ_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
