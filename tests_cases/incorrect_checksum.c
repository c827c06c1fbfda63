/* IncorrectChecksumTest: RFC 9293 MUST-3, the receiver must check the checksum of every
 * segment and drop those failing it (3.1 "Checksum"). As the original tcpreq:
 *
 * Stage 1: a traced SYN (tc_send_probe; the TTL in every field that can carry it) whose
 * copies all carry the same wrong checksum. The target must not answer with a connection: a
 * RST acknowledging the SYN or silence are acceptable. The quotes then show whether the path
 * corrected (or at least changed) the checksum; if it did, what the target saw was not our
 * wrong checksum, so the verdict is UNK and the path is to blame.
 *
 * Stage 2: a new connection; the handshake's ACK carries a wrong checksum. The target must
 * not consider the connection established. The original waited for a retransmitted SYN-ACK
 * and took silence for acceptance, which fails every host that never retransmits (SYN
 * cookies, tcp_synack_retries=0) or retransmits late (BSD's 6 s, lwIP's 3 s). Here the state
 * probe (testcase/connection.h) asks: an ACK for data the host has not sent draws a RST
 * <SEQ=SEG.ACK> in SYN-RECEIVED (the bad ACK was dropped: PASS) and an ACK in ESTABLISHED
 * (it was taken: FAIL); a retransmitted SYN-ACK says the same as the RST, whichever comes
 * first. A host that answers neither way is UNK, never FAIL.
 *
 * ZeroChecksumTest (tests_cases/zero_checksum.c) is this machine with a zero checksum. */
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"

#include "tcp/checksum.h"
#include "tests_cases/checksum_case.h"
#include "tracebox/quote_view.h"
#include "tracebox/ttl_code.h"

#define STAGE_SYN 1
#define STAGE_ACK 2
/* The original's fixed waits, for --timing original. */
#define ORIGINAL_REPLY_WAIT (60 * TC_SEC)
#define ORIGINAL_QUOTE_WAIT (10 * TC_SEC)
#define ORIGINAL_HANDSHAKE_WAIT (30 * TC_SEC)
#define ORIGINAL_ACK_WAIT (30 * TC_SEC)
/* Stage 2's SYN starts this far beyond the traced SYN (the original's numbers). */
#define STAGE2_SEQ_GAP 2047
#define STAGE2_WINDOW 512
/* Collision fixes, as the original. SYN: bit 10 of window and urgent pointer, which the TTL
 * code (copies at bits 15-11, 9-5, 4-0) leaves unused, so the hop still decodes. ACK: the
 * window's low byte. */
#define SYN_SPARE_BIT 0x0400
#define ACK_WINDOW_LOW_BYTE 0x00f0
#define LOW_BYTE_MASK 0x00ff
#define CSUM_VALUES 0xffffu /* non-zero 16-bit values */
#define CSUM_HEX "%04x"
#define CSUM_HEX_LEN 5

#define REASON_SYN_BAD_CSUM "Incorrect checksum in reply to SYN with incorrect checksum"
#define REASON_SYN_NON_RST "Non-RST in reply to SYN with incorrect checksum"
#define REASON_SYN_BAD_RST "Invalid RST in reply to SYN with incorrect checksum"
#define REASON_ACK_BAD_CSUM "Incorrect checksum in reply to ACK with incorrect checksum"
#define REASON_ACK_NON_RST "Non-RST in reply to ACK with incorrect checksum"
#define REASON_ACK_BAD_RST "Invalid RST in reply to ACK with incorrect checksum"
#define REASON_ACK_ACCEPTED "ACK with incorrect checksum accepted"
#define REASON_ACK_NO_ANSWER                                                                       \
    "No answer to the state probe after the ACK with incorrect checksum: cannot tell whether "     \
    "it was accepted"
#define INFO_CORRECTED "checksum corrected"
#define INFO_MODIFIED "checksum modified"

static const struct checksum_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

uint16_t checksum_random_nonzero(struct tc *t)
{
    return (uint16_t)(1 + tc_random32(t) % CSUM_VALUES);
}

