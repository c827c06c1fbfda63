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
#include "tracebox/path.h"

/* Monotonic time in microseconds. */
typedef uint64_t tc_time;
#define TC_MSEC ((tc_time)1000)
#define TC_SEC ((tc_time)1000000)

enum tc_status { TC_PASS = 0, TC_UNK, TC_FAIL, TC_ERR };
const char *tc_status_name(enum tc_status s);

/* How long the waits that remain are. Absence of a reply and quotes still in flight are
 * waited for rtt_mult RTTs, clamped to [floor, ceil]; with no RTT yet, syn_timeout. */
struct tc_timing {
    tc_time floor;       /* shortest RTT-derived wait */
    tc_time ceil;        /* longest RTT-derived wait */
    unsigned rtt_mult;   /* RTTs to wait for in-flight packets (quotes, late replies) */
    tc_time syn_timeout; /* first SYN's reply timeout when no RTT is known */
    unsigned syn_tries;  /* SYN attempts before giving up (LivenessTest) */
    /* Time a peer needs to show that it ignored us by retransmitting (its initial RTO:
     * RFC 6298 (2.1) says 1 s, older stacks use RFC 1122's 3 s) */
    tc_time retrans_wait;
    bool original; /* reproduce the Python tcpreq's fixed 5/10/20/30/60 s waits */
};
/* Defaults used when the CLI sets nothing. */
extern const struct tc_timing tc_timing_default;
extern const struct tc_timing tc_timing_original;

/* An ISN the target sent in one of its earlier tests of this run (testcase/isn_history.h). */
struct tc_prior_isn {
    tc_time at; /* when its SYN-ACK arrived */
    uint32_t isn;
    /* Which of the target's tests (0 = its first): each one is a 4-tuple of its own. */
    uint32_t test;
};

/* What a test instance knows about its flow. */
struct tc_env {
    struct ip_addr src, dst;
    uint16_t sport, dport;
    tc_time rtt_hint; /* RTT measured in an earlier round for this target, 0 = unknown */
    const struct tc_timing *timing;
    uint64_t seed; /* seeds tc_random32 (ISNs): deterministic in unit tests */
    /* Host name from the input (HTTP Host, TLS SNI); NULL = none. Outlives the instance. */
    const char *host;
    /* What earlier tests learned about the path to this target (tracebox/path.h). */
    struct path_info path;
    /* --trace-burst full: every traced probe goes out with TTL 1..HOP_LIMIT back to back, as
     * the original tcpreq sent it (the host then sees up to HOP_LIMIT copies). */
    bool trace_full;
    /* For a case with uses_prior_isns: the target's ISNs from its earlier tests, oldest first,
     * each SYN-ACK once (NULL, 0 for other cases). Outlives the instance. */
    const struct tc_prior_isn *prior_isns;
    size_t n_prior_isns;
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
    tc_time delay;   /* leave this long after the event that queued it (paced bursts) */
    unsigned faults; /* enum tcp_fault (tcp/fault.h): what it carries wrong on purpose */
    uint8_t data[IP_PACKET_MAX];
};

#define TC_MAX_QUOTES 64
#define TC_MAX_OUT 64
/* The TTL-limited copies of a traced probe leave this far apart, never back to back: each
 * is one more ICMP message for a router's rate limit, and a burst is what SYN-flood and
 * challenge-ACK defences count. */
#define TC_BURST_GAP (1 * TC_MSEC)
/* The longest per-connection ACK throttle a host is expected to apply (RFC 5961 7): Linux's
 * tcp_invalid_ratelimit (500 ms), which it counts in jiffies, plus two jiffies at the
 * coarsest clock (HZ=100), so a segment this long after the host's last throttled ACK is
 * never counted against it. Linux counts challenge ACKs and its answers to out-of-window
 * segments and to ACKs of unsent data against the same limit. */
#define TC_ACK_THROTTLE (520 * TC_MSEC)
/* A probe asking about the fate of a segment leaves this long after it, so that it cannot
 * overtake it (two back-to-back packets may swap on a path with parallel links). */
