/* The targets a summary has counted, to find a target a second time (shards that overlap,
 * a file given twice, a run resumed without cutting its output): one 16-byte slot per
 * distinct target, kept at most 70 % full. An IPv4 target's key is its address and port
 * exactly; an IPv6 target's is a 63-bit SipHash fingerprint, so two IPv6 targets are taken
 * for one with a probability of about n^2 / 2^64 (below 1e-7 at 1 million). */
#ifndef TCPREQ_SEEN_H
#define TCPREQ_SEEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define SEEN_KEY_LEN 16

struct seen_slot;

struct seen_set {
    struct seen_slot *slots;
    size_t capacity; /* a power of two, or 0 */
    size_t count;
    uint8_t key[SEEN_KEY_LEN]; /* SipHash key: slot positions hostile input cannot aim at */
};

void seen_init(struct seen_set *s, const uint8_t key[SEEN_KEY_LEN]);
void seen_free(struct seen_set *s);

/* A record of (ip, port) in file number file: tested (it has results) or filtered (DISC,
 * FLTR). It is a duplicate when the target was already counted as tested and this record is
 * tested too, or when any record of it came from another file (within one file a
 * duplicated list line is one tested record plus FLTR records, all to be counted).
 * Returns 1 for a duplicate (*first_file: where the target was first seen), 0 for a record
 * to count, negative on no memory. */
int seen_check(struct seen_set *s, const struct ip_addr *ip, uint16_t port, bool tested,
               uint32_t file, uint32_t *first_file);

#endif
