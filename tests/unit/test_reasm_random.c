/* Randomized reassembly: a known byte stream cut into segments, duplicated, resegmented,
 * sometimes corrupted, shuffled and fed in; every verdict is checked against a reference
 * model that simply marks each sequence position as seen, and at the end the reassembled
 * bytes must equal the stream and the new bytes must add up to its length. Then hostile
 * input: any seq, any length, far away, under the sanitizers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "reasm/stream.h"

#define RUNS 150
/* long enough, in short chunks, for the holes of a shuffle to outnumber the range list */
#define MAX_STREAM (12 * REASM_MAX_RANGES)
#define MAX_CHUNK 3 /* partition chunks: short, so that holes outnumber the range list */
#define SLICES 40    /* extra segments cut at arbitrary offsets (resegmented resends) */
#define DUPLICATE_ONE_IN 4
#define MAX_SEGMENTS (MAX_STREAM * 2 + SLICES)
#define SYN_POS 0

struct segment {
    int a, b;     /* data positions [a, b); the first byte is position 1 */
    bool fin;     /* b == n + 1: the last segment carries the FIN */
    bool corrupt; /* one byte flipped: a conflicting resend */
};

/* The reference: which positions were seen and the first value of each byte. */
struct model {
    int n;
    bool seen[MAX_STREAM + 2]; /* SYN, n bytes, FIN */
    uint8_t kept[MAX_STREAM + 2];
    int keep; /* bytes the stream under test keeps */
};

static uint64_t rng_state;
/* Summed over the runs, to prove that the runs reach every case they claim to check. */
static struct reasm_counters seen_totals;

static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return bound ? (uint32_t)(rng_state % bound) : 0;
}

static int model_next(const struct model *m)
{
    int p = 0;
    while (p < m->n + 2 && m->seen[p])
        p++;
    return p;
}

static int model_highest(const struct model *m)
{
    int p = m->n + 2;
    while (p > 0 && !m->seen[p - 1])
        p--;
    return p;
}

/* Maximal runs of seen positions beyond the in-order edge: the ranges the stream tracks. */
static size_t model_runs(const struct model *m, int next)
{
    size_t runs = 0;
    for (int p = next + 1; p < m->n + 2; p++)
        if (m->seen[p] && !m->seen[p - 1])
            runs++;
    return runs;
}

static bool model_any_seen(const struct model *m, int from, int to)
{
    for (int p = from < 0 ? 0 : from; p < to && p < m->n + 2; p++)
        if (m->seen[p])
            return true;
    return false;
}

static enum reasm_kind model_kind(const struct model *m, int st, int en, bool *opens_gap)
{
    int next = model_next(m), highest = model_highest(m);
    *opens_gap = false;
    if (st < next)
        return en <= next ? REASM_RETRANSMISSION : REASM_PARTIAL_RETRANSMISSION;
    if (st == next)
        return model_any_seen(m, next, m->n + 2) ? REASM_FILLS_GAP : REASM_NEW;
    if (m->seen[st]) {
        for (int p = st; p < en; p++)
            if (!m->seen[p])
                return REASM_PARTIAL_RETRANSMISSION;
        return REASM_RETRANSMISSION;
    }
    if (st < highest)
        return REASM_FILLS_GAP;
    *opens_gap = st > highest;
    return REASM_OUT_OF_ORDER;
}

static void check_segment(struct reasm_stream *s, struct model *m, uint32_t isn,
                          const uint8_t *stream, const struct segment *g, uint64_t *new_sum)
{
    uint8_t payload[MAX_STREAM];
    size_t len = (size_t)(g->b - g->a);
    memcpy(payload, stream + g->a - 1, len);
    if (g->corrupt && len)
        payload[rnd((uint32_t)len)] ^= 0x5a;
    int st = g->a, en = g->b + (g->fin ? 1 : 0);

    bool opens_gap;
    enum reasm_kind kind = model_kind(m, st, en, &opens_gap);
    int next = model_next(m);
    bool touches = model_any_seen(m, st - 1, en + 1);
    bool untracked = st > next && !touches && model_runs(m, next) == REASM_MAX_RANGES;
    /* RFC 9293 3.8.4: a 1-byte probe at next - 1 may carry garbage and is not compared */
    bool keep_alive = !g->fin && len <= 1 && st == next - 1;
    size_t fresh = 0;
    bool conflict = false;
    for (int p = g->a; p < g->b && !untracked && !keep_alive; p++) {
        uint8_t byte = payload[p - g->a];
        if (!m->seen[p])
            fresh++;
        else if (p - 1 < m->keep && m->kept[p] != byte)
            conflict = true;
    }

    struct reasm_result r;
    reasm_add(s, isn + (uint32_t)st, false, g->fin, payload, len, &r);
    assert_int_equal(r.kind, kind);
    assert_int_equal(r.opens_gap, opens_gap);
    assert_int_equal(r.untracked, untracked);
    assert_int_equal(r.new_bytes, fresh);
    assert_int_equal(r.conflict, conflict);
    assert_int_equal(r.keep_alive, keep_alive);
    assert_int_equal(r.rel_seq, st);
    *new_sum += r.new_bytes;

    for (int p = st; p < en && !untracked; p++) {
        if (!m->seen[p] && p >= 1 && p <= m->n)
            m->kept[p] = payload[p - g->a];
        m->seen[p] = true;
    }
    next = model_next(m);
    assert_int_equal(s->ooo.n, model_runs(m, next));
    int in_order = next - 1 < m->n ? next - 1 : m->n;
    size_t expect_len = (size_t)(in_order < m->keep ? in_order : m->keep);
    size_t got_len;
    const uint8_t *got = reasm_data(s, &got_len);
    assert_int_equal(got_len, expect_len);
    if (got_len)
        assert_memory_equal(got, m->kept + 1, got_len);
}

