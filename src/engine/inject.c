/* Injection through libnet's raw IPv4 / IPv6 sockets: we build whole IP packets ourselves
 * (TTL, IP ID, flow label, deliberately wrong TCP checksums), libnet writes them. */
#include <errno.h>
#include <libnet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "io.h"

struct injector {
    libnet_t *v4, *v6;
};

static libnet_t *open_raw(int type, uint32_t mark, char *err, size_t err_cap)
{
    char lerr[LIBNET_ERRBUF_SIZE] = "";
    libnet_t *l = libnet_init(type, NULL, lerr);
    if (l == NULL) {
        snprintf(err, err_cap, "libnet: %s", lerr);
        return NULL;
    }
    int fd = libnet_getfd(l);
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) {
        snprintf(err, err_cap, "setsockopt(SO_MARK): %s (needs CAP_NET_ADMIN)", strerror(errno));
        libnet_destroy(l);
        return NULL;
    }
    return l;
}

struct injector *injector_open(int want_v4, int want_v6, uint32_t mark, char *err,
                               size_t err_cap)
{
    struct injector *inj = calloc(1, sizeof(*inj));
    if (inj == NULL) {
        snprintf(err, err_cap, "out of memory");
        return NULL;
    }
    if (want_v4 && (inj->v4 = open_raw(LIBNET_RAW4, mark, err, err_cap)) == NULL)
        goto fail;
    if (want_v6 && (inj->v6 = open_raw(LIBNET_RAW6, mark, err, err_cap)) == NULL)
        goto fail;
    return inj;
fail:
    injector_close(inj);
    return NULL;
}

int injector_send(struct injector *inj, const uint8_t *pkt, size_t len)
{
    int version = len > 0 ? pkt[0] >> 4 : 0;
    libnet_t *l = version == IP_FAMILY_V4 ? inj->v4 : version == IP_FAMILY_V6 ? inj->v6 : NULL;
    if (l == NULL) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    int n = version == IP_FAMILY_V4 ? libnet_write_raw_ipv4(l, pkt, (uint32_t)len)
                                    : libnet_write_raw_ipv6(l, pkt, (uint32_t)len);
    return n == (int)len ? 0 : -1;
}

void injector_close(struct injector *inj)
{
    if (inj == NULL)
        return;
    if (inj->v4)
        libnet_destroy(inj->v4);
    if (inj->v6)
        libnet_destroy(inj->v6);
    free(inj);
}
