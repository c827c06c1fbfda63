/* DelayedAckTest: RFC 9293 3.8.6.3: a host may delay its ACKs (SHLD-18), but "the delay
 * MUST be less than 0.5 seconds" (MUST-40). A small segment that draws no reply (the first
 * octets of the application request, which no server answers before the rest) leaves the
 * host nothing to piggyback its ACK on: it arrives once its delayed-ACK timer runs out. It
 * must reach us within 500 ms plus one round trip (the handshake's RTT) of the segment.
 *
 * A later ACK is the FAIL, with its arrival time; the wait for one lasts a retransmission
 * timeout (tc_wait_retrans), so a late ACK is seen as such. No ACK at all says nothing about
 * a delay (the segment or the ACK may have been lost, and we never resend): the alive probe
 * asks whether the connection is still there, and the verdict is UNK either way.
 * custom: the measured times in microseconds, {"ack_after_us", "rtt_us", "ack_delay_us"}
 * (the time after the segment left, less the RTT), and "ack_with_data": the ACK rode on a
 * reply (a server that answered the first octets already: no delay was exercised). */
#include "testcase/connection.h"
#include "tests_cases/alp_request.h"

#define DA_STAGE 1
#define DA_STAGE_NO_REQUEST 0
#define DA_WINDOW 0xffff
#define DA_REQ_MAX 2048
/* Octets of the request sent: small, and never all of it (the rest would draw a reply). */
#define DA_PART_MAX 16
/* MUST-40 */
#define ACK_DELAY_MAX (500 * TC_MSEC)
#define ORIGINAL_WAIT (10 * TC_SEC)

/* The times are in custom (ack_after_us, rtt_us): a reason stays the same between runs. */
#define REASON_LATE "ACK later than 500 ms plus the RTT"
#define REASON_RST "RST in reply to the small segment"
#define REASON_NO_ACK "No ACK for the small segment (the connection is still there)"
#define REASON_GONE "No ACK for the small segment, and the connection is gone"
#define REASON_NO_ANSWER "No ACK for the small segment, and no answer to the alive probe"

enum da_phase {
    DA_WAITING, /* the small segment is out: its ACK is awaited */
    DA_ASKING,  /* no ACK: the alive probe is out */
};

struct da_state {
    enum da_phase phase;
    uint32_t end;    /* sequence number after the small segment */
    tc_time sent_at; /* when it left */
    uint8_t req[DA_REQ_MAX];
};

static void da_finish(struct tc *t, enum tc_status st, const char *reason, json_t *custom,
                      tc_time now)
{
    const struct tc_conn *c = tc_connection(t);
    if (!c->peer_rst)
        tc_conn_send_close(t, c);
    tc_finish(t, st, st == TC_PASS ? -1 : DA_STAGE, reason, custom, now);
}

static void da_on_open(struct tc *t, tc_time now)
{
    struct da_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    char why[sizeof(t->result.reason)] = ALP_REQUEST_NO_DATA; /* also when it is too short */
    size_t len = alp_request_pull(t, 0, s->req, sizeof(s->req), why, sizeof(why));
    if (len < 2) {
        tc_conn_send_close(t, c);
        tc_finish(t, TC_UNK, DA_STAGE_NO_REQUEST, why, NULL, now);
        return;
    }
    size_t part = len - 1 < DA_PART_MAX ? len - 1 : DA_PART_MAX;
    tc_conn_send_data(t, c, s->req, part, TCP_FLAG_PSH);
    s->end = c->snd_nxt;
    s->sent_at = now;
    s->phase = DA_WAITING;
    tc_set_timer(t, now + tc_wait_retrans(t, ORIGINAL_WAIT));
}

/* The ACK came (riding on data or not): within 500 ms plus the RTT? */
static void acked(struct tc *t, bool with_data, tc_time now)
{
    const struct da_state *s = t->state;
    tc_time rtt = tc_rtt_estimate(t);
    tc_time after = now - s->sent_at;
    tc_time delay = after > rtt ? after - rtt : 0;
    json_t *custom =
        json_pack("{s:I,s:I,s:I,s:b}", "ack_after_us", (json_int_t)after, "rtt_us", (json_int_t)rtt,
                  "ack_delay_us", (json_int_t)delay, "ack_with_data", with_data);
    if (after <= ACK_DELAY_MAX + rtt) {
        da_finish(t, TC_PASS, NULL, custom, now);
        return;
    }
    da_finish(t, TC_FAIL, REASON_LATE, custom, now);
}

static void da_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct da_state *s = t->state;
    struct tc_conn *c = tc_connection(t);
    uint32_t rcv_nxt;
    switch (s->phase) {
    case DA_WAITING:
        if (seg->flags & TCP_FLAG_RST) {
            c->peer_rst = true;
            da_finish(t, TC_UNK, REASON_RST, NULL, now);
        } else if ((seg->flags & TCP_FLAG_ACK) && !(seg->flags & TCP_FLAG_SYN) &&
                   seq_leq(s->end, seg->ack) && seq_leq(seg->ack, c->snd_nxt)) {
            acked(t, seg->payload_len > 0, now); /* a pure ACK or one riding on data */
        }
        break;
    case DA_ASKING:
        /* The answer may acknowledge the segment: it is the probe's, not the timer's. */
        switch (tc_conn_alive_answer(c, seg, &rcv_nxt)) {
        case CONN_ALIVE_YES:
            da_finish(t, TC_UNK, REASON_NO_ACK, NULL, now);
            break;
        case CONN_ALIVE_GONE:
            c->peer_rst = true;
            da_finish(t, TC_UNK, REASON_GONE, NULL, now);
            break;
        case CONN_ALIVE_NONE:
            break;
        }
        break;
    }
}

static void da_on_timer(struct tc *t, tc_time now)
{
    struct da_state *s = t->state;
    switch (s->phase) {
    case DA_WAITING:
        tc_conn_send_alive_probe(t, tc_connection(t), 0);
        s->phase = DA_ASKING;
        tc_set_timer(t, now + tc_wait_inflight(t, ORIGINAL_WAIT));
        break;
    case DA_ASKING:
        da_finish(t, TC_UNK, REASON_NO_ANSWER, NULL, now);
        break;
    }
}

const struct test_case delayed_ack_test = {
    .name = "DelayedAckTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-40",
            .text = "An ACK may be delayed (SHLD-18), by less than 0.5 s"},
    .checks = "a small segment that draws no reply is acknowledged within 500 ms plus the RTT",
    .default_on = false,
    .needs_alp = true,
    /* SYN (or the reset of a wrong reply to it), ACK, the segment, the alive probe, the
     * close */
    .packet_budget = 6,
    .deadline = 120 * TC_SEC,
    .state_size = sizeof(struct da_state),
    .open = {.window = DA_WINDOW, .stage = DA_STAGE},
    .on_open = da_on_open,
    .on_segment = da_on_segment,
    .on_timer = da_on_timer,
};
