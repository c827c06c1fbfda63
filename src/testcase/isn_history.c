/* The ISNs of a target's earlier tests (see isn_history.h). */
#include "testcase/isn_history.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define HISTORY_INITIAL 16

/* Whether test already has isn (its SYN-ACK seen before: a retransmission). */
static bool seen_in_test(const struct isn_history *h, size_t first, uint32_t isn)
{
    for (size_t i = first; i < h->n; i++)
        if (h->v[i].isn == isn)
            return true;
    return false;
}

int isn_history_add(struct isn_history *h, const struct tc *finished)
{
    uint32_t test = h->tests++;
    size_t first = h->n; /* this test's entries start here */
    for (size_t i = 0; i < finished->n_isns && h->n < ISN_HISTORY_MAX; i++) {
        const struct tc_isn *e = &finished->isns[i];
        if (seen_in_test(h, first, e->isn))
            continue;
        if (h->n == h->cap) {
            size_t cap = h->cap ? 2 * h->cap : HISTORY_INITIAL;
            struct tc_prior_isn *v = realloc(h->v, cap * sizeof(*v));
            if (v == NULL)
                return TCPREQ_ENOMEM;
            h->v = v;
            h->cap = cap;
        }
        h->v[h->n++] = (struct tc_prior_isn){.at = e->at, .isn = e->isn, .test = test};
    }
    return TCPREQ_OK;
}

void isn_history_free(struct isn_history *h)
{
    free(h->v);
    memset(h, 0, sizeof(*h));
}
