/* One direction of a TCP connection, reassembled (semantics in stream.h). Every sequence
 * number is turned into a 64-bit position first (seq_to_pos), so the rest of the file
 * compares plain integers and never meets the 2^32 wrap. */
#include "reasm/stream.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#define SEQ_SPACE ((int64_t)1 << 32)
#define SYN_POS 0           /* the SYN occupies the ISN itself (RFC 9293 3.4) */
#define FIRST_DATA_POS 1    /* the first payload byte follows the ISN; its kept offset is 0 */
#define KEEPALIVE_MAX_LEN 1 /* RFC 9293 3.8.4: zero or one garbage octet */

/* Where a segment lies, in positions. */
struct seg_span {
    int64_t start, end;           /* sequence space [start, end): SYN, payload, FIN */
    int64_t data_start, data_end; /* payload [data_start, data_end) */
    const uint8_t *payload;       /* NULL: bytes not captured */
};

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* a - b as a signed distance modulo 2^32 (RFC 9293 3.4: sequence comparisons are modulo
 * 2^32), in [-2^31, 2^31). Written out rather than cast to int32_t, whose conversion of large
 * values is implementation-defined. */
static int64_t seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d <= INT32_MAX ? (int64_t)d : (int64_t)d - SEQ_SPACE;
}

/* The position of seq, taken as the nearest one to the in-order edge: anything up to 2^31
 * behind it is old data, anything less than 2^31 ahead is future data. */
static int64_t seq_to_pos(const struct reasm_stream *s, uint32_t seq)
{
    return s->next_pos + seq_diff(seq, s->next);
}

/* One past the highest position received, in order or not. */
static int64_t highest_received(const struct reasm_stream *s)
{
    return s->ooo.n ? s->ooo.r[s->ooo.n - 1].end : s->next_pos;
}

int reasm_init(struct reasm_stream *s, size_t max_bytes)
{
    memset(s, 0, sizeof(*s));
    if (max_bytes > REASM_MAX_KEEP)
        return TCPREQ_EINVAL;
    s->max_bytes = max_bytes;
    s->keep_limit = (int64_t)max_bytes;
    return TCPREQ_OK;
}

void reasm_free(struct reasm_stream *s)
{
    free(s->kept);
    reasm_ranges_free(&s->ooo);
    memset(s, 0, sizeof(*s));
}

/* Make kept hold offsets below end (<= max_bytes), growing it by doubling as data comes. When
 * it cannot grow, nothing at or beyond its size will be kept: keep_limit drops to it, as for
 * any byte whose value is unknown. */
static void keep_room(struct reasm_stream *s, int64_t end)
{
    if (end <= (int64_t)s->kept_cap)
        return;
    size_t cap = s->kept_cap != 0 ? s->kept_cap : REASM_KEEP_INITIAL;
    while ((int64_t)cap < end)
        cap *= 2;
    if (cap > s->max_bytes)
        cap = s->max_bytes;
    uint8_t *grown = realloc(s->kept, cap);
    if (grown == NULL) {
        s->keep_limit = min64(s->keep_limit, (int64_t)s->kept_cap);
        return;
    }
    /* zeroed although never read before written: defence in depth for hostile input */
    memset(grown + s->kept_cap, 0, cap - s->kept_cap);
    s->kept = grown;
    s->kept_cap = cap;
}

/* Start (or restart) the stream at seq: a SYN fixes the ISN (RFC 9293 3.4); data without a
 * SYN gets ISN = seq - 1 so that its first byte has relative seq 1. */
static void start_at(struct reasm_stream *s, uint32_t seq, bool syn)
{
    s->started = true;
    s->syn_seen = syn;
    s->isn = syn ? seq : seq - 1;
    s->next = seq;
    s->next_pos = syn ? SYN_POS : FIRST_DATA_POS;
    s->fin_seen = false;
    s->fin_seq = 0;
    s->fin_pos = 0;
    reasm_ranges_clear(&s->ooo);
    s->keep_limit = (int64_t)s->max_bytes;
}

