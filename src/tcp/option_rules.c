#include "tcp/option_rules.h"

#include "tcp/segment.h"

#define OPT_LEN_AT 1 /* a sized option's length byte follows its kind */
#define OPT_SIZED_MIN 2

bool opt_rule_mss_without_syn(uint8_t flags, const struct tcp_opts *opts, uint16_t *mss)
{
    uint16_t value;
    if ((flags & TCP_FLAG_SYN) || !tcp_opts_get_mss(opts, &value))
        return false;
    if (mss != NULL)
        *mss = value;
    return true;
}

bool opt_rule_nonzero_after_eol(const uint8_t *area, size_t len, size_t *at)
{
    size_t pos = 0;
    while (pos < len) {
        uint8_t kind = area[pos];
        if (kind == TCP_OPT_KIND_NOP) {
            pos++;
            continue;
        }
        if (kind == TCP_OPT_KIND_EOL) {
            for (size_t b = pos + 1; b < len; b++) {
                if (area[b] != 0) {
                    *at = b;
                    return true;
                }
            }
            return false;
        }
        /* A sized option: walk over it; one that runs off the area is malformed. */
        if (len - pos <= OPT_LEN_AT || area[pos + OPT_LEN_AT] < OPT_SIZED_MIN ||
            area[pos + OPT_LEN_AT] > len - pos)
            return false;
        pos += area[pos + OPT_LEN_AT];
    }
    return false;
}