bool checksum_make_wrong(const struct tc *t, struct tcp_seg *seg, uint16_t cs,
                         void (*perturb)(struct tcp_seg *seg))
{
    uint8_t buf[IP_PACKET_MAX];
    size_t len;
    seg->csum_fixed = false;
    if (tcp_seg_build(seg, &t->env.src, &t->env.dst, buf, sizeof(buf), &len) != 0)
        return false;
    uint16_t real = get_be16(buf + TCP_OFF_CSUM);
    if (real == cs)
        perturb(seg);
    seg->csum_fixed = true;
    seg->checksum = cs;
    return true;
}

/* Each perturbation sets bits that are clear in what we send (the TTL code leaves bit 10
 * clear, the ACK's window 512 has a zero low byte): the one's-complement sum, and with it
 * the real checksum, changes. */
static void perturb_syn(struct tcp_seg *seg)
{
    seg->window |= SYN_SPARE_BIT;
    seg->urg_ptr |= SYN_SPARE_BIT;
}

static void perturb_ack(struct tcp_seg *seg)
{
    seg->window = (uint16_t)((seg->window & ~LOW_BYTE_MASK) | ACK_WINDOW_LOW_BYTE);
}

enum quote_csum checksum_quote_check(const struct icmp_quote *q, uint16_t cs,
                                     const struct ip_addr *dst, uint16_t *seen)
{
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_checksum)
        return QCS_NONE; /* checksum not quoted */
    *seen = v.checksum;
    if (*seen == cs)
        return QCS_NONE;
    if (!v.has_options || q->q_src.family != dst->family)
        return QCS_MODIFIED; /* too little quoted to verify it */
    /* The whole segment is quoted (the quote is bounded by the quoted IP length, and our
     * SYNs carry no payload): recompute over all of it, as the original, with the checksum
     * field zero (RFC 9293 3.1). */
    uint8_t copy[QUOTE_MAX];
    memcpy(copy, q->quote, v.len);
    put_be16(copy + TCP_OFF_CSUM, 0);
    if (csum_tcp(&q->q_src, dst, copy, v.len) == *seen)
        return QCS_CORRECTED;
    /* Changed but still wrong, e.g. an incremental update (RFC 1624) after rewriting another
     * field: the target saw a wrong checksum all the same. */
    return QCS_NONE;
}

/* Ranks of the original's res_stat. */
enum rank { RANK_NONE, RANK_UNK_MODIFIED, RANK_UNK_CORRECTED, RANK_HOP_MODIFIED };

void checksum_rank(const struct icmp_quote *q, size_t n, uint16_t cs, const struct ip_addr *dst,
                   struct checksum_verdict *v)
{
    enum rank rank = RANK_NONE;
    *v = (struct checksum_verdict){.found = false};
    for (size_t i = 0; i < n; i++) {
        uint16_t seen = 0;
        enum quote_csum c = checksum_quote_check(&q[i], cs, dst, &seen);
        if (c == QCS_NONE)
            continue;
        bool corrected = c == QCS_CORRECTED;
        bool known = q[i].hop != 0;
        if (known ? (!corrected && rank >= RANK_HOP_MODIFIED)
                  : rank >= (corrected ? RANK_UNK_CORRECTED : RANK_UNK_MODIFIED))
            continue;
        *v = (struct checksum_verdict){
            .found = true, .corrected = corrected, .hop = q[i].hop, .seen = seen};
        if (known && corrected) {
            v->final = true;
            return;
        }
        rank = known ? RANK_HOP_MODIFIED : corrected ? RANK_UNK_CORRECTED : RANK_UNK_MODIFIED;
    }
}

/* Record the path and, if the quotes show the path changed our checksum (only a final
 * verdict when only_final), finish UNK. True if it finished. */
static bool check_path(struct tc *t, bool only_final, tc_time now)
{
    struct checksum_state *s = t->state;
    struct checksum_verdict v;
    tc_record_path(t, CS_TTL_FIELDS);
    checksum_rank(t->quotes, t->n_quotes, s->cs_syn, &t->env.dst, &v);
    if (!v.found || (only_final && !v.final))
        return false;
    struct mbox_result where = {.detected = true, .hop = v.hop};
    char reason[sizeof(t->result.reason)];
    mbox_reason(&where, v.corrected ? INFO_CORRECTED : INFO_MODIFIED, reason, sizeof(reason));
    /* Our extension: the original gave no diff here. */
    char exp[CSUM_HEX_LEN], seen[CSUM_HEX_LEN];
    snprintf(exp, sizeof(exp), CSUM_HEX, s->cs_syn);
    snprintf(seen, sizeof(seen), CSUM_HEX, v.seen);
    tc_finish(t, TC_UNK, STAGE_SYN, reason, json_pack("{s:[ss]}", "diff", exp, seen), now);
    return true;
}