/* The same ISN again is placed by position like any segment (a retransmitted SYN, or the late
 * SYN of a mid-stream pickup); another ISN is a new incarnation of the connection. */
static void take_syn(struct reasm_stream *s, uint32_t seq, struct reasm_result *out)
{
    if (s->started && seq == s->isn) {
        s->syn_seen = true;
        return;
    }
    if (s->started)
        out->isn_changed = true;
    start_at(s, seq, true);
}

static void classify_empty(struct reasm_stream *s, uint32_t seq, struct reasm_result *out)
{
    out->kind = REASM_EMPTY;
    if (s->started) {
        out->rel_seq = seq - s->isn;
        /* RFC 9293 3.8.4: a keep-alive carries SND.NXT - 1 to elicit an ACK */
        out->keep_alive = s->next_pos > SYN_POS && seq == s->next - 1;
        return;
    }
    if (!s->have_hint) {
        s->have_hint = true;
        s->hint_isn = seq - 1;
    }
    out->rel_seq = seq - s->hint_isn;
}

static enum reasm_kind classify(const struct reasm_stream *s, const struct seg_span *g,
                                bool *opens_gap)
{
    *opens_gap = false;
    if (g->start < s->next_pos)
        return g->end <= s->next_pos ? REASM_RETRANSMISSION : REASM_PARTIAL_RETRANSMISSION;
    if (g->start == s->next_pos)
        return s->ooo.n ? REASM_FILLS_GAP : REASM_NEW;
    const struct reasm_range *r = reasm_ranges_find(&s->ooo, g->start);
    if (r)
        return g->end <= r->end ? REASM_RETRANSMISSION : REASM_PARTIAL_RETRANSMISSION;
    int64_t highest = highest_received(s);
    if (g->start < highest)
        return REASM_FILLS_GAP;
    *opens_gap = g->start > highest;
    return REASM_OUT_OF_ORDER;
}

/* Whether the kept bytes of the received positions [from, to) differ from the segment's.
 * Positions below FIRST_DATA_POS (the SYN, data from before a mid-stream pickup), at or
 * beyond keep_limit, and beyond what the kept buffer has grown to were never kept: a
 * received position need not be a kept byte (a FIN's position, when the FIN was not
 * believed, is passed by the in-order edge all the same; found by fuzzing the test cases). */
static bool piece_conflicts(const struct reasm_stream *s, const struct seg_span *g, int64_t from,
                            int64_t to)
{
    if (!g->payload)
        return false;
    int64_t lo = max64(max64(from, g->data_start), FIRST_DATA_POS);
    int64_t kept_end = min64(s->keep_limit, (int64_t)s->kept_cap) + FIRST_DATA_POS;
    int64_t hi = min64(min64(to, g->data_end), kept_end);
    if (lo >= hi)
        return false;
    return memcmp(s->kept + (lo - FIRST_DATA_POS), g->payload + (lo - g->data_start),
                  (size_t)(hi - lo)) != 0;
}

/* Take the never-received positions [from, to): keep their payload bytes and return how many
 * there are. Uncaptured bytes lower keep_limit, so no unknown byte is ever kept. */
static size_t take_new_piece(struct reasm_stream *s, const struct seg_span *g, int64_t from,
                             int64_t to)
{
    int64_t lo = max64(from, g->data_start), hi = min64(to, g->data_end);
    if (lo >= hi)
        return 0;
    int64_t keep_lo = max64(lo, FIRST_DATA_POS);
    int64_t keep_hi = min64(hi, s->keep_limit + FIRST_DATA_POS);
    if (keep_lo < keep_hi && g->payload) {
        keep_room(s, keep_hi - FIRST_DATA_POS);
        keep_hi = min64(keep_hi, s->keep_limit + FIRST_DATA_POS);
    }
    if (keep_lo < keep_hi) {
        if (g->payload)
            memcpy(s->kept + (keep_lo - FIRST_DATA_POS), g->payload + (keep_lo - g->data_start),
                   (size_t)(keep_hi - keep_lo));
        else
            s->keep_limit = keep_lo - FIRST_DATA_POS;
    }
    return (size_t)(hi - lo);
}

