#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firewall.h"

#define DEFAULT_USER "nobody"
#define HELPER_FD 3

/* The helper: wait for EOF on the pipe (the main process closed it or died), remove the
 * firewall, exit. It ignores the terminal's SIGINT and a SIGTERM sent to the group: the
 * main process decides when the run is over. */
static void helper_main(int read_fd, enum fw_kind kind, pid_t owner, bool v4, bool v6)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    /* Hold nothing of the main process's: no sockets, no output files, no pipe write end. */
    if (read_fd != HELPER_FD) {
        dup2(read_fd, HELPER_FD);
        close(read_fd);
    }
    close_range(HELPER_FD + 1, ~0U, 0);
    char buf[64];
    for (;;) {
        ssize_t n = read(HELPER_FD, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    _exit(firewall_remove(kind, owner, v4, v6) == 0 ? 0 : 1);
}

int fw_guard_start(struct fw_guard *g, enum fw_kind kind, pid_t owner, bool v4, bool v6)
{
    int fds[2];
    g->helper = 0;
    g->pipe_fd = -1;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL); /* the child must not write out the parent's buffered output again */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[1]);
        helper_main(fds[0], kind, owner, v4, v6);
    }
    close(fds[0]);
    g->helper = pid;
    g->pipe_fd = fds[1];
    return 0;
}

void fw_guard_stop(struct fw_guard *g)
{
    if (g->helper == 0)
        return;
    close(g->pipe_fd);
    while (waitpid(g->helper, NULL, 0) < 0 && errno == EINTR)
        ;
    g->helper = 0;
    g->pipe_fd = -1;
}

/* Non-root with file capabilities (setcap): give up all of them. Lowering one's own
 * capabilities needs no privilege. */
static int clear_capabilities(char *err, size_t err_cap)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) != 0) {
        snprintf(err, err_cap, "clearing capabilities: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int privs_drop(const char *user, char *err, size_t err_cap)
{
    if (user == NULL) {
        if (geteuid() != 0)
            return clear_capabilities(err, err_cap);
        user = DEFAULT_USER;
    }
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, err_cap, "user '%s': %s", user, errno ? strerror(errno) : "not found");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    /* Supplementary groups first (they need root), then the group, then the user. */
    if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, err_cap, "dropping privileges to '%s': %s", user, strerror(errno));
        return -1;
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, err_cap, "dropping privileges to '%s': root could be regained", user);
        return -1;
    }
    return 0;
}
