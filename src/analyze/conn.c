/* A captured connection, packet by packet: roles, handshake and teardown, the sequence
 * analysis of each direction, and the per-segment conformance detectors. The final
 * diagnosis (what is only known at the end) is in conn_diag.c. */
#include "analyze/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "tcp/fault.h"
#include "tcp/mss_rule.h"
#include "tcp/option_rules.h"
#include "tcp/options.h"

/* An IP packet above Ethernet's MTU was never on an Ethernet wire as such: the capture was
 * taken above segmentation offload (TSO/GSO) or after receive offload (GRO/LRO). */
#define ETHERNET_MTU 1500
#define TEST_COMMENT_PREFIX "tcpreq test="
#define FAULT_NAMES_MAX 64

void an_conn_key(struct flow_key *k, const struct ip_addr *a, uint16_t aport,
                 const struct ip_addr *b, uint16_t bport)
{
    /* the lower endpoint first, so both directions give the same key */
    int cmp = memcmp(a->bytes, b->bytes, ip_addr_len(a));
    if (cmp < 0 || (cmp == 0 && aport <= bport))
        flow_key_make_pair(k, a, aport, b, bport);
    else
        flow_key_make_pair(k, b, bport, a, aport);
}

const char *conn_endpoint(const struct an_conn *c, enum conn_side side, char *buf, size_t cap)
{
    char ip[IP_ADDR_STRLEN];
    ip_addr_format(&c->addr[side], ip, sizeof(ip));
    if (c->addr[side].family == IP_FAMILY_V6)
        snprintf(buf, cap, "[%s]:%u", ip, c->port[side]);
    else
        snprintf(buf, cap, "%s:%u", ip, c->port[side]);
    return buf;
}

struct an_conn *conn_new(const struct an_pkt *p, uint64_t index, size_t keep_bytes)
{
    struct an_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->index = index;
    uint8_t syn_ack = p->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK);
    bool sender_is_client;
    if (syn_ack == TCP_FLAG_SYN) {
        sender_is_client = true;
    } else if (syn_ack == (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
        sender_is_client = false;
    } else {
        /* picked up mid-stream: the lower port is more likely the service */
        c->roles_guessed = true;
        sender_is_client = p->seg.sport > p->seg.dport || (p->seg.sport == p->seg.dport);
    }
    enum conn_side s = sender_is_client ? SIDE_CLIENT : SIDE_SERVER;
    c->addr[s] = p->ip.src;
    c->port[s] = p->seg.sport;
    c->addr[!s] = p->ip.dst;
    c->port[!s] = p->seg.dport;
    seqan_init(&c->dir[SIDE_CLIENT]);
    seqan_init(&c->dir[SIDE_SERVER]);
    c->seqc.keep_bytes = keep_bytes;
    return c;
}

void conn_free(struct an_conn *c)
{
    if (c == NULL)
        return;
    seqan_free(&c->dir[SIDE_CLIENT]);
    seqan_free(&c->dir[SIDE_SERVER]);
    finding_set_free(&c->findings);
    free(c);
}

enum conn_side conn_side_of(const struct an_conn *c, const struct ip_addr *src, uint16_t sport)
{
    return sport == c->port[SIDE_CLIENT] && ip_addr_equal(src, &c->addr[SIDE_CLIENT]) ? SIDE_CLIENT
                                                                                      : SIDE_SERVER;
}

bool conn_is_reuse(const struct an_conn *c, enum conn_side side, const struct an_pkt *p)
{
    const struct seq_dir *d = &c->dir[side];
    uint8_t f = p->seg.flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST);
    return f == TCP_FLAG_SYN && d->rs_ready && d->rs.started && p->seg.seq != d->rs.isn;
}

bool conn_closed(const struct an_conn *c)
{
    return (c->fin[SIDE_CLIENT] && c->fin[SIDE_SERVER]) || c->rst[SIDE_CLIENT] ||
           c->rst[SIDE_SERVER];
}

/* The comment is the capture's text: escaped (analyze prints it on a terminal, and JSON
 * needs UTF-8), so a name that is not UTF-8 or carries terminal escapes shows as \xNN. */
bool conn_test_name(const char *comment, char *out, size_t cap)
{
    size_t plen = strlen(TEST_COMMENT_PREFIX);
    if (comment == NULL || strncmp(comment, TEST_COMMENT_PREFIX, plen) != 0)
        return false;
    const char *name = comment + plen;
    escape_bytes(out, cap, name, strcspn(name, " \t\r\n"));
    return true;
}