static size_t make_segments(int n, bool corrupt, struct segment *segs, size_t *n_chunks)
{
    size_t k = 0;
    for (int a = 1; a <= n;) {
        int b = a + 1 + (int)rnd(MAX_CHUNK);
        if (b > n + 1)
            b = n + 1;
        segs[k++] = (struct segment){a, b, b == n + 1, false};
        a = b;
    }
    *n_chunks = k;
    for (size_t i = 0, chunks = k; i < chunks; i++)
        if (rnd(DUPLICATE_ONE_IN) == 0)
            segs[k++] = segs[i];
    for (int i = 0; i < SLICES; i++) {
        int a = 1 + (int)rnd((uint32_t)n);
        int b = a + 1 + (int)rnd(2 * MAX_CHUNK);
        if (b > n + 1)
            b = n + 1;
        segs[k++] = (struct segment){a, b, b == n + 1, corrupt && rnd(2)};
    }
    return k;
}

static void run_one(uint64_t seed)
{
    static uint8_t stream[MAX_STREAM];
    static struct segment segs[MAX_SEGMENTS], order[MAX_SEGMENTS];
    static struct model m;
    rng_state = seed;
    int n = 1 + (int)rnd(MAX_STREAM);
    for (int i = 0; i < n; i++)
        stream[i] = (uint8_t)rnd(256);
    /* half the runs straddle the 2^32 wrap */
    uint32_t isn = rnd(2) ? (uint32_t)(0u - (uint32_t)n / 2) : (uint32_t)rnd(UINT32_MAX);
    size_t keep_choices[] = {0, (size_t)n / 3, (size_t)n, (size_t)n + 100};
    size_t max_bytes = keep_choices[rnd(4)];
    bool corrupt = rnd(2);
    size_t n_chunks;
    size_t count = make_segments(n, corrupt, segs, &n_chunks);
    memcpy(order, segs, count * sizeof(segs[0]));
    for (size_t i = count - 1; i > 0; i--) { /* Fisher-Yates */
        size_t j = rnd((uint32_t)(i + 1));
        struct segment t = order[i];
        order[i] = order[j];
        order[j] = t;
    }

    memset(&m, 0, sizeof(m));
    m.n = n;
    m.keep = (int)max_bytes < n ? (int)max_bytes : n;
    struct reasm_stream s;
    assert_int_equal(reasm_init(&s, max_bytes), TCPREQ_OK);
    struct reasm_result r;
    reasm_add(&s, isn, true, false, NULL, 0, &r);
    assert_int_equal(r.kind, REASM_NEW);
    m.seen[SYN_POS] = true;
    uint64_t new_sum = 0;
    for (size_t i = 0; i < count; i++)
        check_segment(&s, &m, isn, stream, &order[i], &new_sum);
    /* the sender's final in-order resend fills whatever was forgotten */
    for (size_t i = 0; i < n_chunks; i++)
        check_segment(&s, &m, isn, stream, &segs[i], &new_sum);

    seen_totals.untracked += s.count.untracked;
    seen_totals.conflicts += s.count.conflicts;
    seen_totals.keep_alives += s.count.keep_alives;
    for (int k = 0; k < REASM_KIND_COUNT; k++)
        seen_totals.by_kind[k] += s.count.by_kind[k];
    assert_int_equal(new_sum, (uint64_t)n);
    assert_int_equal(s.count.new_bytes, (uint64_t)n);
    uint32_t next;
    assert_true(reasm_next_seq(&s, &next));
    assert_int_equal(next, isn + (uint32_t)n + 2); /* past the FIN */
    size_t len;
    const uint8_t *d = reasm_data(&s, &len);
    assert_int_equal(len, m.keep);
    if (!corrupt && len)
        assert_memory_equal(d, stream, len);
    reasm_free(&s);
}

