/* The test-case interface: every RFC 9293 requirement test is a sans-I/O state machine.
 * It never touches a socket, a capture handle or a clock: the engine (or a unit test acting
 * as a fake engine) hands it events with the current monotonic time, and it answers by
 * queueing actions on its struct tc: packets to send, one timer deadline, collected ISNs,
 * and finally a result. */
#ifndef TCPREQ_TC_H
#define TCPREQ_TC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "tcp/segment.h"
#include "testcase/evidence.h"
#include "tracebox/icmp.h"
#include "tracebox/mbox.h"

/* Monotonic time in microseconds. */
typedef uint64_t tc_time;
#define TC_MSEC ((tc_time)1000)
#define TC_SEC ((tc_time)1000000)

enum tc_status { TC_PASS = 0, TC_UNK, TC_FAIL, TC_ERR };
const char *tc_status_name(enum tc_status s);

/* How long the waits that remain are. Absence of a reply and quotes still in flight are
 * waited for rtt_mult RTTs, clamped to [floor, ceil]; with no RTT yet, syn_timeout. */
struct tc_timing {
    tc_time floor;        /* shortest RTT-derived wait */
    tc_time ceil;         /* longest RTT-derived wait */
    unsigned rtt_mult;    /* RTTs to wait for in-flight packets (quotes, late replies) */
    tc_time syn_timeout;  /* first SYN's reply timeout when no RTT is known */
    unsigned syn_tries;   /* SYN attempts before giving up (LivenessTest) */
    /* Time a peer needs to show that it ignored us by retransmitting (its initial RTO:
     * RFC 6298 (2.1) says 1 s, older stacks use RFC 1122's 3 s) */
    tc_time retrans_wait;
    bool original;        /* reproduce the Python tcpreq's fixed 5/10/20/30/60 s waits */
};
/* Defaults used when the CLI sets nothing. */
extern const struct tc_timing tc_timing_default;
extern const struct tc_timing tc_timing_original;

/* What a test instance knows about its flow. */
struct tc_env {
    struct ip_addr src, dst;
    uint16_t sport, dport;
    tc_time rtt_hint;  /* RTT measured in an earlier round for this target, 0 = unknown */
    const struct tc_timing *timing;
    uint64_t seed;     /* seeds tc_random32 (ISNs): deterministic in unit tests */
    /* Host name from the input (HTTP Host, TLS SNI); NULL = none. Outlives the instance. */
    const char *host;
};

struct tc_result {
    enum tc_status status;
    int stage;        /* -1 = none (JSON null) */
    char reason[256]; /* empty = none (JSON null) */
    json_t *custom;   /* owned; NULL = none (JSON null) */
};

struct tc_isn {
    tc_time at;
    uint32_t isn;
};

/* A packet queued for sending: a complete IPv4/IPv6 packet. */
struct tc_packet {
    size_t len;
    uint8_t data[IP_PACKET_MAX];
};

#define TC_MAX_QUOTES 64
#define TC_MAX_OUT 64
/* SYNs whose ISN is recorded per instance: a peer that keeps sending SYN-ACKs (a storm) must
 * not grow an instance without bound. */
#define TC_MAX_ISNS 64
#define TC_MALFORMED_TEXT 96

/* What an instance dropped: beyond its bounds (quotes, ISNs), and what it would not believe:
 * segments of its flow that do not parse (RFC 9293 3.1: not acted on), ICMP quotes of
 * segments it never sent (their seq is outside what it sent: another flow's probe with a
 * forged 4-tuple). The engine adds them up for its report; a verdict other than PASS names
 * the ignored segments and quotes, so a hostile peer's garbage is visible in the result. */
struct tc_ignored {
    unsigned malformed, foreign_quotes, quotes_over, isns_over;
    char first_malformed[TC_MALFORMED_TEXT]; /* why the first malformed segment failed */
};

struct test_case;

struct tc {
    const struct test_case *kind;
    struct tc_env env;
    void *state; /* kind->state_size zeroed bytes for the case's own state */

    /* Actions, drained by the engine after every call into the case. */
    struct tc_packet *out;
    size_t n_out, cap_out;
    tc_time timer_at; /* 0 = no timer armed */
    bool done;
    struct tc_result result;
    tc_time done_at;
    /* Time of the event being handled: a finish from inside tc_send (budget exceeded)
     * happens at this time. */
    tc_time event_at;

