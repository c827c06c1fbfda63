/* The findings catalogue (the one table) and the per-flow finding sets. */
#include "analyze/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SET_INITIAL_CAP 4

const struct finding_def finding_catalogue[FIND_COUNT] = {
    [FIND_REFUSED] = {FIND_REFUSED, "refused", SEV_NOTICE, "RFC 9293 3.5.2",
                      "connection refused: the SYN was answered by a RST"},
    [FIND_UNANSWERED_SYN] = {FIND_UNANSWERED_SYN, "unanswered-syn", SEV_WARNING, "RFC 9293 3.5",
                             "SYN never answered"},
    [FIND_INCOMPLETE_HANDSHAKE] = {FIND_INCOMPLETE_HANDSHAKE, "incomplete-handshake", SEV_NOTICE,
                                   "RFC 9293 3.5", "SYN-ACK never acknowledged"},
    [FIND_RESET] = {FIND_RESET, "reset", SEV_NOTICE, "RFC 9293 3.5.2",
                    "connection reset while open"},
    [FIND_HALF_CLOSED] = {FIND_HALF_CLOSED, "half-closed", SEV_INFO, "RFC 9293 3.6",
                          "one side closed, the other never did"},
    [FIND_NO_HANDSHAKE] = {FIND_NO_HANDSHAKE, "no-handshake", SEV_INFO, "RFC 9293 3.5",
                           "capture starts after the handshake"},
    [FIND_RETRANSMISSION] = {FIND_RETRANSMISSION, "retransmission", SEV_NOTICE,
                             "RFC 9293 3.8.1; RFC 6298", "segments sent again"},
    [FIND_OUT_OF_ORDER] = {FIND_OUT_OF_ORDER, "out-of-order", SEV_NOTICE, "RFC 9293 3.10.7.4",
                           "segments that arrived after later ones (gap filled within an RTT)"},
    [FIND_LOST_SEGMENT] = {FIND_LOST_SEGMENT, "lost-segment", SEV_WARNING, "RFC 9293 3.10.7.4",
                           "data never captured: a gap in the sequence space never filled"},
    [FIND_CONFLICTING_OVERLAP] = {FIND_CONFLICTING_OVERLAP, "conflicting-overlap", SEV_ERROR,
                                  "RFC 9293 3.10.7.4",
                                  "overlapping segments carry different bytes, or data after FIN"},
    [FIND_DUPLICATE_ACK] = {FIND_DUPLICATE_ACK, "duplicate-ack", SEV_INFO, "RFC 5681 2, 3.2",
                            "the same ACK repeated (the receiver saw a gap)"},
    [FIND_ZERO_WINDOW] = {FIND_ZERO_WINDOW, "zero-window", SEV_NOTICE, "RFC 9293 3.8.6.1",
                          "receive window closed"},
    [FIND_WINDOW_FULL] = {FIND_WINDOW_FULL, "window-full", SEV_INFO, "RFC 9293 3.8.6",
                          "sender filled the peer's receive window"},
    [FIND_KEEP_ALIVE] = {FIND_KEEP_ALIVE, "keep-alive", SEV_INFO, "RFC 9293 3.8.4",
                         "keep-alive probes"},
    [FIND_SHRINKING_WINDOW] = {FIND_SHRINKING_WINDOW, "shrinking-window", SEV_WARNING,
                               "RFC 9293 3.8.6 (SHLD-14)",
                               "right window edge moved left (window shrunk)"},
    [FIND_ACKED_UNSEEN] = {FIND_ACKED_UNSEEN, "acked-unseen", SEV_INFO, "RFC 9293 3.4",
                           "ACK for data the capture does not hold"},
    [FIND_BAD_CHECKSUM] = {FIND_BAD_CHECKSUM, "bad-checksum", SEV_ERROR,
                           "RFC 9293 3.1 (MUST-2, MUST-3)", "TCP checksum does not verify"},
    [FIND_CHECKSUM_OFFLOAD] = {FIND_CHECKSUM_OFFLOAD, "checksum-offload", SEV_INFO,
                               "RFC 9293 3.1 (MUST-2)",
                               "every checksum of one side is bad: captured on a host with "
                               "checksum offload"},
    [FIND_RESERVED_BITS] = {FIND_RESERVED_BITS, "reserved-bits", SEV_WARNING,
                            "RFC 9293 3.1 (Rsrvd: must be zero)", "reserved header bits set"},
    [FIND_MALFORMED_OPTIONS] = {FIND_MALFORMED_OPTIONS, "malformed-options", SEV_ERROR,
                                "RFC 9293 3.1, 3.2 (MUST-7)",
                                "options area does not parse (illegal option length)"},
    [FIND_MSS_NOT_SYN] = {FIND_MSS_NOT_SYN, "mss-on-non-syn", SEV_WARNING, "RFC 9293 3.2 (MUST-65)",
                          "MSS option on a segment without SYN"},
    [FIND_EXCEEDS_MSS] = {FIND_EXCEEDS_MSS, "exceeds-mss", SEV_ERROR,
                          "RFC 9293 3.7.1 (MUST-14, MUST-15, MUST-16)",
                          "segment larger than the MSS the peer announced"},
    [FIND_SEGMENTATION_OFFLOAD] = {FIND_SEGMENTATION_OFFLOAD, "segmentation-offload", SEV_INFO,
                                   "RFC 9293 3.7.1",
                                   "segments larger than an Ethernet MTU: captured before "
                                   "segmentation offload (TSO/GSO) or after GRO"},
    [FIND_NONZERO_AFTER_EOL] = {FIND_NONZERO_AFTER_EOL, "nonzero-after-eol", SEV_WARNING,
                                "RFC 9293 3.1 (Options: padding after EOL is zero)",
                                "non-zero bytes after End of Option List"},
    [FIND_SACK_NOT_PERMITTED] = {FIND_SACK_NOT_PERMITTED, "sack-not-permitted", SEV_WARNING,
                                 "RFC 2018 2, 3",
                                 "SACK option sent though the peer's SYN had no SACK-permitted"},
    [FIND_ICMP_FRAG_NEEDED] = {FIND_ICMP_FRAG_NEEDED, "icmp-frag-needed", SEV_NOTICE,
                               "RFC 1191; RFC 8201; RFC 9293 3.7.2",
                               "ICMP fragmentation needed / packet too big quoting the flow"},
    [FIND_ICMP_TIME_EXCEEDED] = {FIND_ICMP_TIME_EXCEEDED, "icmp-time-exceeded", SEV_NOTICE,
                                 "RFC 792; RFC 4443 3.3",
                                 "ICMP time exceeded quoting the flow (TTL ran out)"},
    [FIND_ICMP_UNREACHABLE] = {FIND_ICMP_UNREACHABLE, "icmp-unreachable", SEV_WARNING,
                               "RFC 9293 3.9.2.2; RFC 1122 4.2.3.9",
                               "ICMP destination unreachable quoting the flow"},
    [FIND_SNAPPED] = {FIND_SNAPPED, "snapped", SEV_INFO, "-",
                      "payload cut by the capture's snap length: checksums and bytes "
                      "unverifiable"},
    [FIND_DELIBERATE_FAULT] = {FIND_DELIBERATE_FAULT, "deliberate-fault", SEV_INFO, "-",
                               "segments tcpreq made wrong on purpose (--pcap comment "
                               "fault=...): its tests' probes, not judged"},
};

