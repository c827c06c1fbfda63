#include "firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRIPT_MAX 2048
#define LISTING_MAX (1024 * 1024)
#define STALE_MAX 256
/* /proc/PID/stat: pid, comm of up to 15 bytes, state; the rest is not read. */
#define STAT_HEAD_MAX 64
/* Where the firewall tools live when PATH (e.g. a user's) lacks the sbin directories. */
static const char *const SBIN_DIRS[] = {"/usr/sbin/", "/sbin/"};

/* Run argv with input on its stdin (NULL = /dev/null) and its stdout into out (NULL =
 * /dev/null; out_cap bytes, NUL-terminated, the rest discarded). stderr is inherited, so
 * the tool's own complaint reaches the user. Returns the exit status, or -1. */
static int run_tool(const char *const argv[], const char *input, char *out, size_t out_cap)
{
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
    if ((input != NULL && pipe2(in_pipe, O_CLOEXEC) != 0) ||
        (out != NULL && pipe2(out_pipe, O_CLOEXEC) != 0))
        goto fail;
    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(input != NULL ? in_pipe[0] : devnull, STDIN_FILENO);
        dup2(out != NULL ? out_pipe[1] : devnull, STDOUT_FILENO);
        execvp(argv[0], (char *const *)argv);
        for (size_t i = 0; i < sizeof(SBIN_DIRS) / sizeof(SBIN_DIRS[0]); i++) {
            char path[256];
            snprintf(path, sizeof(path), "%s%s", SBIN_DIRS[i], argv[0]);
            execv(path, (char *const *)argv);
        }
        _exit(127);
    }
    if (input != NULL) {
        close(in_pipe[0]);
        size_t len = strlen(input), off = 0;
        while (off < len) {
            ssize_t n = write(in_pipe[1], input + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        close(in_pipe[1]);
    }
    if (out != NULL) {
        close(out_pipe[1]);
        size_t got = 0;
        for (;;) {
            char sink[4096];
            char *dst = got + 1 < out_cap ? out + got : sink;
            size_t room = got + 1 < out_cap ? out_cap - 1 - got : sizeof(sink);
            ssize_t n = read(out_pipe[0], dst, room);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            if (dst != sink)
                got += (size_t)n;
        }
        out[got] = '\0';
        close(out_pipe[0]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
fail:
    for (int i = 0; i < 2; i++) {
        if (in_pipe[i] >= 0)
            close(in_pipe[i]);
        if (out_pipe[i] >= 0)
            close(out_pipe[i]);
    }
    return -1;
}

bool firewall_owner_alive(pid_t owner)
{
    char path[64], stat[STAT_HEAD_MAX] = "";
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)owner);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, stat, sizeof(stat) - 1);
    close(fd);
    if (n <= 0)
        return false;
    stat[n] = '\0';
    return fw_stat_is_live_owner(stat);
}

static const char *restore_tool(bool v6)
{
    return v6 ? "ip6tables-restore" : "iptables-restore";
}

static int apply(enum fw_kind kind, bool v6, const char *script)
{
    if (kind == FW_NFT) {
        const char *const argv[] = {"nft", "-f", "-", NULL};
        return run_tool(argv, script, NULL, 0);
    }
    const char *const argv[] = {restore_tool(v6), "--noflush", NULL};
    return run_tool(argv, script, NULL, 0);
}

static int remove_family(enum fw_kind kind, pid_t owner, bool v6)
{
    char script[SCRIPT_MAX];
    if (kind == FW_NFT)
        fw_nft_remove_script(owner, script, sizeof(script));
    else
        fw_ipt_remove_script(owner, script, sizeof(script));
    return apply(kind, v6, script) == 0 ? 0 : -1;
}

int firewall_remove(enum fw_kind kind, pid_t owner, bool v4, bool v6)
{
    if (kind == FW_NONE)
        return 0;
    if (kind == FW_NFT) /* one inet table covers both families */
        return remove_family(kind, owner, false);
    int rc = 0;
    if (v4 && remove_family(kind, owner, false) != 0)
        rc = -1;
    if (v6 && remove_family(kind, owner, true) != 0)
        rc = -1;
    return rc;
}

/* Remove the tables of owners that are gone, for one family's tools. */
static void remove_stale_family(enum fw_kind kind, bool v6)
{
    char *listing = malloc(LISTING_MAX);
    if (listing == NULL)
        return;
    int rc;
    if (kind == FW_NFT) {
        const char *const argv[] = {"nft", "list", "tables", NULL};
        rc = run_tool(argv, NULL, listing, LISTING_MAX);
    } else {
        const char *const argv[] = {v6 ? "ip6tables-save" : "iptables-save", "-t", "filter", NULL};
        rc = run_tool(argv, NULL, listing, LISTING_MAX);
    }
    pid_t owners[STALE_MAX];
    size_t n = rc == 0 ? fw_find_owners(kind, listing, owners, STALE_MAX) : 0;
    free(listing);
    for (size_t i = 0; i < n && i < STALE_MAX; i++) {
        /* our own pid on a table means a dead run had it before: stale too */
        if (owners[i] != getpid() && firewall_owner_alive(owners[i]))
            continue;
        if (remove_family(kind, owners[i], v6) == 0)
            fprintf(stderr, "tcpreq: removed the firewall left by a run that died (pid %ld)\n",
                    (long)owners[i]);
    }
}

int firewall_install(enum fw_kind kind, pid_t owner, bool v4, bool v6)
{
    char script[SCRIPT_MAX];
    if (kind == FW_NONE)
        return 0;
    if (kind == FW_NFT) {
        remove_stale_family(kind, false);
        fw_nft_install_script(owner, script, sizeof(script));
        if (apply(kind, false, script) != 0) {
            fprintf(stderr, "tcpreq: error: installing the nft firewall failed (nft -f -)\n");
            return -1;
        }
        return 0;
    }
    fw_ipt_install_script(owner, script, sizeof(script));
    const bool wanted[2] = {v4, v6};
    for (int fam = 0; fam < 2; fam++) {
        bool six = fam == 1;
        if (!wanted[fam])
            continue;
        remove_stale_family(kind, six);
        if (apply(kind, six, script) != 0) {
            fprintf(stderr, "tcpreq: error: installing the firewall failed (%s --noflush)\n",
                    restore_tool(six));
            if (six && v4) /* the IPv4 half is in: take it out again */
                remove_family(kind, owner, false);
            return -1;
        }
    }
    return 0;
}

static bool offload_on(int fd, const char *iface, uint32_t cmd)
{
    struct ethtool_value ev = {.cmd = cmd};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
    ifr.ifr_data = (char *)&ev;
    return ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ev.data != 0;
}

void offload_warn(const char *iface)
{
    if (iface == NULL || strcmp(iface, "any") == 0)
        return;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    bool tx = offload_on(fd, iface, ETHTOOL_GTXCSUM);
    bool rx = offload_on(fd, iface, ETHTOOL_GRXCSUM);
    close(fd);
    if (tx || rx)
        fprintf(stderr,
                "tcpreq: warning: %s has checksum offload on (%s%s%s): captured packets may "
                "carry partial checksums; consider `ethtool -K %s tx off rx off`\n",
                iface, tx ? "tx" : "", tx && rx ? ", " : "", rx ? "rx" : "", iface);
}
