/* -Y SEL of `tcpreq analyze`: one flow by its index ("3", as Wireshark's tcp.stream), or
 * every incarnation of a 4-tuple in either direction ("198.18.1.2:40000-198.18.3.2:80",
 * "[fd00::1]:40000-[fd00::2]:80"). */
#ifndef TCPREQ_ANALYZE_SELECT_H
#define TCPREQ_ANALYZE_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/conn.h"
#include "common/addr.h"

enum flow_select_kind { SELECT_ALL = 0, SELECT_INDEX, SELECT_TUPLE };

struct flow_select {
    enum flow_select_kind kind;
    uint64_t index;
    struct ip_addr a, b;
    uint16_t aport, bport;
};

/* 0 or TCPREQ_EINVAL. */
int flow_select_parse(const char *text, struct flow_select *out);
bool flow_select_match(const struct flow_select *sel, const struct an_conn *c);
/* The same for a flow of this index between endpoints (x, xport) and (y, yport), in either
 * order (a selection names a 4-tuple in either direction, so roles do not matter). */
bool flow_select_match_ends(const struct flow_select *sel, uint64_t index, const struct ip_addr *x,
                            uint16_t xport, const struct ip_addr *y, uint16_t yport);

#endif
