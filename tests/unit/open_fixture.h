/* The framework's opening of an on_open case (tc.h: open + on_open) in the fake engine, for
 * the unit tests of such cases: its plain SYN with the case's window, the host's SYN-ACK
 * after rtt, our ACK at once; with open.confirm, the state probe behind it, the host's ACK
 * for that (ESTABLISHED) one rtt later, and the wait for the host's ACK throttle.
 * Afterwards t.out holds the ACK first (unless confirmed: it went earlier), then what
 * on_open sent: of_base() is where that starts. Header-only (static inline) so that a test
 * uses it without a build rule of its own. */
#ifndef TCPREQ_OPEN_FIXTURE_H
#define TCPREQ_OPEN_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_engine.h"

/* Start the case named name, with the lab's path known (fe_set_lab_path) if lab_path, and
 * open its connection; returns our ISS. */
static inline uint32_t of_open(struct fe *f, const char *name, enum fe_family fam,
                               const struct tc_timing *timing, bool lab_path, uint32_t their_isn,
                               tc_time rtt)
{
    fe_init(f, name, fam, timing);
    if (lab_path)
        fe_set_lab_path(f);
    fe_start(f);
    uint16_t window = f->t.kind->open.window;
    assert_int_equal(fe_n_out(f), 1);
    struct fe_pkt p;
    fe_pkt(f, 0, &p);
    uint32_t iss = p.seg.seq;
    fe_expect_plain(f, 0, TCP_FLAG_SYN, iss, 0, window);
    fe_advance(f, rtt);
    fe_deliver(f, TCP_FLAG_SYN | TCP_FLAG_ACK, their_isn, iss + 1);
    assert_true(fe_n_out(f) >= 1);
    fe_expect_plain(f, 0, TCP_FLAG_ACK, iss + 1, their_isn + 1, window);
    assert_int_equal(f->t.out[0].delay, 0);
    assert_int_equal(f->t.rtt, rtt);
    if (f->t.kind->open.confirm) {
        /* the state probe: an ACK for data the host has not sent, ORDER_GAP behind */
        assert_int_equal(fe_n_out(f), 2);
        fe_expect_plain(f, 1, TCP_FLAG_ACK, iss + 1, their_isn + 1 + window + 1000, window);
        assert_int_equal(f->t.out[1].delay, TC_ORDER_GAP);
        fe_advance(f, rtt);
        fe_deliver(f, TCP_FLAG_ACK, their_isn + 1, iss + 1); /* from ESTABLISHED */
        /* the case starts once the host's ACK throttle is over */
        assert_int_equal(fe_n_out(f), 0);
        assert_int_equal(fe_fire(f), TC_ACK_THROTTLE);
    }
    return iss;
}

/* Index in t.out of on_open's first packet after of_open. */
static inline size_t of_base(const struct fe *f)
{
    return f->t.kind->open.confirm ? 0 : 1;
}

/* The opening's SYN unanswered: the case ends UNK "Timeout during handshake" at its open
 * stage after the SYN wait (1 s without an RTT). */
static inline void of_expect_open_timeout(const char *name, enum fe_family fam)
{
    struct fe f;
    fe_init(&f, name, fam, &tc_timing_default);
    fe_start(&f);
    assert_int_equal(fe_fire(&f), 1 * TC_SEC);
    assert_int_equal(fe_n_out(&f), 0);
    fe_expect_result(&f, TC_UNK, f.t.kind->open.stage, "Timeout during handshake", NULL);
    fe_free(&f);
}

#endif
