#include "tcp/fault.h"

#include <stdio.h>
#include <string.h>

static const struct {
    unsigned bit;
    const char *name;
} fault_names[] = {
    {TCP_FAULT_CHECKSUM, "checksum"},
    {TCP_FAULT_RESERVED, "reserved"},
    {TCP_FAULT_MSS_LATE, "mss-late"},
    {TCP_FAULT_OPTIONS, "options"},
};
#define N_FAULTS (sizeof(fault_names) / sizeof(fault_names[0]))
#define FAULT_LIST_SEPARATORS ", \t\r\n"

unsigned tcp_faults_of(const struct tcp_seg *seg)
{
    unsigned f = 0;
    uint16_t mss;
    if (seg->csum_fixed)
        f |= TCP_FAULT_CHECKSUM;
    if (seg->reserved != 0)
        f |= TCP_FAULT_RESERVED;
    if (!(seg->flags & TCP_FLAG_SYN) && tcp_opts_get_mss(&seg->opts, &mss))
        f |= TCP_FAULT_MSS_LATE;
    for (unsigned i = 0; i < seg->opts.count; i++)
        if (seg->opts.opt[i].type == TCP_OPT_RAW)
            f |= TCP_FAULT_OPTIONS;
    return f;
}

const char *tcp_fault_names(unsigned faults, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < N_FAULTS; i++) {
        if (!(faults & fault_names[i].bit) || n >= cap)
            continue;
        int w = snprintf(buf + n, cap - n, "%s%s", n > 0 ? "," : "", fault_names[i].name);
        if (w > 0)
            n += (size_t)w;
    }
    return buf;
}

unsigned tcp_faults_from_comment(const char *comment)
{
    const char *at = comment != NULL ? strstr(comment, " " TCP_FAULT_KEY) : NULL;
    if (at == NULL)
        return 0;
    const char *p = at + 1 + strlen(TCP_FAULT_KEY);
    unsigned faults = 0;
    while (*p != '\0' && *p != ' ') {
        size_t len = strcspn(p, FAULT_LIST_SEPARATORS);
        for (size_t i = 0; i < N_FAULTS; i++)
            if (strlen(fault_names[i].name) == len && strncmp(p, fault_names[i].name, len) == 0)
                faults |= fault_names[i].bit;
        p += len;
        if (*p == ',')
            p++;
    }
    return faults;
}