static void note_test_name(struct an_conn *c, const char *comment)
{
    if (c->test[0] == '\0')
        conn_test_name(comment, c->test, sizeof(c->test));
}

static void track_handshake(struct an_conn *c, enum conn_side side, const struct an_frame *f,
                            const struct an_pkt *p)
{
    uint8_t flags = p->seg.flags;
    uint8_t syn_ack = flags & (TCP_FLAG_SYN | TCP_FLAG_ACK);
    bool first = c->packets == 1;
    if (flags & TCP_FLAG_RST) {
        if (!c->rst[side])
            c->rst_frame[side] = f->number;
        c->rst[side] = true;
        if (side == SIDE_SERVER && c->handshake == HS_SYN_SENT)
            c->handshake = HS_REFUSED;
        else if ((c->handshake == HS_ESTABLISHED || c->handshake == HS_NOT_SEEN) &&
                 !(c->fin[SIDE_CLIENT] && c->fin[SIDE_SERVER]))
            c->reset_while_open = true;
        return;
    }
    if (syn_ack == TCP_FLAG_SYN && side == SIDE_CLIENT) {
        if (c->syns++ == 0)
            c->syn_frame = f->number;
        c->have_syn_time = true;
        c->last_syn_time = f->ts;
        if (first)
            c->handshake = HS_SYN_SENT;
    } else if (syn_ack == (TCP_FLAG_SYN | TCP_FLAG_ACK) && side == SIDE_SERVER) {
        c->synacks++;
        if (first || c->handshake == HS_SYN_SENT)
            c->handshake = HS_SYN_RECEIVED;
    } else if (syn_ack == TCP_FLAG_ACK && side == SIDE_CLIENT && c->handshake == HS_SYN_RECEIVED) {
        c->handshake = HS_ESTABLISHED;
    }
    /* Wireshark's first RTT: from the latest SYN to the first segment with ACK but not SYN */
    if (syn_ack == TCP_FLAG_ACK && c->have_syn_time && c->seqc.first_rtt == 0 &&
        f->ts > c->last_syn_time)
        c->seqc.first_rtt = f->ts - c->last_syn_time;
    if (flags & TCP_FLAG_FIN) {
        if (!c->fin[side])
            c->fin_frame[side] = f->number;
        c->fin[side] = true;
    }
}

static void check_checksum(struct an_conn *c, enum conn_side side, const struct an_frame *f,
                           const struct an_pkt *p, unsigned faults)
{
    char ep[CONN_ENDPOINT_MAX];
    if (p->csum == AN_CSUM_UNKNOWN) {
        finding_add(&c->findings, FIND_SNAPPED, f->number,
                    "segment from %s of %zu payload bytes captured with %zu",
                    conn_endpoint(c, side, ep, sizeof(ep)), p->payload_wire_len,
                    p->seg.payload_len);
        return;
    }
    if (p->csum == AN_CSUM_BAD && (faults & TCP_FAULT_CHECKSUM))
        return; /* tcpreq's own checksum tests: neither an error nor offload */
    struct csum_evidence *e = &c->csum[side];
    e->checked++;
    if (p->csum != AN_CSUM_BAD)
        return;
    if (e->bad++ == 0)
        e->first_bad_value = p->seg.checksum;
    if (e->n_frames < FINDING_MAX_FRAMES)
        e->frames[e->n_frames++] = f->number;
}

