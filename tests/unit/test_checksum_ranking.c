/* The helpers behind IncorrectChecksumTest / ZeroChecksumTest: what one quote says about our
 * checksum, the original's ranking of quotes, and the wrong checksums themselves, including
 * the rare case where the wrong value happens to be the real one. */
#include "checksum_cases_util.h"

#define R1 "198.18.1.1"
#define THEIR_ISN_BASE 0x10000000u
#define STAGE2_OFFSET 2048
#define WIN2 512
#define SEED_TRIES 200000u
#define STATE_PROBE_AHEAD 1000
#define LAB_COPIES 2

/* An instance of kind after start (the burst in the log). */
static void started(struct fe *f, const struct test_case *kind, enum fe_family fam)
{
    fe_init_kind(f, kind, fam, &tc_timing_default);
    fe_start(f);
}

static uint16_t sent_csum(const struct fe *f)
{
    struct cu_pkt p;
    cu_parse(fe_sent(f, 0), &p);
    return p.seg.checksum;
}

static void quote_check(enum fe_family fam)
{
    struct fe f;
    started(&f, &incorrect_checksum_test, fam);
    uint16_t cs = sent_csum(&f), seen = 0;
    const struct ip_addr *dst = &f.t.env.dst;
    struct icmp_quote q;

    cu_quote(&f, 5, R1, CU_UNCHANGED, false, &q);
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_NONE);
    cu_quote(&f, 5, R1, CU_STILL_WRONG, false, &q);
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_NONE);
    assert_int_equal(seen, cu_quoted_csum(&q));
    cu_quote(&f, 5, R1, CU_CORRECTED, false, &q);
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_CORRECTED);
    assert_int_equal(seen, cu_quoted_csum(&q));
    /* the same with the hop code destroyed and the checksum recomputed over that */
    cu_quote(&f, 5, R1, CU_CORRECTED, true, &q);
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_CORRECTED);
    /* verified against the target, not against whatever the quote names as destination */
    struct ip_addr other = f.t.env.src;
    assert_int_equal(checksum_quote_check(&q, cs, &other, &seen), QCS_NONE);

    /* too little quoted to verify: 18 and 19 bytes, a header cut before its options */
    cu_quote(&f, 5, R1, CU_CORRECTED, false, &q);
    for (size_t len = 18; len < TCP_HDR_MIN; len++) {
        q.quote_len = len;
        assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_MODIFIED);
    }
    q.quote_len = TCP_HDR_MIN + 5; /* data offset says 20 + 8 */
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_MODIFIED);
    /* checksum not quoted at all */
    q.quote_len = 17;
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_NONE);
    q.quote_len = 8;
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_NONE);
    /* a quoted length beyond the buffer is clamped, never read past */
    cu_quote(&f, 5, R1, CU_STILL_WRONG, false, &q);
    q.quote_len = QUOTE_MAX + 100;
    assert_int_equal(checksum_quote_check(&q, cs, dst, &seen), QCS_NONE);
    fe_free(&f);
}

static void test_quote_check_v4(void **state)
{
    (void)state;
    quote_check(FE_V4);
}

static void test_quote_check_v6(void **state)
{
    (void)state;
    quote_check(FE_V6);
}

/* A zero checksum corrected by the path, and a quote that zeroed ours. */
static void test_quote_check_zero(void **state)
{
    (void)state;
    struct fe f;
    started(&f, &zero_checksum_test, FE_V4);
    uint16_t seen;
    struct icmp_quote q;
    cu_quote(&f, 3, R1, CU_CORRECTED, false, &q);
    assert_int_equal(checksum_quote_check(&q, 0, &f.t.env.dst, &seen), QCS_CORRECTED);
    cu_quote(&f, 3, R1, CU_UNCHANGED, false, &q);
    assert_int_equal(cu_quoted_csum(&q), 0);
    assert_int_equal(checksum_quote_check(&q, 0, &f.t.env.dst, &seen), QCS_NONE);
    fe_free(&f);
}

/* Quote i of a sequence: kind, hop as decoded (0 = unknown). */
struct qspec {
    enum cu_quote kind;
    unsigned hop;
};

static void rank(const struct qspec *spec, size_t n, bool found, unsigned hop, bool corrected,
                 bool final, size_t winner)
{
    struct fe f;
    started(&f, &incorrect_checksum_test, FE_V4);
    uint16_t cs = sent_csum(&f);
    struct icmp_quote q[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        cu_quote(&f, (unsigned)(i + 1), R1, spec[i].kind, false, &q[i]);
        q[i].hop = spec[i].hop;
    }
    struct checksum_verdict v;
    checksum_rank(q, n, cs, &f.t.env.dst, &v);
    assert_int_equal(v.found, found);
    if (found) {
        assert_int_equal(v.hop, hop);
        assert_int_equal(v.corrected, corrected);
        assert_int_equal(v.final, final);
        assert_int_equal(v.seen, cu_quoted_csum(&q[winner]));
    }
    fe_free(&f);
}

