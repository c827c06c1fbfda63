/* The application request on an established connection (see request.h). */
#include "testcase/request.h"

#include <stdio.h>

#include "alp/alp.h"
#include "common/err.h"

/* Largest piece pulled at once: a segment on a 1500-byte link without options. */
#define PIECE_MAX 1460

int tc_conn_send_request(struct tc *t, struct tc_conn *c, size_t seg_max, size_t *sent)
{
    *sent = 0;
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL)
        return TCPREQ_ENOTFOUND;
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    if (sess == NULL)
        return TCPREQ_EPROTO;
    uint8_t piece[PIECE_MAX];
    size_t cap = seg_max < sizeof(piece) ? seg_max : sizeof(piece);
    /* No length hint: HTTP's request unpadded, TLS's first flight in pieces of its default
     * chunk (the default send MSS) or cap, whichever is less. */
    for (unsigned i = 0; i < TC_REQUEST_SEGS_MAX; i++) {
        ssize_t n = alp->pull(sess, 0, piece, cap);
        if (n <= 0)
            break; /* the flight is out (or the ALP failed: what went out stands) */
        tc_conn_send_data(t, c, piece, (size_t)n, TCP_FLAG_PSH);
        *sent += (size_t)n;
    }
    alp->close(sess);
    return *sent > 0 ? TCPREQ_OK : TCPREQ_EPROTO;
}

void tc_request_missing_reason(const struct tc *t, char *buf, size_t cap)
{
    snprintf(buf, cap, "Missing ALP module for port %u", (unsigned)t->env.dport);
}
