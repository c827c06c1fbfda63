/* The machine shared by the tests whose requirement is "a SYN carrying X opens a
 * connection like any other" (OptionSupportTest: NOOP/EOL, UnknownOptionTest: an unknown
 * kind): the traced SYN with X, the plain retry, the SYN-ACK reset at once, then the quotes
 * decide whether X reached the host. A failed handshake is the host's fault only when a SYN
 * without X was answered (syn_probe's control), no quote shows the path removed X, and every
 * hop that quotes this target's probes quoted this one (tc_conclude). A case may also judge
 * what the SYN-ACK carries, path first as well. */
#ifndef TCPREQ_SYN_ACCEPT_H
#define TCPREQ_SYN_ACCEPT_H

#include "testcase/syn_probe.h"
#include "testcase/tc.h"
#include "tracebox/quote_view.h"

struct syn_accept_params {
    /* Add the options under test to the SYN. */
    void (*add_options)(struct tcp_opts *opts);
    const char *failure_suffix; /* appended to a handshake failure, e.g. " with options" */
    /* Optional: what the SYN-ACK must show besides its arrival (NULL: it passes). Returns
     * the verdict; unless it passes, *reason is its reason, a fixed text (datasets group by
     * it), and *custom (NULL until set; owned by the caller) may hold what was measured: the
     * verdict's custom. */
    enum tc_status (*judge_synack)(const struct tc *t, const struct tcp_seg *synack,
                                   const char **reason, json_t **custom);
};

struct syn_accept_state {
    struct syn_probe probe;
};

/* Callbacks for a test_case whose params is a struct syn_accept_params, whose state_size is
 * sizeof(struct syn_accept_state) and whose mbox check says what a quote must still carry
 * (its fields are the probe's TTL code). */
void syn_accept_start(struct tc *t, tc_time now);
void syn_accept_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now);
void syn_accept_on_timer(struct tc *t, tc_time now);

#endif
