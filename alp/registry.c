/* The ALP table: adding a protocol is one file exporting a `const struct alp` plus one line
 * here. The first entry that lists a port wins, so a port must appear in one ALP only. */
#include "alp/alp.h"

static const struct alp *const registered_alps[] = {
    &alp_http,
    &alp_tls,
};

#define N_REGISTERED_ALPS (sizeof(registered_alps) / sizeof(registered_alps[0]))

const struct alp *alp_for_port(uint16_t port)
{
    for (size_t i = 0; i < N_REGISTERED_ALPS; i++) {
        const struct alp *alp = registered_alps[i];
        for (size_t p = 0; p < alp->n_ports; p++)
            if (alp->ports[p] == port)
                return alp;
    }
    return NULL;
}
