/* An lwIP network interface on a Linux tap device (see lwip_tap.c for why not Debian's tapif). */
#ifndef LWIP_TAP_H
#define LWIP_TAP_H

#include "lwip/netif.h"

struct lwip_tap {
    int fd;
};

/* Attach to the existing tap device NAME (IFF_TAP | IFF_NO_PI). 0, or -1 with errno set. */
int lwip_tap_open(struct lwip_tap *tap, const char *name);

/* netif_add's init function; netif->state must be the opened struct lwip_tap. */
err_t lwip_tap_netif_init(struct netif *netif);

/* Start the thread that hands every frame read from the tap to netif->input. */
void lwip_tap_start(struct netif *netif);

#endif
