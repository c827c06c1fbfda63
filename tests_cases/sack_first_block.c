/* SackFirstBlockTest: RFC 2018 4, the first SACK block MUST specify the contiguous block of
 * data containing the segment which triggered the ACK (unless that segment advanced the
 * acknowledgment number).
 *
 * The framework opens the connection with SACK-Permitted on the SYN; a SYN-ACK without it
 * leaves SACK off (UNK). The request is cut into four pieces; the second goes first (a hole
 * before it), and once the host acknowledged it, the fourth (a second hole, so the two are
 * separate blocks). The ACK that reports the fourth piece was triggered by it: its first
 * block must hold it. A host that reports it in a later block (e.g. blocks in sequence
 * order) fails; one whose ACKs never report it leaves the test unknown (sending SACK blocks
 * at all is only a SHOULD). The first and third pieces then fill the holes, so the closing
 * RST lands at the host's RCV.NXT. A FAIL's custom: {"sack_block": the block that named the
 * fourth piece, 1 being the first}. */
#include "tcp/ext_options.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define STAGE 1
#define WINDOW 4096
#define REQ_HINT 400
#define REQ_MAX 2048 /* four quarters, each within any host's MSS (536 by default) with TSopt */
#define PIECES 4
/* Pieces 0 and 2 are the holes; 1 goes first, then 3, whose ACK is judged. */
#define HOLE_A 0
#define FIRST_OOO 1
#define HOLE_B 2
#define SECOND_OOO 3
#define ORIGINAL_WAIT (10 * TC_SEC)

#define REASON_NOT_PERMITTED "SACK not permitted by the host (no SACK-Permitted on its SYN-ACK)"
/* Which block named it is in custom: a reason is one text per outcome. */
#define REASON_NOT_FIRST                                                                           \
    "The ACK for out-of-order data names it in a later SACK block, not in the first"
#define REASON_NOT_REPORTED "No SACK block reported the second out-of-order piece"
#define REASON_GONE "Connection reset after out-of-order data"

enum sfb_phase { SFB_FIRST, SFB_SECOND };

struct sfb_state {
    enum sfb_phase phase;
    struct tc_pieces req;
    uint8_t buf[REQ_MAX];
};

static void prepare_syn(const struct tc *t, struct tcp_seg *syn)
{
    (void)t;
    tcp_opts_add_sack_perm(&syn->opts);
}

/* Fill the holes, close at the host's RCV.NXT, and give the verdict. */
static void finish_custom(struct tc *t, enum tc_status st, const char *reason, json_t *custom,
                          tc_time now)
{
    struct sfb_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (!c->peer_rst) {
        tc_conn_send_piece(t, c, &s->req, HOLE_A);
        tc_conn_send_piece(t, c, &s->req, HOLE_B);
        tc_conn_send_close(t, c);
    }
    tc_finish(t, st, st == TC_PASS ? -1 : STAGE, reason, custom, now);
}

static void finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    finish_custom(t, st, reason, NULL, now);
}

static void send_ooo(struct tc *t, enum sfb_phase phase, tc_time now)
{
    struct sfb_state *s = t->state;
    tc_conn_send_piece(t, tc_connection(t), &s->req, phase == SFB_FIRST ? FIRST_OOO : SECOND_OOO);
    s->phase = phase;
    tc_set_timer(t, now + tc_conn_ack_wait(t, ORIGINAL_WAIT));
}

static void sfb_on_open(struct tc *t, tc_time now)
{
    struct sfb_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (!tcp_opts_has_sack_perm(&c->synack.opts)) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, STAGE, REASON_NOT_PERMITTED, NULL, now);
        return;
    }
    size_t len = tc_conn_alp_request(t, c, REQ_HINT, s->buf, sizeof(s->buf), STAGE, now);
    if (len == 0)
        return;
    s->req = (struct tc_pieces){.data = s->buf, .len = len, .start = c->snd_nxt, .n = PIECES};
    send_ooo(t, SFB_FIRST, now);
}

/* The SACK block of ack holding [left, right): its index, or -1. */
static int block_holding(const struct tcp_seg *ack, uint32_t left, uint32_t right, size_t *n)
{
    struct tcp_sack_block b[TCP_SACK_BLOCKS_MAX];
    *n = tcp_opts_get_sack(&ack->opts, b);
    for (size_t i = 0; i < *n; i++)
        if (seq_leq(b[i].left, left) && seq_leq(right, b[i].right))
            return (int)i;
    return -1;
}

static void sfb_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct sfb_state *s = t->state;
    struct conn_rx rx;
    tc_conn_receive(tc_connection(t), seg, &rx);
    if (rx.kind == CONN_RX_RST) {
        finish(t, TC_UNK, REASON_GONE, now);
        return;
    }
    /* A duplicate ACK: the holes are still open. */
    if ((rx.kind != CONN_RX_ACK && rx.kind != CONN_RX_DUP_ACK) || seg->ack != s->req.start)
        return;
    if (s->phase == SFB_FIRST) {
        send_ooo(t, SFB_SECOND, now);
        return;
    }
    uint32_t left, right;
    size_t n;
    tc_piece_bounds(&s->req, SECOND_OOO, &left, &right);
    int i = block_holding(seg, left, right, &n);
    if (i == 0) {
        finish(t, TC_PASS, NULL, now);
    } else if (i > 0) {
        /* This ACK knows the piece, so it came after it: the piece triggered it. */
        finish_custom(t, TC_FAIL, REASON_NOT_FIRST, json_pack("{s:i}", "sack_block", i + 1), now);
    }
    /* Not reported (a late ACK for the first piece, or no SACK at all): keep waiting. */
}

static void sfb_on_timer(struct tc *t, tc_time now)
{
    struct sfb_state *s = t->state;
    if (s->phase == SFB_FIRST)
        send_ooo(t, SFB_SECOND, now); /* no ACK for the first piece: the second may get one */
    else
        finish(t, TC_UNK, REASON_NOT_REPORTED, now);
}

const struct test_case sack_first_block_test = {
    .name = "SackFirstBlockTest",
    .req = {.rfc = "RFC 2018",
            .id = "4",
            .text = "The first SACK block holds the segment that triggered the ACK"},
    .checks = "SACK-Permitted negotiated, the request's 2nd then 4th quarter first: the ACK for "
              "the 4th names it in its first block",
    .default_on = false,
    .needs_alp = true,
    /* SYN, ACK, two out-of-order pieces, the two filling the holes, the close */
    .packet_budget = 7,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct sfb_state),
    /* Timestamps too: a host answering with SYN cookies keeps SACK-Permitted only in them
     * (Linux), and most clients offer them. */
    .open = {.window = WINDOW, .stage = STAGE, .timestamps = true, .prepare_syn = prepare_syn},
    .on_open = sfb_on_open,
    .on_segment = sfb_on_segment,
    .on_timer = sfb_on_timer,
};
