/* What `tcpreq analyze` can say about a connection in a capture: one catalogue (a static
 * table, finding.c) of findings, each with a stable id, a severity and the RFC requirement
 * it concerns, and per flow a small set of findings that occurred, each with a one-line
 * message carrying the values seen, a count and the first frame numbers as evidence.
 *
 * Adding a finding: one enum value here, one line in the table in finding.c, and its
 * detector (conn.c / conn_diag.c) calling finding_add(). */
#ifndef TCPREQ_ANALYZE_FINDING_H
#define TCPREQ_ANALYZE_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ordered from the most to the least severe, so sorting by value sorts by severity. */
enum finding_severity { SEV_ERROR = 0, SEV_WARNING, SEV_NOTICE, SEV_INFO, SEV_COUNT };

enum finding_id {
    /* handshake and teardown (RFC 9293 3.5, 3.6) */
    FIND_REFUSED = 0,
    FIND_UNANSWERED_SYN,
    FIND_INCOMPLETE_HANDSHAKE,
    FIND_RESET,
    FIND_HALF_CLOSED,
    FIND_NO_HANDSHAKE,
    /* sequence analysis, per direction (RFC 9293 3.4, 3.8, 3.10.7.4) */
    FIND_RETRANSMISSION,
    FIND_OUT_OF_ORDER,
    FIND_LOST_SEGMENT,
    FIND_CONFLICTING_OVERLAP,
    FIND_DUPLICATE_ACK,
    FIND_ZERO_WINDOW,
    FIND_WINDOW_FULL,
    FIND_KEEP_ALIVE,
    FIND_SHRINKING_WINDOW,
    FIND_ACKED_UNSEEN,
    /* header and option conformance (RFC 9293 3.1, 3.2, 3.7; RFC 2018) */
    FIND_BAD_CHECKSUM,
    FIND_CHECKSUM_OFFLOAD,
    FIND_RESERVED_BITS,
    FIND_MALFORMED_OPTIONS,
    FIND_MSS_NOT_SYN,
    FIND_EXCEEDS_MSS,
    FIND_SEGMENTATION_OFFLOAD,
    FIND_NONZERO_AFTER_EOL,
    FIND_SACK_NOT_PERMITTED,
    /* ICMP errors quoting the flow (RFC 792, RFC 4443, RFC 1191, RFC 8201) */
    FIND_ICMP_FRAG_NEEDED,
    FIND_ICMP_TIME_EXCEEDED,
    FIND_ICMP_UNREACHABLE,
    /* the capture itself */
    FIND_SNAPPED,
    FIND_DELIBERATE_FAULT,
    FIND_COUNT
};

struct finding_def {
    enum finding_id id;
    const char *name; /* stable, lower-case, for JSON and filtering: "bad-checksum" */
    enum finding_severity severity;
    const char *rfc;   /* requirement and section: "RFC 9293 3.1 (MUST-2, MUST-3)" */
    const char *title; /* what it means, in a few words */
};

/* The catalogue, indexed by enum finding_id. */
extern const struct finding_def finding_catalogue[FIND_COUNT];

/* Evidence kept per finding: the first frames and how many there were in all. */
#define FINDING_MAX_FRAMES 10
#define FINDING_MESSAGE_MAX 160

struct finding {
    enum finding_id id;
    uint64_t count; /* occurrences (segments, ICMP messages, ...) */
    uint64_t frames[FINDING_MAX_FRAMES];
    unsigned n_frames; /* min(count of frames added, FINDING_MAX_FRAMES) */
    char message[FINDING_MESSAGE_MAX];
};

/* The findings of one flow, in order of first occurrence; grows on demand (most flows have
 * none or a few). */
struct finding_set {
    struct finding *items;
    unsigned n, cap;
};

const char *finding_severity_name(enum finding_severity sev);
const struct finding_def *finding_def_by_name(const char *name);
void finding_set_free(struct finding_set *set);
struct finding *finding_get(struct finding_set *set, enum finding_id id);
/* Count one occurrence at frame (0 = no frame to show). The message is formatted only for
 * the first occurrence (the values first seen); later ones just count. NULL when out of
 * memory (the occurrence is then lost, never the program). */
struct finding *finding_add(struct finding_set *set, enum finding_id id, uint64_t frame,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Replace the message (summaries written when the flow ends). */
void finding_set_message(struct finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record a frame without counting (evidence gathered before the finding was certain). */
void finding_add_frame(struct finding *f, uint64_t frame);
/* Indices of set->items ordered by severity, then catalogue order; idx has set->n slots. */
void finding_set_order(const struct finding_set *set, unsigned *idx);

#endif
