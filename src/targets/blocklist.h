/* -b FILE blocklists (the original tcpreq's format): one CIDR block or bare address per line
 * (a bare address is a /32 or /128), '#' starts a comment (whole-line or trailing), blank
 * lines are skipped. A line that is not one of these is an error: a blocklist that silently
 * lost an entry would send packets to someone who asked not to get any. */
#ifndef TCPREQ_BLOCKLIST_H
#define TCPREQ_BLOCKLIST_H

#include <stddef.h>
#include <stdio.h>

#include "prefix_tree.h"

#define BLOCKLIST_COMMENT '#'

/* Parse one line into *addr / *len. 1 = an entry, 0 = nothing (blank or comment only),
 * TCPREQ_EINVAL = malformed. *host_bits says the prefix had bits set past its length
 * (accepted and masked; the caller warns). */
int blocklist_parse_line(const char *line, struct ip_addr *addr, unsigned *len, bool *host_bits);

/* Add every entry of in (named name in messages) to tree. On a malformed line returns
 * TCPREQ_EINVAL with "NAME:LINE: ..." in err; host bits set in a prefix are masked with a
 * "NAME:LINE: warning: ..." line on warn (NULL = quiet). */
int blocklist_load(FILE *in, const char *name, struct prefix_tree *tree, FILE *warn, char *err,
                   size_t err_cap);

/* blocklist_load on the file at path. */
int blocklist_load_file(const char *path, struct prefix_tree *tree, FILE *warn, char *err,
                        size_t err_cap);

#endif