/* Every copy of the traced SYN carries the same wrong checksum. */
static void make_copy_wrong(struct tc *t, struct tcp_seg *copy, void *ctx)
{
    const struct checksum_state *s = ctx;
    checksum_make_wrong(t, copy, s->cs_syn, perturb_syn);
}

void checksum_start(struct tc *t, tc_time now)
{
    struct checksum_state *s = t->state;
    struct tcp_seg syn;
    s->isn = tc_random32(t);
    s->cs_syn = params_of(t)->generate(t);
    tc_seg_new(t, &syn);
    syn.seq = s->isn;
    syn.flags = TCP_FLAG_SYN;
    tc_send_probe(t, &syn, CS_TTL_FIELDS, make_copy_wrong, s);
    s->burst_at = now;
    s->phase = CS_REPLY;
    /* A reply to a SYN never needs longer than the SYN wait. */
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_REPLY_WAIT));
}

static void start_stage2(struct tc *t, tc_time now)
{
    struct checksum_state *s = t->state;
    struct tcp_seg syn;
    s->syn2_seq = s->isn + 1 + STAGE2_SEQ_GAP;
    tc_conn_init(&s->conn, s->syn2_seq, STAGE2_WINDOW);
    tc_seg_new(t, &syn);
    syn.seq = s->syn2_seq;
    syn.window = STAGE2_WINDOW;
    syn.flags = TCP_FLAG_SYN;
    tc_send(t, &syn, 0, 0);
    s->syn2_at = now;
    s->phase = CS_HANDSHAKE;
    tc_set_timer(t, now + tc_wait_synack(t, ORIGINAL_HANDSHAKE_WAIT));
}

/* Stage 1 is over once the quotes are in: the path decides first (never blame the host for
 * what the path did), then the reply, then stage 2 follows. */
static void stage1_verdict(struct tc *t, tc_time now)
{
    struct checksum_state *s = t->state;
    if (check_path(t, false, now))
        return;
    if (s->stage1_fail != NULL)
        tc_finish(t, TC_FAIL, STAGE_SYN, s->stage1_fail, NULL, now);
    else
        start_stage2(t, now);
}

/* The reply is judged (fail: pending FAIL reason, or NULL): wait for the probe's quotes
 * (every hop known to quote, or the in-flight wait since the probe; the original slept 10 s
 * from here). */
static void await_quotes(struct tc *t, const char *fail, tc_time now)
{
    struct checksum_state *s = t->state;
    s->stage1_fail = fail;
    s->phase = CS_QUOTES;
    if (t->env.timing->original)
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_QUOTE_WAIT));
    else if (tc_probe_quotes_in(t, now))
        stage1_verdict(t, now);
    else
        tc_set_timer(t, tc_probe_quotes_at(t));
}

/* The first reply to the probe decides, as in the original; later ones answer other copies
 * of it (the original's burst). */
static void stage1_reply(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct checksum_state *s = t->state;
    const char *fail = NULL;
    if (!(seg->flags & TCP_FLAG_RST)) {
        /* The target accepted a SYN with a wrong checksum (or the path corrected it):
         * reset that connection to be sure. */
        tc_send_reset(t, seg);
        fail = REASON_SYN_NON_RST;
    } else if (seg->ack != s->isn + 1) {
        fail = REASON_SYN_BAD_RST;
    }
    await_quotes(t, fail, now);
}

/* Stage 1 leftovers (a late RST to another copy of the probe, a challenge ACK, a SYN-ACK of
 * a connection it opened) acknowledge the probe's SYN, never the stage 2 SYN: they are noise
 * to stage 2, not an answer to it. */
static bool stage1_leftover(const struct checksum_state *s, const struct tcp_seg *seg)
{
    return (seg->flags & TCP_FLAG_ACK) && seg->ack == s->isn + 1;
}

