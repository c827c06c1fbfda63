/* SackNotOfferedTest: RFC 2018 4, a data receiver that has not received a SACK-Permitted
 * option for a connection MUST NOT send SACK options on it (2: SACK-Permitted is offered in
 * the SYN; 3: the SACK option reports non-contiguous blocks of queued data).
 *
 * The framework opens the connection with a SYN without SACK-Permitted. The request's second
 * half goes first, leaving a hole, so the host has out-of-order data to report and answers
 * with a duplicate ACK (RFC 5681 4.2: at once). No segment of the host may carry a SACK
 * option (FAIL); a duplicate ACK without one passes. Without one in time, the alive probe
 * asks for an ACK from the connection, which must not carry one either; no ACK at all is UNK.
 * The first half then fills the hole, so the closing RST lands at the host's RCV.NXT. */
#include <stdio.h>

#include "tcp/ext_options.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define STAGE 1
#define WINDOW 4096
#define REQ_HINT 400
#define REQ_MAX 1024 /* two halves, each within any host's MSS (536 by default) */
#define PIECES 2
#define ORIGINAL_WAIT (10 * TC_SEC)

#define REASON_SACK "SACK option sent though our SYN did not permit it"
#define REASON_NO_ACK "No ACK while out-of-order data was queued"
#define REASON_GONE "Connection reset after out-of-order data"

enum sno_phase { SNO_HOLE, SNO_ASKED };

struct sno_state {
    enum sno_phase phase;
    struct tc_pieces req;
    uint8_t buf[REQ_MAX];
};

/* Fill the hole, close at the host's RCV.NXT, and give the verdict. */
static void finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    struct sno_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (!c->peer_rst) {
        tc_conn_send_piece(t, c, &s->req, 0);
        tc_conn_send_close(t, c);
    }
    tc_finish(t, st, st == TC_PASS ? -1 : STAGE, reason, NULL, now);
}

static void sno_on_open(struct tc *t, tc_time now)
{
    struct sno_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    size_t len = tc_conn_alp_request(t, c, REQ_HINT, s->buf, sizeof(s->buf), STAGE, now);
    if (len == 0)
        return;
    s->req = (struct tc_pieces){.data = s->buf, .len = len, .start = c->snd_nxt, .n = PIECES};
    if (tcp_opts_has_sack(&c->synack.opts)) {
        finish(t, TC_FAIL, REASON_SACK, now);
        return;
    }
    tc_conn_send_piece(t, c, &s->req, 1);
    s->phase = SNO_HOLE;
    tc_set_timer(t, now + tc_conn_ack_wait(t, ORIGINAL_WAIT));
}

static void sno_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct sno_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    struct conn_rx rx;
    tc_conn_receive(c, seg, &rx);
    if (rx.kind == CONN_RX_RST) {
        finish(t, TC_UNK, REASON_GONE, now);
        return;
    }
    if (tcp_opts_has_sack(&seg->opts)) {
        finish(t, TC_FAIL, REASON_SACK, now);
        return;
    }
    /* A pure ACK still at the hole: sent while the second half waited in its queue (the
     * alive probe's answer is one too). */
    if ((rx.kind == CONN_RX_ACK || rx.kind == CONN_RX_DUP_ACK) && seg->ack == s->req.start)
        finish(t, TC_PASS, NULL, now);
}

static void sno_on_timer(struct tc *t, tc_time now)
{
    struct sno_state *s = t->state;
    if (s->phase == SNO_HOLE) {
        tc_conn_send_alive_probe(t, tc_connection(t), 0);
        s->phase = SNO_ASKED;
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_WAIT));
        return;
    }
    finish(t, TC_UNK, REASON_NO_ACK, now);
}

const struct test_case sack_not_offered_test = {
    .name = "SackNotOfferedTest",
    .req = {.rfc = "RFC 2018",
            .id = "4",
            .text = "No SACK option on a connection whose SYN did not carry SACK-Permitted"},
    .checks =
        "SYN without SACK-Permitted, the request's second half first: duplicate ACKs carry no SACK",
    .default_on = false,
    .needs_alp = true,
    /* SYN, ACK, the second half, the alive probe, the first half, the close */
    .packet_budget = 6,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct sno_state),
    .open = {.window = WINDOW, .stage = STAGE},
    .on_open = sno_on_open,
    .on_segment = sno_on_segment,
    .on_timer = sno_on_timer,
};