    /* Collected evidence. */
    struct tc_isn *isns;
    size_t n_isns, cap_isns;
    /* Allocated as they arrive (at most TC_MAX_QUOTES): inline, they made every flow
     * 13 KB larger, most of it unused. */
    struct icmp_quote *quotes;
    size_t n_quotes, cap_quotes;
    struct path_hop path[PATH_MAX_HOPS];
    size_t path_len;
    tc_time rtt;      /* latest handshake RTT measured by this instance, 0 = none */
    unsigned ttl_fields; /* TTL_ENC_* of the traced probes sent (for the path at finish) */
    bool path_done;      /* path already computed by tc_check_mboxes */
    unsigned packets_sent;
    uint64_t rng;
    tc_time started_at;
    struct evidence_log evidence; /* segments exchanged, for --explain */
    struct tc_ignored ignored;
    bool snd_any;            /* a segment was sent: snd_lo..snd_hi is set */
    uint32_t snd_lo, snd_hi; /* the sequence space sent: lowest seq, highest seq + length */
};

/* The registry entry of a test case (one per tests_cases/<name>.c). */
struct test_case {
    const char *name;     /* the original tcpreq's class name, e.g. "LivenessTest" */
    const char *rfc_req;  /* RFC 9293 requirement id(s), e.g. "MUST-4" */
    const char *rfc_text; /* the requirement in one line */
    bool default_on;      /* part of the default test selection */
    bool needs_alp;       /* sends an application-layer payload (alp/) */
    unsigned packet_budget; /* most packets one instance may send */
    tc_time deadline;     /* engine aborts the instance with ERR after this long */
    size_t state_size;
    /* Case-specific constants, for cases sharing one machine (ZeroChecksumTest is
     * IncorrectChecksumTest with a zero checksum); NULL if unused. */
    const void *params;
    /* Callbacks. start and on_timer are required; on_segment gets only well-formed
     * segments with a valid checksum for this flow (ISNs of SYNs are already recorded);
     * on_quote is optional (quotes are stored in tc->quotes either way). */
    void (*start)(struct tc *t, tc_time now);
    void (*on_segment)(struct tc *t, const struct tcp_seg *seg, tc_time now);
    /* Optional: a segment for this flow that parses but fails its checksum (RFC 9293 3.1).
     * Without it such segments are dropped silently; no ISN is recorded either way, since
     * nothing in a corrupt segment can be trusted. Only the checksum tests want these: a
     * reply with a bad checksum is itself a finding there. */
    void (*on_bad_checksum)(struct tc *t, const struct tcp_seg *seg, tc_time now);
    void (*on_quote)(struct tc *t, const struct icmp_quote *q, tc_time now);
    void (*on_timer)(struct tc *t, tc_time now);
    /* Optional: release what the state owns beyond its own bytes (an ALP session, buffers).
     * Called by tc_destroy whether or not the case finished, so an instance the engine
     * aborts (deadline, shutdown) or that ran out of packet budget leaks nothing; must be
     * idempotent, as a case may release early itself. */
    void (*cleanup)(struct tc *t);
};

/* Lifecycle, used by the engine and by unit tests. */
int tc_create(struct tc *t, const struct test_case *kind, const struct tc_env *env);
void tc_destroy(struct tc *t);
void tc_start(struct tc *t, tc_time now);
/* Hand over a received TCP packet payload (the bytes after the IP header) from env.dst.
 * Malformed segments are dropped here (the original tcpreq did the same); bad-checksum ones
 * too, unless the case has on_bad_checksum. */
void tc_deliver_segment(struct tc *t, const uint8_t *l4, size_t len, tc_time now);
void tc_deliver_quote(struct tc *t, const struct icmp_quote *q, tc_time now);
/* Call when now >= t->timer_at; clears the timer before calling the case. */
void tc_fire_timer(struct tc *t, tc_time now);
/* Engine enforcing the per-test deadline or a shutdown. */
void tc_abort(struct tc *t, const char *reason, tc_time now);
/* Engine: forget the queued packets once sent. */
void tc_clear_out(struct tc *t);