static void stage2_handshake(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct checksum_state *s = t->state;
    enum tc_handshake hs = tc_handshake_classify(seg, s->syn2_seq);
    if (hs == TC_HS_RST) {
        tc_finish(t, TC_UNK, STAGE_ACK, tc_handshake_reason(hs), NULL, now);
        return;
    }
    if (hs != TC_HS_SYNACK) {
        tc_send_reset(t, seg);
        tc_finish(t, TC_FAIL, STAGE_ACK, tc_handshake_reason(hs), NULL, now);
        return;
    }
    t->rtt = now - s->syn2_at;
    if (tc_conn_established(&s->conn, seg, 0) != 0) {
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_ERR, -1, TC_REASON_NO_MEMORY, NULL, now);
        return;
    }
    /* The handshake's ACK with a wrong checksum (MUST-3: the target must drop it), then the
     * state probe asking whether it did. */
    tc_conn_seg(t, &s->conn, TCP_FLAG_ACK, &s->ack);
    s->ack.window = STAGE2_WINDOW;
    checksum_make_wrong(t, &s->ack, params_of(t)->generate(t), perturb_ack);
    tc_send(t, &s->ack, 0, 0);
    s->ack_at = now;
    s->phase = CS_AFTER_ACK;
    if (t->env.timing->original) {
        /* The original: only a retransmitted SYN-ACK after 30 s of waiting. */
        tc_set_timer(t, now + tc_wait_retrans(t, ORIGINAL_ACK_WAIT));
        return;
    }
    tc_conn_send_state_probe(t, &s->conn, TC_ORDER_GAP);
    tc_set_timer(t, now + TC_ORDER_GAP + tc_wait_inflight(t, ORIGINAL_ACK_WAIT));
}

/* Not established: the bad ACK was dropped. Reset the embryonic connection at ISS + 1. */
static void ack_dropped(struct tc *t, tc_time now)
{
    struct checksum_state *s = t->state;
    tc_conn_send_close(t, &s->conn);
    tc_finish(t, TC_PASS, -1, NULL, NULL, now);
}

/* A RST <SEQ=SEG.ACK> answering the first state probe after the repeat went out (the answer
 * was slow, not lost). Each probe acknowledges one more than the one before
 * (testcase/connection.h), and every one of them left after the single bad ACK: whichever
 * one a RST answers, the host was not synchronized after that ACK. */
static bool answers_earlier_probe(const struct tc_conn *c, const struct tcp_seg *seg)
{
    uint32_t behind = c->state_probe_ack - seg->seq;
    return (seg->flags & TCP_FLAG_RST) && behind >= 1 && behind < c->state_probes;
}

static void stage2_after_ack(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct checksum_state *s = t->state;
    if (answers_earlier_probe(&s->conn, seg)) {
        ack_dropped(t, now);
        return;
    }
    switch (tc_conn_state_answer(&s->conn, seg)) {
    case CONN_STATE_NOT_SYNCED:
        /* A RST for the state probe, or the SYN-ACK again: still in SYN-RECEIVED. */
        ack_dropped(t, now);
        return;
    case CONN_STATE_ESTABLISHED:
        /* Only an established connection answers so: the bad ACK completed the handshake. */
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_FAIL, STAGE_ACK, REASON_ACK_ACCEPTED, NULL, now);
        return;
    case CONN_STATE_NONE:
        break;
    }
    if (!(seg->flags & TCP_FLAG_RST))
        return; /* not an answer to either of our segments */
    if ((uint32_t)(seg->seq - s->ack.ack) < s->ack.window) {
        /* RFC 9293 3.10.7.4: a RST in the receive window we advertised, [our ACK, our ACK +
         * our window): the host reset the connection instead of completing it. */
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
    } else {
        tc_finish(t, TC_FAIL, STAGE_ACK, REASON_ACK_BAD_RST, NULL, now);
    }
}

void checksum_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct checksum_state *s = t->state;
    switch (s->phase) {
    case CS_REPLY:
        stage1_reply(t, seg, now);
        break;
    case CS_QUOTES:
        break; /* the first reply decided */
    case CS_HANDSHAKE:
        if (!stage1_leftover(s, seg))
            stage2_handshake(t, seg, now);
        break;
    case CS_AFTER_ACK:
    case CS_ASKED_AGAIN:
        if (!stage1_leftover(s, seg))
            stage2_after_ack(t, seg, now);
        break;
    }
}