#define TC_ORDER_GAP (2 * TC_MSEC)
/* SYNs whose ISN is recorded per instance: a peer that keeps sending SYN-ACKs (a storm) must
 * not grow an instance without bound. */
#define TC_MAX_ISNS 64
#define TC_MALFORMED_TEXT 96

/* What an instance dropped: beyond its bounds (quotes, ISNs), and what it would not believe:
 * segments of its flow that do not parse (RFC 9293 3.1: not acted on), ICMP quotes of
 * segments it never sent (their seq is outside what it sent: another flow's probe with a
 * forged 4-tuple), with the path known, time exceeded quotes of segments other than the
 * traced probe (sent with a full TTL, no router before the host sees them expire). The
 * engine adds them up for its report; a verdict other than PASS names the ignored segments
 * and quotes, so a hostile peer's garbage is visible in the result. */
struct tc_ignored {
    unsigned malformed, foreign_quotes, full_ttl_quotes, quotes_over, isns_over;
    char first_malformed[TC_MALFORMED_TEXT]; /* why the first malformed segment failed */
};
/* Sequence ranges of what an instance sent, for telling its quotes from forged ones: one
 * per connection (segments this close to a range extend it), a few connections at most. */
#define TC_SENT_RANGES 8
struct tc_sent_range {
    uint32_t lo, hi; /* lowest seq, highest seq + length */
};

struct test_case;
struct tc_conn;
struct tc;

/* A connection the framework opens for a case before it starts (testcase/connection.h):
 * for cases whose handshake is not under test. */
struct tc_open_spec {
    uint16_t window;   /* the window we offer */
    size_t rx_keep;    /* bytes of the peer's data kept (for an ALP); 0 = none */
    int stage;         /* stage of a failed opening's verdict */
    uint8_t syn_flags; /* flags the SYN carries besides SYN (ECE|CWR: ECN setup); 0 = none */
    /* Make sure the handshake's ACK was taken before on_open (the state probe): for a case
     * whose verdict would be wrong if its first segment met the connection still in
     * SYN-RECEIVED (our ACK lost on the way), e.g. a RST that resets there but not in
     * ESTABLISHED. */
    bool confirm;
    /* RFC 7323 3.2: the SYN offers the Timestamps option; once the SYN-ACK carries it too,
     * every segment of the connection does (testcase/connection.h). */
    bool timestamps;
    /* Optional: options (none under test: a failed opening is UNK) and window of the SYN. */
    void (*prepare_syn)(const struct tc *t, struct tcp_seg *syn);
};

/* What a case's middlebox check looks at (the original's _detect_mboxes arguments). A case
 * declares it in its test_case; the framework then calls diff with the instance (a const
 * struct tc *) as ctx. */
struct mbox_check {
    unsigned fields;    /* TTL_ENC_* the probes carried */
    quote_diff_fn diff; /* does a quote differ in what the test depends on? NULL: path only */
    const void *ctx;    /* for tc_conclude_with / tc_check_mboxes callers; declared: unused */
    const char *info;   /* "(...)" part of the reason */
    int stage;          /* stage of the UNK verdict */
};

/* The test's traced probe (tc_send_probe) and what its quotes showed so far. */
struct tc_traced {
    bool sent;
    unsigned fields; /* TTL_ENC_* of its copies */
    unsigned copies; /* TTL-limited copies, with TTL 1..copies */
    uint32_t seq;    /* the probe's sequence number: what its quotes carry */
    tc_time sent_at; /* event time the probe was queued (its last copy leaves later) */
    /* With path knowledge (tracebox/path.h): the hops among 1..copies known to quote this
     * target's probes, and those that quoted this one. Without, the quotes are waited for. */
    bool path_known;
    uint32_t expected, quoted; /* bit h = hop h */
};