static uint64_t current_seed;

static void test_shuffled_duplicated_stream(void **state)
{
    (void)state;
    for (current_seed = 1; current_seed <= RUNS; current_seed++)
        run_one(current_seed * 0x9e3779b97f4a7c15ull);
    for (int k = REASM_NEW; k < REASM_KIND_COUNT; k++)
        assert_true(seen_totals.by_kind[k] > 0);
    assert_true(seen_totals.untracked > 0 && seen_totals.conflicts > 0);
    assert_true(seen_totals.keep_alives > 0);
    print_message("kinds new %llu retr %llu partial %llu ooo %llu fills %llu; untracked %llu, "
                  "conflicts %llu, keep-alives %llu\n",
                  (unsigned long long)seen_totals.by_kind[REASM_NEW],
                  (unsigned long long)seen_totals.by_kind[REASM_RETRANSMISSION],
                  (unsigned long long)seen_totals.by_kind[REASM_PARTIAL_RETRANSMISSION],
                  (unsigned long long)seen_totals.by_kind[REASM_OUT_OF_ORDER],
                  (unsigned long long)seen_totals.by_kind[REASM_FILLS_GAP],
                  (unsigned long long)seen_totals.untracked,
                  (unsigned long long)seen_totals.conflicts,
                  (unsigned long long)seen_totals.keep_alives);
}

/* Runs after a failed assertion too: names the run to replay. */
static int report_seed(void **state)
{
    (void)state;
    print_message("last run: seed %llu of %d\n", (unsigned long long)current_seed, RUNS);
    return 0;
}

#define HOSTILE_ISN 1000u
#define HOSTILE_KEEP 64
#define MAX_SEGMENT 65535

/* Segments far away, huge or random must never touch memory out of bounds (sanitizers
 * watch) and must keep the accounting sane. */
static void test_hostile_input(void **state)
{
    (void)state;
    static uint8_t junk[MAX_SEGMENT];
    uint32_t rng = 0x9e3779b9u;
    for (size_t i = 0; i < sizeof(junk); i++) {
        rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
        junk[i] = (uint8_t)rng;
    }
    struct reasm_stream s;
    assert_int_equal(reasm_init(&s, HOSTILE_KEEP), TCPREQ_OK);
    reasm_add(&s, HOSTILE_ISN, true, false, NULL, 0, NULL);
    reasm_add(&s, HOSTILE_ISN + 1, false, false, (const uint8_t *)"abc", 3, NULL);
    struct reasm_result r;
    /* beyond any window */
    reasm_add(&s, HOSTILE_ISN + 4 + (1u << 30), false, false, junk, 10, &r);
    assert_int_equal(r.kind, REASM_OUT_OF_ORDER);
    assert_true(r.untracked);
    assert_int_equal(r.new_bytes, 0);
    reasm_add(&s, HOSTILE_ISN + 4 + 0x7fffffffu, false, false, junk, MAX_SEGMENT, &r);
    assert_true(r.untracked);
    /* 2^31 away is ambiguous: taken as the past */
    reasm_add(&s, HOSTILE_ISN + 4 + 0x80000000u, false, true, junk, MAX_SEGMENT, &r);
    assert_int_equal(r.kind, REASM_RETRANSMISSION);
    assert_int_equal(r.new_bytes, 0);
    reasm_add(&s, HOSTILE_ISN + 4, false, false, NULL, SIZE_MAX, &r);
    assert_true(r.untracked);
    assert_int_equal(r.new_bytes, 0);
    size_t kept;
    const uint8_t *d = reasm_data(&s, &kept);
    assert_int_equal(kept, 3);
    assert_memory_equal(d, "abc", 3);

    for (int round = 0; round < 20000; round++) {
        rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
        uint32_t seq = round % 2 ? rng : HOSTILE_ISN + (rng % 4096);
        size_t len = (rng >> 7) % (MAX_SEGMENT + 1);
        if (round % 3)
            len %= 64;
        bool syn = (rng & 0xff) == 1, fin = (rng & 0x30) == 0x30;
        reasm_add(&s, seq, syn, fin, round % 5 ? junk : NULL, len, &r);
        assert_true(r.new_bytes <= len);
        assert_true(r.kind < REASM_KIND_COUNT);
        assert_true(s.ooo.n <= REASM_MAX_RANGES);
        reasm_data(&s, &kept);
        assert_true(kept <= HOSTILE_KEEP);
    }
    reasm_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_shuffled_duplicated_stream, report_seed),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