#define RANK(spec, ...) rank(spec, sizeof(spec) / sizeof(spec[0]), __VA_ARGS__)

static void test_rank(void **state)
{
    (void)state;
    static const struct qspec none[] = {{CU_UNCHANGED, 1}, {CU_STILL_WRONG, 2}, {CU_UNCHANGED, 0}};
    RANK(none, false, 0, false, false, 0);
    rank(NULL, 0, false, 0, false, false, 0);
    /* unknown hops: corrected replaces modified, not the other way round; first one stays */
    static const struct qspec u1[] = {{CU_MODIFIED, 0}, {CU_CORRECTED, 0}, {CU_MODIFIED, 0}};
    RANK(u1, true, 0, true, false, 1);
    static const struct qspec u2[] = {{CU_MODIFIED, 0}, {CU_MODIFIED, 0}};
    RANK(u2, true, 0, false, false, 0);
    static const struct qspec u3[] = {{CU_CORRECTED, 0}, {CU_CORRECTED, 0}};
    RANK(u3, true, 0, true, false, 0);
    /* a known hop beats any unknown one, even a corrected one */
    static const struct qspec k1[] = {{CU_CORRECTED, 0}, {CU_MODIFIED, 4}, {CU_CORRECTED, 0}};
    RANK(k1, true, 4, false, false, 1);
    /* known "modified": the first one stays (arrival order, as the original) */
    static const struct qspec k2[] = {{CU_MODIFIED, 5}, {CU_MODIFIED, 2}};
    RANK(k2, true, 5, false, false, 0);
    /* known "corrected" beats known "modified" and ends the search */
    static const struct qspec k3[] = {
        {CU_MODIFIED, 2}, {CU_CORRECTED, 6}, {CU_CORRECTED, 3}, {CU_MODIFIED, 1}};
    RANK(k3, true, 6, true, true, 1);
    static const struct qspec k4[] = {{CU_UNCHANGED, 1}, {CU_CORRECTED, 2}};
    RANK(k4, true, 2, true, true, 1);
}

static void test_random_nonzero(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &incorrect_checksum_test, FE_V4, &tc_timing_default);
    bool high = false, low = false;
    for (unsigned i = 0; i < 100000; i++) {
        f.t.rng = i + 1; /* many generator states */
        uint16_t v = checksum_random_nonzero(&f.t);
        assert_int_not_equal(v, 0);
        high |= v > 0xff00;
        low |= v < 0x0100;
    }
    assert_true(high && low);
    fe_free(&f);
}

/* Does any SYN of the burst just sent carry the spare bit (the collision fix)? A quick look
 * at the raw window bytes, so the seed search stays cheap. */
static bool burst_fixed(const struct fe *f)
{
    size_t ip_hdr = f->t.env.src.family == IP_FAMILY_V4 ? IPV4_HDR_MIN : IPV6_HDR_LEN;
    for (size_t i = 0; i < f->t.n_out; i++)
        if (f->t.out[i].data[ip_hdr + 14] & (CU_SPARE_BIT >> 8))
            return true;
    return false;
}

/* Seeds from first_seed on until one traced SYN needs the collision fix (the wrong value
 * equals a copy's real checksum): that copy carries the spare bit in window and urgent pointer,
 * and only it does. first_seed is the first such seed found by searching from 1; starting
 * there keeps the test fast, and the search still finds another one should the generator
 * change. With the lab's path the traced SYN has three copies (TTL 30, 1, 2), not 30. */
static void burst_collision(const struct test_case *kind, enum fe_family fam, bool path_aware,
                            unsigned first_seed)
{
    struct fe f;
    for (unsigned seed = first_seed; seed < first_seed + SEED_TRIES; seed++) {
        fe_init_kind(&f, kind, fam, &tc_timing_default);
        f.t.env.seed = f.t.rng = seed;
        if (path_aware)
            fe_set_lab_path(&f);
        fe_start(&f);
        if (!burst_fixed(&f)) {
            fe_free(&f);
            continue;
        }
        uint16_t cs;
        unsigned fixed;
        /* still wrong everywhere, still decodable */
        if (path_aware)
            cu_check_probe(&f, LAB_COPIES, &cs, &fixed);
        else
            cu_check_burst(&f, &cs, &fixed);
        assert_int_equal(fixed, 1);
        for (size_t i = 0; i < fe_n_out(&f); i++) {
            struct cu_pkt p;
            cu_parse(&f.t.out[i], &p);
            uint16_t code = ttl_code16(p.ip.ttl);
            if (p.seg.window == code)
                continue;
            /* without the fix this copy would have carried a correct checksum */
            p.seg.window = p.seg.urg_ptr = code;
            assert_int_equal(cu_seg_csum(&f, &p.seg), cs);
        }
        fe_free(&f);
        return;
    }
    fail_msg("no seed in %u tries gives a checksum collision", SEED_TRIES);
}

