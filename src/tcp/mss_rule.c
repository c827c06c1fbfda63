#include "tcp/mss_rule.h"

#include "tcp/segment.h"

#define MSS_OPT_LEN 4

uint16_t mss_announced(const struct tcp_opts *syn_opts, int family, bool *present)
{
    uint16_t mss = 0;
    bool found = false;
    /* A hand-filled count beyond the array must not make us read past it (options.h). */
    unsigned n = syn_opts != NULL ? syn_opts->count : 0;
    if (n > TCP_OPTS_MAX_ENTRIES)
        n = TCP_OPTS_MAX_ENTRIES;
    for (unsigned i = 0; i < n; i++) {
        const struct tcp_opt *o = &syn_opts->opt[i];
        if (o->type == TCP_OPT_SIZED && o->kind == TCP_OPT_KIND_MSS && o->len == MSS_OPT_LEN) {
            mss = (uint16_t)((o->bytes[0] << 8) | o->bytes[1]);
            found = true; /* a later one overwrites: the last wins */
        }
    }
    if (present != NULL)
        *present = found;
    if (found)
        return mss;
    return family == IP_FAMILY_V6 ? MSS_DEFAULT_V6 : MSS_DEFAULT_V4;
}

size_t mss_counted_len(size_t tcp_header_len, size_t payload_len)
{
    size_t options = tcp_header_len > TCP_HDR_MIN ? tcp_header_len - TCP_HDR_MIN : 0;
    return options + payload_len;
}

bool mss_exceeded(size_t tcp_header_len, size_t payload_len, uint16_t mss)
{
    return mss_counted_len(tcp_header_len, payload_len) > mss;
}
