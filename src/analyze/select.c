/* Flow selection for -Y. */
#include "analyze/select.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define TUPLE_SEPARATOR '-'
#define ENDPOINT_TEXT_MAX 64

static int parse_index(const char *text, uint64_t *index)
{
    if (*text < '0' || *text > '9')
        return TCPREQ_EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return TCPREQ_EINVAL;
    *index = v;
    return TCPREQ_OK;
}

int flow_select_parse(const char *text, struct flow_select *out)
{
    memset(out, 0, sizeof(*out));
    if (parse_index(text, &out->index) == TCPREQ_OK) {
        out->kind = SELECT_INDEX;
        return TCPREQ_OK;
    }
    /* the separator outside brackets (IPv6 addresses hold no '-', but stay strict) */
    const char *sep = NULL;
    int depth = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']')
            depth--;
        else if (*p == TUPLE_SEPARATOR && depth == 0) {
            sep = p;
            break;
        }
    }
    if (sep == NULL || (size_t)(sep - text) >= ENDPOINT_TEXT_MAX)
        return TCPREQ_EINVAL;
    char first[ENDPOINT_TEXT_MAX];
    memcpy(first, text, (size_t)(sep - text));
    first[sep - text] = '\0';
    if (ip_endpoint_parse(first, &out->a, &out->aport) != TCPREQ_OK ||
        ip_endpoint_parse(sep + 1, &out->b, &out->bport) != TCPREQ_OK ||
        out->a.family != out->b.family)
        return TCPREQ_EINVAL;
    out->kind = SELECT_TUPLE;
    return TCPREQ_OK;
}

static bool endpoint_is(const struct ip_addr *addr, uint16_t port, const struct ip_addr *a,
                        uint16_t aport)
{
    return port == aport && ip_addr_equal(addr, a);
}

bool flow_select_match_ends(const struct flow_select *sel, uint64_t index, const struct ip_addr *x,
                            uint16_t xport, const struct ip_addr *y, uint16_t yport)
{
    switch (sel->kind) {
    case SELECT_ALL:
        return true;
    case SELECT_INDEX:
        return index == sel->index;
    case SELECT_TUPLE:
        return (endpoint_is(x, xport, &sel->a, sel->aport) &&
                endpoint_is(y, yport, &sel->b, sel->bport)) ||
               (endpoint_is(y, yport, &sel->a, sel->aport) &&
                endpoint_is(x, xport, &sel->b, sel->bport));
    }
    return false;
}

bool flow_select_match(const struct flow_select *sel, const struct an_conn *c)
{
    return flow_select_match_ends(sel, c->index, &c->addr[SIDE_CLIENT], c->port[SIDE_CLIENT],
                                  &c->addr[SIDE_SERVER], c->port[SIDE_SERVER]);
}
