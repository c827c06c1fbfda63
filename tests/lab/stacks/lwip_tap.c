/* An lwIP network interface on a Linux tap device: the "board support" part of an lwIP device,
 * which every product writes for its own hardware. lwIP's TCP/IP behaviour is untouched.
 *
 * Why not the tapif that Debian's liblwip0 (2.1.3+dfsg1-2) ships: it receives every frame
 * into a PBUF_POOL chain, and in that build the pool is inconsistent. pbuf.c fills each pool
 * pbuf with up to PBUF_POOL_BUFSIZE = 1536 bytes (TCP_MSS 1460 from lwipopts.h), but memp.c
 * allocates each one with 616 bytes (memp_PBUF_POOL.size = 0x268), because memp.c sees
 * TCP_MSS 512: it includes the port's posix/inet.h, which includes glibc's <netinet/tcp.h>,
 * which redefines TCP_MSS. So every frame longer than about 590 bytes is written past its
 * heap block; the server died with "free(): invalid next size" (valgrind: invalid write in
 * pbuf_take from tapif's reader thread) after one segment with 1200 bytes of payload. Here
 * frames go into PBUF_RAM pbufs of exactly their size (mem_malloc), which no other part of
 * lwIP's core uses the pool for.
 *
 * Differences from tapif that matter to a prober: none on the wire (same MAC address, MTU,
 * ARP and ND), except that NETIF_FLAG_MLD6 is set; see lwip_http.c.
 */
#include "lwip_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"

#define TAP_MTU 1500 /* the lab's veths and bridge */
#define ETH_HDR_LEN 14
#define FRAME_MAX (TAP_MTU + ETH_HDR_LEN)
#define READ_MAX 65535 /* larger than any frame: a read never truncates one */

/* tapif's locally administered address (02:12:34:56:78:ab): each lwIP target has its own
 * layer-2 segment, so they do not clash. */
static const u8_t tap_hwaddr[ETH_HWADDR_LEN] = {0x02, 0x12, 0x34, 0x56, 0x78, 0xab};

int lwip_tap_open(struct lwip_tap *tap, const char *name)
{
    struct ifreq ifr;
    if (strlen(name) >= sizeof ifr.ifr_name) {
        errno = ENAMETOOLONG;
        return -1;
    }
    tap->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (tap->fd < 0)
        return -1;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, strlen(name));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(tap->fd);
        errno = e;
        return -1;
    }
    return 0;
}

static err_t tap_linkoutput(struct netif *netif, struct pbuf *p)
{
    const struct lwip_tap *tap = netif->state;
    u8_t frame[FRAME_MAX];
    if (p->tot_len > sizeof frame)
        return ERR_IF;
    u16_t len = pbuf_copy_partial(p, frame, p->tot_len, 0);
    ssize_t n = write(tap->fd, frame, len);
    return n == (ssize_t)len ? ERR_OK : ERR_IF; /* a full queue drops it, like a busy NIC */
}

err_t lwip_tap_netif_init(struct netif *netif)
{
    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = tap_linkoutput;
    netif->mtu = TAP_MTU;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, tap_hwaddr, ETH_HWADDR_LEN);
    /* tapif's flags plus MLD6 (lwip_http.c says why). */
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
    return ERR_OK;
}

static void tap_reader(void *arg)
{
    struct netif *netif = arg;
    const struct lwip_tap *tap = netif->state;
    static u8_t buf[READ_MAX];
    for (;;) {
        ssize_t n = read(tap->fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            perror("lwip_http: read from tap");
            exit(1);
        }
        if (n < ETH_HDR_LEN)
            continue;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
        if (!p)
            continue; /* out of memory: dropped, as a NIC out of buffers would */
        pbuf_take(p, buf, (u16_t)n);
        if (netif->input(p, netif) != ERR_OK)
            pbuf_free(p); /* tcpip mailbox full: dropped */
    }
}

void lwip_tap_start(struct netif *netif)
{
    sys_thread_new("tap_reader", tap_reader, netif, DEFAULT_THREAD_STACKSIZE, DEFAULT_THREAD_PRIO);
}
