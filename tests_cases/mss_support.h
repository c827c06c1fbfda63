/* The machine shared by the MSS tests (the original tcpreq's MSSSupportTest and its
 * subclasses LateOptionTest and MultiMSSTest, and MissingMSSTest, "conceptually the same"):
 * open a connection whose SYN carries some MSS options (or none), send one application
 * request, and watch that no segment the target sends is larger than the MSS it was told
 * (or, without an option, the RFC 9293 default).
 *
 * Stages as the original: the traced SYN and plain retry (syn_probe, with a control SYN
 * where the SYN carries MSS options); the ACK; the probe's quotes decide whether the path
 * changed the MSS options before the SYN-ACK's size is held against the host; then the
 * request and the target's reply, reassembled so retransmissions are told apart from new
 * data (testcase/connection.h), acknowledged so the whole reply comes, until the target's FIN,
 * its silence, or a segment too large. What is too large is src/tcp/mss_rule.h's rule,
 * which `tcpreq analyze` applies too. A target that sends no data at all did not exercise
 * the MSS: UNK, never PASS. */
#ifndef TCPREQ_MSS_SUPPORT_H
#define TCPREQ_MSS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alp/alp.h"
#include "testcase/connection.h"
#include "testcase/syn_probe.h"
#include "testcase/tc.h"
#include "tracebox/ttl_code.h"

/* The MSS every MSS-carrying case tells the target (its last MSS option): the original's
 * 515. CVE-2019-11477/78/79 made Linux refuse MSS values much below 500. */
#define MSS_TESTED 515
/* Request size asked of the ALP by the MSS-carrying cases (the original's 400). */
#define MSS_REQ_HINT 400
/* Where the TTL of the burst goes: never the window (fixed at 0xffff as the original) nor
 * the options under test. MissingMSSTest has no options under test: the NOOP run too. */
#define MSS_TTL_FIELDS (TTL_ENC_IPID | TTL_ENC_ACK | TTL_ENC_URG)
#define MSS_MISSING_TTL_FIELDS (MSS_TTL_FIELDS | TTL_ENC_OPTS)
/* Request segments at most: a TLS ClientHello in MSS_REQ_HINT pieces fits. */
#define MSS_REQ_SEGS_MAX 8
/* ACKs sent for the target's data at most; beyond, the target's reply is still watched. */
#define MSS_ACK_CAP 64
/* The traced SYN, the retry, the control SYN, resets of wrong or control replies, the ACK,
 * the request and its one resend, the ACKs of the reply and the final reset. */
#define MSS_PACKET_BUDGET (HOP_LIMIT + 7 + 2 * MSS_REQ_SEGS_MAX + MSS_ACK_CAP)
#define MSS_DEADLINE (300 * TC_SEC)
#define MSS_STAGE 1
/* The aligned control's stage, and the packets it may add: its SYN, ACK, request, the ACKs
 * of the reply and its close. */
#define MSS_STAGE_CONTROL 2
#define MSS_CONTROL_BUDGET (3 + 2 * MSS_REQ_SEGS_MAX + MSS_ACK_CAP)

struct mss_params {
    const uint16_t *syn_mss; /* MSS options of the SYN, in order */
    size_t n_syn_mss;
    unsigned syn_nops_before; /* NOPs before the MSS options (misaligning them); 0 = none */
    /* A segment too large is held against the NOPs only if the host honours the same MSS
     * options without them: a second, plain connection (the aligned control) asks. */
    bool aligned_control;
    uint16_t late_mss; /* MSS option on the request after the handshake; 0 = none */
    /* Appended to the reason of a failed handshake ("... with MSS option"). */
    const char *failure_suffix;
    size_t req_hint; /* ALP request length hint; 0 = the limit less 20 */
};

enum mss_phase {
    MSS_HANDSHAKE,    /* the traced SYN, its retry, the control */
    MSS_QUOTES,       /* ACK sent: the probe's quotes still in flight */
    MSS_OBSERVE,      /* request sent: the target's reply is watched */
    MSS_CONTROL_WAIT, /* too large: the aligned control's SYN waits for the close to leave */
};

struct mss_state {
    enum mss_phase phase;
    struct syn_probe probe;
    struct tc_conn conn;
    uint16_t mss;     /* the limit (mss_rule.h) */
    bool too_large;   /* a segment over the limit arrived before the path check */
    bool peer_closed; /* the target reset or closed the connection before our request */
    const struct alp *alp;
    struct alp_session *alp_sess;
    size_t pushed; /* in-order reply bytes handed to the ALP */
    bool got_data; /* the target sent payload: the MSS was exercised */
    /* The request as sent (heap, freed by mss_cleanup), for its one resend: from req_seq,
     * in pieces of req_piece bytes, the first with the late MSS option if any. */
    uint8_t *req;
    size_t req_len, req_piece;
    uint32_t req_seq;
    bool req_resent; /* silence with the request unacknowledged: sent once more */
    bool app_waited; /* silence with the request acknowledged: waited once more */
    unsigned acks_sent;
    tc_time observe_until; /* the reply is watched no longer than this */
    bool control_run;      /* the aligned control's connection is under way */
};

/* The middlebox check of the cases whose SYN carries MSS options (its fields: the probe's
 * TTL code). */
#define MSS_OPTIONS_MBOX                                                                           \
    {                                                                                              \
        .fields = MSS_TTL_FIELDS, .diff = mss_options_diff, .info = "MSS modified or deleted",     \
        .stage = MSS_STAGE                                                                         \
    }

/* Callbacks for a test_case whose params is a struct mss_params, whose state_size is
 * sizeof(struct mss_state) and whose mbox check is the options' (e.g. MSS_OPTIONS_MBOX). */
void mss_start(struct tc *t, tc_time now);
void mss_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now);
void mss_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now);
void mss_on_timer(struct tc *t, tc_time now);
void mss_cleanup(struct tc *t);

/* The options of the case's SYN: its NOPs, then its MSS options in order. */
void mss_syn_options(const struct mss_params *par, struct tcp_opts *opts);

/* The original MSS tests' quote check: the MSS options of the quoted SYN must be exactly
 * those sent, in order; other kinds may come and go. ctx: the instance. */
bool mss_options_diff(const struct icmp_quote *q, const void *ctx, char *exp, size_t exp_cap,
                      char *seen, size_t seen_cap);

#endif
