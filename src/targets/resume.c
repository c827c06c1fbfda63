#include "resume.h"

#include "common/err.h"

int resume_mark(void *ctx, const struct ip_addr *ip, uint16_t port, bool filtered)
{
    struct target_set *set = ctx;
    int rc = target_set_add(set, ip, port, filtered ? 0 : TARGET_RESUMED_DONE);
    if (rc != TCPREQ_OK)
        return rc;
    uint8_t *flags = target_set_flags(set, ip, port);
    if (filtered && TARGET_WRITTEN_COUNT(*flags) < TARGET_WRITTEN_MAX)
        *flags = (uint8_t)(*flags + (1u << TARGET_WRITTEN_SHIFT));
    return TCPREQ_OK;
}
