#include "fw_rules.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/probe.h"

#define NFT_LIST_PREFIX "table inet " FW_NFT_TABLE_PREFIX
#define IPT_LIST_PREFIX ":" FW_IPT_CHAIN_PREFIX
#define RULE_MAX 256

bool fw_kind_parse(const char *text, enum fw_kind *kind)
{
    if (strcmp(text, "none") == 0)
        *kind = FW_NONE;
    else if (strcmp(text, "nft") == 0)
        *kind = FW_NFT;
    else if (strcmp(text, "iptables") == 0)
        *kind = FW_IPTABLES;
    else
        return false;
    return true;
}

/* Only RSTs from the probe range lacking our mark: the kernel's answers to SYN-ACKs of
 * connections it never opened. Our own RSTs carry the mark and pass. */
int fw_nft_rule(char *buf, size_t cap)
{
    return snprintf(buf, cap,
                    "meta l4proto tcp tcp sport %d-%d tcp flags & rst == rst "
                    "meta mark != 0x%08x counter drop",
                    PROBE_PORT_MIN, PROBE_PORT_MAX, TCPREQ_SOCKET_MARK);
}

int fw_ipt_rule(const char *chain, char *buf, size_t cap)
{
    return snprintf(buf, cap,
                    "-A %s -p tcp --sport %d:%d --tcp-flags RST RST -m mark ! --mark 0x%08x "
                    "-j DROP",
                    chain, PROBE_PORT_MIN, PROBE_PORT_MAX, TCPREQ_SOCKET_MARK);
}

int fw_nft_install_script(pid_t owner, char *buf, size_t cap)
{
    char rule[RULE_MAX];
    fw_nft_rule(rule, sizeof(rule));
    return snprintf(buf, cap,
                    "table inet " FW_NFT_TABLE_PREFIX "%ld {\n"
                    "\tchain output {\n"
                    "\t\ttype filter hook output priority filter; policy accept;\n"
                    "\t\t%s\n"
                    "\t}\n"
                    "}\n",
                    (long)owner, rule);
}

int fw_nft_remove_script(pid_t owner, char *buf, size_t cap)
{
    return snprintf(buf, cap, "delete table inet " FW_NFT_TABLE_PREFIX "%ld\n", (long)owner);
}

int fw_ipt_install_script(pid_t owner, char *buf, size_t cap)
{
    char chain[32], rule[RULE_MAX];
    snprintf(chain, sizeof(chain), FW_IPT_CHAIN_PREFIX "%ld", (long)owner);
    fw_ipt_rule(chain, rule, sizeof(rule));
    return snprintf(buf, cap, "*filter\n:%s - [0:0]\n-A OUTPUT -j %s\n%s\nCOMMIT\n", chain, chain,
                    rule);
}

int fw_ipt_remove_script(pid_t owner, char *buf, size_t cap)
{
    char chain[32];
    snprintf(chain, sizeof(chain), FW_IPT_CHAIN_PREFIX "%ld", (long)owner);
    return snprintf(buf, cap, "*filter\n-D OUTPUT -j %s\n-F %s\n-X %s\nCOMMIT\n", chain, chain,
                    chain);
}

/* A pid spelled in full: digits up to the end of the name, within pid_t. */
static bool parse_owner(const char *s, size_t len, pid_t *pid)
{
    if (len == 0 || len > 10)
        return false;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0 || v > INT_MAX)
        return false;
    *pid = (pid_t)v;
    return true;
}

size_t fw_find_owners(enum fw_kind kind, const char *listing, pid_t *pids, size_t max)
{
    const char *prefix = kind == FW_NFT ? NFT_LIST_PREFIX : IPT_LIST_PREFIX;
    size_t plen = strlen(prefix), found = 0;
    if (kind == FW_NONE)
        return 0;
    for (const char *line = listing; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        if (len > plen && strncmp(line, prefix, plen) == 0) {
            const char *name = line + plen;
            size_t nlen = len - plen;
            /* nft ends the line after the name; iptables-save continues with " - [0:0]"
             * or " - [packets:bytes]" */
            const char *sp = memchr(name, ' ', nlen);
            if (sp != NULL)
                nlen = (size_t)(sp - name);
            pid_t pid;
            if (parse_owner(name, nlen, &pid)) {
                if (found < max)
                    pids[found] = pid;
                found++;
            }
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return found;
}

bool fw_stat_is_live_owner(const char *stat)
{
    /* proc(5): the comm is in parentheses and may itself hold ')' or spaces, so it ends at
     * the last ')'; the state letter follows it after one space. */
    const char *open = strchr(stat, '(');
    const char *close = strrchr(stat, ')');
    if (open == NULL || close == NULL || close < open || close[1] != ' ' || close[2] == '\0')
        return false;
    size_t len = (size_t)(close - open - 1);
    if (len != strlen(FW_OWNER_COMM) || strncmp(open + 1, FW_OWNER_COMM, len) != 0)
        return false;
    char state = close[2];
    return state != 'Z' && state != 'X' && state != 'x';
}