/* Actions, used by test cases. */
/* Queue seg to the target with TTL/hop limit ttl (0 = default) and IPv4 ID ip_id. */
void tc_send(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id);
/* Tracebox probe: a copy of seg with the TTL encoded into the given TTL_ENC_* fields, sent
 * with that TTL (the IP ID carries the code when TTL_ENC_IPID is set). */
void tc_send_traced(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields);
/* The first half of tc_send_traced for a case that must touch the encoded probe before
 * sending it with tc_send(t, out, ttl, *ip_id) (e.g. to give it a wrong checksum): *out is
 * seg with the TTL encoded, and the fields are remembered for the path. False (and the test
 * finished with ERR) if the TTL cannot be encoded. */
bool tc_encode_traced(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields,
                      struct tcp_seg *out, uint16_t *ip_id);
void tc_set_timer(struct tc *t, tc_time at);
void tc_cancel_timer(struct tc *t);
/* Finish with a result; reason may be NULL, stage -1 for none, custom (owned) may be NULL.
 * Also records the path (from the quotes, if the case did not run mbox detection). */
void tc_finish(struct tc *t, enum tc_status st, int stage, const char *reason, json_t *custom,
               tc_time now);
/* Run middlebox detection over the collected quotes, set t->path and, if a change is
 * seen, finish UNK with "Middlebox interference detected ... (info)" and custom.diff
 * [expected, seen] at the given stage. Returns true if it finished the test. */
bool tc_check_mboxes(struct tc *t, unsigned fields, quote_diff_fn diff, const void *ctx,
                     const char *info, int stage, tc_time now);

/* For a case with its own middlebox ranking: decode the hops of the collected quotes
 * (fields: TTL_ENC_* of the probes) into t->quotes[i].hop and record the path from all of
 * them, sorted by hop, as tc_check_mboxes does when it detects nothing. tc_finish keeps it. */
void tc_record_path(struct tc *t, unsigned fields);

/* Helpers shared by cases. */
uint32_t tc_random32(struct tc *t);
/* The waits. Each returns original_wait (the Python tcpreq's fixed sleep) in --timing
 * original mode. */
/* Packets still in flight: rtt_mult * RTT clamped to [floor, ceil]; ceil if no RTT. */
tc_time tc_wait_inflight(const struct tc *t, tc_time original_wait);
/* Reply to a SYN: from the RTT if known (as above), else timing->syn_timeout. */
tc_time tc_wait_synack(const struct tc *t, tc_time original_wait);
/* Long enough for the peer to retransmit (its initial RTO) and for that to reach us. */
tc_time tc_wait_retrans(const struct tc *t, tc_time original_wait);
/* A segment from us to the target with ports filled in (everything else zero). */
void tc_seg_new(const struct tc *t, struct tcp_seg *seg);
/* Reply to a received segment (the original's make_reply): seq = their ACK, ack = their
 * seq + their segment length. */
void tc_seg_reply(const struct tc *t, const struct tcp_seg *rcvd, uint8_t flags, uint16_t window,
                  struct tcp_seg *out);
/* Reset for a received segment per RFC 9293 3.10.7.1 (the original's make_reset): with
 * ACK: <SEQ=SEG.ACK><CTL=RST>; without: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
void tc_seg_reset(const struct tc *t, const struct tcp_seg *rcvd, struct tcp_seg *out);

/* Handshake classification after sending a SYN with sequence number sent_seq
 * (the original's _synchronize). */
enum tc_handshake {
    TC_HS_SYNACK = 0,    /* SYN-ACK acknowledging our SYN */
    TC_HS_RST,           /* RST acknowledging our SYN: UNK "RST in reply to SYN during handshake" */
    TC_HS_NOT_SYNACK,    /* FAIL "Non-SYN-ACK in reply to SYN during handshake" */
    TC_HS_WRONG_ACK      /* FAIL "Wrong SEQ acked in reply to SYN during handshake" */
};
enum tc_handshake tc_handshake_classify(const struct tcp_seg *seg, uint32_t sent_seq);
const char *tc_handshake_reason(enum tc_handshake hs);
#define TC_REASON_HS_TIMEOUT "Timeout during handshake"

#endif
