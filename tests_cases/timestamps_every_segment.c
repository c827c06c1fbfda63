/* TimestampsEverySegmentTest: RFC 7323 3.2, once the Timestamps option is negotiated (our SYN
 * and the host's SYN-ACK both carry it), it MUST be sent in every non-RST segment of the
 * connection. The framework opens the connection with TSopt on our SYN; every segment we send
 * then carries it too (testcase/connection.h), since the host SHOULD drop ours without it.
 * The port's request draws a reply, reassembled and acknowledged; each non-RST segment the
 * host sends, its SYN-ACK repeated included, must carry TSopt. No TSopt on the SYN-ACK: not
 * negotiated, UNK. A host that sends no data did not show its data segments: UNK. A FAIL's
 * custom describes the segment without TSopt: {"segment_octets": its data, "relative_seq":
 * its sequence number less the host's ISN, "segment_flags": its TCP flags}.
 *
 * What tracebox cannot see: a middlebox on the way back that strips the option. */
#include "tcp/ext_options.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define STAGE 1
#define WINDOW 0xffff
#define REQ_HINT 400
#define REQ_MAX 4096
/* The request's segments are within the host's MSS, at most this many of them. */
#define REQ_SEGS_MAX 8
/* The reply is judged on this many segments at most; each data segment is acknowledged. */
#define OBSERVE_MAX 32
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)

#define REASON_NOT_NEGOTIATED "Timestamps not negotiated (no TSopt on the SYN-ACK)"
/* The segment's size and place are in custom: a reason stays the same between runs. */
#define REASON_MISSING "Segment without TSopt after timestamps were negotiated"
#define REASON_NO_DATA "No data from the target: its data segments were not seen"

struct tse_state {
    unsigned observed; /* segments from the host after the handshake */
    bool got_data;
    uint8_t req[REQ_MAX];
};

static void wait_reply(struct tc *t, tc_time now)
{
    const struct tse_state *s = t->state;
    /* Before the reply began, the server's think time: a retransmission timeout. */
    tc_time wait = s->got_data ? tc_wait_inflight(t, ORIGINAL_REPLY_WAIT)
                               : tc_wait_retrans(t, ORIGINAL_REPLY_WAIT);
    tc_set_timer(t, now + wait);
}

/* The reply ended (FIN, RST, silence, enough seen): every segment carried TSopt. */
static void conclude(struct tc *t, bool close, tc_time now)
{
    const struct tse_state *s = t->state;
    if (close)
        tc_conn_send_close(t, tc_connection(t));
    if (s->got_data)
        tc_finish(t, TC_PASS, -1, NULL, NULL, now);
    else
        tc_finish(t, TC_UNK, STAGE, REASON_NO_DATA, NULL, now);
}

static void tse_on_open(struct tc *t, tc_time now)
{
    struct tse_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    if (!c->ts_on) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, STAGE, REASON_NOT_NEGOTIATED, NULL, now);
        return;
    }
    size_t len = tc_conn_alp_request(t, c, REQ_HINT, s->req, sizeof(s->req), STAGE, now);
    if (len == 0)
        return;
    tc_conn_send_pieces(t, c, s->req, len, REQ_SEGS_MAX, 0);
    wait_reply(t, now);
}

static void tse_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct tse_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    struct conn_rx rx;
    tc_conn_receive(c, seg, &rx);
    if (rx.kind == CONN_RX_RST) {
        conclude(t, false, now); /* RFC 7323 3.2: only a SHOULD for RSTs */
        return;
    }
    uint32_t tsval, tsecr;
    if (!tcp_opts_get_timestamp(&seg->opts, &tsval, &tsecr)) {
        json_t *custom = json_pack("{s:I,s:I,s:i}", "segment_octets", (json_int_t)seg->payload_len,
                                   "relative_seq", (json_int_t)(uint32_t)(seg->seq - c->irs),
                                   "segment_flags", (int)seg->flags);
        tc_conn_send_close(t, c);
        tc_finish(t, TC_FAIL, STAGE, REASON_MISSING, custom, now);
        return;
    }
    s->observed++;
    if (rx.kind != CONN_RX_DATA && rx.kind != CONN_RX_RETRANS)
        return; /* ACKs, a repeated SYN-ACK: never acknowledged (no ACK loop) */
    if (rx.reasm.new_bytes > 0)
        s->got_data = true;
    if (rx.fin || s->observed >= OBSERVE_MAX) {
        conclude(t, true, now);
        return;
    }
    tc_conn_send_ack(t, c);
    wait_reply(t, now);
}

static void tse_on_timer(struct tc *t, tc_time now)
{
    conclude(t, true, now); /* silence: the reply is over */
}

const struct test_case timestamps_every_segment_test = {
    .name = "TimestampsEverySegmentTest",
    .req = {.rfc = "RFC 7323",
            .id = "3.2",
            .text = "Once negotiated, TSopt is sent in every non-RST segment"},
    .checks = "TSopt in SYN and SYN-ACK, then the request: every non-RST segment of the reply "
              "carries TSopt",
    .default_on = false,
    .needs_alp = true,
    /* SYN, ACK, the request, an ACK per observed segment, the close */
    .packet_budget = 3 + REQ_SEGS_MAX + OBSERVE_MAX,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct tse_state),
    .open = {.window = WINDOW, .stage = STAGE, .timestamps = true},
    .on_open = tse_on_open,
    .on_segment = tse_on_segment,
    .on_timer = tse_on_timer,
};