static void check_header(struct an_conn *c, enum conn_side side, const struct an_frame *f,
                         const struct an_pkt *p, unsigned faults)
{
    char ep[CONN_ENDPOINT_MAX];
    const struct tcp_seg *seg = &p->seg;
    /* the sender's name is formatted only when a finding needs it: this runs per segment */
    if (seg->reserved != 0 && !(faults & TCP_FAULT_RESERVED))
        finding_add(&c->findings, FIND_RESERVED_BITS, f->number,
                    "reserved bits 0x%x set in a segment from %s", seg->reserved,
                    conn_endpoint(c, side, ep, sizeof(ep)));
    if (p->opts_err != 0) {
        if (faults & TCP_FAULT_OPTIONS)
            return;
        finding_add(&c->findings, FIND_MALFORMED_OPTIONS, f->number,
                    "options of a segment from %s do not parse (%d option bytes)",
                    conn_endpoint(c, side, ep, sizeof(ep)), (int)(p->tcp_hdr_len - TCP_HDR_MIN));
        return; /* what parsed before the error is not worth judging */
    }
    /* src/tcp/option_rules.h, the rules the live cases watching an exchange apply. */
    uint16_t mss;
    if (!(faults & TCP_FAULT_MSS_LATE) && opt_rule_mss_without_syn(seg->flags, &seg->opts, &mss))
        finding_add(&c->findings, FIND_MSS_NOT_SYN, f->number,
                    "MSS option (%u) in a segment without SYN from %s", mss,
                    conn_endpoint(c, side, ep, sizeof(ep)));
    size_t at;
    if (opt_rule_nonzero_after_eol(p->tcp_hdr + TCP_HDR_MIN, p->tcp_hdr_len - TCP_HDR_MIN, &at))
        finding_add(&c->findings, FIND_NONZERO_AFTER_EOL, f->number,
                    "byte 0x%02x at header offset %zu after EOL in a segment from %s",
                    p->tcp_hdr[TCP_HDR_MIN + at], TCP_HDR_MIN + at,
                    conn_endpoint(c, side, ep, sizeof(ep)));
    const struct seq_dir *peer = &c->dir[!side];
    if (tcp_opts_find(&seg->opts, TCP_OPT_KIND_SACK) != NULL && peer->syn_seen && !peer->sack_perm)
        finding_add(&c->findings, FIND_SACK_NOT_PERMITTED, f->number,
                    "SACK option from %s, but the peer's SYN had no SACK-permitted",
                    conn_endpoint(c, side, ep, sizeof(ep)));
    /* src/tcp/mss_rule.h, the live MSS tests' rule: options + data against the peer's
     * (last) MSS, every segment after the peer's SYN, the SYN-ACK included. */
    if (peer->syn_seen) {
        unsigned limit =
            peer->mss_present ? peer->mss : mss_announced(NULL, c->addr[side].family, NULL);
        if (mss_exceeded(p->tcp_hdr_len, p->payload_wire_len, (uint16_t)limit)) {
            size_t counted = mss_counted_len(p->tcp_hdr_len, p->payload_wire_len);
            if (p->ip_wire_len > ETHERNET_MTU)
                finding_add(&c->findings, FIND_SEGMENTATION_OFFLOAD, f->number,
                            "%zu-byte IP packet from %s (peer MSS %u)", p->ip_wire_len,
                            conn_endpoint(c, side, ep, sizeof(ep)), limit);
            else
                finding_add(&c->findings, FIND_EXCEEDS_MSS, f->number,
                            "%zu option and payload bytes from %s, peer's MSS %u%s", counted,
                            conn_endpoint(c, side, ep, sizeof(ep)), limit,
                            peer->mss_present ? "" : " (default: no MSS option)");
        }
    }
}

static void note_verdict(struct an_conn *c, enum conn_side side, const struct an_frame *f,
                         const struct seg_verdict *v)
{
    char ep[CONN_ENDPOINT_MAX];
    struct finding_set *fs = &c->findings;
    uint64_t n = f->number;
    /* Verdicts that map one to one onto a finding; these aggregate ones get their summary
     * message in conn_finish. */
    static const struct {
        uint32_t verdict;
        enum finding_id id;
        const char *placeholder;
    } per_verdict[] = {
        {SV_RETRANSMISSION, FIND_RETRANSMISSION, "retransmissions"},
        {SV_OUT_OF_ORDER, FIND_OUT_OF_ORDER, "out of order"},
        {SV_DUP_ACK, FIND_DUPLICATE_ACK, "duplicate ACKs"},
        {SV_ZERO_WINDOW, FIND_ZERO_WINDOW, "zero windows"},
        {SV_WINDOW_FULL, FIND_WINDOW_FULL, "window full"},
        {SV_KEEP_ALIVE, FIND_KEEP_ALIVE, "keep-alives"},
        {SV_ACKED_UNSEEN, FIND_ACKED_UNSEEN, "acked unseen"},
    };
    for (size_t i = 0; i < sizeof(per_verdict) / sizeof(per_verdict[0]); i++)
        if (v->flags & per_verdict[i].verdict)
            finding_add(fs, per_verdict[i].id, n, "%s", per_verdict[i].placeholder);
    if (v->flags & SV_CONFLICT)
        finding_add(fs, FIND_CONFLICTING_OVERLAP, n,
                    "%zu bytes at relative seq %u from %s overlap earlier data (or a FIN) "
                    "with different content",
                    v->len, v->rel_seq, conn_endpoint(c, side, ep, sizeof(ep)));
    if (v->flags & SV_SHRINK)
        finding_add(fs, FIND_SHRINKING_WINDOW, n,
                    "%s moved its right window edge left by %u bytes (ack %u, window %u)",
                    conn_endpoint(c, side, ep, sizeof(ep)), v->shrink, v->rel_ack, v->window);
}

