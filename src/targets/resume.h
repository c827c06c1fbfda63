/* --resume OUT: the targets an earlier run already finished, as the target filter keeps
 * them. The output module of OUT reads the file (output/: which records are whole, where a
 * cut-off record starts) and reports each complete record here. */
#ifndef TCPREQ_RESUME_H
#define TCPREQ_RESUME_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "target_set.h"

/* The filter's target-set flags byte. An earlier run's tested record makes a target DONE;
 * its DISC/FLTR records are counted (a duplicate listed n times has n-1 FLTR records), and
 * each such record spares this run one DISC/FLTR write of that target, so a resumed dataset
 * equals an uninterrupted one, even when the earlier run wrote a duplicate's FLTR while the
 * first occurrence was still being tested. */
#define TARGET_RESUMED_DONE 0x01 /* tested by an earlier run: skip, never send again */
#define TARGET_SEEN 0x02         /* occurred in this run's list already (duplicates) */
#define TARGET_WRITTEN_SHIFT 2   /* bits 2..7: earlier DISC/FLTR records not yet matched */
#define TARGET_WRITTEN_MAX 63
#define TARGET_WRITTEN_COUNT(flags) ((unsigned)(flags) >> TARGET_WRITTEN_SHIFT)

/* Record one complete record of the earlier output in ctx, a struct target_set: filtered =
 * a DISC/FLTR record. Fits output_resume_fn. 0 or TCPREQ_ENOMEM. */
int resume_mark(void *set, const struct ip_addr *ip, uint16_t port, bool filtered);

#endif