/* A verdict held until the traced probe's quotes are in (tc_conclude). */
struct tc_pending {
    bool active;
    enum tc_status status;
    int stage;
    bool by_silence; /* the verdict rests on the host not answering the probe */
    bool has_check;
    struct mbox_check check;
    char reason[256];
    json_t *custom; /* the case's custom for the verdict (owned), or NULL */
};

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
    tc_time rtt;              /* latest handshake RTT measured by this instance, 0 = none */
    unsigned ttl_fields;      /* TTL_ENC_* of the traced probes sent (for the path at finish) */
    bool path_done;           /* path already computed by tc_check_mboxes */
    size_t path_clear_quotes; /* quotes the declared check last found clean (+1; 0 = never) */
    unsigned packets_sent;
    uint64_t rng;
    tc_time started_at;
    struct evidence_log evidence; /* segments exchanged, for --explain */
    /* IP TTL / hop limit (0 = unknown) and TOS / traffic class of the segment being
     * delivered. */
    uint8_t rx_ttl, rx_tos;
    /* The TCP header of the segment being delivered, options included (NULL outside
     * on_segment and on_bad_checksum): tc_rx_options. */
    const uint8_t *rx_hdr;
    size_t rx_hdr_len;
    /* TOS / traffic class of what the case sends (DSCP and ECN; tc_set_tos). */
    uint8_t tx_tos;
    /* What this instance learned about the path (quoting hops, host distance); the engine
     * merges it into what it knows of the target. */
    struct path_info learned;
    struct tc_traced traced;
    struct tc_pending pending;
    struct tc_conn *conn; /* the connection the framework opens for the case (on_open), or NULL */
    unsigned confirming;  /* open.confirm: state probes out before on_open (0 = not asking) */
    bool confirm_hold;    /* confirmed by an ACK: on_open waits out the host's ACK throttle */
    struct tc_ignored ignored;
    /* The sequence space sent, connection by connection (quote_is_ours); more connections
     * than TC_SENT_RANGES and every quote counts as ours. */
    struct tc_sent_range sent[TC_SENT_RANGES];
    unsigned n_sent;
    bool sent_overflow;
};

/* The requirement a test case checks, in any RFC. */
struct tc_requirement {
    const char *rfc;  /* "RFC 9293", "RFC 5961", ... */
    const char *id;   /* the requirement's id in its RFC: RFC 9293's "MUST-4" (Appendix B),
                         else the section, e.g. "3.2" */
    const char *text; /* the requirement in one line */
};

