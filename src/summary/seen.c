#include "summary/seen.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "targets/siphash.h"

#define SEEN_MIN_CAPACITY 1024
/* grow when count / capacity would pass 7/10 */
#define LOAD_NUM 7
#define LOAD_DEN 10
#define V4_TAG (UINT64_C(1) << 63)
#define EMPTY 0
#define FLAG_TESTED 1u

struct seen_slot {
    uint64_t key; /* EMPTY = free */
    uint32_t file;
    uint32_t flags;
};

void seen_init(struct seen_set *s, const uint8_t key[SEEN_KEY_LEN])
{
    memset(s, 0, sizeof(*s));
    memcpy(s->key, key, SEEN_KEY_LEN);
}

void seen_free(struct seen_set *s)
{
    free(s->slots);
    s->slots = NULL;
    s->capacity = s->count = 0;
}

static uint64_t target_key(const struct seen_set *s, const struct ip_addr *ip, uint16_t port)
{
    if (ip->family == IP_FAMILY_V4) {
        uint64_t a = (uint64_t)ip->bytes[0] << 24 | (uint64_t)ip->bytes[1] << 16 |
                     (uint64_t)ip->bytes[2] << 8 | ip->bytes[3];
        return V4_TAG | a << 16 | port;
    }
    uint8_t buf[18];
    memcpy(buf, ip->bytes, 16);
    buf[16] = (uint8_t)(port >> 8);
    buf[17] = (uint8_t)port;
    uint64_t h = siphash24(s->key, buf, sizeof(buf)) & ~V4_TAG;
    return h != EMPTY ? h : 1;
}

static size_t slot_of(const struct seen_set *s, uint64_t key)
{
    return (size_t)siphash24(s->key, &key, sizeof(key)) & (s->capacity - 1);
}

static struct seen_slot *find(struct seen_set *s, uint64_t key)
{
    size_t i = slot_of(s, key);
    while (s->slots[i].key != EMPTY && s->slots[i].key != key)
        i = (i + 1) & (s->capacity - 1);
    return &s->slots[i];
}

static int grow(struct seen_set *s)
{
    size_t cap = s->capacity != 0 ? 2 * s->capacity : SEEN_MIN_CAPACITY;
    struct seen_slot *old = s->slots;
    size_t old_cap = s->capacity;
    if ((s->slots = calloc(cap, sizeof(*s->slots))) == NULL) {
        s->slots = old;
        return TCPREQ_ENOMEM;
    }
    s->capacity = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key != EMPTY)
            *find(s, old[i].key) = old[i];
    free(old);
    return TCPREQ_OK;
}

int seen_check(struct seen_set *s, const struct ip_addr *ip, uint16_t port, bool tested,
               uint32_t file, uint32_t *first_file)
{
    if ((s->count + 1) * LOAD_DEN > s->capacity * LOAD_NUM && grow(s) != TCPREQ_OK)
        return TCPREQ_ENOMEM;
    uint64_t key = target_key(s, ip, port);
    struct seen_slot *slot = find(s, key);
    if (slot->key == EMPTY) {
        *slot = (struct seen_slot){.key = key, .file = file, .flags = tested ? FLAG_TESTED : 0};
        s->count++;
        return 0;
    }
    *first_file = slot->file;
    if (slot->file != file || (tested && (slot->flags & FLAG_TESTED)))
        return 1;
    if (tested)
        slot->flags |= FLAG_TESTED;
    return 0;
}
