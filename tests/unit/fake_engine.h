/* A fake engine for unit tests: drives a test-case instance with synthetic segments and
 * a clock moved by hand, and inspects the actions it queued.
 *
 * Like the real engine it drains the action queue before every event, so after each
 * fe_start / fe_deliver* / fe_fire the instance's t.out holds exactly the packets that
 * event produced. Every packet ever queued is also kept in a log (fe_sent), so quotes can
 * be built from probes sent several events earlier. */
#ifndef TCPREQ_FAKE_ENGINE_H
#define TCPREQ_FAKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testcase/tc.h"

/* The prober 198.18.1.2:50000 / [fd00:7463:1::2]:50000, the target 198.18.3.2:80 /
 * [fd00:7463:3::2]:80 (the lab's addresses). */
#define FE_SPORT 50000
#define FE_DPORT 80
#define FE_SEED 0x7463707265710001ull
/* The fake clock starts here: 0 means "no timer" to a tc, so never start at 0. */
#define FE_T0 (1000 * TC_SEC)

enum fe_family { FE_V4 = 4, FE_V6 = 6 };

struct fe {
    struct tc t;
    tc_time now;
    unsigned rx_ttl; /* IP TTL of the segments delivered (0 = unknown, the default) */
    uint8_t rx_tos;  /* their TOS / traffic class (0 by default) */
    struct tc_packet *log; /* every packet queued so far, in order */
    size_t n_log, cap_log;
};

/* A queued packet taken apart. seg.payload points into the tc's queue. */
struct fe_pkt {
    struct ip_view ip; /* src, dst, ttl, ip_id (v4) */
    struct tcp_seg seg;
    char opts_hex[2 * TCP_OPTS_MAX_BYTES + 1]; /* raw option bytes incl. padding, hex */
};

/* Create an instance of the case registered under name (or of kind) with a fixed seed;
 * the clock is set to FE_T0. Set f->t.env.rtt_hint before fe_start if needed. */
void fe_init(struct fe *f, const char *case_name, enum fe_family fam,
             const struct tc_timing *timing);
void fe_init_kind(struct fe *f, const struct test_case *kind, enum fe_family fam,
                  const struct tc_timing *timing);
void fe_free(struct fe *f);

/* Events. Each drains the queue first (the packets stay in the log). */
void fe_start(struct fe *f);
/* Advance the clock by dt without an event. */
void fe_advance(struct fe *f, tc_time dt);
/* Time left until the armed timer (asserts one is armed). */
tc_time fe_timer_in(const struct fe *f);
/* Move the clock to the armed timer (asserts one is armed) and fire it; returns the time
 * the clock moved. */
tc_time fe_fire(struct fe *f);
/* Deliver raw TCP bytes from the target at the current time. */
void fe_deliver_bytes(struct fe *f, const uint8_t *l4, size_t len);
/* Build seg as a packet target -> prober and deliver its TCP bytes; with bad_csum the
 * checksum is off by one. */
void fe_deliver_seg(struct fe *f, const struct tcp_seg *seg, bool bad_csum);
/* Shorthand: a segment from the target with these flags/numbers, window 65535. */
void fe_deliver(struct fe *f, uint8_t flags, uint32_t seq, uint32_t ack);
void fe_deliver_quote(struct fe *f, const struct icmp_quote *q);

/* A segment from the target (ports 80 -> 50000), everything else zero. */
void fe_target_seg(struct tcp_seg *seg, uint8_t flags, uint32_t seq, uint32_t ack);
/* Encode seg as a packet target -> prober; *l4 points at its TCP bytes inside pkt. */
void fe_build_target(const struct fe *f, const struct tcp_seg *seg, bool bad_csum,
                     struct tc_packet *pkt, const uint8_t **l4, size_t *l4_len);

/* Inspecting actions. */
size_t fe_n_out(const struct fe *f);
/* Parse t.out[i] (asserts: a valid TCP packet prober -> target with a good checksum). */
void fe_pkt(const struct fe *f, size_t i, struct fe_pkt *p);
/* The k-th packet queued since creation. */
const struct tc_packet *fe_sent(const struct fe *f, size_t k);
size_t fe_n_sent(const struct fe *f);
/* Assert the TCP header fields of t.out[i] and its TTL / IP ID (v6: ip_id must be 0). */
void fe_expect_pkt(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                   uint16_t window, unsigned ttl, uint16_t ip_id);
/* Same for a plain packet: default TTL, IP ID 0, no options, no payload. */
void fe_expect_plain(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                     uint16_t window);
/* The result: done, status, stage, reason; custom_json NULL = no custom, else its compact
 * sorted JSON text. */
void fe_expect_result(const struct fe *f, enum tc_status st, int stage, const char *reason,
                      const char *custom_json);
/* Path entry i is (hop, router). */
void fe_expect_hop(const struct fe *f, size_t i, unsigned hop, const char *router);

/* A time-exceeded quote of a sent packet, as icmp_parse_time_exceeded would give it: the
 * TCP bytes (first QUOTE_MAX), the quoted addresses and ports, hop_guess from the IP ID
 * (v4; 0 for v6). router is a textual address. Modify q->quote / q->quote_len after. */
void fe_make_quote(const struct tc_packet *sent, const char *router, struct icmp_quote *q);

/* Path knowledge as the target's first LivenessTest would have learned it (tracebox/path.h):
 * the host at hop host_hop (from the discovery's RSTs), hops in quoting (bit h = hop h) known
 * to quote. Call before fe_start: the case then sends path-aware probes. */
void fe_set_path(struct fe *f, unsigned host_hop, uint32_t quoting);
/* The lab's path: the host at hop 3, hops 1 and 2 quoting. */
void fe_set_lab_path(struct fe *f);
/* The path-aware traced probe just queued (tc_send_probe with path knowledge), starting at
 * t.out[first]: one copy with TTL HOP_LIMIT leaving at once, then copies with TTL
 * 1..copies, copy k leaving k * TC_BURST_GAP later, each with the code of its TTL in
 * fields (TTL_ENC_*) and otherwise flags, the option bytes opts_hex (NULL: not checked) and
 * no payload. Returns the common sequence number. */
uint32_t fe_expect_probe(const struct fe *f, size_t first, unsigned copies, unsigned fields,
                         uint8_t flags, const char *opts_hex);

/* The traced SYN burst (syn_probe) just queued: HOP_LIMIT SYNs, the one with TTL t
 * carrying the code of t in ACK (twice), window, urgent pointer and, for IPv4, the IP ID
 * (TTL_ENC_IPID | ACK | WIN | URG); the option bytes (incl. padding) are opts_hex in every
 * probe, no payload. Returns their common sequence number. */
uint32_t fe_expect_burst(const struct fe *f, const char *opts_hex);
/* The lab router at hop 1..3 for the family (198.18.1.1, 198.18.2.2, 198.18.3.1 /
 * fd00:7463:N::1). */
const char *fe_router(enum fe_family fam, unsigned hop);
/* Deliver the quote, from fe_router(hop ttl), of the first packet sent with TTL ttl (a
 * burst's or a traced probe's copy); with opts, its first n option bytes replaced by opts. */
void fe_deliver_burst_quote(struct fe *f, unsigned ttl, const void *opts, size_t n);
/* The same with the options stripped: data offset 5, quote ends after the header. */
void fe_deliver_burst_quote_stripped(struct fe *f, unsigned ttl);
/* The path is hops 1..n, each answered by fe_router(hop). */
void fe_expect_lab_path(const struct fe *f, size_t n);

/* Address helper (asserts it parses). */
struct ip_addr fe_addr(const char *text);

#endif
