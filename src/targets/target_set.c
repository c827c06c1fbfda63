#include "target_set.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "siphash.h"

#define INITIAL_CAPACITY 1024
/* Grow when more than half full: linear probing stays short below that load. */
#define MAX_LOAD_NUM 1
#define MAX_LOAD_DEN 2

struct target_slot {
    uint8_t bytes[16];
    uint16_t port;
    uint8_t family; /* 0 = empty slot */
    uint8_t flags;
};

/* Fixed, and different from the --shard key: with the shard key every target of shard I
 * would have hash = I (mod N), and for even N the low bits used as the slot index would
 * cluster. Fixed rather than random so runs are reproducible; SipHash keeps crafted lists
 * from colliding on purpose without knowing the key. */
static const uint8_t SET_KEY[SIPHASH_KEY_LEN] = {0x74, 0x63, 0x70, 0x72, 0x65, 0x71, 0x2d, 0x73,
                                                 0x65, 0x74, 0x2d, 0x6b, 0x65, 0x79, 0x21, 0x00};

void target_set_init(struct target_set *s)
{
    memset(s, 0, sizeof(*s));
}

void target_set_free(struct target_set *s)
{
    free(s->slots);
    target_set_init(s);
}

static void make_slot(struct target_slot *k, const struct ip_addr *ip, uint16_t port)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->bytes, ip->bytes, ip_addr_len(ip)); /* bytes past an IPv4 address stay zero */
    k->port = port;
    k->family = ip->family;
}

static size_t slot_index(const struct target_slot *k, size_t capacity)
{
    uint8_t buf[19];
    memcpy(buf, k->bytes, 16);
    buf[16] = (uint8_t)(k->port >> 8);
    buf[17] = (uint8_t)k->port;
    buf[18] = k->family;
    return (size_t)siphash24(SET_KEY, buf, sizeof(buf)) & (capacity - 1);
}

static bool same_key(const struct target_slot *a, const struct target_slot *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static struct target_slot *probe(struct target_slot *slots, size_t capacity,
                                 const struct target_slot *k)
{
    size_t i = slot_index(k, capacity);
    while (slots[i].family != 0 && !same_key(&slots[i], k))
        i = (i + 1) & (capacity - 1);
    return &slots[i];
}

static int grow(struct target_set *s)
{
    size_t capacity = s->capacity ? s->capacity * 2 : INITIAL_CAPACITY;
    if (capacity < s->capacity || capacity > SIZE_MAX / sizeof(struct target_slot))
        return TCPREQ_ENOMEM;
    struct target_slot *slots = calloc(capacity, sizeof(*slots));
    if (slots == NULL)
        return TCPREQ_ENOMEM;
    for (size_t i = 0; i < s->capacity; i++)
        if (s->slots[i].family != 0)
            *probe(slots, capacity, &s->slots[i]) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->capacity = capacity;
    return TCPREQ_OK;
}

int target_set_add(struct target_set *s, const struct ip_addr *ip, uint16_t port, uint8_t flags)
{
    if (ip->family == 0)
        return TCPREQ_EINVAL;
    if ((s->count + 1) * MAX_LOAD_DEN > s->capacity * MAX_LOAD_NUM) {
        int rc = grow(s);
        if (rc != TCPREQ_OK)
            return rc;
    }
    struct target_slot k;
    make_slot(&k, ip, port);
    struct target_slot *slot = probe(s->slots, s->capacity, &k);
    if (slot->family == 0) {
        *slot = k;
        s->count++;
    }
    slot->flags |= flags;
    return TCPREQ_OK;
}

uint8_t *target_set_flags(struct target_set *s, const struct ip_addr *ip, uint16_t port)
{
    if (s->capacity == 0 || ip->family == 0)
        return NULL;
    struct target_slot k;
    make_slot(&k, ip, port);
    struct target_slot *slot = probe(s->slots, s->capacity, &k);
    return slot->family != 0 ? &slot->flags : NULL;
}

bool target_set_get(const struct target_set *s, const struct ip_addr *ip, uint16_t port,
                    uint8_t *flags)
{
    /* probe() only reads through the pointer; the cast keeps one lookup path */
    const uint8_t *f = target_set_flags((struct target_set *)s, ip, port);
    if (f != NULL && flags != NULL)
        *flags = *f;
    return f != NULL;
}
