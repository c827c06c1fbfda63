/* Fixture of the analyzer's unit tests: hand-built captures (segments from the packet core's
 * builders, wrapped in any supported link layer) written to temporary pcap or pcapng files,
 * read back through tcpreq's own reader (src/engine/offline.c) into the analyzer, with every
 * completed flow and every listed segment copied out for the assertions. */
#ifndef TCPREQ_ANALYZE_FIXTURE_H
#define TCPREQ_ANALYZE_FIXTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/analyzer.h"
#include "tcp/options.h"

/* --- writing captures ------------------------------------------------------------------ */

struct capfile {
    char path[64];
    int linktype; /* LINKTYPE_* written in the file */
    bool pcapng;
    bool swap_null; /* LINKTYPE_NULL: family in the other byte order */
    FILE *ng;
    pcap_t *dead;
    pcap_dumper_t *dumper;
    an_time ts;          /* timestamp of the next frame */
    an_time step;        /* added after each frame (default 1 ms) */
    size_t snaplen;      /* 0 = whole frames */
    const char *comment; /* pcapng: comment of the next frames */
    bool corrupt_icmp;   /* cap_icmp_error: flip a quoted byte after the checksum */
    uint64_t frames;
};

void cap_open(struct capfile *c, int linktype, bool pcapng);
/* Write one IP packet, wrapped in the file's link layer. */
void cap_ip(struct capfile *c, const uint8_t *ip, size_t len);
/* An ICMP error (IPv4 or ICMPv6 by the router's family) quoting the IP packet quoted. mtu
 * goes where frag-needed / packet-too-big carry it. */
void cap_icmp_error(struct capfile *c, const char *router, const char *to, uint8_t type,
                    uint8_t code, uint32_t mtu, const uint8_t *quoted, size_t qlen);
void cap_close(struct capfile *c);
void cap_remove(struct capfile *c);

/* A connection being written: endpoints, ISNs and the next sequence number of each side. */
struct fx_conn {
    struct capfile *cap;
    struct ip_addr ip[2];
    uint16_t port[2];
    uint32_t next[2]; /* next sequence number each side sends */
    uint16_t win[2];
};

/* side 0 = client (c_ip:cport), 1 = server. */
void fx_conn_init(struct fx_conn *k, struct capfile *cap, const char *c_ip, uint16_t cport,
                  const char *s_ip, uint16_t sport, uint32_t c_isn, uint32_t s_isn);

struct fx_seg {
    uint8_t flags; /* TCP_FLAG_*; 0 = ACK */
    bool explicit_seq;
    uint32_t seq; /* with explicit_seq; else the side's next */
    bool explicit_ack;
    uint32_t ack; /* with explicit_ack; else the peer's next */
    const uint8_t *payload;
    size_t len;      /* payload length (bytes 'a'.. when payload is NULL) */
    bool no_advance; /* keep next[side] */
    const struct tcp_opts *opts;
    uint8_t reserved;
    bool bad_csum;
    bool has_window;
    uint16_t window;
};

/* Build the IP packet of one segment of side without writing it; returns its length. */
size_t fx_build(struct fx_conn *k, int side, const struct fx_seg *s, uint8_t *pkt, size_t cap);
/* Write one segment of side; advances next[side] by its sequence space when it starts at
 * next (unless no_advance). Returns the frame number. */
uint64_t fx_send(struct fx_conn *k, int side, const struct fx_seg *s);
/* SYN (client, opts c_opts), SYN-ACK (server, s_opts), ACK. NULL opts = MSS 1460. */
void fx_handshake(struct fx_conn *k, const struct tcp_opts *c_opts, const struct tcp_opts *s_opts);
/* len bytes of data from side at its next seq (ACK|PSH). */
uint64_t fx_data(struct fx_conn *k, int side, size_t len);
/* A pure ACK from side for everything the peer sent. */
uint64_t fx_ack(struct fx_conn *k, int side);
/* FIN from side, FIN from the other, last ACK. */
void fx_close(struct fx_conn *k, int first);

/* --- reading them back ----------------------------------------------------------------- */

#define FX_MAX_FLOWS 64
#define FX_MAX_SEGS 512

struct fx_flow {
    uint64_t index;
    char test[CONN_TEST_MAX];
    enum conn_handshake handshake;
    enum conn_close close;
    bool roles_guessed;
    char client[CONN_ENDPOINT_MAX], server[CONN_ENDPOINT_MAX];
    struct finding findings[FIND_COUNT];
    unsigned n_findings;
    struct seq_counters counters[CONN_SIDES];
    uint64_t packets;
    an_time first_rtt;
    char text[4096];                   /* report_flow_text */
    char json_test[4 * CONN_TEST_MAX]; /* report_flow_json's "test" as JSON, "<absent>" */
};

struct fx_line {
    uint64_t frame;
    int side;
    uint32_t flags;
    uint32_t rel_seq, rel_next, rel_ack;
    size_t len;
    unsigned dupack;
};

struct fx_result {
    int read_rc;
    char err[512];
    struct analyzer_stats st;
    struct fx_flow flows[FX_MAX_FLOWS];
    unsigned n_flows;
    struct fx_line lines[FX_MAX_SEGS];
    unsigned n_lines;
};

/* Analyse the file (select NULL = every flow, no listing). The result is heap-allocated. */
struct fx_result *fx_run(const char *path, const char *select);
const struct fx_flow *fx_flow(const struct fx_result *r, uint64_t index);
const struct finding *fx_finding(const struct fx_flow *f, enum finding_id id);
/* Verdict flags of a listed frame (0 when not listed). */
uint32_t fx_flags(const struct fx_result *r, uint64_t frame);
const struct fx_line *fx_line(const struct fx_result *r, uint64_t frame);

#endif
