#include "testcase/alp_request.h"

#include <stdio.h>

#include "alp/alp.h"

/* The first flight: the hinted pull, then what the ALP still has queued (TLS hands its
 * ClientHello out a piece at a time). */
static size_t pull_flight(const struct alp *alp, struct alp_session *sess, size_t length_hint,
                          uint8_t *buf, size_t cap)
{
    size_t len = 0;
    ssize_t n = alp->pull(sess, length_hint, buf, cap);
    while (n > 0) {
        len += (size_t)n; /* never more than it was given room for */
        /* With the buffer full, a flight that does not fit fails this pull (no room). */
        n = alp->pull(sess, 0, buf + len, cap - len);
    }
    return n < 0 ? 0 : len; /* a failed ALP sends nothing, not half a request */
}

size_t tc_conn_alp_request(struct tc *t, struct tc_conn *c, size_t length_hint, uint8_t *buf,
                           size_t cap, int stage, tc_time now)
{
    char reason[sizeof(t->result.reason)];
    const struct alp *alp = alp_for_port(t->env.dport);
    size_t len = 0;
    if (alp == NULL) {
        snprintf(reason, sizeof(reason), TC_REASON_NO_ALP_MODULE, (unsigned)t->env.dport);
    } else {
        struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
        struct alp_session *sess = alp->open(&peer);
        if (sess != NULL) {
            len = pull_flight(alp, sess, length_hint, buf, cap);
            alp->close(sess);
        }
        snprintf(reason, sizeof(reason), "%s", TC_REASON_NO_ALP_DATA);
    }
    if (len == 0) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, stage, reason, NULL, now);
    }
    return len;
}
