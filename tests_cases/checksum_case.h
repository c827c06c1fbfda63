/* The machine shared by IncorrectChecksumTest and ZeroChecksumTest (RFC 9293 MUST-3, 3.1
 * "Checksum": a receiver must check the checksum and drop segments failing it). Both send a
 * traced SYN burst and later a handshake's ACK with a wrong checksum; they differ only in the
 * wrong value (random non-zero, or zero). The machine is tests_cases/incorrect_checksum.c. */
#ifndef TCPREQ_CHECKSUM_CASE_H
#define TCPREQ_CHECKSUM_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testcase/connection.h"
#include "testcase/tc.h"
#include "tracebox/ttl_code.h"

/* Stage 1 is about the checksum only, so the TTL may go into every field that carries it. */
#define CS_TTL_FIELDS TTL_ENC_ALL

struct checksum_params {
    /* The wrong checksum to send (the original's _generate_cs). Called once for the SYN
     * burst and once for the ACK. */
    uint16_t (*generate)(struct tc *t);
};

enum checksum_phase {
    CS_REPLY,       /* stage 1: the traced SYN is out, waiting for a reply (or silence) */
    CS_QUOTES,      /* stage 1: reply judged, waiting for quotes still in flight */
    CS_HANDSHAKE,   /* stage 2: plain SYN sent */
    CS_AFTER_ACK,   /* stage 2: ACK with a wrong checksum and the state probe sent */
    CS_ASKED_AGAIN, /* stage 2: no answer yet; the state probe repeated */
};

struct checksum_state {
    enum checksum_phase phase;
    uint32_t isn;    /* sequence number of the burst's SYNs */
    uint16_t cs_syn; /* the wrong checksum all SYNs of the burst carry */
    tc_time burst_at;
    const char *stage1_fail; /* FAIL reason found in the reply, pending the path check */
    uint32_t syn2_seq;       /* stage 2 SYN */
    tc_time syn2_at;
    struct tc_conn conn; /* stage 2's connection (conn.synack: its SYN-ACK) */
    struct tcp_seg ack;  /* the ACK with the wrong checksum, as sent */
    tc_time ack_at;
};

/* Callbacks for a test_case whose params is a struct checksum_params and whose state_size
 * is sizeof(struct checksum_state). */
void checksum_start(struct tc *t, tc_time now);
void checksum_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now);
void checksum_on_bad_checksum(struct tc *t, const struct tcp_seg *seg, tc_time now);
void checksum_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now);
void checksum_on_timer(struct tc *t, tc_time now);
void checksum_cleanup(struct tc *t);

/* Helpers, exposed for unit tests. */
/* A random checksum in 1..0xffff from the instance's generator (IncorrectChecksumTest). */
uint16_t checksum_random_nonzero(struct tc *t);
/* Make seg carry the checksum cs (csum_fixed). If its real checksum happens to be cs, first
 * perturb(seg) changes a field the test does not depend on, so the real checksum differs
 * and cs is wrong after all. False if seg cannot be built (tc_send will then fail too). */
bool checksum_make_wrong(const struct tc *t, struct tcp_seg *seg, uint16_t cs,
                         void (*perturb)(struct tcp_seg *seg));

/* What a quote says about the checksum cs we sent (the original's _checksum_corrected). */
enum quote_csum {
    QCS_NONE,      /* not quoted, unchanged, or changed but still wrong (incremental update
                    * of a field: not interference with the checksum) */
    QCS_MODIFIED,  /* changed, too little quoted to verify it */
    QCS_CORRECTED, /* changed and verifies over the quoted segment */
};
/* dst: the target (the pseudo-header's destination); *seen gets the quoted checksum. */
enum quote_csum checksum_quote_check(const struct icmp_quote *q, uint16_t cs,
                                     const struct ip_addr *dst, uint16_t *seen);

struct checksum_verdict {
    bool found;
    bool corrected;
    unsigned hop; /* 0 = unknown */
    uint16_t seen;
    bool final; /* a known hop corrected it: no later quote can change the verdict */
};
/* The original's ranking over quotes in arrival order (q[i].hop already decoded): a known
 * hop beats an unknown one, "corrected" beats "modified", the first known-hop "corrected"
 * ends the search; otherwise the first quote of the best rank wins. */
void checksum_rank(const struct icmp_quote *q, size_t n, uint16_t cs, const struct ip_addr *dst,
                   struct checksum_verdict *v);

#endif
