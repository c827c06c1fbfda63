/* Shared fixture of the ReservedFlagsTest and UrgentPointerTest unit tests: the fake
 * engine on any target port, segment checks without the fixed port, and fake ALPs.
 *
 * The test executables link with -Wl,--wrap=alp_for_port: the wrapper in flags_fixture.c
 * adds fake ALPs on ports no real one serves (a short fixed request, one too long for a
 * segment, one whose pull fails, one that opens no session) so the ALP paths are reachable;
 * port 80 keeps the real HTTP ALP. */
#ifndef TCPREQ_FLAGS_FIXTURE_H
#define TCPREQ_FLAGS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_engine.h"

#define THEIR_ISN 0x5a5a0000u
#define RTT (80 * TC_MSEC)
#define INFLIGHT (4 * RTT)
#define STAGE 1
#define R1 "198.18.1.1"
#define R2 "198.18.2.2"
#define R1_V6 "fd00:7463:1::1"
#define R2_V6 "fd00:7463:2::1"
#define SYNACK (TCP_FLAG_SYN | TCP_FLAG_ACK)
#define HTTP_PORT 80
#define NO_ALP_PORT 22
#define SMALL_ALP_PORT 7       /* fake: a 10-byte request */
#define BIG_ALP_PORT 9         /* fake: 1461 bytes, more than a segment */
#define BROKEN_ALP_PORT 13     /* fake: the pull fails */
#define NO_SESSION_ALP_PORT 17 /* fake: the session cannot be opened */
#define SMALL_REQ "0123456789"
#define BIG_REQ_LEN 1461
#define PULL_CAP 2048

/* The real HTTP ALP's request for the fake engine's target (hint 500, as the cases ask). */
size_t ff_http_request(const struct fe *f, uint8_t *buf, size_t cap);
/* fe_init_kind with the target on port. */
void ff_init(struct fe *f, const struct test_case *kind, enum fe_family fam,
             const struct tc_timing *timing, uint16_t port);
/* t.out[i] taken apart: a valid packet prober -> target (env ports) with a good checksum. */
void ff_out(const struct fe *f, size_t i, struct fe_pkt *p);
/* A plain packet: default TTL, IP ID 0, no options, urgent pointer 0. */
void ff_expect(const struct fe *f, size_t i, uint8_t flags, uint32_t seq, uint32_t ack,
               uint16_t window, uint8_t reserved, size_t payload_len);
/* <SEQ=seq><CTL=RST>, window 0. */
void ff_expect_rst(const struct fe *f, size_t i, uint32_t seq);
/* A segment from the target (its port from env), window 65535, payload_len zero bytes. */
void ff_deliver(struct fe *f, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t reserved,
                size_t payload_len);
/* Hex of ttl NOOPs, EOL and the padding to 32 bits (the TTL_ENC_OPTS code). */
void ff_noops_eol_hex(unsigned ttl, char *buf);
/* Time-exceeded quote of the k-th packet sent. */
void ff_quote_of(const struct fe *f, size_t k, const char *router, struct icmp_quote *q);
/* Time-exceeded quote, from the lab router at hop ttl, of the first packet sent with that TTL
 * (a traced probe's copy, in either mode). */
void ff_quote_ttl(const struct fe *f, unsigned ttl, struct icmp_quote *q);

#endif
