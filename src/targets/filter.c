#include "filter.h"

#include <string.h>

#include "common/err.h"
#include "reserved.h"
#include "resume.h"
#include "siphash.h"

/* Fixed so that N machines given the same list agree on every target's shard; changing it
 * would reshuffle the shards of running jobs. */
static const uint8_t SHARD_KEY[SIPHASH_KEY_LEN] = {0x74, 0x63, 0x70, 0x72, 0x65, 0x71, 0x2d, 0x73,
                                                   0x68, 0x61, 0x72, 0x64, 0x2d, 0x76, 0x31, 0x00};

void target_filter_init(struct target_filter *f, const struct target_filter_config *cfg,
                        target_source_fn source, void *source_ctx)
{
    memset(f, 0, sizeof(*f));
    f->cfg = *cfg;
    f->source = source;
    f->source_ctx = source_ctx;
    target_set_init(&f->targets);
}

void target_filter_free(struct target_filter *f)
{
    target_set_free(&f->targets);
    memset(f, 0, sizeof(*f));
}

uint32_t target_shard_of(const struct ip_addr *ip, uint16_t port, uint32_t shard_count)
{
    if (shard_count <= 1)
        return 0;
    uint8_t buf[19] = {0};
    buf[0] = ip->family;
    memcpy(buf + 1, ip->bytes, ip_addr_len(ip));
    buf[17] = (uint8_t)(port >> 8);
    buf[18] = (uint8_t)port;
    return (uint32_t)(siphash24(SHARD_KEY, buf, sizeof(buf)) % shard_count);
}

/* Two spellings of one address must be one target: only the family's bytes count. */
static void normalise(struct ip_addr *ip)
{
    size_t len = ip_addr_len(ip);
    memset(ip->bytes + len, 0, sizeof(ip->bytes) - len);
}

/* A DISC/FLTR verdict, unless an earlier run (--resume) wrote that record already. */
static enum target_verdict unless_written(struct target_filter *f, uint8_t *flags,
                                          enum target_verdict v)
{
    if (flags != NULL && TARGET_WRITTEN_COUNT(*flags) > 0) {
        *flags = (uint8_t)(*flags - (1u << TARGET_WRITTEN_SHIFT));
        f->stats.resumed++;
        return TARGET_RESUMED;
    }
    if (v == TARGET_DISC)
        f->stats.disc++;
    return v;
}

enum target_verdict target_filter_classify(struct target_filter *f, struct ip_addr *ip,
                                           uint16_t port)
{
    normalise(ip);
    if (f->cfg.shard_count > 1 &&
        target_shard_of(ip, port, f->cfg.shard_count) != f->cfg.shard_index) {
        f->stats.other_shard++;
        return TARGET_OTHER_SHARD;
    }
    uint8_t *flags = target_set_flags(&f->targets, ip, port);
    bool bound = ip->family == IP_FAMILY_V4 ? f->cfg.have_src4 : f->cfg.have_src6;
    if (!bound || reserved_range_of(ip) != NULL)
        return unless_written(f, flags, TARGET_DISC);
    if (f->cfg.blocklist != NULL && prefix_tree_contains(f->cfg.blocklist, ip, NULL)) {
        f->stats.blocklisted++;
        return unless_written(f, flags, TARGET_FLTR);
    }
    if (flags != NULL && (*flags & TARGET_SEEN)) {
        f->stats.duplicates++;
        return unless_written(f, flags, TARGET_FLTR);
    }
    if (flags == NULL) {
        /* Out of memory: test it anyway; a later duplicate may then be tested twice, which
         * wastes packets but never sends to a target the filter must protect. */
        (void)target_set_add(&f->targets, ip, port, TARGET_SEEN);
    } else {
        *flags |= TARGET_SEEN;
        if (*flags & TARGET_RESUMED_DONE) {
            f->stats.resumed++;
            return TARGET_RESUMED;
        }
    }
    f->stats.passed++;
    return TARGET_TEST;
}

static int write_filtered(const struct target_filter *f, json_t *record, const char *status)
{
    if (json_object_set_new(record, "results", json_array()) != 0 ||
        json_object_set_new(record, "_status", json_string(status)) != 0)
        return TCPREQ_ENOMEM;
    if (target_sink_write(&f->cfg.sink, record) != 0)
        return TCPREQ_ESYS;
    return TCPREQ_OK;
}

int target_filter_next(void *ctx, struct target *out)
{
    struct target_filter *f = ctx;
    for (;;) {
        int got = f->source(f->source_ctx, out);
        if (got <= 0 || got == TARGET_SOURCE_WAIT)
            return got;
        enum target_verdict v = target_filter_classify(f, &out->ip, out->port);
        if (v == TARGET_TEST)
            return 1;
        int rc = TCPREQ_OK;
        if (v == TARGET_DISC || v == TARGET_FLTR)
            rc = write_filtered(f, out->record, v == TARGET_DISC ? "DISC" : "FLTR");
        json_decref(out->record);
        out->record = NULL;
        if (rc != TCPREQ_OK)
            return rc;
    }
}