static void test_burst_collision(void **state)
{
    (void)state;
    burst_collision(&incorrect_checksum_test, FE_V4, false, 185);
    burst_collision(&zero_checksum_test, FE_V4, false, 2774);
    burst_collision(&zero_checksum_test, FE_V6, false, 4706);
    burst_collision(&incorrect_checksum_test, FE_V6, true, 9871);
    burst_collision(&zero_checksum_test, FE_V4, true, 43432);
}

/* The SYN-ACK's ISN chosen so that the ACK's real checksum is the wrong value the case will
 * pick: the ACK's window becomes 0x02f0 and its checksum is wrong all the same. */
static void ack_collision(const struct test_case *kind, enum fe_family fam)
{
    struct fe f;
    started(&f, kind, fam);
    struct cu_pkt p;
    cu_parse(fe_sent(&f, 0), &p);
    uint32_t syn2 = p.seg.seq + STAGE2_OFFSET;
    fe_fire(&f); /* silence */
    fe_fire(&f); /* quotes: stage 2 SYN */
    fe_expect_plain(&f, 0, TCP_FLAG_SYN, syn2, 0, WIN2);
    /* the value generate() will return next */
    struct tc copy = f.t;
    uint16_t cs2 = kind == &zero_checksum_test ? 0 : checksum_random_nonzero(&copy);
    assert_int_not_equal(cs2, 0xffff); /* a real checksum is never 0xffff */
    struct tcp_seg ack;
    tc_seg_new(&f.t, &ack);
    ack.flags = TCP_FLAG_ACK;
    ack.seq = syn2 + 1;
    ack.window = WIN2;
    uint32_t their = THEIR_ISN_BASE;
    for (;; their++) {
        ack.ack = their + 1;
        if (cu_seg_csum(&f, &ack) == cs2)
            break;
        assert_true(their - THEIR_ISN_BASE < 0x20000);
    }
    fe_deliver(&f, TCP_FLAG_SYN | TCP_FLAG_ACK, their, syn2 + 1);
    assert_int_equal(fe_n_out(&f), 2);
    cu_parse(&f.t.out[0], &p);
    assert_int_equal(p.seg.flags, TCP_FLAG_ACK);
    assert_int_equal(p.seg.ack, their + 1);
    assert_int_equal(p.seg.window, 0x02f0);
    assert_int_equal(p.seg.checksum, cs2);
    assert_false(p.csum_ok);
    /* the state probe after it is the connection's: our window 512, a good checksum */
    fe_expect_plain(&f, 1, TCP_FLAG_ACK, syn2 + 1, their + 1 + WIN2 + STATE_PROBE_AHEAD, WIN2);
    /* a RST in the (changed) window is valid */
    fe_deliver(&f, TCP_FLAG_RST, their + 1 + 0x02ef, 0);
    fe_expect_result(&f, TC_PASS, -1, "", NULL);
    fe_free(&f);
}

static void test_ack_collision(void **state)
{
    (void)state;
    ack_collision(&incorrect_checksum_test, FE_V4);
    ack_collision(&incorrect_checksum_test, FE_V6);
    ack_collision(&zero_checksum_test, FE_V4);
    ack_collision(&zero_checksum_test, FE_V6);
}

/* checksum_make_wrong on its own: no collision leaves the segment alone. */
static void perturb_mark(struct tcp_seg *seg)
{
    seg->urg_ptr = 0xbeef;
}

static void test_make_wrong(void **state)
{
    (void)state;
    struct fe f;
    fe_init_kind(&f, &incorrect_checksum_test, FE_V6, &tc_timing_default);
    struct tcp_seg seg;
    tc_seg_new(&f.t, &seg);
    seg.flags = TCP_FLAG_SYN;
    seg.seq = 12345;
    uint16_t real = cu_seg_csum(&f, &seg);
    struct tcp_seg a = seg;
    assert_true(checksum_make_wrong(&f.t, &a, (uint16_t)(real + 1), perturb_mark));
    assert_true(a.csum_fixed);
    assert_int_equal(a.checksum, (uint16_t)(real + 1));
    assert_int_equal(a.urg_ptr, 0);
    struct tcp_seg b = seg;
    assert_true(checksum_make_wrong(&f.t, &b, real, perturb_mark));
    assert_int_equal(b.urg_ptr, 0xbeef);
    assert_int_equal(b.checksum, real);
    assert_int_not_equal(cu_seg_csum(&f, &b), real);
    /* a segment that cannot be built */
    struct tcp_seg c = seg;
    c.payload_len = 10; /* with no payload pointer */
    assert_false(checksum_make_wrong(&f.t, &c, real, perturb_mark));
    fe_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_check_v4),
        cmocka_unit_test(test_quote_check_v6),
        cmocka_unit_test(test_quote_check_zero),
        cmocka_unit_test(test_rank),
        cmocka_unit_test(test_random_nonzero),
        cmocka_unit_test(test_burst_collision),
        cmocka_unit_test(test_ack_collision),
        cmocka_unit_test(test_make_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