/* The registry entry of a test case (one per tests_cases/<name>.c). */
struct test_case {
    const char *name; /* the original tcpreq's class name, e.g. "LivenessTest" */
    struct tc_requirement req;
    const char *checks;     /* what the test sends and expects, in one line (--list-tests) */
    bool default_on;        /* part of the default test selection */
    bool needs_alp;         /* sends an application-layer payload (alp/) */
    unsigned packet_budget; /* most packets one instance may send */
    /* Gets the target's ISNs from its earlier tests in env.prior_isns (IsnTest): the engine
     * keeps them only for a selection that has such a case. */
    bool uses_prior_isns;
    tc_time deadline; /* engine aborts the instance with ERR after this long */
    size_t state_size;
    /* The middlebox check of its traced probe (path first, then verdict: tc_conclude,
     * tc_check_path); diff gets the instance as ctx. All zero: the case traces nothing. */
    struct mbox_check mbox;
    /* Case-specific constants, for cases sharing one machine (ZeroChecksumTest is
     * IncorrectChecksumTest with a zero checksum); NULL if unused. */
    const void *params;
    /* A case whose handshake is not under test declares on_open: the framework opens a
     * connection (a plain SYN, the SYN-ACK acknowledged; tc_connection gives it) and calls
     * on_open once it is established; a failed opening finishes the test with the
     * handshake's verdict at open.stage. start is then optional. */
    struct tc_open_spec open;
    void (*on_open)(struct tc *t, tc_time now);
    /* Callbacks. start (unless on_open) and on_timer are required; on_segment gets only well-formed
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

/* The engine's view of an instance: after every call into it, what to send, when to call
 * again, whether it is done. The engine reads an instance only through these. */
size_t tc_out_count(const struct tc *t);
const struct tc_packet *tc_out_packet(const struct tc *t, size_t i);
tc_time tc_timer(const struct tc *t); /* 0 = none armed */
bool tc_is_done(const struct tc *t);
enum tc_status tc_verdict(const struct tc *t);
const struct test_case *tc_kind(const struct tc *t);
const struct tc_env *tc_env_of(const struct tc *t);
tc_time tc_measured_rtt(const struct tc *t); /* 0 = none */
const struct path_info *tc_path_learned(const struct tc *t);

/* The options area of the segment being delivered (in on_segment or on_bad_checksum), as
 * it arrived: the header bytes after the fixed 20, padding included, which the parsed
 * options (tcp_seg.opts stop at EOL) do not show; *len 0 for a header without options.
 * NULL outside a delivery. For rules about the header's own bytes (MUST-69's padding). */
const uint8_t *tc_rx_options(const struct tc *t, size_t *len);

/* The connection the framework opened for the case (on_open), NULL for other cases. */
struct tc_conn *tc_connection(struct tc *t);

/* Lifecycle, used by the engine and by unit tests. */
int tc_create(struct tc *t, const struct test_case *kind, const struct tc_env *env);
void tc_destroy(struct tc *t);
void tc_start(struct tc *t, tc_time now);
/* Hand over a received TCP packet payload (the bytes after the IP header) from env.dst, and
 * the IP TTL / hop limit and TOS / traffic class it arrived with (ttl 0 = unknown). Malformed
 * segments are dropped here (the original tcpreq did the same); bad-checksum ones too, unless the
 * case has on_bad_checksum. */
void tc_deliver_segment(struct tc *t, const uint8_t *l4, size_t len, unsigned ttl, uint8_t tos,
                        tc_time now);
void tc_deliver_quote(struct tc *t, const struct icmp_quote *q, tc_time now);
/* Call when now >= t->timer_at; clears the timer before calling the case. */
void tc_fire_timer(struct tc *t, tc_time now);
/* Engine enforcing the per-test deadline or a shutdown. */
void tc_abort(struct tc *t, const char *reason, tc_time now);
/* Engine: forget the queued packets once sent. */
void tc_clear_out(struct tc *t);

/* Actions, used by test cases. */
/* The IPv4 TOS / IPv6 traffic class of the packets queued from now on (DSCP and ECN bits,
 * RFC 3168 5; 0 by default). */
void tc_set_tos(struct tc *t, uint8_t tos);
/* Queue seg to the target with TTL/hop limit ttl (0 = default) and IPv4 ID ip_id. */
void tc_send(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id);
/* The same, leaving delay after the current event (a discriminating probe that must not
 * overtake the segment it follows). */
void tc_send_after(struct tc *t, const struct tcp_seg *seg, unsigned ttl, uint16_t ip_id,
                   tc_time delay);
/* A copy of a traced probe, before it is queued (e.g. to give it a wrong checksum). */
typedef void (*tc_probe_touch_fn)(struct tc *t, struct tcp_seg *copy, void *ctx);
/* The test's traced probe (tracebox): seg with the TTL encoded into fields. With path
 * knowledge, one copy with a full TTL (HOP_LIMIT) for the host, then one copy for each hop
 * 1..path_trace_limit() for the quotes, TC_BURST_GAP apart: the host sees the probe once.
 * Without (or with env.trace_full), the original's burst: TTL 1..HOP_LIMIT back to back.
 * touch (may be NULL) sees every copy. Sets t->traced; one traced probe per test. */
void tc_send_probe(struct tc *t, const struct tcp_seg *seg, unsigned fields,
                   tc_probe_touch_fn touch, void *ctx);
/* The traced probe's quotes: all in (every hop known to quote has quoted, or the in-flight
 * wait since the probe's last copy is over), and the time that wait ends. */
bool tc_probe_quotes_in(const struct tc *t, tc_time now);
tc_time tc_probe_quotes_at(const struct tc *t);
/* Tracebox probe: a copy of seg with the TTL encoded into the given TTL_ENC_* fields, sent
 * with that TTL (the IP ID carries the code when TTL_ENC_IPID is set). */
void tc_send_traced(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields);
/* The first half of tc_send_traced for a case that must touch the encoded probe before
 * sending it with tc_send(t, out, ttl, *ip_id) (e.g. to give it a wrong checksum): *out is
 * seg with the TTL encoded, and the fields are remembered for the path. False (and the test
 * finished with ERR) if the TTL cannot be encoded. */
bool tc_encode_traced(struct tc *t, const struct tcp_seg *seg, unsigned ttl, unsigned fields,
                      struct tcp_seg *out, uint16_t *ip_id);
/* Wake the case at at (replacing any earlier wake-up); ignored once the instance finished. */
void tc_set_timer(struct tc *t, tc_time at);
void tc_cancel_timer(struct tc *t);
/* Finish with a result; reason may be NULL, stage -1 for none, custom (owned) may be NULL.
 * Also records the path (from the quotes, if the case did not run mbox detection). */
void tc_finish(struct tc *t, enum tc_status st, int stage, const char *reason, json_t *custom,
               tc_time now);
/* Path first, then verdict. The case's verdict is known (by_silence: it rests on the host
 * not answering the traced probe); once the probe's quotes are in (at once if they are),
 * finish with: UNK "Middlebox interference detected at or before hop N (info)" when a quote
 * shows the path changed what the test depends on (the case's declared mbox check); else,
 * for a verdict by silence, UNK "... (probe dropped)" when a hop known to quote this
 * target's probes stayed silent for this one beyond the last that quoted it (the path lost
 * it, not the host); else the verdict. Until then the case gets no more events. */
void tc_conclude(struct tc *t, enum tc_status st, int stage, const char *reason, bool by_silence,
                 tc_time now);
/* tc_conclude with the case's custom (owned; may be NULL): the verdict's custom. An UNK for
 * the path keeps its diff and gains the case's other keys (what the host did is still worth
 * reporting when the path is to blame). */
void tc_conclude_custom(struct tc *t, enum tc_status st, int stage, const char *reason,
                        json_t *custom, bool by_silence, tc_time now);
/* The same with an explicit check (mc may be NULL: no check). */
void tc_conclude_with(struct tc *t, const struct mbox_check *mc, enum tc_status st, int stage,
                      const char *reason, bool by_silence, tc_time now);
/* Whether the quotes in so far show the path changed what the test depends on (the case's
 * declared check). Finishes nothing: the case closes what it opened, then tc_conclude gives
 * the UNK. A check that found nothing is not run again until another quote arrives, and
 * tc_conclude does not repeat it. */
bool tc_path_changed(struct tc *t);

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
/* The RTT: measured by this instance, else an earlier one's, else the shortest wait. */
tc_time tc_rtt_estimate(const struct tc *t);
/* The same for a given RTT sample (e.g. one the case measured outside a handshake). */
tc_time tc_wait_inflight_for(const struct tc *t, tc_time rtt, tc_time original_wait);
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
/* Send that reset (never for a RST: a RST is not answered, RFC 9293 3.10.7). */
void tc_send_reset(struct tc *t, const struct tcp_seg *rcvd);

/* Handshake classification after sending a SYN with sequence number sent_seq
 * (the original's _synchronize). */
enum tc_handshake {
    TC_HS_SYNACK = 0, /* SYN-ACK acknowledging our SYN */
    TC_HS_RST,        /* RST acknowledging our SYN: UNK "RST in reply to SYN during handshake" */
    TC_HS_NOT_SYNACK, /* FAIL "Non-SYN-ACK in reply to SYN during handshake" */
    TC_HS_WRONG_ACK   /* FAIL "Wrong SEQ acked in reply to SYN during handshake" */
};
enum tc_handshake tc_handshake_classify(const struct tcp_seg *seg, uint32_t sent_seq);
const char *tc_handshake_reason(enum tc_handshake hs);
#define TC_REASON_HS_TIMEOUT "Timeout during handshake"
/* An allocation failed: the result is ERR (status of the prober, not the host). */
#define TC_REASON_NO_MEMORY "Out of memory"

#endif
