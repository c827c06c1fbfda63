#include "tests_cases/alp_request.h"

#include <stdio.h>

#include "alp/alp.h"

/* The first flight: the hinted pull, then what the ALP still has queued (TLS hands its
 * ClientHello out a piece at a time). */
static size_t pull_flight(const struct alp *alp, struct alp_session *sess, size_t hint,
                          uint8_t *buf, size_t cap)
{
    size_t len = 0;
    ssize_t n = alp->pull(sess, hint, buf, cap);
    while (n > 0) {
        len += (size_t)n; /* never more than it was given room for */
        /* With the buffer full, a flight that does not fit fails this pull (no room). */
        n = alp->pull(sess, 0, buf + len, cap - len);
    }
    return n < 0 ? 0 : len; /* a failed ALP sends nothing, not half a request */
}

size_t alp_request_pull(const struct tc *t, size_t hint, uint8_t *buf, size_t cap, char *why,
                        size_t why_cap)
{
    const struct alp *alp = alp_for_port(t->env.dport);
    if (alp == NULL) {
        snprintf(why, why_cap, ALP_REQUEST_NO_MODULE, (unsigned)t->env.dport);
        return 0;
    }
    struct alp_peer peer = {.ip = t->env.dst, .port = t->env.dport, .host = t->env.host};
    struct alp_session *sess = alp->open(&peer);
    size_t len = 0;
    if (sess != NULL) {
        len = pull_flight(alp, sess, hint, buf, cap);
        alp->close(sess);
    }
    if (len == 0)
        snprintf(why, why_cap, "%s", ALP_REQUEST_NO_DATA);
    return len;
}

size_t tc_conn_alp_request(struct tc *t, struct tc_conn *c, size_t hint, uint8_t *buf, size_t cap,
                           int stage, tc_time now)
{
    char why[sizeof(t->result.reason)];
    size_t len = alp_request_pull(t, hint, buf, cap, why, sizeof(why));
    if (len == 0) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, stage, why, NULL, now);
    }
    return len;
}