static const char *const severity_names[SEV_COUNT] = {
    [SEV_ERROR] = "error",
    [SEV_WARNING] = "warning",
    [SEV_NOTICE] = "notice",
    [SEV_INFO] = "info",
};

const char *finding_severity_name(enum finding_severity sev)
{
    return sev < SEV_COUNT ? severity_names[sev] : "?";
}

const struct finding_def *finding_def_by_name(const char *name)
{
    for (size_t i = 0; i < FIND_COUNT; i++)
        if (strcmp(finding_catalogue[i].name, name) == 0)
            return &finding_catalogue[i];
    return NULL;
}

void finding_set_free(struct finding_set *set)
{
    free(set->items);
    memset(set, 0, sizeof(*set));
}

struct finding *finding_get(struct finding_set *set, enum finding_id id)
{
    for (unsigned i = 0; i < set->n; i++)
        if (set->items[i].id == id)
            return &set->items[i];
    return NULL;
}

void finding_add_frame(struct finding *f, uint64_t frame)
{
    if (frame != 0 && f->n_frames < FINDING_MAX_FRAMES)
        f->frames[f->n_frames++] = frame;
}

static struct finding *finding_new(struct finding_set *set, enum finding_id id)
{
    if (set->n == set->cap) {
        unsigned cap = set->cap ? set->cap * 2 : SET_INITIAL_CAP;
        struct finding *items = realloc(set->items, cap * sizeof(*items));
        if (items == NULL)
            return NULL;
        set->items = items;
        set->cap = cap;
    }
    struct finding *f = &set->items[set->n++];
    memset(f, 0, sizeof(*f));
    f->id = id;
    return f;
}

struct finding *finding_add(struct finding_set *set, enum finding_id id, uint64_t frame,
                            const char *fmt, ...)
{
    struct finding *f = finding_get(set, id);
    if (f == NULL) {
        if ((f = finding_new(set, id)) == NULL)
            return NULL;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->message, sizeof(f->message), fmt, ap);
        va_end(ap);
    }
    f->count++;
    finding_add_frame(f, frame);
    return f;
}

void finding_set_message(struct finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
}

void finding_set_order(const struct finding_set *set, unsigned *idx)
{
    for (unsigned i = 0; i < set->n; i++)
        idx[i] = i;
    /* insertion sort: a handful of items */
    for (unsigned i = 1; i < set->n; i++) {
        unsigned v = idx[i], j = i;
        const struct finding *fv = &set->items[v];
        while (j > 0) {
            const struct finding *fp = &set->items[idx[j - 1]];
            enum finding_severity sp = finding_catalogue[fp->id].severity;
            enum finding_severity sv = finding_catalogue[fv->id].severity;
            if (sp < sv || (sp == sv && fp->id <= fv->id))
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}
