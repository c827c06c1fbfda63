/* The diagnosis of a connection once it is over (or the capture is): what only the whole
 * flow shows. Handshake outcome and teardown (RFC 9293 3.5, 3.6), holes never filled,
 * checksum errors told apart from offload, and summary messages for the findings counted
 * segment by segment. */
#include "analyze/conn.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const handshake_names[] = {
    [HS_NOT_SEEN] = "not seen",       [HS_SYN_SENT] = "unanswered",     [HS_REFUSED] = "refused",
    [HS_SYN_RECEIVED] = "incomplete", [HS_ESTABLISHED] = "established",
};

static const char *const close_names[] = {
    [CLOSE_OPEN] = "open",
    [CLOSE_FIN] = "closed",
    [CLOSE_HALF] = "half-closed",
    [CLOSE_RESET] = "reset",
};

const char *conn_handshake_name(enum conn_handshake hs)
{
    return hs <= HS_ESTABLISHED ? handshake_names[hs] : "?";
}

const char *conn_close_name(enum conn_close cl)
{
    return cl <= CLOSE_RESET ? close_names[cl] : "?";
}

enum conn_close conn_close_state(const struct an_conn *c)
{
    if (c->rst[SIDE_CLIENT] || c->rst[SIDE_SERVER])
        return CLOSE_RESET;
    if (c->fin[SIDE_CLIENT] && c->fin[SIDE_SERVER])
        return CLOSE_FIN;
    if (c->fin[SIDE_CLIENT] || c->fin[SIDE_SERVER])
        return CLOSE_HALF;
    return CLOSE_OPEN;
}

static void diagnose_handshake(struct an_conn *c)
{
    char a[CONN_ENDPOINT_MAX], b[CONN_ENDPOINT_MAX];
    conn_endpoint(c, SIDE_CLIENT, a, sizeof(a));
    conn_endpoint(c, SIDE_SERVER, b, sizeof(b));
    struct finding_set *fs = &c->findings;
    switch (c->handshake) {
    case HS_SYN_SENT:
        finding_add(fs, FIND_UNANSWERED_SYN, c->syn_frame,
                    "SYN from %s to %s sent %u time%s, never answered", a, b, c->syns,
                    c->syns == 1 ? "" : "s");
        break;
    case HS_REFUSED:
        finding_add(fs, FIND_REFUSED, c->rst_frame[SIDE_SERVER],
                    "%s answered the SYN from %s with RST (port closed)", b, a);
        break;
    case HS_SYN_RECEIVED:
        finding_add(fs, FIND_INCOMPLETE_HANDSHAKE, c->syn_frame,
                    "SYN-ACK from %s (%u sent) never acknowledged by %s%s", b, c->synacks, a,
                    c->rst[SIDE_CLIENT] ? ", which reset it" : "");
        break;
    case HS_NOT_SEEN:
        finding_add(fs, FIND_NO_HANDSHAKE, c->first_frame,
                    "no SYN seen: MSS, window scale and SACK-permitted unknown; client and "
                    "server roles guessed");
        break;
    case HS_ESTABLISHED:
        break;
    }
    if (c->reset_while_open) {
        enum conn_side by = c->rst[SIDE_CLIENT] ? SIDE_CLIENT : SIDE_SERVER;
        finding_add(fs, FIND_RESET, c->rst_frame[by], "reset by %s while open",
                    by == SIDE_CLIENT ? a : b);
    }
    if (conn_close_state(c) == CLOSE_HALF) {
        enum conn_side by = c->fin[SIDE_CLIENT] ? SIDE_CLIENT : SIDE_SERVER;
        finding_add(fs, FIND_HALF_CLOSED, c->fin_frame[by], "%s sent FIN, %s never did",
                    by == SIDE_CLIENT ? a : b, by == SIDE_CLIENT ? b : a);
    }
}

/* RFC 9293 MUST-2/MUST-3: a bad checksum is an error, unless every checksum of that side is
 * bad over enough segments: then the capture was taken on that host before its NIC filled
 * them in. A side with fewer segments, all bad (a lone SYN with a bad checksum, as
 * tcpreq's IncorrectChecksumTest sends), is judged an error. */
