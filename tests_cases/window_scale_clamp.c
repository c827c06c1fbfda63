/* WindowScaleClampTest: RFC 7323 2.3, a Window Scale option with a shift above 14 MUST be
 * taken as 14. Our SYN announces shift 15; every window field we send afterwards is then
 * worth field << 14 octets, and the host must never send beyond our last ACK plus that.
 *
 * A window only limits a sender whose congestion window is larger, and an initial window
 * (10 segments, RFC 6928) is smaller than the smallest clamped window (1 << 14). So the reply
 * is taken in rounds, each ended by the host's silence and closed by one ACK of everything:
 * calibration rounds offer field 2 (32768 octets at shift 14) until the host sends more in
 * one round than the clamped window of field 1 holds (16384) plus a segment: its congestion
 * window allows more than that. The next round offers field 1. A host that took shift 15
 * may then send 32768 octets: anything beyond our last ACK + 16384 is a FAIL, at once. A
 * host that stops within a segment of 16384 and resumes after our ACK was held by the
 * clamped window: PASS. A reply that ends before that: UNK.
 *
 * The rounds are ended by silence shorter than any retransmission timeout in use, so that
 * our ACK reaches the host before it times out and collapses its congestion window. The
 * window never shrinks (RFC 9293 3.8.6.2.2): the SYN offers 32768 unscaled, and field 1
 * follows only a round of more than 16384 octets.
 *
 * custom on a FAIL: {"octets_beyond_ack": from our last ACK to the end of the segment,
 * "window_field": the window field of that ACK, "window_octets": field << 14}; on a reply too
 * small: {"largest_round_octets": the most sent in one round}. */
#include <stdio.h>

#include "tcp/ext_options.h"
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define STAGE 1
#define SHIFT_SENT 15 /* one above RFC 7323's maximum */
#define CALIBRATION_FIELD 2
#define CLAMPED_FIELD 1
#define SYN_WINDOW (CALIBRATION_FIELD << TCP_WSCALE_MAX) /* SYN windows are never scaled */
/* Larger segments make fewer rounds; hosts lower it to their own. */
#define MSS_OFFERED 1460
#define REQ_HINT 400
#define REQ_MAX 4096
#define REQ_SEGS_MAX 8 /* the request's segments, within the host's MSS */
#define ROUNDS_MAX 12
/* Silence for this many RTTs ends a round: a paced sender spreads a window over one. */
#define QUIET_RTTS 2
/* ... but at least this long (timer granularity, scheduling), which is well below the
 * shortest retransmission timeout in use (Linux's 200 ms). */
#define QUIET_MIN (20 * TC_MSEC)
#define ORIGINAL_REPLY_WAIT (30 * TC_SEC)

#define REASON_NOT_SCALED "Window scaling not in use (no Window Scale option on the SYN-ACK)"
/* Reasons are fixed texts (datasets group by them); the octet counts are in custom. */
#define REASON_BEYOND                                                                              \
    "Sent beyond our last ACK plus the window at shift 14 (shift 15 not taken as 14)"
#define REASON_TOO_SMALL                                                                           \
    "Reply too small to tell: it ended before a round reached the clamped window"
#define REASON_RESET "Connection reset before the clamped window was tested"
#define REASON_NO_RESUME "Stopped at the clamped window but sent nothing more after our ACK"
#define REASON_ROUNDS "Not held by the clamped window within %u rounds"

struct wsc_state {
    uint32_t round_ack;  /* the ACK that opened this round */
    uint32_t highest;    /* end of the host's data so far */
    uint32_t seg_max;    /* its largest segment */
    uint32_t flight_max; /* most sent in one round */
    unsigned rounds;
    bool round_data;    /* new data in this round */
    bool at_clamp;      /* the last round stopped at the clamped window ... */
    uint32_t held_edge; /* ... short of this edge: data beyond it needed our next ACK */
    bool fin;
    uint8_t req[REQ_MAX];
};

static uint32_t window_of(uint16_t field)
{
    return (uint32_t)field << TCP_WSCALE_MAX;
}

static void prepare_syn(const struct tc *t, struct tcp_seg *syn)
{
    (void)t;
    syn->window = SYN_WINDOW;
    tcp_opts_add_mss(&syn->opts, MSS_OFFERED);
    tcp_opts_add_wscale(&syn->opts, SHIFT_SENT);
}

/* custom: owned, may be NULL. */
static void finish_custom(struct tc *t, enum tc_status st, const char *reason, json_t *custom,
                          tc_time now)
{
    struct tc_conn *c = tc_connection(t);
    if (!c->peer_rst)
        tc_conn_send_close(t, c);
    tc_finish(t, st, st == TC_PASS ? -1 : STAGE, reason, custom, now);
}

static void finish(struct tc *t, enum tc_status st, const char *reason, tc_time now)
{
    finish_custom(t, st, reason, NULL, now);
}

static void finish_too_small(struct tc *t, tc_time now)
{
    const struct wsc_state *s = t->state;
    finish_custom(t, TC_UNK, REASON_TOO_SMALL,
                  json_pack("{s:I}", "largest_round_octets", (json_int_t)s->flight_max), now);
}

