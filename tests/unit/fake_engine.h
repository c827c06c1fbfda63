/* A fake engine for unit tests: drives a test-case instance with synthetic segments and
 * a clock moved by hand, and inspects the actions it queued. Like the real engine it
 * drains t->out after every call into the case; the fake keeps every packet in a log so
 * that tests can address them by their overall index. Helpers assert (cmocka) on any
 * failure, so tests stay short. */
#ifndef TCPREQ_FAKE_ENGINE_H
#define TCPREQ_FAKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testcase/tc.h"

/* Addresses of the lab network the tests pretend to run in. */
#define FAKE_PROBER_V4 "198.18.1.2"
#define FAKE_TARGET_V4 "198.18.3.2"
#define FAKE_PROBER_V6 "fd00:7463:1::2"
#define FAKE_TARGET_V6 "fd00:7463:3::2"
#define FAKE_SPORT 50000
#define FAKE_DPORT 80
#define FAKE_SEED 0x7463707265710001ull
/* The clock starts here: 0 would collide with "no timer armed". */
#define FAKE_T0 (1000 * TC_SEC)

struct fake_packet {
    tc_time at; /* when the case queued it */
    struct tc_packet pkt;
};

struct fake {
    struct tc tc;
    struct tc_env env;
    tc_time now;
    struct fake_packet *log;
    size_t n_log, cap_log;
};

/* Create an instance of kind for family IP_FAMILY_V4 or IP_FAMILY_V6 with the given timing
 * (NULL = tc_timing_default) and RTT hint (0 = none). Does not start it. */
void fake_init(struct fake *f, const struct test_case *kind, int family,
               const struct tc_timing *timing, tc_time rtt_hint);
void fake_destroy(struct fake *f);

/* Events; each drains the queued packets into the log. */
void fake_start(struct fake *f);
/* Build seg as a packet from the target to the prober (checksum computed unless
 * seg->csum_fixed) and deliver its TCP bytes. */
void fake_deliver(struct fake *f, const struct tcp_seg *seg);
/* Deliver raw TCP bytes as they came off the wire. */
void fake_deliver_raw(struct fake *f, const uint8_t *l4, size_t len);
void fake_deliver_quote(struct fake *f, const struct icmp_quote *q);
/* Move the clock by dt, firing the timer (at its exact deadline) whenever it falls due. */
void fake_advance(struct fake *f, tc_time dt);
/* The delay until the armed timer (asserts one is armed). */
tc_time fake_timer_in(const struct fake *f);
/* Move the clock to the armed timer and fire it; returns the delay it waited. */
tc_time fake_fire(struct fake *f);

/* Inspection of the log. */
size_t fake_n_sent(const struct fake *f);
/* Parse the i-th packet sent (asserts it is a well-formed TCP packet from prober to target
 * with a valid checksum). ip may be NULL. */
void fake_sent(const struct fake *f, size_t i, struct ip_view *ip, struct tcp_seg *seg);
/* The TCP bytes of the i-th packet sent. */
const uint8_t *fake_sent_l4(const struct fake *f, size_t i, size_t *len);
/* Assert the i-th packet's TCP fields. */
void fake_expect_seg(const struct fake *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                     uint16_t window);

/* Segments from the target. */
/* Target-side segment for this flow (ports swapped, everything else zero). */
void fake_target_seg(const struct fake *f, struct tcp_seg *seg, uint8_t flags, uint32_t seq,
                     uint32_t ack);
/* SYN-ACK answering our SYN with sequence number our_isn. */
void fake_synack(const struct fake *f, struct tcp_seg *seg, uint32_t their_isn, uint32_t our_isn);

/* An ICMP time-exceeded quote of the i-th packet sent, answered by router (text address).
 * The quote holds the whole TCP header (up to QUOTE_MAX bytes); hop_guess is decoded from
 * the IPv4 ID as icmp_parse_time_exceeded would. Modify q->quote afterwards to simulate a
 * middlebox. */
void fake_quote(const struct fake *f, size_t i, const char *router, struct icmp_quote *q);

/* An address in the family of the flow (asserts it parses). */
struct ip_addr fake_addr(const char *text);

#endif
