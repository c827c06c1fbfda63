#include "prefix_tree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define BITS_PER_BYTE 8

struct prefix_node {
    struct prefix_node *child[2]; /* by the bit right after this node's prefix */
    uint8_t bits[16];             /* the prefix, host bits zero */
    uint8_t len;                  /* prefix length in bits */
    bool stored;                  /* a prefix ends here (false: only a divergence point) */
};

void prefix_tree_init(struct prefix_tree *t)
{
    memset(t, 0, sizeof(*t));
}

static void free_nodes(struct prefix_node *n)
{
    if (n == NULL)
        return;
    free_nodes(n->child[0]); /* depth is bounded by 129 (one node per prefix length) */
    free_nodes(n->child[1]);
    free(n);
}

void prefix_tree_free(struct prefix_tree *t)
{
    free_nodes(t->root4);
    free_nodes(t->root6);
    prefix_tree_init(t);
}

unsigned prefix_max_len(const struct ip_addr *a)
{
    return (unsigned)ip_addr_len(a) * BITS_PER_BYTE;
}

static unsigned bit_at(const uint8_t *bits, unsigned pos)
{
    return (bits[pos / BITS_PER_BYTE] >> (7 - pos % BITS_PER_BYTE)) & 1u;
}

static void mask_bytes(uint8_t *bits, unsigned len, bool *had_host_bits)
{
    for (unsigned byte = len / BITS_PER_BYTE; byte < 16; byte++) {
        unsigned keep = byte == len / BITS_PER_BYTE ? len % BITS_PER_BYTE : 0;
        uint8_t mask = (uint8_t)(0xff00u >> keep);
        if ((bits[byte] & ~mask) != 0)
            *had_host_bits = true;
        bits[byte] &= mask;
    }
}

bool prefix_mask(struct ip_addr *a, unsigned len)
{
    bool host_bits = false;
    if (len < prefix_max_len(a))
        mask_bytes(a->bytes, len, &host_bits);
    return host_bits;
}

/* Number of leading bits a and b share, at most limit. */
static unsigned common_len(const uint8_t *a, const uint8_t *b, unsigned limit)
{
    unsigned n = 0;
    while (n + BITS_PER_BYTE <= limit && a[n / BITS_PER_BYTE] == b[n / BITS_PER_BYTE])
        n += BITS_PER_BYTE;
    while (n < limit && bit_at(a, n) == bit_at(b, n))
        n++;
    return n;
}

static struct prefix_node *new_node(struct prefix_tree *t, const uint8_t *bits, unsigned len,
                                    bool stored)
{
    struct prefix_node *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    memcpy(n->bits, bits, sizeof(n->bits));
    bool ignored = false;
    mask_bytes(n->bits, len, &ignored);
    n->len = (uint8_t)len;
    n->stored = stored;
    t->nodes++;
    if (stored)
        t->prefixes++;
    return n;
}

static struct prefix_node **root_of(struct prefix_tree *t, const struct ip_addr *a)
{
    return a->family == IP_FAMILY_V4 ? &t->root4 : &t->root6;
}

int prefix_tree_insert(struct prefix_tree *t, const struct ip_addr *addr, unsigned len)
{
    if (addr->family != IP_FAMILY_V4 && addr->family != IP_FAMILY_V6)
        return TCPREQ_EINVAL;
    if (len > prefix_max_len(addr))
        return TCPREQ_EINVAL;
    struct ip_addr key = *addr;
    prefix_mask(&key, len);

    struct prefix_node **link = root_of(t, addr);
    while (*link != NULL) {
        struct prefix_node *n = *link;
        unsigned limit = n->len < len ? n->len : len;
        unsigned common = common_len(n->bits, key.bytes, limit);
        if (common < n->len) {
            /* The key leaves n's prefix early (or ends inside it): a new node at the
             * divergence point takes n's place, holding n and, if it goes further, the key. */
            struct prefix_node *mid = new_node(t, key.bytes, common, common == len);
            if (mid == NULL)
                return TCPREQ_ENOMEM;
            mid->child[bit_at(n->bits, common)] = n;
            if (common < len) {
                struct prefix_node *leaf = new_node(t, key.bytes, len, true);
                if (leaf == NULL) {
                    t->nodes--;
                    free(mid);
                    return TCPREQ_ENOMEM;
                }
                mid->child[bit_at(key.bytes, common)] = leaf;
            }
            *link = mid;
            return TCPREQ_OK;
        }
        if (n->len == len) {
            if (!n->stored) {
                n->stored = true;
                t->prefixes++;
            }
            return TCPREQ_OK;
        }
        link = &n->child[bit_at(key.bytes, n->len)];
    }
    *link = new_node(t, key.bytes, len, true);
    return *link != NULL ? TCPREQ_OK : TCPREQ_ENOMEM;
}

bool prefix_tree_contains(const struct prefix_tree *t, const struct ip_addr *addr,
                          unsigned *matched_len)
{
    if (addr->family != IP_FAMILY_V4 && addr->family != IP_FAMILY_V6)
        return false;
    const struct prefix_node *n = addr->family == IP_FAMILY_V4 ? t->root4 : t->root6;
    unsigned max = prefix_max_len(addr);
    while (n != NULL) {
        if (common_len(n->bits, addr->bytes, n->len) < n->len)
            return false;
        if (n->stored) {
            if (matched_len != NULL)
                *matched_len = n->len;
            return true;
        }
        if (n->len >= max)
            return false;
        n = n->child[bit_at(addr->bytes, n->len)];
    }
    return false;
}