/* A reply with a bad checksum is a finding in itself after our bad segments; during the
 * stage 2 handshake the original dropped it silently, as everywhere else. */
void checksum_on_bad_checksum(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct checksum_state *s = t->state;
    (void)seg;
    if (s->phase == CS_REPLY) {
        /* About the reply's checksum, not ours: the path cannot excuse it (the original
         * returned at once). */
        tc_finish(t, TC_FAIL, STAGE_SYN, REASON_SYN_BAD_CSUM, NULL, now);
    } else if (s->phase == CS_AFTER_ACK || s->phase == CS_ASKED_AGAIN) {
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_FAIL, STAGE_ACK, REASON_ACK_BAD_CSUM, NULL, now);
    }
}

void checksum_on_quote(struct tc *t, const struct icmp_quote *q, tc_time now)
{
    struct checksum_state *s = t->state;
    (void)q;
    /* Once a known hop corrected the checksum no quote can change the verdict: finish now
     * instead of waiting for more; once every hop that quotes has quoted, nothing more is
     * coming. Before the reply is judged the wait goes on, since a reply with a bad
     * checksum would still be a FAIL. */
    if (s->phase != CS_QUOTES || check_path(t, true, now))
        return;
    if (!t->env.timing->original && tc_probe_quotes_in(t, now))
        stage1_verdict(t, now);
}

void checksum_on_timer(struct tc *t, tc_time now)
{
    struct checksum_state *s = t->state;
    switch (s->phase) {
    case CS_REPLY:
        await_quotes(t, NULL, now); /* silence: dropping the SYN is what MUST-3 asks */
        break;
    case CS_QUOTES:
        stage1_verdict(t, now);
        break;
    case CS_HANDSHAKE:
        tc_finish(t, TC_UNK, STAGE_ACK, TC_REASON_HS_TIMEOUT, NULL, now);
        break;
    case CS_AFTER_ACK:
        if (t->env.timing->original) {
            /* The original's verdict on silence, kept only for --timing original. */
            tc_conn_send_close(t, &s->conn);
            tc_finish(t, TC_FAIL, STAGE_ACK, REASON_ACK_ACCEPTED, NULL, now);
            break;
        }
        /* The probe or its answer may be lost: ask again, and give a retransmitted SYN-ACK
         * until the host's initial RTO to come. */
        tc_conn_send_state_probe(t, &s->conn, 0);
        s->phase = CS_ASKED_AGAIN;
        {
            tc_time again = now + tc_wait_inflight(t, ORIGINAL_ACK_WAIT);
            tc_time rto = s->ack_at + tc_wait_retrans(t, ORIGINAL_ACK_WAIT);
            tc_set_timer(t, again > rto ? again : rto);
        }
        break;
    case CS_ASKED_AGAIN:
        /* Neither a RST nor an ACK nor a SYN-ACK: the host's state cannot be told. */
        tc_conn_send_close(t, &s->conn);
        tc_finish(t, TC_UNK, STAGE_ACK, REASON_ACK_NO_ANSWER, NULL, now);
        break;
    }
}

void checksum_cleanup(struct tc *t)
{
    struct checksum_state *s = t->state;
    tc_conn_free(&s->conn);
}

static const struct checksum_params incorrect_checksum_params = {
    .generate = checksum_random_nonzero,
};

const struct test_case incorrect_checksum_test = {
    .name = "IncorrectChecksumTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-3",
            .text = "Check the checksum and drop segments failing it (3.1)"},
    .checks = "a bad checksum in the SYN, then in the handshake's ACK, is dropped (asked with the "
              "state probe)",
    .default_on = true,
    .needs_alp = false,
    /* the traced SYN, then a reset ending stage 1 or stage 2's SYN, ACK, two state probes
     * and reset; one spare */
    .packet_budget = HOP_LIMIT + 7,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct checksum_state),
    /* path only: the checksum's own ranking decides (checksum_rank) */
    .mbox = {.fields = CS_TTL_FIELDS},
    .params = &incorrect_checksum_params,
    .start = checksum_start,
    .on_segment = checksum_on_segment,
    .on_bad_checksum = checksum_on_bad_checksum,
    .on_quote = checksum_on_quote,
    .on_timer = checksum_on_timer,
    .cleanup = checksum_cleanup,
};