/* Walk the segment in order through received and never-received pieces: compare the first,
 * take the second. Runs before the edges move, against the state the segment arrived to. */
static void walk(struct reasm_stream *s, const struct seg_span *g, bool compare,
                 struct reasm_result *out)
{
    int64_t cursor = g->start;
    if (cursor < s->next_pos) {
        int64_t to = min64(g->end, s->next_pos);
        if (compare && piece_conflicts(s, g, cursor, to))
            out->conflict = true;
        cursor = to;
    }
    for (size_t i = 0; i < s->ooo.n && cursor < g->end; i++) {
        const struct reasm_range *r = &s->ooo.r[i];
        if (r->end <= cursor)
            continue;
        if (r->start >= g->end)
            break;
        if (r->start > cursor) {
            out->new_bytes += take_new_piece(s, g, cursor, r->start);
            cursor = r->start;
        }
        int64_t to = min64(r->end, g->end);
        if (compare && piece_conflicts(s, g, cursor, to))
            out->conflict = true;
        cursor = to;
    }
    if (cursor < g->end)
        out->new_bytes += take_new_piece(s, g, cursor, g->end);
}

/* RFC 9293 3.10.7.4: nothing follows a FIN. Whatever lies beyond a known FIN (or is data at
 * its sequence number) contradicts it: flagged, and cut off so that it is neither counted nor
 * remembered and the in-order edge never runs past the FIN. */
static void clip_beyond_fin(const struct reasm_stream *s, struct seg_span *g, bool keep_alive,
                            struct reasm_result *out)
{
    if (!s->fin_seen || (g->end <= s->fin_pos + 1 && g->data_end <= s->fin_pos))
        return;
    if (!keep_alive)
        out->conflict = true;
    g->data_end = max64(g->data_start, min64(g->data_end, s->fin_pos));
    g->end = max64(g->start, min64(g->end, s->fin_pos + 1));
}

/* A FIN at another place than an earlier one, or before data already received, contradicts
 * what was seen (the earlier data wins). The first consistent FIN is remembered and ends the
 * kept bytes. */
static void check_fin(struct reasm_stream *s, int64_t fin_pos, uint32_t fin_seq, bool tracked,
                      int64_t highest_before, struct reasm_result *out)
{
    /* A FIN not believed still takes its position when that position was not received
     * before: no byte is kept from there on, so a FIN's position is never served or
     * compared as data (found by fuzzing the test cases: the ALP was handed bytes never
     * kept). */
    bool unheld = fin_pos >= s->next_pos;
    if (s->fin_seen) {
        if (fin_pos != s->fin_pos) {
            out->conflict = true;
            if (unheld)
                s->keep_limit = min64(s->keep_limit, max64(fin_pos - FIRST_DATA_POS, 0));
        }
        return;
    }
    if (highest_before > fin_pos) {
        out->conflict = true;
        if (unheld)
            s->keep_limit = min64(s->keep_limit, max64(fin_pos - FIRST_DATA_POS, 0));
        return;
    }
    if (!tracked)
        return;
    s->fin_seen = true;
    s->fin_seq = fin_seq;
    s->fin_pos = fin_pos;
    s->keep_limit = min64(s->keep_limit, max64(fin_pos - FIRST_DATA_POS, 0));
}

/* Record the segment as received: move the in-order edge, or remember an out-of-order range
 * (room for it was checked beforehand). */
