/* Tracebox-style TTL coding (Detal et al., "Revealing Middlebox Interference with
 * Tracebox", IMC 2013): a router that drops a probe for an expired TTL quotes the probe
 * back in an ICMP time-exceeded message (RFC 792, RFC 4443). Writing the probe's TTL into
 * fields the quote carries lets us tell which hop a quote belongs to, and comparing the
 * quote with what was sent shows at or before which hop a middlebox changed the segment.
 *
 * The scheme is the original Python tcpreq's (tcpreq/tests/ttl_coding.py), kept bit for bit
 * so results stay comparable: a 5-bit TTL is copied three times into a 16-bit code, which
 * goes into the ACK number (twice), window, urgent pointer and IPv4 identification; the
 * options become a unary count (TTL NOOPs ended by EOL). Redundant copies let the decoder
 * out-vote a middlebox that rewrites one field. */
#include "tracebox/ttl_code.h"

#include "common/bytes.h"

#include <stdbool.h>

#include "common/err.h"
#include "tcp/options.h"

#define BITS_PER_BYTE 8
#define NIBBLE_BITS 4
#define WORD_BYTES 4 /* TCP data offset counts 32-bit words */

/* A TTL copy is 5 bits wide; the 16-bit code holds copies at bits 15-11, 9-5 and 4-0. */
#define TTL_COPY_MASK 0x1fu
#define TTL_CODE_MAX TTL_COPY_MASK /* largest TTL one copy can carry */
#define CODE16_SHIFT_HI 11
#define CODE16_SHIFT_MID 5
#define CODE16_SHIFT_LO 0
#define ACK_HALF_SHIFT 16 /* the ACK number holds the 16-bit code in both halves */

/* Quoted TCP header offsets (RFC 9293 3.1) and the quote lengths that cover them. */
#define Q_LEN_ACK (TCP_OFF_ACK + 4) /* up to and including the ACK number */
#define Q_LEN_WINDOW (TCP_OFF_WINDOW + 2)
#define Q_LEN_URG TCP_HDR_MIN /* the whole fixed header */
#define Q_OFF_OPTS TCP_HDR_MIN
/* The original only trusts the option run when the quote reaches 4 option bytes. */
#define Q_LEN_OPTS_MIN 24

/* Vote tally: 6 ACK copies + 3 window + 3 urgent pointer. */
#define MAX_VOTES 12
/* Votes per field copy set; the ACK's two halves count as two copies of the 16-bit code. */
#define ACK_WEIGHT 2
/* The original considers only the three most common values: with a one-third threshold
 * no fourth value can qualify. */
#define TOP_CANDIDATES 3
/* Two candidates whose counts differ by at least this much are not considered a tie. */
#define CLEAR_MAJORITY 2

static const unsigned ack_shifts[] = {27, 21, 16, 11, 5, 0};
static const unsigned code16_shifts[] = {CODE16_SHIFT_HI, CODE16_SHIFT_MID, CODE16_SHIFT_LO};
#define N_ACK_SHIFTS (sizeof(ack_shifts) / sizeof(ack_shifts[0]))
#define N_CODE16_SHIFTS (sizeof(code16_shifts) / sizeof(code16_shifts[0]))

uint16_t ttl_code16(unsigned ttl)
{
    /* Masked so that an out-of-range TTL cannot bleed into a neighbouring copy. */
    unsigned t = ttl & TTL_COPY_MASK;
    return (uint16_t)((t << CODE16_SHIFT_HI) | (t << CODE16_SHIFT_MID) | (t << CODE16_SHIFT_LO));
}

int ttl_encode(unsigned ttl, unsigned fields, struct tcp_seg *seg, uint16_t *ip_id)
{
    /* TTL 0 decodes as "unknown", and above 31 the 5-bit copies would wrap. */
    if (seg == NULL || ttl == 0 || ttl > TTL_CODE_MAX || (fields & ~(unsigned)TTL_ENC_ALL) != 0 ||
        ((fields & TTL_ENC_IPID) && ip_id == NULL))
        return TCPREQ_EINVAL;

    uint16_t code = ttl_code16(ttl);
    if (fields & TTL_ENC_IPID)
        *ip_id = code;
    if (fields & TTL_ENC_ACK)
        seg->ack = ((uint32_t)code << ACK_HALF_SHIFT) | code;
    if (fields & TTL_ENC_WIN)
        seg->window = code;
    if (fields & TTL_ENC_URG)
        seg->urg_ptr = code;
    if (fields & TTL_ENC_OPTS) {
        /* Unary code: the index of the EOL is the TTL. Zero padding after the EOL (RFC 9293
         * 3.1) is what the decoder expects to follow it. */
        tcp_opts_init(&seg->opts);
        for (unsigned i = 0; i < ttl; i++)
            if (tcp_opts_add_nop(&seg->opts) != TCPREQ_OK)
                return TCPREQ_EINVAL;
        if (tcp_opts_add_eol(&seg->opts) != TCPREQ_OK)
            return TCPREQ_EINVAL;
        seg->data_off = 0; /* derive the header length from the new options */
    }
    return TCPREQ_OK;
}