void conn_segment(struct an_conn *c, const struct an_frame *f, const struct an_pkt *p,
                  unsigned faults, struct seg_verdict *v)
{
    enum conn_side side = conn_side_of(c, &p->ip.src, p->seg.sport);
    if (c->packets == 0) {
        c->first_frame = f->number;
        c->first_ts = f->ts;
    }
    c->packets++;
    c->wire_bytes += p->ip_wire_len;
    c->last_frame = f->number;
    if (f->ts > c->last_ts)
        c->last_ts = f->ts;
    note_test_name(c, f->comment);
    if (faults != 0) {
        char names[FAULT_NAMES_MAX], ep[CONN_ENDPOINT_MAX];
        finding_add(&c->findings, FIND_DELIBERATE_FAULT, f->number,
                    "segments from %s made wrong on purpose by tcpreq (first: %s), not judged",
                    conn_endpoint(c, side, ep, sizeof(ep)),
                    tcp_fault_names(faults, names, sizeof(names)));
    }
    track_handshake(c, side, f, p);
    seqan_segment(&c->dir[side], &c->dir[!side], &c->seqc, p, f->ts, f->number, v);
    check_checksum(c, side, f, p, faults);
    check_header(c, side, f, p, faults);
    note_verdict(c, side, f, v);
}

static const char *unreachable_name(bool v6, uint8_t code)
{
    static const char *const v4[] = {"net unreachable",      "host unreachable",
                                     "protocol unreachable", "port unreachable",
                                     "fragmentation needed", "source route failed"};
    static const char *const v6n[] = {"no route",
                                      "administratively prohibited",
                                      "beyond scope of source",
                                      "address unreachable",
                                      "port unreachable",
                                      "source address failed policy",
                                      "reject route"};
    if (v6)
        return code < sizeof(v6n) / sizeof(v6n[0]) ? v6n[code] : "unreachable";
    if (code < sizeof(v4) / sizeof(v4[0]))
        return v4[code];
    return code >= 9 && code <= 13 ? "administratively prohibited" : "unreachable";
}

void conn_icmp(struct an_conn *c, const struct an_frame *f, const struct an_pkt *p)
{
    char ep[CONN_ENDPOINT_MAX], router[IP_ADDR_STRLEN];
    enum conn_side side = conn_side_of(c, &p->quote.q_src, p->quote.q_sport);
    const char *from = conn_endpoint(c, side, ep, sizeof(ep));
    ip_addr_format(&p->quote.router, router, sizeof(router));
    bool v6 = p->quote.router.family == IP_FAMILY_V6;
    c->last_frame = f->number;
    if (f->ts > c->last_ts)
        c->last_ts = f->ts;
    switch (p->icmp.kind) {
    case ICMP_ERR_FRAG_NEEDED:
        finding_add(&c->findings, FIND_ICMP_FRAG_NEEDED, f->number,
                    "%s: %s, next-hop MTU %u, for a segment from %s", router,
                    v6 ? "packet too big" : "fragmentation needed", p->icmp.mtu, from);
        break;
    case ICMP_ERR_TIME_EXCEEDED:
        finding_add(&c->findings, FIND_ICMP_TIME_EXCEEDED, f->number,
                    "%s: time exceeded in transit for a segment from %s", router, from);
        break;
    case ICMP_ERR_UNREACHABLE:
        finding_add(&c->findings, FIND_ICMP_UNREACHABLE, f->number,
                    "%s: destination unreachable (%s, type %u code %u) for a segment from %s",
                    router, unreachable_name(v6, p->icmp.code), p->icmp.type, p->icmp.code, from);
        break;
    }
}
