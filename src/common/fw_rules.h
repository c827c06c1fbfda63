/* The firewall rules that keep the kernel's RSTs off our flows, as text for nft -f and
 * iptables-restore. One place: the templates in firewall/ carry the same rule line (a
 * unit test holds them to it), and --firewall installs it per run under a name that
 * embeds the owner's pid, so a table left by a crashed run can be told from a live one. */
#ifndef TCPREQ_FW_RULES_H
#define TCPREQ_FW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum fw_kind { FW_NONE = 0, FW_NFT, FW_IPTABLES };

/* "none", "nft", "iptables" -> kind; false on anything else. */
bool fw_kind_parse(const char *text, enum fw_kind *kind);

/* Per-run names: nft table "inet tcpreq_PID", iptables chain "TCPREQ_PID". */
#define FW_NFT_TABLE_PREFIX "tcpreq_"
#define FW_IPT_CHAIN_PREFIX "TCPREQ_"

/* The rule bodies, shared with firewall/tcpreq.nft and firewall/tcpreq-ip*tables.rules. */
int fw_nft_rule(char *buf, size_t cap);
int fw_ipt_rule(const char *chain, char *buf, size_t cap);

/* Scripts for `nft -f -` and `iptables-restore --noflush` (and ip6tables-restore). Each
 * returns the snprintf length; >= cap means the buffer was too small. */
int fw_nft_install_script(pid_t owner, char *buf, size_t cap);
int fw_nft_remove_script(pid_t owner, char *buf, size_t cap);
int fw_ipt_install_script(pid_t owner, char *buf, size_t cap);
int fw_ipt_remove_script(pid_t owner, char *buf, size_t cap);

/* Owners of per-run tables found in a listing: `nft list tables` output (lines
 * "table inet tcpreq_PID") or `iptables-save -t filter` output (lines ":TCPREQ_PID ...").
 * Writes up to max pids, returns how many were found (may exceed max). Anything else in
 * the listing, the static "tcpreq" table of the templates included, is ignored. */
size_t fw_find_owners(enum fw_kind kind, const char *listing, pid_t *pids, size_t max);

/* The name a running tcpreq has in /proc/PID/comm and stat. */
#define FW_OWNER_COMM "tcpreq"
/* Whether /proc/PID/stat text ("PID (comm) STATE ...") is a tcpreq that is still alive: its
 * comm is FW_OWNER_COMM and its state is not zombie (Z) or dead (X, x). A killed tcpreq its
 * parent has not reaped yet is a zombie: it holds its pid but runs nothing, so its table is
 * stale. A reused pid running another program is not ours either. */
bool fw_stat_is_live_owner(const char *stat);

#endif