unsigned ttl_decode_ipid(uint16_t ip_id)
{
    unsigned hi = (ip_id >> CODE16_SHIFT_HI) & TTL_COPY_MASK;
    unsigned mid = (ip_id >> CODE16_SHIFT_MID) & TTL_COPY_MASK;
    unsigned lo = (ip_id >> CODE16_SHIFT_LO) & TTL_COPY_MASK;

    /* Two agreeing copies by chance: about 1 in 11 for a random ID (the original's estimate);
     * three: 1 in 1024. Without agreement the hop is unknown. */
    if (hi == mid || hi == lo)
        return hi;
    if (mid == lo)
        return mid;
    return 0;
}

/* The option run NOOP^n EOL 0* gives n; anything else (options stripped, replaced, padded
 * with garbage) gives false so the field votes decide. */
static bool decode_opts(const uint8_t *quote, size_t len, unsigned *ttl)
{
    size_t head_len = (size_t)(quote[TCP_OFF_DATA_OFF] >> NIBBLE_BITS) * WORD_BYTES;
    if (head_len <= Q_OFF_OPTS || head_len > len)
        return false;

    bool found = false;
    uint8_t expected = TCP_OPT_KIND_NOP;
    for (size_t i = Q_OFF_OPTS; i < head_len; i++) {
        if (quote[i] == expected)
            continue;
        if (!found && quote[i] == TCP_OPT_KIND_EOL) {
            *ttl = (unsigned)(i - Q_OFF_OPTS);
            found = true;
            expected = TCP_OPT_KIND_EOL;
        } else {
            return false;
        }
    }
    return found;
}

/* A Counter that remembers first-insertion order, so ties rank as Python's most_common()
 * ranks them (count descending, then first inserted first). */
struct tally {
    unsigned value[MAX_VOTES], count[MAX_VOTES];
    size_t n;
};

static void tally_add(struct tally *t, unsigned value)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->value[i] == value) {
            t->count[i]++;
            return;
        }
    }
    if (t->n < MAX_VOTES) {
        t->value[t->n] = value;
        t->count[t->n] = 1;
        t->n++;
    }
}

static void tally_code16(struct tally *t, uint16_t v)
{
    for (size_t i = 0; i < N_CODE16_SHIFTS; i++)
        tally_add(t, (v >> code16_shifts[i]) & TTL_COPY_MASK);
}

/* Stable selection of the k most common entries into idx[]; returns how many. */
static size_t tally_top(const struct tally *t, size_t k, size_t *idx)
{
    bool used[MAX_VOTES] = {false};
    size_t got = 0;
    for (; got < k && got < t->n; got++) {
        size_t best = t->n;
        for (size_t i = 0; i < t->n; i++)
            if (!used[i] && (best == t->n || t->count[i] > t->count[best]))
                best = i;
        used[best] = true;
        idx[got] = best;
    }
    return got;
}

unsigned ttl_decode_tcp(const uint8_t *quote, size_t len, unsigned ttl_guess, unsigned hop_limit,
                        unsigned fields)
{
    bool ack = fields & TTL_ENC_ACK, win = fields & TTL_ENC_WIN, urg = fields & TTL_ENC_URG;

    if (ttl_guess > hop_limit)
        ttl_guess = hop_limit;
    if (quote == NULL || len < Q_LEN_ACK)
        return ttl_guess;

    /* The unary option code is unambiguous when intact, so it decides first. */
    unsigned ttl;
    if ((fields & TTL_ENC_OPTS) && len >= Q_LEN_OPTS_MIN && decode_opts(quote, len, &ttl))
        return ttl;

    struct tally t = {.n = 0};
    if (ack) {
        uint32_t v = get_be32(quote + TCP_OFF_ACK);
        for (size_t i = 0; i < N_ACK_SHIFTS; i++)
            tally_add(&t, (v >> ack_shifts[i]) & TTL_COPY_MASK);
    }
    if (win && len >= Q_LEN_WINDOW)
        tally_code16(&t, get_be16(quote + TCP_OFF_WINDOW));
    if (urg && len >= Q_LEN_URG)
        tally_code16(&t, get_be16(quote + TCP_OFF_URG));

    /* A value needs a third of the votes the enabled fields could cast (as the original,
     * this counts fields the quote was too short to contain). */
    unsigned thresh = (unsigned)ack * ACK_WEIGHT + (unsigned)win + (unsigned)urg;
    size_t top[TOP_CANDIDATES];
    size_t ntop = tally_top(&t, TOP_CANDIDATES, top);
    unsigned cval[TOP_CANDIDATES], ccnt[TOP_CANDIDATES];
    size_t nc = 0;
    for (size_t i = 0; i < ntop; i++) {
        if (t.value[top[i]] <= hop_limit && t.count[top[i]] >= thresh) {
            cval[nc] = t.value[top[i]];
            ccnt[nc] = t.count[top[i]];
            nc++;
        }
    }

    switch (nc) {
    case 0:
        return ttl_guess; /* no field survived: fall back to the IP-level guess */
    case 1:
        return cval[0];
    case 2: {
        unsigned diff = ccnt[0] - ccnt[1];
        if (diff >= CLEAR_MAJORITY || cval[0] == ttl_guess)
            return cval[0];
        if (cval[1] == ttl_guess)
            return cval[1];
        if (diff > 0)
            return cval[0];
        return 0; /* 2-way tie */
    }
    default:
        return 0; /* 3-way tie */
    }
}
