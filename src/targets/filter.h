/* The target filter: wraps any target source (command line, JSON Lines, ZMap, Nmap readers)
 * and yields only the targets to test, so main composes engine(filter(source)). In order:
 *   1. --shard I/N: a target of another shard is skipped silently (its own shard writes it,
 *      DISC/FLTR included). First, so every shard decides the rest the same way.
 *   2. DISC: reserved ranges (reserved.h) and families without a -B source address.
 *   3. FLTR: blocklisted (-b), then duplicates of an earlier (ip, port) in this run.
 *   4. --resume: a target an earlier run tested is skipped silently (already written), as
 *      is a DISC/FLTR record the earlier run already wrote (resume.h).
 * DISC and FLTR targets are written at once as {...input keys..., "results": [],
 * "_status": "DISC"|"FLTR"} to the dataset's sink and never sent anything. */
#ifndef TCPREQ_FILTER_H
#define TCPREQ_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/target.h"
#include "prefix_tree.h"
#include "target_set.h"

struct target_filter_config {
    bool have_src4, have_src6;           /* a -B address of the family was given */
    const struct prefix_tree *blocklist; /* NULL = none */
    uint32_t shard_index, shard_count;   /* shard_count 0 or 1 = no sharding */
    struct target_sink sink; /* for DISC/FLTR records; write NULL = not written */
};

struct target_filter_stats {
    uint64_t passed, disc, blocklisted, duplicates, other_shard, resumed;
};

enum target_verdict {
    TARGET_TEST,        /* pass it on */
    TARGET_OTHER_SHARD, /* skip silently */
    TARGET_RESUMED,     /* skip silently: tested, or its DISC/FLTR record written, before */
    TARGET_DISC,
    TARGET_FLTR,
};

struct target_filter {
    struct target_filter_config cfg;
    target_source_fn source;
    void *source_ctx;
    /* --resume's finished targets plus every target seen in this run: dedup and resume in
     * one compact set (flags in resume.h; memory grows with distinct targets only). */
    struct target_set targets;
    struct target_filter_stats stats;
};

void target_filter_init(struct target_filter *f, const struct target_filter_config *cfg,
                        target_source_fn source, void *source_ctx);
void target_filter_free(struct target_filter *f);

/* The shard (0..shard_count-1) of a target: SipHash-2-4 of (family, address, port) under a
 * fixed key, the same on every machine, mod shard_count. */
uint32_t target_shard_of(const struct ip_addr *ip, uint16_t port, uint32_t shard_count);

/* Decide one target and record it (remembered for the duplicate check; the stats count
 * it). ip is normalised in place. */
enum target_verdict target_filter_classify(struct target_filter *f, struct ip_addr *ip,
                                           uint16_t port);

/* A target_source_fn: ctx is a struct target_filter. */
int target_filter_next(void *ctx, struct target *out);

#endif
