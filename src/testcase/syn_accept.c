#include "testcase/syn_accept.h"

#include "tracebox/ttl_code.h"

#define SYN_ACCEPT_STAGE 1
#define RETRY_SYN_WINDOW 4096

static const struct syn_accept_params *params_of(const struct tc *t)
{
    return t->kind->params;
}

void syn_accept_start(struct tc *t, tc_time now)
{
    struct syn_accept_state *s = t->state;
    const struct syn_accept_params *par = params_of(t);
    struct syn_probe *p = &s->probe;
    tc_seg_new(t, &p->syn);
    p->syn.seq = tc_random32(t);
    p->syn.flags = TCP_FLAG_SYN;
    par->add_options(&p->syn.opts);
    p->fields = t->kind->mbox.fields;
    p->burst = true;
    p->retry_window = RETRY_SYN_WINDOW;
    /* A SYN without the options tells a host that refuses them from one answering nothing. */
    p->control = true;
    syn_probe_start(t, p, now);
}

/* Path first, then verdict: when a quote shows the options changed on the way, the path is
 * to blame (UNK), not the host; the framework waits for the quotes still in flight. */
static void handle(struct tc *t, enum syn_probe_outcome o, const struct tcp_seg *synack,
                   const struct syn_probe_failure *f, tc_time now)
{
    const struct syn_accept_params *par = params_of(t);
    if (o == SP_FAILED) {
        char reason[sizeof(t->result.reason)];
        syn_probe_failure_reason(f, par->failure_suffix, reason, sizeof(reason));
        tc_conclude(t, f->status, SYN_ACCEPT_STAGE, reason, f->by_silence, now);
    } else if (o == SP_ESTABLISHED) {
        /* The SYN was accepted: tear the connection down at once. */
        tc_send_reset(t, synack);
        const char *reason = NULL;
        json_t *custom = NULL;
        enum tc_status st =
            par->judge_synack != NULL ? par->judge_synack(t, synack, &reason, &custom) : TC_PASS;
        tc_conclude_custom(t, st, st == TC_PASS ? -1 : SYN_ACCEPT_STAGE, reason, custom, false,
                           now);
    }
}

void syn_accept_on_segment(struct tc *t, const struct tcp_seg *seg, tc_time now)
{
    struct syn_accept_state *s = t->state;
    if (!syn_probe_active(&s->probe))
        return;
    struct syn_probe_failure f;
    handle(t, syn_probe_segment(t, &s->probe, seg, now, &f), seg, &f, now);
}

void syn_accept_on_timer(struct tc *t, tc_time now)
{
    struct syn_accept_state *s = t->state;
    struct syn_probe_failure f;
    if (syn_probe_active(&s->probe))
        handle(t, syn_probe_timer(t, &s->probe, now, &f), NULL, &f, now);
}