static void record(struct reasm_stream *s, const struct seg_span *g)
{
    if (g->start > s->next_pos) {
        reasm_ranges_add(&s->ooo, g->start, g->end);
        return;
    }
    int64_t edge = reasm_ranges_absorb(&s->ooo, max64(g->end, s->next_pos));
    s->next += (uint32_t)(edge - s->next_pos);
    s->next_pos = edge;
}

static void add_occupying(struct reasm_stream *s, uint32_t seq, bool syn, bool fin,
                          const uint8_t *payload, size_t len, struct reasm_result *out)
{
    if (syn)
        take_syn(s, seq, out);
    else if (!s->started)
        start_at(s, seq, false);

    /* A length no window can hold is placed by position only; clamping keeps the arithmetic
     * within 64 bits whatever size_t holds. */
    bool oversized = len > (size_t)REASM_WINDOW;
    int64_t seg_len = oversized ? REASM_WINDOW + 1 : (int64_t)len;
    struct seg_span g = {.payload = payload};
    g.start = seq_to_pos(s, seq);
    g.data_start = g.start + (syn ? 1 : 0);
    g.data_end = g.data_start + seg_len;
    g.end = g.data_end + (fin ? 1 : 0);
    int64_t fin_pos = g.end - 1;
    uint32_t fin_seq = seq + (uint32_t)(fin_pos - g.start);

    out->rel_seq = seq - s->isn;
    out->kind = classify(s, &g, &out->opens_gap);
    out->keep_alive = !syn && !fin && len <= KEEPALIVE_MAX_LEN && s->next_pos > SYN_POS &&
                      g.start == s->next_pos - 1;

    clip_beyond_fin(s, &g, out->keep_alive, out);

    int64_t highest_before = highest_received(s);
    bool tracked = !oversized && g.end - s->next_pos <= REASM_WINDOW &&
                   (g.start <= s->next_pos || reasm_ranges_reserve(&s->ooo, g.start, g.end));
    if (tracked)
        walk(s, &g, !out->keep_alive, out);
    if (fin)
        check_fin(s, fin_pos, fin_seq, tracked, highest_before, out);
    if (tracked)
        record(s, &g);
    out->untracked = !tracked;
}

void reasm_add(struct reasm_stream *s, uint32_t seq, bool syn, bool fin, const uint8_t *payload,
               size_t len, struct reasm_result *out)
{
    struct reasm_result scratch;
    if (!out)
        out = &scratch;
    memset(out, 0, sizeof(*out));
    if (!syn && !fin && len == 0)
        classify_empty(s, seq, out);
    else
        add_occupying(s, seq, syn, fin, payload, len, out);

    s->count.segments++;
    s->count.by_kind[out->kind]++;
    s->count.new_bytes += out->new_bytes;
    s->count.conflicts += out->conflict;
    s->count.keep_alives += out->keep_alive;
    s->count.untracked += out->untracked;
    s->count.isn_changes += out->isn_changed;
}

const uint8_t *reasm_data(const struct reasm_stream *s, size_t *len)
{
    int64_t n = s->started ? min64(s->next_pos - FIRST_DATA_POS, s->keep_limit) : 0;
    n = min64(n, (int64_t)s->kept_cap); /* never past the bytes kept */
    *len = n > 0 ? (size_t)n : 0;
    return s->kept;
}

bool reasm_next_seq(const struct reasm_stream *s, uint32_t *next)
{
    if (s->started)
        *next = s->next;
    return s->started;
}

const char *reasm_kind_name(enum reasm_kind kind)
{
    static const char *const names[REASM_KIND_COUNT] = {
        [REASM_EMPTY] = "empty",
        [REASM_NEW] = "new",
        [REASM_RETRANSMISSION] = "retransmission",
        [REASM_PARTIAL_RETRANSMISSION] = "partial_retransmission",
        [REASM_OUT_OF_ORDER] = "out_of_order",
        [REASM_FILLS_GAP] = "fills_gap",
    };
    return (unsigned)kind < REASM_KIND_COUNT ? names[kind] : "unknown";
}
