/* -B addresses checked against the local interfaces before anything is opened or sent. */
#include <net/if.h>
#include <stdio.h>

#include "engine.h"
#include "io.h"

int engine_check_sources(const struct ip_addr *src4, const struct ip_addr *src6)
{
    const struct ip_addr *each[] = {src4, src6};
    for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
        char name[IF_NAMESIZE], text[IP_ADDR_STRLEN];
        if (each[i]->family == 0 || iface_of(each[i], name) == 0)
            continue;
        fprintf(stderr,
                "tcpreq: error: -B %s: no local interface holds this address (answers to it "
                "would never arrive; `ip address` lists the local ones)\n",
                ip_addr_format(each[i], text, sizeof(text)));
        return -1;
    }
    return 0;
}
