/* One TCP connection seen in a capture: both directions (client = the side that sent the
 * first SYN, or a guess for a connection picked up mid-stream), the handshake and teardown,
 * the per-direction sequence analysis (seqan.h), and the conformance findings a capture can
 * show (finding.h). Fed one decoded packet at a time; conn_finish() turns what was gathered
 * into the flow's final findings. No I/O. */
#ifndef TCPREQ_ANALYZE_CONN_H
#define TCPREQ_ANALYZE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/decode.h"
#include "analyze/finding.h"
#include "analyze/seqan.h"
#include "common/flow_table.h"

enum conn_side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };
#define CONN_SIDES 2

/* How the connection started, as far as the capture shows. */
enum conn_handshake {
    HS_NOT_SEEN = 0, /* picked up mid-stream */
    HS_SYN_SENT,     /* SYN only: unanswered */
    HS_REFUSED,      /* SYN answered by RST */
    HS_SYN_RECEIVED, /* SYN-ACK never acknowledged */
    HS_ESTABLISHED,
};

/* How it ended (by the end of the capture, or when it went idle). */
enum conn_close {
    CLOSE_OPEN = 0, /* neither FIN nor RST */
    CLOSE_FIN,      /* FIN from both sides */
    CLOSE_HALF,     /* FIN from one side only */
    CLOSE_RESET,    /* RST (after the handshake) */
};

/* Checksum evidence of one direction, judged at the end: all bad is offload, some bad is
 * an error (RFC 9293 MUST-2/MUST-3). */
struct csum_evidence {
    uint64_t checked, bad;
    uint16_t first_bad_value;
    uint64_t frames[FINDING_MAX_FRAMES];
    unsigned n_frames;
};

#define CONN_TEST_MAX 64

struct an_conn {
    uint64_t index; /* 0, 1, ... in order of first packet */
    struct ip_addr addr[CONN_SIDES];
    uint16_t port[CONN_SIDES];
    bool roles_guessed; /* no SYN or SYN-ACK seen: client is a guess (higher port) */
    struct seq_dir dir[CONN_SIDES];
    struct seq_conn seqc;
    bool have_syn_time;
    an_time last_syn_time; /* latest SYN, for the handshake RTT (as Wireshark's ts_mru_syn) */
    enum conn_handshake handshake;
    unsigned syns, synacks;
    bool fin[CONN_SIDES], rst[CONN_SIDES];
    uint64_t fin_frame[CONN_SIDES], rst_frame[CONN_SIDES], syn_frame;
    bool reset_while_open;
    uint64_t first_frame, last_frame, packets, wire_bytes;
    an_time first_ts, last_ts;
    struct csum_evidence csum[CONN_SIDES];
    char test[CONN_TEST_MAX]; /* "tcpreq test=NAME" comment of a --pcap capture; "" = none */
    struct finding_set findings;
    bool finished;
    /* owned by the analyzer */
    bool selected;
    void *listing;
};

/* The test name of a "tcpreq test=NAME" packet comment (--pcap), escaped into out: false
 * for any other comment. */
bool conn_test_name(const char *comment, char *out, size_t cap);
/* The key both directions of a connection share. */
void an_conn_key(struct flow_key *k, const struct ip_addr *a, uint16_t aport,
                 const struct ip_addr *b, uint16_t bport);
/* A new connection whose first packet is p (roles from its SYN / SYN-ACK flags). NULL when
 * out of memory. */
struct an_conn *conn_new(const struct an_pkt *p, uint64_t index, size_t keep_bytes);
void conn_free(struct an_conn *c);
/* Which side sent a packet from (src, sport). */
enum conn_side conn_side_of(const struct an_conn *c, const struct ip_addr *src, uint16_t sport);
/* Whether p, a SYN from side, starts a new incarnation of the same 4-tuple (port reuse): a
 * SYN without ACK whose ISN is not the one this side used (as Wireshark starts a new
 * tcp.stream). */
bool conn_is_reuse(const struct an_conn *c, enum conn_side side, const struct an_pkt *p);
/* Feed one TCP segment; v gets its verdict. faults: what tcpreq made wrong on purpose (enum
 * tcp_fault, from the frame's comment; a stub keeps them with its segments, whose replayed
 * frames have no comment). */
void conn_segment(struct an_conn *c, const struct an_frame *f, const struct an_pkt *p,
                  unsigned faults, struct seg_verdict *v);
/* An ICMP error quoting a segment of this connection. */
void conn_icmp(struct an_conn *c, const struct an_frame *f, const struct an_pkt *p);
/* Both FINs or a RST: the connection is over (trailing segments may still come). */
bool conn_closed(const struct an_conn *c);
/* Final diagnosis: handshake outcome, lost segments, checksums, summaries. Idempotent. */
void conn_finish(struct an_conn *c);
enum conn_close conn_close_state(const struct an_conn *c);
const char *conn_handshake_name(enum conn_handshake hs);
const char *conn_close_name(enum conn_close cl);
/* "198.18.1.2:40000" or "[fd00::1]:40000" */
const char *conn_endpoint(const struct an_conn *c, enum conn_side side, char *buf, size_t cap);
#define CONN_ENDPOINT_MAX (IP_ADDR_STRLEN + 8)

#endif