/* A round begins: our ACK of everything with the round's window, then the host's answer
 * is awaited (RTT-derived: it sends at once if it has data and room). */
static void open_round(struct tc *t, uint16_t field, tc_time now)
{
    struct wsc_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    c->window = field;
    tc_conn_send_ack(t, c);
    s->round_ack = tc_conn_rcv_nxt(c);
    s->round_data = false;
    s->rounds++;
    tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_REPLY_WAIT));
}

static void wsc_on_open(struct tc *t, tc_time now)
{
    struct wsc_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    uint8_t shift;
    if (!tcp_opts_get_wscale(&c->synack.opts, &shift)) {
        finish(t, TC_UNK, REASON_NOT_SCALED, now);
        return;
    }
    size_t len = tc_conn_alp_request(t, c, REQ_HINT, s->req, sizeof(s->req), STAGE, now);
    if (len == 0)
        return;
    tc_conn_send_pieces(t, c, s->req, len, REQ_SEGS_MAX, 0);
    s->round_ack = tc_conn_rcv_nxt(c);
    s->highest = s->round_ack;
    /* The server's think time before the first round. */
    tc_set_timer(t, now + tc_wait_retrans(t, ORIGINAL_REPLY_WAIT));
}

static void wsc_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct wsc_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    struct conn_rx rx;
    tc_conn_receive(c, seg, &rx);
    if (rx.kind == CONN_RX_RST) {
        finish(t, TC_UNK, REASON_RESET, now);
        return;
    }
    if (rx.kind != CONN_RX_DATA)
        return; /* ACKs, retransmissions (a tail loss probe): nothing new */
    s->fin |= rx.fin;
    uint32_t end = seg->seq + (uint32_t)seg->payload_len;
    uint32_t allowed = window_of(c->window);
    if (seq_lt(s->round_ack + allowed, end)) {
        finish_custom(t, TC_FAIL, REASON_BEYOND,
                      json_pack("{s:I,s:I,s:I}", "octets_beyond_ack",
                                (json_int_t)(end - s->round_ack), "window_field",
                                (json_int_t)c->window, "window_octets", (json_int_t)allowed),
                      now);
        return;
    }
    if (s->at_clamp && seq_lt(s->held_edge, end)) {
        finish(t, TC_PASS, NULL, now); /* it resumed beyond the old edge: the window held it */
        return;
    }
    if (seq_lt(s->highest, end))
        s->highest = end;
    if (seg->payload_len > s->seg_max)
        s->seg_max = (uint32_t)seg->payload_len;
    s->round_data = true;
    tc_time quiet = QUIET_RTTS * tc_rtt_estimate(t);
    tc_set_timer(t, now + (quiet > QUIET_MIN ? quiet : QUIET_MIN));
}

/* The host fell silent: the round is over. */
static void wsc_on_timer(struct tc *t, tc_time now)
{
    struct wsc_state *s = t->state;
    uint32_t clamp = window_of(CLAMPED_FIELD);
    if (s->at_clamp) {
        finish(t, TC_UNK, REASON_NO_RESUME, now);
        return;
    }
    uint32_t flight = s->highest - s->round_ack;
    if (flight > s->flight_max)
        s->flight_max = flight;
    if (!s->round_data || s->fin) {
        finish_too_small(t, now); /* the reply is over */
        return;
    }
    bool measuring = tc_connection(t)->window == CLAMPED_FIELD;
    if (measuring && clamp - flight < s->seg_max) {
        /* No room for another segment: does it resume after our ACK? */
        s->at_clamp = true;
        s->held_edge = s->round_ack + clamp;
    }
    if (s->rounds >= ROUNDS_MAX) {
        char reason[sizeof(t->result.reason)];
        snprintf(reason, sizeof(reason), REASON_ROUNDS, (unsigned)ROUNDS_MAX);
        finish(t, TC_UNK, reason, now);
        return;
    }
    /* Its congestion window outgrew the clamped window plus a segment: measure. Otherwise
     * (or after a round that stopped short of it) calibrate again. */
    bool cwnd_room = flight > clamp + s->seg_max;
    open_round(t, s->at_clamp || cwnd_room ? CLAMPED_FIELD : CALIBRATION_FIELD, now);
}

const struct test_case window_scale_clamp_test = {
    .name = "WindowScaleClampTest",
    .req = {.rfc = "RFC 7323", .id = "2.3", .text = "A window scale shift above 14 is taken as 14"},
    .checks = "WS shift 15 in the SYN, then window field 1: the host sends at most 1 << 14 octets "
              "beyond our ACK",
    .default_on = false,
    .needs_alp = true,
    /* SYN, ACK, the request, an ACK per round, the close */
    .packet_budget = 3 + REQ_SEGS_MAX + ROUNDS_MAX,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct wsc_state),
    /* Timestamps too: a host answering with SYN cookies keeps the window scale only in
     * them (Linux), and most clients offer them. */
    .open = {.window = CALIBRATION_FIELD,
             .stage = STAGE,
             .timestamps = true,
             .prepare_syn = prepare_syn},
    .on_open = wsc_on_open,
    .on_segment = wsc_on_segment,
    .on_timer = wsc_on_timer,
};
