/* A target as it travels from the input readers through the target filter to the engine,
 * and where a finished target's record goes. Below every layer that handles targets, so
 * input/, targets/ and the engine agree on one type without including each other. */
#ifndef TCPREQ_TARGET_H
#define TCPREQ_TARGET_H

#include <jansson.h>
#include <stdint.h>

#include "common/addr.h"

struct target {
    struct ip_addr ip;
    uint16_t port;
    json_t *record; /* the input object (ip, port, host, ...); owned by whoever fetched it */
    int wait_fd;    /* with TARGET_SOURCE_WAIT: the descriptor to wait for, or -1 */
};

/* Produce the next target: 1 = *out filled, 0 = no more targets, TARGET_SOURCE_WAIT = none
 * ready without waiting (the input is a pipe with nothing in it now, or reading used up its
 * share of the loop): ask again once out->wait_fd is readable, or, when it is -1, after the
 * loop has run once; negative = error. A source never blocks. */
#define TARGET_SOURCE_WAIT 2
typedef int (*target_source_fn)(void *ctx, struct target *out);

/* Where finished targets' records go (the dataset's writer, the --explain report): write
 * one whole record, in tcpreq's schema, and make it durable before returning, so an
 * interrupted run loses nothing already written. 0 or negative. A sink with write NULL
 * discards. */
struct target_sink {
    int (*write)(void *ctx, const json_t *record);
    void *ctx;
};

static inline int target_sink_write(const struct target_sink *s, const json_t *record)
{
    return s->write != NULL ? s->write(s->ctx, record) : 0;
}

#endif
