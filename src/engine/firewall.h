/* --firewall: install the per-run table that keeps the kernel's RSTs off our flows, remove
 * it again, and clear tables left behind by runs that died. Commands run by fork/exec with
 * an argv (no shell); scripts go to their stdin. */
#ifndef TCPREQ_FIREWALL_H
#define TCPREQ_FIREWALL_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/fw_rules.h"

/* Remove tables of dead runs, then install ours (named after owner). 0 or -1 with a
 * message on stderr. */
int firewall_install(enum fw_kind kind, pid_t owner, bool v4, bool v6);
/* Remove the table of owner (both families for iptables). 0 or -1. Safe in a forked
 * child: uses no stdio buffers of the parent. */
int firewall_remove(enum fw_kind kind, pid_t owner, bool v4, bool v6);
/* Is a tcpreq process with this pid running? (A table whose owner is not is stale.) */
bool firewall_owner_alive(pid_t owner);

/* Warn on stderr when the capture interface checksums in hardware: a raw receiver then
 * sees partial checksums on what it sends and cannot judge the ones it receives. */
void offload_warn(const char *iface);

#endif
