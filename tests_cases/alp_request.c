#include "tests_cases/alp_request.h"

#include <stdio.h>

#include "alp/alp.h"

#define REASON_NO_ALP "Missing ALP module for port %u"

size_t alp_request_pull(const struct tc *t, size_t hint, uint8_t *buf, size_t cap, char *why,
                        size_t why_cap)
{
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL) {
        snprintf(why, why_cap, REASON_NO_ALP, (unsigned)t->env.dport);
        return 0;
    }
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    size_t len = 0;
    ssize_t n = 1;
    /* A TLS ALP hands its flight over in hint-sized pieces: all of them, as they fit. */
    while (sess != NULL && len < cap && n > 0) {
        n = alp->pull(sess, hint, buf + len, cap - len);
        if (n > 0)
            len += (size_t)n;
    }
    if (sess != NULL)
        alp->close(sess);
    if (len == 0)
        snprintf(why, why_cap, "%s", ALP_REQUEST_NO_DATA);
    return len;
}
