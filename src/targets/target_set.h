/* A set of targets (ip, port), each with a byte of flags: the duplicate filter and the
 * --resume list. Open addressing with linear probing over one flat array of 20-byte slots,
 * kept at most half full: memory grows only with the number of distinct targets stored
 * (about 40-80 bytes each), never with the length of the input list. */
#ifndef TCPREQ_TARGET_SET_H
#define TCPREQ_TARGET_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

struct target_slot;

struct target_set {
    struct target_slot *slots;
    size_t capacity; /* a power of two, or 0 before the first insert */
    size_t count;
};

void target_set_init(struct target_set *s);
void target_set_free(struct target_set *s);
/* OR flags into the entry for (ip, port), creating it. 0 or TCPREQ_ENOMEM / TCPREQ_EINVAL
 * (address without family). */
int target_set_add(struct target_set *s, const struct ip_addr *ip, uint16_t port, uint8_t flags);
/* The entry's flags byte, to change in place, or NULL if (ip, port) is not in the set. */
uint8_t *target_set_flags(struct target_set *s, const struct ip_addr *ip, uint16_t port);
/* The entry's flags and true, or false if (ip, port) is not in the set. */
bool target_set_get(const struct target_set *s, const struct ip_addr *ip, uint16_t port,
                    uint8_t *flags);

#endif
