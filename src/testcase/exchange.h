/* An exchange whose every host segment a case judges: for requirements on what a host
 * sends in any segment (RFC 9293 MUST-65: no MSS option without SYN; MUST-69: zero padding
 * after EOL; SHLD-5: an MSS option in the SYN-ACK), where nothing needs provoking but a
 * real exchange. The machine opens a connection (a SYN with the case's options, no
 * tracing), sends the application request in segments within the host's MSS, follows the
 * reply (acknowledged, so all of it comes) until the host's FIN, its RST or its silence, and
 * hands every segment the host sends on the way (the SYN-ACK, repeats, ACKs, data, the FIN,
 * a RST) to the case's judge.
 *
 * Verdicts: a segment the judge finds breaking the rule is a FAIL at once (it rests on what
 * the host sent); one that settles the question (EX_SETTLED) a PASS at once. At the end of
 * the exchange, a PASS if the judge found the rule applying to at least one segment, else
 * UNK with the case's reason (the rule was not exercised). A failed opening keeps its own
 * verdict (syn_probe.h). custom: {"segments": host segments seen, "judged": segments the
 * rule applied to, "synack_mss": the SYN-ACK's MSS option or null}, and on a FAIL the judge's
 * evidence (what it measured on the segment that broke the rule).
 *
 * For a test_case whose params is a struct exchange_params, whose state_size is
 * sizeof(struct exchange_state) and whose callbacks are the exchange_* ones below. */
#ifndef TCPREQ_TC_EXCHANGE_H
#define TCPREQ_TC_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testcase/connection.h"
#include "testcase/tc.h"

#define EXCHANGE_STAGE 1
/* The stage of the UNK when there is no request to send (no ALP for the port). */
#define EXCHANGE_STAGE_NO_REQUEST 0
/* The request, at most (a TLS ClientHello's first flight fits). */
#define EXCHANGE_REQUEST_MAX 4096
/* Request segments at most; a longer request is cut there. */
#define EXCHANGE_REQUEST_SEGS_MAX 8
/* ACKs of the host's data at most; beyond, the reply is still watched. */
#define EXCHANGE_ACK_CAP 32
/* The SYN, its ACK, the request, the ACKs of the reply and the closing RST. */
#define EXCHANGE_PACKET_BUDGET (3 + EXCHANGE_REQUEST_SEGS_MAX + EXCHANGE_ACK_CAP)
#define EXCHANGE_DEADLINE (120 * TC_SEC)

enum ex_judgement {
    EX_NOT_JUDGED = 0, /* the rule says nothing about this segment */
    EX_CONFORMS,       /* the rule applies and the segment follows it */
    EX_VIOLATES,       /* the segment breaks the rule: FAIL, the judge says why */
    EX_SETTLED,        /* it follows the rule and nothing later can change that: PASS now */
};

struct exchange_params {
    /* Options of our SYN (NULL: none), e.g. to draw more options from the host. */
    void (*syn_options)(const struct tc *t, struct tcp_opts *opts);
    /* The request, about hint bytes, into buf (at most cap): its length; 0 when there is
     * none, with the UNK's reason in why (tests_cases/alp_request.h's alp_request_pull). */
    size_t (*request)(const struct tc *t, size_t hint, uint8_t *buf, size_t cap, char *why,
                      size_t why_cap);
    size_t request_hint;
    /* Every segment from the host (well-formed, good checksum); tc_rx_options(t) gives its
     * options area as it arrived. On EX_VIOLATES, *why is the FAIL's reason, a fixed text
     * (datasets group by it), and *evidence (NULL until set; owned by the caller) may hold
     * what was measured on the segment: an object merged into custom. */
    enum ex_judgement (*judge)(const struct tc *t, const struct tcp_seg *seg, const char **why,
                               json_t **evidence);
    /* The UNK's reason when the exchange ended without a segment the rule applied to. */
    const char *not_exercised;
};

enum exchange_phase {
    EX_OPENING,   /* the SYN is out */
    EX_OBSERVING, /* the request is out: the reply is watched */
};

struct exchange_state {
    enum exchange_phase phase;
    struct tc_conn conn;
    unsigned segments; /* from the host, all of them */
    unsigned judged;   /* those the rule applied to */
    unsigned acks_sent;
    bool got_data;         /* the host sent new data: its reply began */
    tc_time observe_until; /* the reply is watched no longer than this */
    size_t req_len;
    uint8_t req[EXCHANGE_REQUEST_MAX];
};

void exchange_start(struct tc *t, tc_time now);
void exchange_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now);
void exchange_on_timer(struct tc *t, tc_time now);
void exchange_cleanup(struct tc *t);

/* The host's SYN-ACK (options kept, payload dropped) once the connection is open, else NULL:
 * for a judge that weighs later segments against it. */
const struct tcp_seg *exchange_synack(const struct tc *t);

#endif
