/* The connection sub-machine: what a test case does with a connection once the handshake
 * is done (RFC 9293 3.3.1's send and receive variables, seen from the prober). It sends
 * ACKs, data (in pieces, urgent, out of order, with options), the closing RST at exactly
 * SND.NXT (RFC 5961 stacks take no other), follows the peer's data through the reassembly
 * (src/reasm/) and classifies each segment the peer sends (pure ACK, duplicate ACK, new
 * data, retransmission, FIN, RST, a repeated SYN-ACK). Two probes ask the peer what state
 * the connection is in, so a verdict rests on an answer instead of a silence:
 * - the state probe, an ACK for data the peer has not sent (SEG.ACK = its SND.NXT + 1000):
 *   in SYN-RECEIVED, LISTEN or CLOSED it is answered <SEQ=SEG.ACK><CTL=RST> (RFC 9293
 *   3.10.7.3, 3.10.7.1), in ESTABLISHED with an ACK, the segment dropped (3.10.7.4,
 *   RFC 5961 5.2): it tells whether the handshake's ACK was taken;
 * - the alive probe, an ACK far outside the peer's receive window: a synchronized connection
 *   answers <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (3.10.7.4), a closed one RST (3.10.7.1): it
 *   tells whether the connection is still there, and how much of our data it has taken. */
#ifndef TCPREQ_TC_CONNECTION_H
#define TCPREQ_TC_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reasm/stream.h"
#include "testcase/syn_probe.h"
#include "testcase/tc.h"

struct tc_conn {
    uint32_t iss;          /* our initial sequence number */
    uint32_t snd_una;      /* oldest of our sequence numbers the peer has not acknowledged */
    uint32_t snd_nxt;      /* our next sequence number */
    uint16_t window;       /* the window we offer (never scaled: we never send WS) */
    bool established;      /* the SYN-ACK was seen: irs and rx are valid */
    struct tcp_seg synack; /* the peer's SYN-ACK, payload dropped */
    uint32_t irs;          /* the peer's initial sequence number */
    uint32_t peer_window;  /* the window the peer offered last (as sent) */
    uint32_t last_ack;     /* the highest ACK the peer sent */
    unsigned dup_acks;     /* pure ACKs repeating last_ack in a row */
    bool peer_rst;
    struct reasm_stream rx; /* the peer's data (only with conn_established's rx_keep) */
    uint32_t state_probe_ack; /* SEG.ACK of the latest state probe */
    unsigned state_probes;    /* sent so far: each acknowledges one more, so a late answer
                                 to an earlier one is not taken for the latest's */
    /* tc_conn_open's handshake */
    struct syn_probe opener;
    size_t rx_keep;
};

/* What a segment from the peer was. */
enum conn_rx_kind {
    CONN_RX_OTHER = 0,   /* anything else (ignored by the sub-machine) */
    CONN_RX_RST,         /* a RST (the peer reset or refused) */
    CONN_RX_SYNACK,      /* the SYN-ACK again: the peer still waits in SYN-RECEIVED */
    CONN_RX_ACK,         /* a pure ACK acknowledging something new */
    CONN_RX_DUP_ACK,     /* a pure ACK repeating the last one */
    CONN_RX_DATA,        /* payload or FIN with sequence space never seen before */
    CONN_RX_RETRANS,     /* payload or FIN seen before (a retransmission) */
};

struct conn_rx {
    enum conn_rx_kind kind;
    struct reasm_result reasm; /* for DATA / RETRANS */
    bool fin;                  /* the peer's FIN arrived in order (all its data is in) */
};

/* Opening a connection whose handshake is not under test: a plain SYN with a random ISS
 * (syn_probe, no tracing, no retry), its SYN-ACK acknowledged. The case forwards segments
 * and timer events while tc_conn_opening() and gets the outcome back. */
void tc_conn_open(struct tc *t, struct tc_conn *c, uint16_t window, size_t rx_keep, tc_time now);
/* The same with options on the SYN (syn_opts NULL: none), e.g. to draw the options a host
 * answers with. */