#define OFFLOAD_MIN_SEGMENTS 3
static void diagnose_checksums(struct an_conn *c)
{
    char ep[CONN_ENDPOINT_MAX];
    for (int s = 0; s < CONN_SIDES; s++) {
        const struct csum_evidence *e = &c->csum[s];
        if (e->bad == 0)
            continue;
        conn_endpoint(c, (enum conn_side)s, ep, sizeof(ep));
        bool offload = e->bad == e->checked && e->checked >= OFFLOAD_MIN_SEGMENTS;
        enum finding_id id = offload ? FIND_CHECKSUM_OFFLOAD : FIND_BAD_CHECKSUM;
        struct finding *f = finding_get(&c->findings, id);
        if (f == NULL) {
            if (offload)
                f = finding_add(&c->findings, id, 0,
                                "all %llu checksums from %s are bad (first 0x%04x): captured "
                                "on %s with checksum offload, not judged",
                                (unsigned long long)e->checked, ep, e->first_bad_value, ep);
            else
                f = finding_add(&c->findings, id, 0,
                                "%llu of %llu segments from %s have a bad TCP checksum "
                                "(first 0x%04x)",
                                (unsigned long long)e->bad, (unsigned long long)e->checked, ep,
                                e->first_bad_value);
            if (f == NULL)
                continue;
            f->count = 0;
        }
        f->count += e->bad;
        for (unsigned i = 0; i < e->n_frames; i++)
            finding_add_frame(f, e->frames[i]);
    }
}

static void diagnose_holes(struct an_conn *c)
{
    char ep[CONN_ENDPOINT_MAX];
    for (int s = 0; s < CONN_SIDES; s++) {
        struct seq_hole h;
        uint64_t bytes = 0, holes = 0;
        struct seq_hole first = {0};
        for (unsigned i = 0; seqan_hole(&c->dir[s], i, &h); i++) {
            if (holes++ == 0)
                first = h;
            bytes += h.bytes;
        }
        if (holes == 0)
            continue;
        conn_endpoint(c, (enum conn_side)s, ep, sizeof(ep));
        struct finding *f = NULL;
        for (unsigned i = 0; seqan_hole(&c->dir[s], i, &h); i++)
            f = finding_add(&c->findings, FIND_LOST_SEGMENT, h.frame, "lost");
        if (f != NULL && f->count == holes)
            finding_set_message(f,
                                "%llu bytes from %s in %llu hole%s never captured (first: "
                                "relative seq %u-%u)",
                                (unsigned long long)bytes, ep, (unsigned long long)holes,
                                holes == 1 ? "" : "s", first.rel_start, first.rel_end);
    }
}

/* "12 (client 2, server 10)" for a counter of both directions. */
static void per_side(const struct an_conn *c, size_t counter_offset, char *buf, size_t cap,
                     const char *what)
{
    uint64_t n[CONN_SIDES];
    for (int s = 0; s < CONN_SIDES; s++)
        memcpy(&n[s], (const char *)&c->dir[s].c + counter_offset, sizeof(n[s]));
    snprintf(buf, cap, "%llu %s (from client %llu, from server %llu)",
             (unsigned long long)(n[0] + n[1]), what, (unsigned long long)n[0],
             (unsigned long long)n[1]);
}

static void summarize(struct an_conn *c, enum finding_id id, size_t counter_offset,
                      const char *what)
{
    struct finding *f = finding_get(&c->findings, id);
    if (f == NULL)
        return;
    char text[FINDING_MESSAGE_MAX];
    per_side(c, counter_offset, text, sizeof(text), what);
    finding_set_message(f, "%s", text);
}

#define COUNTER(field) offsetof(struct seq_counters, field)

void conn_finish(struct an_conn *c)
{
    if (c->finished)
        return;
    c->finished = true;
    diagnose_handshake(c);
    diagnose_checksums(c);
    diagnose_holes(c);
    struct finding *rt = finding_get(&c->findings, FIND_RETRANSMISSION);
    if (rt != NULL) {
        const struct seq_counters *a = &c->dir[SIDE_CLIENT].c, *b = &c->dir[SIDE_SERVER].c;
        finding_set_message(rt,
                            "%llu retransmissions, %llu bytes (from client %llu, from server "
                            "%llu; %llu fast, %llu spurious)",
                            (unsigned long long)(a->retransmissions + b->retransmissions),
                            (unsigned long long)(a->retrans_bytes + b->retrans_bytes),
                            (unsigned long long)a->retransmissions,
                            (unsigned long long)b->retransmissions,
                            (unsigned long long)(a->fast_retrans + b->fast_retrans),
                            (unsigned long long)(a->spurious + b->spurious));
    }
    summarize(c, FIND_OUT_OF_ORDER, COUNTER(out_of_order), "segments out of order");
    summarize(c, FIND_DUPLICATE_ACK, COUNTER(dup_acks), "duplicate ACKs");
    summarize(c, FIND_ZERO_WINDOW, COUNTER(zero_windows), "zero-window advertisements");
    summarize(c, FIND_WINDOW_FULL, COUNTER(window_full), "segments filling the peer's window");
    summarize(c, FIND_KEEP_ALIVE, COUNTER(keep_alives), "keep-alives");
    summarize(c, FIND_ACKED_UNSEEN, COUNTER(acked_unseen), "ACKs of data not captured");
}
