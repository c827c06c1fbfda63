/* A set of IPv4 and IPv6 prefixes (CIDR blocks) answering "is this address covered by any
 * of them?". A path-compressed binary trie per family: every node holds a prefix, and a
 * node exists only where a stored prefix ends or two stored prefixes diverge, so there are
 * at most 2 nodes per stored prefix (memory proportional to the entries) and a lookup
 * visits at most one node per prefix bit (O(32) / O(128)). */
#ifndef TCPREQ_PREFIX_TREE_H
#define TCPREQ_PREFIX_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/addr.h"

struct prefix_node;

struct prefix_tree {
    struct prefix_node *root4, *root6;
    size_t prefixes; /* distinct prefixes stored */
    size_t nodes;    /* nodes allocated (stored prefixes plus divergence points) */
};

void prefix_tree_init(struct prefix_tree *t);
void prefix_tree_free(struct prefix_tree *t);
/* Maximum prefix length of the family: 32 or 128 (0 if unset). */
unsigned prefix_max_len(const struct ip_addr *a);
/* Zero the bits of a past len; true if any of them was set (a prefix written with host
 * bits, such as 198.18.1.1/24). */
bool prefix_mask(struct ip_addr *a, unsigned len);
/* Store addr/len (host bits are masked off). 0, TCPREQ_EINVAL (len too long, no family) or
 * TCPREQ_ENOMEM. Storing a prefix twice is harmless. */
int prefix_tree_insert(struct prefix_tree *t, const struct ip_addr *addr, unsigned len);
/* True if addr lies in any stored prefix of its family. If matched_len is not NULL it gets
 * the length of the shortest such prefix. */
bool prefix_tree_contains(const struct prefix_tree *t, const struct ip_addr *addr,
                          unsigned *matched_len);

#endif
