/* Privileges: after the capture, the injection sockets and the output files are open,
 * tcpreq needs none. A tiny helper forked before the drop keeps them for the one thing
 * left to do: removing the firewall when the main process ends, however it ends. */
#ifndef TCPREQ_PRIVS_H
#define TCPREQ_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/fw_rules.h"

struct fw_guard {
    pid_t helper; /* 0 = none */
    int pipe_fd;  /* write end; the helper removes the firewall when it reads EOF */
};

/* Fork the helper for owner's firewall. 0 or -1 (errno set). */
int fw_guard_start(struct fw_guard *g, enum fw_kind kind, pid_t owner, bool v4, bool v6);
/* Close the pipe and wait until the helper has removed the firewall. */
void fw_guard_stop(struct fw_guard *g);

/* Drop to user (initgroups, setgid, setuid) and check root cannot be regained. user NULL:
 * "nobody" when running as root; otherwise (capabilities granted by setcap) the
 * capabilities are cleared instead. 0, or -1 with a message in err. */
int privs_drop(const char *user, char *err, size_t err_cap);

#endif
