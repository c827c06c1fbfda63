/* The engine: the one place with I/O. A libuv loop owns a libpcap capture, libnet raw
 * injection, the global token bucket, one timer per running test, and the demultiplexing of
 * captured segments by (local port, remote ip, remote port) and of ICMP quotes by the quoted
 * 4-tuple. Targets stream in from a source callback; finished targets stream out to sinks. */
#ifndef TCPREQ_ENGINE_H
#define TCPREQ_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/probe.h"
#include "common/target.h"
#include "scheduler/plan.h"
#include "testcase/tc.h"

struct engine_config {
    struct ip_addr src4, src6; /* family 0 = not bound */
    double rate;               /* packets per second for everything we send */
    const char *iface;         /* capture device; NULL = the one holding the -B address(es) */
    const struct tc_timing *timing;
    bool trace_full; /* --trace-burst full: the original's TTL 1..30 bursts (tc_env.trace_full) */
    const struct test_selection *selection;
    size_t max_inflight; /* targets being tested at once */
    /* Each finished target's record (a target fetched from source is the engine's until
     * then): the dataset, whatever writer main wired up (write NULL = none). */
    struct target_sink dataset;
    /* --explain: the single-host report; results carry their evidence until it is written
     * (write NULL = none). */
    struct target_sink report;
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
    /* What the tests dropped or ignored (struct tc_ignored, summed), and the most targets in
     * flight at once (bounded by --inflight). */
    uint64_t quotes_over, isns_over, ignored_malformed, ignored_foreign_quotes;
    uint64_t ignored_full_ttl_quotes;
    size_t peak_inflight;
    int signal; /* SIGINT/SIGTERM that stopped the run early; 0 = ran to the end */
};

/* Each -B address must be held by a local interface: from any other, tcpreq would send
 * packets whose answers never reach it (and would spoof the source). 0, or -1 with one
 * line on stderr naming the address. */
int engine_check_sources(const struct ip_addr *src4, const struct ip_addr *src6);

/* Run until every target is done (or SIGINT/SIGTERM: stats->signal says which). 0 or a
 * negative error, with a message on stderr. */
int engine_run(const struct engine_config *cfg, target_source_fn source, void *source_ctx,
               struct engine_stats *stats);

#endif
