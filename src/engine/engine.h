/* The engine: the one place with I/O. A libuv loop owns a libpcap capture, libnet raw
 * injection, the global token bucket, one timer per running test, and the demultiplexing of
 * captured segments by (local port, remote ip, remote port) and of ICMP quotes by the quoted
 * 4-tuple. Targets stream in from a source callback; finished targets stream out. */
#ifndef TCPREQ_ENGINE_H
#define TCPREQ_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "output/output.h"
#include "scheduler/plan.h"
#include "testcase/tc.h"

/* Ephemeral source ports (RFC 6335): every flow of ours uses one; nothing else is touched. */
#define PROBE_PORT_MIN 49152
#define PROBE_PORT_MAX 65535
/* SO_MARK on our raw sockets ("tcpq"): the firewall templates let these RSTs through and
 * drop the kernel's own RSTs for our flows. */
#define TCPREQ_SOCKET_MARK 0x74637271u

struct engine_target {
    struct ip_addr ip;
    uint16_t port;
    json_t *record; /* the input object (ip, port, host, ...); owned by the engine after fetch */
};

/* Produce the next target: 1 = *out filled, 0 = no more targets, negative = error. */
typedef int (*target_source_fn)(void *ctx, struct engine_target *out);

struct engine_config {
    struct ip_addr src4, src6; /* family 0 = not bound */
    double rate;               /* packets per second for everything we send */
    const char *iface;         /* capture device; NULL = the one holding the -B address(es) */
    const struct tc_timing *timing;
    const struct test_selection *selection;
    size_t max_inflight; /* targets being tested at once */
    FILE *out;
    const struct output_writer *writer; /* NULL = no dataset */
    /* --explain: the single-host report; results carry their evidence until it is written. */
    FILE *report_out;
    const struct output_writer *report; /* NULL = none */
    bool quiet;
    /* Operations (status line, recording, firewall, privileges). */
    uint64_t targets_total; /* 0 = unknown (streaming input): the status line counts reads */
    const char *pcap_path;  /* --pcap: record every packet sent and received; NULL = off */
    int firewall;           /* --firewall: enum fw_kind (common/fw_rules.h) */
    const char *user;       /* -u: drop to this user; NULL = "nobody" when root */
};

struct engine_stats {
    uint64_t packets_sent, packets_received, targets_done, rsts_unknown;
    /* Limits hit (reported at the end): unknown flows the full RST table forgot before their
     * time, and RSTs for unknown segments not sent because the queue held enough of them. */
    uint64_t rst_flows_evicted, rsts_dropped;
    int signal; /* SIGINT/SIGTERM that stopped the run early; 0 = ran to the end */
};

/* Run until every target is done (or SIGINT/SIGTERM: stats->signal says which). 0 or a
 * negative error, with a message on stderr. */
int engine_run(const struct engine_config *cfg, target_source_fn source, void *source_ctx,
               struct engine_stats *stats);

#endif