void tc_conn_open_with(struct tc *t, struct tc_conn *c, uint16_t window, size_t rx_keep,
                       const struct tcp_opts *syn_opts, tc_time now);
bool tc_conn_opening(const struct tc_conn *c);
enum tc_conn_open_outcome {
    CONN_OPEN_PENDING = 0,
    CONN_OPEN_DONE,   /* established, our ACK sent */
    CONN_OPEN_FAILED, /* *fail says how (out of memory: status ERR) */
};
/* A segment (seg) or the timer (seg NULL) while opening. */
enum tc_conn_open_outcome tc_conn_open_event(struct tc *t, struct tc_conn *c,
                                             const struct tcp_seg *seg, tc_time now,
                                             struct syn_probe_failure *fail);

/* Before the handshake: our ISS and window. */
void tc_conn_init(struct tc_conn *c, uint32_t iss, uint16_t window);
/* The SYN-ACK arrived: SND.NXT = its ACK, RCV.NXT = its seq + 1. rx_keep > 0 keeps that
 * many bytes of the peer's data (for the ALP); 0 or TCPREQ_ENOMEM. */
int tc_conn_established(struct tc_conn *c, const struct tcp_seg *synack, size_t rx_keep);
/* Release the reassembly buffer (idempotent). */
void tc_conn_free(struct tc_conn *c);
/* The next sequence number we expect from the peer: what our ACKs carry. */
uint32_t tc_conn_rcv_nxt(const struct tc_conn *c);
/* In-order bytes of the peer's data received so far (rx_keep bounds them). */
const uint8_t *tc_conn_rx_data(const struct tc_conn *c, size_t *len);

/* A segment at SND.NXT acknowledging RCV.NXT with our window and the given flags; for the
 * case to add payload, options or odd bits before sending it. */
void tc_conn_seg(const struct tc *t, const struct tc_conn *c, uint8_t flags, struct tcp_seg *out);
/* Our sequence space advanced by len after a segment carrying len octets went out. */
void tc_conn_sent(struct tc_conn *c, uint32_t len);
/* A pure ACK of everything received. */
void tc_conn_send_ack(struct tc *t, struct tc_conn *c);
/* Data at SND.NXT (with ACK; extra flags e.g. PSH), SND.NXT advanced. */
void tc_conn_send_data(struct tc *t, struct tc_conn *c, const uint8_t *data, size_t len,
                    uint8_t flags);
/* The close: RST at SND.NXT (RFC 9293 3.5.2; RFC 5961 3.2 takes a RST only at RCV.NXT). */
void tc_conn_send_close(struct tc *t, const struct tc_conn *c);

/* Classify a segment from the peer, feeding its data to the reassembly. */
void tc_conn_receive(struct tc_conn *c, const struct tcp_seg *seg, struct conn_rx *rx);

/* The state probe (see above), sent delay after the current event so that it cannot
 * overtake the segment whose fate it asks about. */
void tc_conn_send_state_probe(struct tc *t, struct tc_conn *c, tc_time delay);
enum conn_state_answer {
    CONN_STATE_NONE = 0,      /* not an answer to the state probe */
    CONN_STATE_NOT_SYNCED,    /* RST <SEQ=SEG.ACK> or the SYN-ACK again: not ESTABLISHED */
    CONN_STATE_ESTABLISHED,   /* an ACK, data or FIN from a synchronized connection */
};
enum conn_state_answer tc_conn_state_answer(const struct tc_conn *c, const struct tcp_seg *seg);

/* The alive probe (see above), sent delay after the current event. */
void tc_conn_send_alive_probe(struct tc *t, const struct tc_conn *c, tc_time delay);
enum conn_alive_answer {
    CONN_ALIVE_NONE = 0, /* not an answer to the alive probe */
    CONN_ALIVE_GONE,     /* RST: no connection any more */
    CONN_ALIVE_YES,      /* a pure ACK from the connection; *their_rcv_nxt = its ACK */
};
enum conn_alive_answer tc_conn_alive_answer(const struct tc_conn *c, const struct tcp_seg *seg,
                                         uint32_t *their_rcv_nxt);

#endif
