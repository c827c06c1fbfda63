/* The probe engine: drives test-case state machines with real packets and real time.
 * Everything here is glue between libuv, libpcap, libnet and the pure modules; decisions
 * about packets are made in tests_cases/ and src/tcp, src/tracebox. */
#include "engine.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include "common/due_heap.h"
#include "common/err.h"
#include "common/flow_table.h"
#include "common/rst_limit.h"
#include "common/token_bucket.h"
#include "firewall.h"
#include "io.h"
#include "pcap_record.h"
#include "privs.h"
#include "record/record.h"
#include "status.h"
#include "tcp/linklayer.h"
#include "tcp/reply.h"
#include "testcase/isn_history.h"
#include "tracebox/icmp.h"

#define NSEC_PER_USEC 1000
#define USEC_PER_MSEC 1000
/* Start a test (a new target's first one, or an admitted target's next one) only while
 * the send queue holds less than this much time's worth of packets: a packet waiting in the
 * queue eats into its test's RTT-derived waits (200 ms by default), so the queue must stay
 * short in time at every rate. Starting every admitted target's next test at once instead
 * queued seconds of traced SYN bursts at 2000 pps and most handshakes timed out. */
#define SEND_QUEUE_SECONDS 0.05
#define SEND_QUEUE_MIN 1
/* RSTs for unknown segments (common/rst_limit.h: at most 3 per flow, a bounded table) wait
 * in the send queue at most this many at once: beyond it a flood of unknown segments would
 * grow the queue without bound and take the probes' share of -r. */
#define RST_QUEUE_MAX_MIN 64
/* Packets taken from pcap per readiness callback before yielding to timers. */
#define CAPTURE_BATCH 512
#define LIMITS_LINE_MAX 768
/* A source that spent its share of the loop is asked again this much later: the loop
 * polls its I/O in between (a 0 ms timer would run in the same pass). */
#define SOURCE_YIELD_MS 1
#define REASON_DEADLINE "Test deadline exceeded"
#define REASON_INTERRUPTED "Interrupted"
/* After SIGINT/SIGTERM, tests in flight get this long to reach their verdict before they
 * are aborted (a second signal aborts them at once). */
#define SIGNAL_GRACE_MS 2000

struct engine;

struct active_target {
    struct engine *eng;
    struct active_target *next_ready; /* in the engine's ready list */
    struct target in;
    json_t *results; /* packed: see result_pack */
    struct target_plan plan;
    tc_time rtt_hint;
    struct path_info path;   /* learned by its tests: hop distance, hops that quote */
    struct isn_history isns; /* its SYN-ACKs' ISNs so far, when a selected case uses them */
};

struct flow {
    struct flow_entry entry; /* first: the table hands entries back */
    struct active_target *target;
    struct tc tc;
    uv_timer_t timer;
    tc_time deadline;
    /* The peer's latest segment: on shutdown a flow it has not closed gets a RST. */
    struct tcp_seg last_rcvd;
    bool have_rcvd;
    /* A test's waits run from when its packets leave, not from when it queued them: the
     * timer does not fire while packets of the flow are queued, and once the last one is
     * out it is moved back by the time that packet waited in the queue (timer_shift). */
    unsigned queued;     /* packets of this flow in the send queue */
    tc_time timer_shift; /* added to the case's timer */
    tc_time timer_seen;  /* the case's timer timer_shift applies to */
};

struct send_item {
    struct send_item *next;
    struct flow *owner; /* NULL: the engine's own (RSTs); cleared when the flow finishes */
    tc_time queued_at;
    const char *test; /* the test case that sent it (recorded with --pcap); NULL = none */
    unsigned faults;  /* enum tcp_fault, for the recording */
    bool unknown_rst; /* reset_unknown's: counted in sq_rsts */
    size_t len;
    uint8_t data[];
};

struct engine {
    uv_loop_t loop;
    uv_poll_t capture_poll;
    uv_timer_t pace_timer, admit_timer;
    /* Packets a test asked to hold back (paced burst copies): they join the send queue when
     * due, and count as queued for their flow meanwhile. */
    struct due_heap delayed;
    uv_timer_t delay_timer;
    uv_signal_t sigint, sigterm;
    uv_timer_t grace_timer;
    const struct engine_config *cfg;
    target_source_fn source;
    void *source_ctx;
    bool source_done, stopping, closing;
    bool hurry;     /* second signal: send what is queued without pacing, then end */
    bool keep_isns; /* a selected case reads the targets' earlier ISNs (uses_prior_isns) */
    int error;
    struct injector *inj;
    struct capture cap;
    struct token_bucket bucket;
    struct flow_table flows;
    struct rst_limit rsts;
    struct send_item *sq_head, *sq_tail;
    size_t sq_len, sq_limit;
    size_t sq_rsts, rst_queue_max; /* engine RSTs in the queue, and their limit */
    size_t inflight;               /* admitted targets, running a test or in the ready list */
    /* Admitted targets whose next test waits for room in the send queue, oldest first:
     * they go before new targets, so a target, once started, is finished quickly. */
    struct active_target *ready_head, *ready_tail;
    uint16_t next_port;
    struct engine_stats stats;
    struct status_line status;
    struct pcap_record *rec;
    struct fw_guard fw;
    uv_poll_t *input_poll; /* the source waits for this descriptor (NULL = none) */
    int input_fd;
};

static tc_time now_us(void)
{
    return uv_hrtime() / NSEC_PER_USEC;
}

static uint64_t random64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = uv_hrtime() ^ ((uint64_t)getpid() << 32);
    return r;
}

/* Every message on stderr goes through here: the status line is erased first. */
static void engine_warn(struct engine *eng, const char *fmt, ...)
{
    va_list ap;
    status_clear(&eng->status);
    va_start(ap, fmt);
    fputs("tcpreq: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void flush_sends(struct engine *eng);
static void flow_sent(struct engine *eng, struct flow *f, tc_time queued_at, tc_time now);
static void schedule_admit(struct engine *eng);
static void wait_for_source(struct engine *eng, int fd);
static void maybe_finish(struct engine *eng);
static void target_next_test(struct active_target *at);
static void target_start_next(struct active_target *at);

/* --- sending ------------------------------------------------------------------------ */

static void append_send(struct engine *eng, struct send_item *item)
{
    item->next = NULL;
    if (eng->sq_tail != NULL)
        eng->sq_tail->next = item;
    else
        eng->sq_head = item;
    eng->sq_tail = item;
    eng->sq_len++;
}

static void on_delay_timer(uv_timer_t *timer);

static void arm_delay_timer(struct engine *eng)
{
    uint64_t due;
    if (!due_heap_peek(&eng->delayed, &due))
        return;
    tc_time now = now_us();
    uint64_t ms = due > now ? (due - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC : 0;
    uv_timer_start(&eng->delay_timer, on_delay_timer, ms, 0);
}

/* Queue a packet to leave after delay (0: now, behind what is queued). The flow's waits
 * count from when it leaves: a held packet is queued for its flow until then. Returns the
 * item queued, or NULL when out of memory. */
static struct send_item *enqueue_packet(struct engine *eng, struct flow *owner, const uint8_t *data,
                                        size_t len, const char *test, unsigned faults,
                                        tc_time delay)
{
    struct send_item *item = malloc(sizeof(*item) + len);
    if (item == NULL)
        return NULL; /* dropping a packet is what the network might do too */
    item->next = NULL;
    item->owner = owner;
    item->queued_at = now_us();
    item->unknown_rst = false;
    item->test = test;
    item->faults = faults;
    item->len = len;
    memcpy(item->data, data, len);
    if (delay > 0 && !eng->hurry) {
        if (due_heap_push(&eng->delayed, item->queued_at + delay, item) != 0) {
            free(item);
            return NULL;
        }
        arm_delay_timer(eng);
    } else {
        append_send(eng, item);
    }
    if (owner != NULL)
        owner->queued++;
    return item;
}

/* Held packets that are due join the send queue. */
static void release_delayed(struct engine *eng, bool all)
{
    tc_time now = now_us();
    struct send_item *item;
    while ((item = all ? due_heap_pop(&eng->delayed) : due_heap_pop_due(&eng->delayed, now)) !=
           NULL)
        append_send(eng, item);
}

static void on_delay_timer(uv_timer_t *timer)
{
    struct engine *eng = timer->data;
    release_delayed(eng, eng->hurry);
    arm_delay_timer(eng);
    flush_sends(eng);
}

static void on_pace_timer(uv_timer_t *timer)
{
    flush_sends(timer->data);
}

static void flush_sends(struct engine *eng)
{
    while (eng->sq_head != NULL) {
        tc_time now = now_us();
        if (!eng->hurry && !token_bucket_take(&eng->bucket, now)) {
            uint64_t wait = token_bucket_wait(&eng->bucket, now);
            uint64_t ms = (wait + USEC_PER_MSEC - 1) / USEC_PER_MSEC;
            if (!uv_is_active((uv_handle_t *)&eng->pace_timer))
                uv_timer_start(&eng->pace_timer, on_pace_timer, ms > 0 ? ms : 1, 0);
            return;
        }
        struct send_item *item = eng->sq_head;
        eng->sq_head = item->next;
        if (eng->sq_head == NULL)
            eng->sq_tail = NULL;
        eng->sq_len--;
        /* Stamped when handed to the kernel: a reply can never be stamped earlier. */
        struct timeval handed;
        gettimeofday(&handed, NULL);
        if (injector_send(eng->inj, item->data, item->len) == 0) {
            eng->stats.packets_sent++;
            pcap_record_sent(eng->rec, item->data, item->len, &handed, item->test, item->faults);
        } else if (!eng->cfg->quiet) {
            engine_warn(eng, "send failed: %s", strerror(errno));
        }
        if (item->owner != NULL)
            flow_sent(eng, item->owner, item->queued_at, now);
        if (item->unknown_rst)
            eng->sq_rsts--;
        free(item);
        if (eng->sq_len < eng->sq_limit)
            schedule_admit(eng);
    }
    maybe_finish(eng);
}

/* --- flows -------------------------------------------------------------------------- */

static void on_flow_timer(uv_timer_t *timer);

/* The bounds a flood reached, on one line at the end (nothing when none was reached): a
 * bound that silently dropped things would hide what a hostile peer did. */
static void report_limits(const struct engine *eng)
{
    const struct engine_stats *st = &eng->stats;
    char line[LIMITS_LINE_MAX];
    size_t n = 0;
#define LIMIT_NOTE(...)                                                                            \
    do {                                                                                           \
        if (n < sizeof(line))                                                                      \
            n += (size_t)snprintf(line + n, sizeof(line) - n, "%s", n ? "; " : "");                \
        if (n < sizeof(line))                                                                      \
            n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__);                        \
    } while (0)
    if (st->peak_inflight >= eng->cfg->max_inflight)
        LIMIT_NOTE("%zu targets in flight (--inflight)", eng->cfg->max_inflight);
    if (st->quotes_over > 0)
        LIMIT_NOTE("%llu ICMP quotes beyond %d per test not kept",
                   (unsigned long long)st->quotes_over, TC_MAX_QUOTES);
    if (st->isns_over > 0)
        LIMIT_NOTE("%llu SYN ISNs beyond %d per test not recorded",
                   (unsigned long long)st->isns_over, TC_MAX_ISNS);
    if (st->ignored_malformed > 0)
        LIMIT_NOTE("%llu malformed segments of running tests ignored",
                   (unsigned long long)st->ignored_malformed);
    if (st->ignored_foreign_quotes > 0)
        LIMIT_NOTE("%llu ICMP quotes of segments a test did not send ignored",
                   (unsigned long long)st->ignored_foreign_quotes);
    if (st->ignored_full_ttl_quotes > 0)
        LIMIT_NOTE("%llu ICMP quotes of segments sent with a full TTL ignored",
                   (unsigned long long)st->ignored_full_ttl_quotes);
    if (st->rst_flows_evicted > 0)
        LIMIT_NOTE("%llu unknown flows forgotten early by the full RST table (%zu flows)",
                   (unsigned long long)st->rst_flows_evicted, eng->rsts.max_flows);
    if (st->rsts_dropped > 0)
        LIMIT_NOTE("%llu RSTs for unknown segments not sent (%zu queued at most)",
                   (unsigned long long)st->rsts_dropped, eng->rst_queue_max);
#undef LIMIT_NOTE
    if (n > 0)
        fprintf(stderr, "tcpreq: limits reached: %s\n", line);
}

static void free_flow(uv_handle_t *handle)
{
    struct flow *f = handle->data;
    tc_destroy(&f->tc);
    free(f);
}

static void disown(void *item, void *flow)
{
    struct send_item *it = item;
    if (it->owner == flow) {
        it->owner = NULL;
        ((struct flow *)flow)->queued--;
    }
}

/* Packets of a finished flow may still be queued or held: they go out, owned by no flow. */
static void disown_queued(struct engine *eng, struct flow *f)
{
    for (struct send_item *it = eng->sq_head; it != NULL && f->queued > 0; it = it->next)
        disown(it, f);
    if (f->queued > 0)
        due_heap_each(&eng->delayed, disown, f);
}

/* A finished test's result waits in its target until the target is done, so it is kept as
 * its compact JSON text: as a tree it took about 2.4 KB, most of a target's memory while
 * thousands are in flight (text and tree convert exactly, reals included). Kept as a tree
 * for --explain, which reads the evidence. */
static json_t *result_pack(const struct engine *eng, json_t *res)
{
    if (eng->cfg->report.write != NULL || res == NULL)
        return res;
    char *text = json_dumps(res, JSON_COMPACT);
    if (text == NULL)
        return res;
    json_t *packed = json_string_nocheck(text);
    free(text);
    if (packed == NULL)
        return res;
    json_decref(res);
    return packed;
}

/* The target's results as JSON objects again (consumes packed). */
static json_t *results_unpack(json_t *packed)
{
    json_t *out = json_array(), *r;
    size_t i;
    json_array_foreach(packed, i, r)
    {
        json_t *o = json_is_string(r) ? json_loads(json_string_value(r), 0, NULL) : json_incref(r);
        json_array_append_new(out, o);
    }
    json_decref(packed);
    return out;
}

static void flow_finish(struct engine *eng, struct flow *f)
{
    struct active_target *at = f->target;
    struct tc *t = &f->tc;
    eng->stats.ignored_malformed += t->ignored.malformed;
    eng->stats.ignored_foreign_quotes += t->ignored.foreign_quotes;
    eng->stats.ignored_full_ttl_quotes += t->ignored.full_ttl_quotes;
    eng->stats.quotes_over += t->ignored.quotes_over;
    eng->stats.isns_over += t->ignored.isns_over;
    json_t *res = result_to_json(t, time(NULL));
    if (eng->cfg->report.write != NULL && res != NULL)
        json_object_set_new(res, "evidence", evidence_to_json(t));
    json_array_append_new(at->results, result_pack(eng, res));
    plan_record(&at->plan, tc_kind(t), tc_verdict(t));
    status_count_verdict(&eng->status, tc_verdict(t));
    if (tc_measured_rtt(t) > 0)
        at->rtt_hint = tc_measured_rtt(t);
    path_merge(&at->path, tc_path_learned(t));
    if (eng->keep_isns)
        isn_history_add(&at->isns, t); /* out of memory: the ISN test sees fewer */
    disown_queued(eng, f);
    flow_table_remove(&eng->flows, &f->entry);
    uv_timer_stop(&f->timer);
    uv_close((uv_handle_t *)&f->timer, free_flow);
    target_next_test(at);
}

/* When the flow's timer is due: the case's timer, moved back by its packets' queueing,
 * or the engine's per-test deadline, whichever is first. */
static tc_time flow_due(const struct flow *f)
{
    tc_time timer = tc_timer(&f->tc);
    if (timer != 0 && timer + f->timer_shift < f->deadline)
        return timer + f->timer_shift;
    return f->deadline;
}

static void flow_arm_timer(struct flow *f)
{
    tc_time at = flow_due(f), now = now_us();
    uint64_t ms = at > now ? (at - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC : 0;
    uv_timer_start(&f->timer, on_flow_timer, ms, 0);
}

/* A packet of flow f left after waiting since queued_at. Once the flow has none queued,
 * the case's timer is moved back by that wait: the case set it when it queued the packet,
 * as if the packet had gone at once. */
static void flow_sent(struct engine *eng, struct flow *f, tc_time queued_at, tc_time now)
{
    (void)eng;
    if (--f->queued > 0 || tc_is_done(&f->tc))
        return;
    if (tc_timer(&f->tc) != f->timer_seen) {
        f->timer_seen = tc_timer(&f->tc);
        f->timer_shift = 0;
    }
    tc_time waited = now > queued_at ? now - queued_at : 0;
    if (waited > f->timer_shift)
        f->timer_shift = waited;
    flow_arm_timer(f);
}

/* After every call into a test case: take its packets, then either finish it or arm its
 * timer. */
static void flow_after_event(struct engine *eng, struct flow *f)
{
    struct tc *t = &f->tc;
    for (size_t i = 0; i < tc_out_count(t); i++) {
        const struct tc_packet *p = tc_out_packet(t, i);
        enqueue_packet(eng, f, p->data, p->len, tc_kind(t)->name, p->faults, p->delay);
    }
    tc_clear_out(t);
    if (tc_is_done(t)) {
        flow_finish(eng, f);
    } else {
        if (tc_timer(t) != f->timer_seen) { /* a new wait: no queueing behind it yet */
            f->timer_seen = tc_timer(t);
            f->timer_shift = 0;
        }
        flow_arm_timer(f);
    }
    flush_sends(eng);
}

static void capture_read(struct engine *eng);

static void on_flow_timer(uv_timer_t *timer)
{
    struct flow *f = timer->data;
    struct engine *eng = f->target->eng;
    /* libuv runs due timers before it polls for I/O: on a busy loop the reply this test
     * waits for may already sit in the capture buffer. Read it first, so that a timeout
     * means the reply has not arrived (without this, 4096 targets in flight at 50k pps on
     * two cores turned about 0.3 % of the checksum tests' handshakes into timeouts). */
    capture_read(eng);
    if (tc_is_done(&f->tc))
        return; /* finished by what was just read; its timer is closing */
    if (f->queued > 0)
        return; /* its packets are still queued: flow_sent re-arms once they are out */
    tc_time now = now_us();
    if (tc_timer(&f->tc) != 0 && now >= tc_timer(&f->tc) + f->timer_shift)
        tc_fire_timer(&f->tc, now);
    else if (now >= f->deadline)
        tc_abort(&f->tc, REASON_DEADLINE, now);
    /* else: woke early (loop time is coarser than ours); flow_after_event re-arms */
    flow_after_event(eng, f);
}

static int pick_port(struct engine *eng, const struct target *in, uint16_t *port)
{
    const unsigned span = PROBE_PORT_MAX - PROBE_PORT_MIN + 1;
    for (unsigned tries = 0; tries < span; tries++) {
        uint16_t p = eng->next_port;
        eng->next_port = p == PROBE_PORT_MAX ? PROBE_PORT_MIN : (uint16_t)(p + 1);
        struct flow_key k;
        flow_key_make(&k, p, &in->ip, in->port);
        if (flow_table_find(&eng->flows, &k) == NULL) {
            *port = p;
            return 0;
        }
    }
    return -1;
}

static int start_flow(struct active_target *at, const struct test_case *kind)
{
    struct engine *eng = at->eng;
    struct flow *f = calloc(1, sizeof(*f));
    uint16_t sport;
    if (f == NULL || pick_port(eng, &at->in, &sport) != 0) {
        free(f);
        return -1;
    }
    struct tc_env env = {
        .src = at->in.ip.family == IP_FAMILY_V4 ? eng->cfg->src4 : eng->cfg->src6,
        .dst = at->in.ip,
        .sport = sport,
        .dport = at->in.port,
        .rtt_hint = at->rtt_hint,
        .timing = eng->cfg->timing,
        .seed = random64(),
        .host = json_string_value(json_object_get(at->in.record, "host")),
        .path = at->path,
        .trace_full = eng->cfg->trace_full,
        .prior_isns = kind->uses_prior_isns ? at->isns.v : NULL,
        .n_prior_isns = kind->uses_prior_isns ? at->isns.n : 0,
    };
    if (tc_create(&f->tc, kind, &env) != 0) {
        free(f);
        return -1;
    }
    f->target = at;
    flow_key_make(&f->entry.key, sport, &at->in.ip, at->in.port);
    if (flow_table_insert(&eng->flows, &f->entry) != 0) {
        tc_destroy(&f->tc);
        free(f);
        return -1;
    }
    uv_timer_init(&eng->loop, &f->timer);
    f->timer.data = f;
    tc_time now = now_us();
    f->deadline = now + kind->deadline;
    tc_start(&f->tc, now);
    flow_after_event(eng, f);
    return 0;
}

/* --- targets ------------------------------------------------------------------------ */

static void write_failed(struct engine *eng)
{
    engine_warn(eng, "writing results failed: %s", strerror(errno));
    eng->error = TCPREQ_ESYS;
}

static void target_finish(struct active_target *at)
{
    struct engine *eng = at->eng;
    at->results = results_unpack(at->results);
    json_object_set_new(at->in.record, "results", at->results);
    status_clear(&eng->status); /* stdout may be the same terminal */
    if (eng->cfg->report.write != NULL) {
        if (target_sink_write(&eng->cfg->report, at->in.record) != 0)
            write_failed(eng);
        /* the evidence is the report's, not part of the dataset's schema */
        size_t i;
        json_t *res;
        json_array_foreach(at->results, i, res)
        {
            json_object_del(res, "evidence");
        }
    }
    if (target_sink_write(&eng->cfg->dataset, at->in.record) != 0)
        write_failed(eng);
    json_decref(at->in.record);
    isn_history_free(&at->isns);
    free(at);
    eng->inflight--;
    eng->stats.targets_done++;
    schedule_admit(eng);
    maybe_finish(eng);
}

static bool send_queue_full(const struct engine *eng)
{
    return eng->sq_len >= eng->sq_limit;
}

/* Start the target's next test, or, while the send queue is full, put the target in the
 * ready list (admit starts it as soon as there is room). */
static void target_next_test(struct active_target *at)
{
    struct engine *eng = at->eng;
    if (!eng->stopping && send_queue_full(eng)) {
        at->next_ready = NULL;
        if (eng->ready_tail != NULL)
            eng->ready_tail->next_ready = at;
        else
            eng->ready_head = at;
        eng->ready_tail = at;
        return;
    }
    target_start_next(at);
}

static void target_start_next(struct active_target *at)
{
    const struct test_case *kind = at->eng->stopping ? NULL : plan_next(&at->plan);
    if (kind == NULL) {
        target_finish(at);
        return;
    }
    if (start_flow(at, kind) != 0) {
        engine_warn(at->eng, "cannot start %s (out of memory or source ports)", kind->name);
        target_finish(at);
    }
}

static void admit(struct engine *eng)
{
    /* Targets already in flight first; when stopping they are finished, queue or not. */
    while (eng->ready_head != NULL && (eng->stopping || !send_queue_full(eng))) {
        struct active_target *at = eng->ready_head;
        eng->ready_head = at->next_ready;
        if (eng->ready_head == NULL)
            eng->ready_tail = NULL;
        target_start_next(at);
    }
    while (!eng->source_done && !eng->stopping && eng->inflight < eng->cfg->max_inflight &&
           !send_queue_full(eng)) {
        struct active_target *at = calloc(1, sizeof(*at));
        if (at == NULL)
            break;
        at->in.wait_fd = -1;
        int rc = eng->source(eng->source_ctx, &at->in);
        if (rc == TARGET_SOURCE_WAIT) {
            int fd = at->in.wait_fd;
            free(at);
            wait_for_source(eng, fd);
            break;
        }
        if (rc <= 0) {
            free(at);
            eng->source_done = true;
            if (rc < 0)
                eng->error = rc;
            break;
        }
        at->eng = eng;
        eng->status.targets_read++;
        at->results = json_array();
        plan_init(&at->plan, eng->cfg->selection);
        if (++eng->inflight > eng->stats.peak_inflight)
            eng->stats.peak_inflight = eng->inflight;
        target_next_test(at);
    }
    maybe_finish(eng);
}

static void on_admit_timer(uv_timer_t *timer)
{
    admit(timer->data);
}

static void on_input_readable(uv_poll_t *poll, int status, int events)
{
    struct engine *eng = poll->data;
    (void)status, (void)events;
    uv_poll_stop(poll);
    schedule_admit(eng);
}

static void free_handle(uv_handle_t *h)
{
    free(h);
}

/* The source has no target without waiting: admit again once fd is readable (a pipe that is
 * empty now), or, for fd -1 (the source spent its share of the loop), after one turn of the
 * loop, so that capture, timers and signals run in between. Tests already running go on. */
static void wait_for_source(struct engine *eng, int fd)
{
    if (fd < 0) {
        uv_timer_start(&eng->admit_timer, on_admit_timer, SOURCE_YIELD_MS, 0);
        return;
    }
    if (eng->input_poll != NULL && eng->input_fd != fd) {
        uv_close((uv_handle_t *)eng->input_poll, free_handle);
        eng->input_poll = NULL;
    }
    if (eng->input_poll == NULL) {
        uv_poll_t *p = malloc(sizeof(*p));
        if (p == NULL || uv_poll_init(&eng->loop, p, fd) != 0) {
            free(p);
            uv_timer_start(&eng->admit_timer, on_admit_timer, SOURCE_YIELD_MS, 0);
            return;
        }
        p->data = eng;
        eng->input_poll = p;
        eng->input_fd = fd;
    }
    uv_poll_start(eng->input_poll, UV_READABLE, on_input_readable);
}

/* Admission runs from the loop, never from inside a callback chain that is itself
 * starting or finishing flows. */
static void schedule_admit(struct engine *eng)
{
    if (!eng->closing && (!eng->source_done || eng->ready_head != NULL) &&
        !uv_is_active((uv_handle_t *)&eng->admit_timer))
        uv_timer_start(&eng->admit_timer, on_admit_timer, 0, 0);
}

/* --- receiving ---------------------------------------------------------------------- */

static struct flow *find_flow(struct engine *eng, uint16_t lport, const struct ip_addr *rip,
                              uint16_t rport)
{
    struct flow_key k;
    flow_key_make(&k, lport, rip, rport);
    return (struct flow *)flow_table_find(&eng->flows, &k);
}

/* A segment to our port range that belongs to no running test (e.g. a SYN-ACK
 * retransmitted after its test ended): reset it, at most RST_LIMIT_PER_FLOW times per flow
 * (rst_limit), and only while the send queue holds fewer than rst_queue_max such RSTs. */
static void reset_unknown(struct engine *eng, const struct ip_view *ip)
{
    struct tcp_seg seg, rst;
    if (tcp_seg_parse(ip->l4, ip->l4_len, &ip->src, &ip->dst, &seg, NULL) != 0 ||
        (seg.flags & TCP_FLAG_RST) || seg.dport < PROBE_PORT_MIN)
        return;
    struct flow_key k;
    flow_key_make(&k, seg.dport, &ip->src, seg.sport);
    uint64_t evicted = eng->rsts.evicted;
    bool allowed = rst_limit_allow(&eng->rsts, &k, now_us());
    if (eng->rsts.evicted != evicted && evicted == 0 && !eng->cfg->quiet)
        engine_warn(eng,
                    "RST table full (%zu flows): the flows seen least recently are "
                    "forgotten early (counted at the end)",
                    eng->rsts.max_flows);
    if (!allowed)
        return;
    if (eng->sq_rsts >= eng->rst_queue_max) {
        if (eng->stats.rsts_dropped++ == 0 && !eng->cfg->quiet)
            engine_warn(eng,
                        "unknown segments arrive faster than -r can answer them: RSTs "
                        "beyond %zu queued are not sent (counted at the end)",
                        eng->rst_queue_max);
        return;
    }
    tcp_seg_reset_for(&seg, &rst);
    struct ip_params params = {.src = ip->dst, .dst = ip->src};
    uint8_t buf[IP_PACKET_MAX];
    size_t len;
    struct send_item *item;
    if (ip_tcp_build(&params, &rst, buf, sizeof(buf), &len) == 0 &&
        (item = enqueue_packet(eng, NULL, buf, len, NULL, 0, 0)) != NULL) {
        item->unknown_rst = true;
        eng->sq_rsts++;
        eng->stats.rsts_unknown++;
    }
}

static void dispatch_packet(struct engine *eng, const uint8_t *pkt, size_t len,
                            const struct timeval *ts)
{
    struct ip_view ip;
    tc_time now = now_us();
    if (ip_parse(pkt, len, &ip) != 0)
        return;
    eng->stats.packets_received++;
    if (ip.proto == IPPROTO_TCP_NUM && ip.l4_len >= 4) {
        uint16_t sport = (uint16_t)(ip.l4[0] << 8 | ip.l4[1]);
        uint16_t dport = (uint16_t)(ip.l4[2] << 8 | ip.l4[3]);
        struct flow *f = find_flow(eng, dport, &ip.src, sport);
        pcap_record_received(eng->rec, pkt, len, ts, f != NULL ? tc_kind(&f->tc)->name : NULL);
        if (f != NULL) {
            struct tcp_seg seg;
            if (tcp_seg_parse(ip.l4, ip.l4_len, &ip.src, &ip.dst, &seg, NULL) == 0) {
                seg.payload = NULL; /* points into the capture buffer; only lengths are kept */
                f->last_rcvd = seg;
                f->have_rcvd = true;
            }
            tc_deliver_segment(&f->tc, ip.l4, ip.l4_len, ip.ttl, ip.tos, now);
            flow_after_event(eng, f);
        } else {
            reset_unknown(eng, &ip);
            flush_sends(eng);
        }
        return;
    }
    struct icmp_quote q;
    if (icmp_parse_time_exceeded(pkt, len, &q) != 0) {
        pcap_record_received(eng->rec, pkt, len, ts, NULL);
        return;
    }
    const struct ip_addr *ours = q.q_src.family == IP_FAMILY_V4 ? &eng->cfg->src4 : &eng->cfg->src6;
    struct flow *f =
        ip_addr_equal(&q.q_src, ours) ? find_flow(eng, q.q_sport, &q.q_dst, q.q_dport) : NULL;
    pcap_record_received(eng->rec, pkt, len, ts, f != NULL ? tc_kind(&f->tc)->name : NULL);
    if (f != NULL) {
        tc_deliver_quote(&f->tc, &q, now);
        flow_after_event(eng, f);
    }
}

static void on_pcap_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *frame)
{
    struct engine *eng = (struct engine *)user;
    int off = linklayer_ip_offset(eng->cap.linktype, frame, h->caplen);
    if (off >= 0)
        dispatch_packet(eng, frame + off, h->caplen - (size_t)off, &h->ts);
}

static void on_capture_readable(uv_poll_t *poll, int status, int events)
{
    struct engine *eng = poll->data;
    (void)events;
    if (status < 0)
        return;
    capture_read(eng);
}

/* Dispatch up to CAPTURE_BATCH captured packets (non-blocking: none may be waiting). */
static void capture_read(struct engine *eng)
{
    if (eng->closing || eng->cap.pcap == NULL)
        return;
    struct timeval started;
    gettimeofday(&started, NULL);
    int n = pcap_dispatch(eng->cap.pcap, CAPTURE_BATCH, on_pcap_packet, (u_char *)eng);
    /* The capture was read empty: every reply to what we sent before `started` is recorded,
     * so the packets sent before it can be written in order. */
    if (n >= 0 && n < CAPTURE_BATCH)
        pcap_record_sync(eng->rec, &started);
    if (n == PCAP_ERROR) {
        engine_warn(eng, "capture failed: %s", pcap_geterr(eng->cap.pcap));
        eng->error = TCPREQ_ESYS;
        eng->stopping = true;
        eng->source_done = true;
        schedule_admit(eng); /* finishes the targets in the ready list */
    }
}

/* --- lifecycle ---------------------------------------------------------------------- */

/* A connection the peer still holds open (it answered and has not reset) gets a RST, so
 * an interrupted scan leaves no half-open state on the targets. */
static void reset_open_flow(struct engine *eng, const struct flow *f)
{
    if (!f->have_rcvd || (f->last_rcvd.flags & TCP_FLAG_RST))
        return;
    struct tcp_seg rst;
    tcp_seg_reset_for(&f->last_rcvd, &rst);
    struct ip_params params = {.src = tc_env_of(&f->tc)->src, .dst = tc_env_of(&f->tc)->dst};
    uint8_t buf[IP_PACKET_MAX];
    size_t len;
    if (ip_tcp_build(&params, &rst, buf, sizeof(buf), &len) == 0)
        enqueue_packet(eng, NULL, buf, len, tc_kind(&f->tc)->name, 0, 0);
}

static void abort_all_flows(struct engine *eng)
{
    tc_time now = now_us();
    for (size_t b = 0; b < eng->flows.n_buckets; b++) {
        struct flow_entry *e = eng->flows.buckets[b];
        while (e != NULL) {
            struct flow_entry *next = e->next;
            struct flow *f = (struct flow *)e;
            reset_open_flow(eng, f);
            tc_abort(&f->tc, REASON_INTERRUPTED, now);
            flow_after_event(eng, f);
            e = next;
        }
    }
}

static void on_grace_over(uv_timer_t *timer)
{
    struct engine *eng = timer->data;
    abort_all_flows(eng);
    maybe_finish(eng);
}

/* First signal: admit nothing more, start no new test, give the running ones a grace
 * period, then abort them (RSTs to open connections). Every finished target is written.
 * A second signal aborts at once and sends the RSTs unpaced; the exit path (output,
 * --pcap, firewall) is the same. */
static void on_signal(uv_signal_t *sig, int signum)
{
    struct engine *eng = sig->data;
    if (eng->stopping) {
        engine_warn(eng, "second signal, aborting the tests in flight");
        eng->hurry = true;
        uv_timer_stop(&eng->grace_timer);
        abort_all_flows(eng);
        release_delayed(eng, true);
        flush_sends(eng);
        maybe_finish(eng);
        return;
    }
    if (!eng->cfg->quiet)
        engine_warn(eng,
                    "signal %d, stopping (finishing tests in flight; results so far are "
                    "kept; again to abort)",
                    signum);
    eng->stats.signal = signum;
    eng->stopping = true;
    eng->source_done = true;
    schedule_admit(eng); /* finishes the targets in the ready list */
    uv_timer_start(&eng->grace_timer, on_grace_over, SIGNAL_GRACE_MS, 0);
    maybe_finish(eng);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Done when no target is left and every queued packet (final RSTs included) is out. */
static void maybe_finish(struct engine *eng)
{
    if (eng->closing || !eng->source_done || eng->inflight > 0 || eng->sq_head != NULL ||
        eng->delayed.n > 0)
        return;
    eng->closing = true;
    uv_poll_stop(&eng->capture_poll);
    close_handle((uv_handle_t *)&eng->capture_poll);
    close_handle((uv_handle_t *)&eng->pace_timer);
    close_handle((uv_handle_t *)&eng->delay_timer);
    close_handle((uv_handle_t *)&eng->admit_timer);
    close_handle((uv_handle_t *)&eng->grace_timer);
    status_close(&eng->status);
    close_handle((uv_handle_t *)&eng->sigint);
    close_handle((uv_handle_t *)&eng->sigterm);
    if (eng->input_poll != NULL) {
        uv_close((uv_handle_t *)eng->input_poll, free_handle);
        eng->input_poll = NULL;
    }
}

static int engine_open(struct engine *eng)
{
    char err[PCAP_ERRBUF_SIZE + 128];
    const struct engine_config *cfg = eng->cfg;
    eng->inj = injector_open(cfg->src4.family != 0, cfg->src6.family != 0, TCPREQ_SOCKET_MARK, err,
                             sizeof(err));
    if (eng->inj == NULL) {
        fprintf(stderr, "tcpreq: %s\n", err);
        return TCPREQ_ESYS;
    }
    if (capture_open(&eng->cap, cfg->iface, &cfg->src4, &cfg->src6, err, sizeof(err)) != 0) {
        fprintf(stderr, "tcpreq: %s\n", err);
        return TCPREQ_ESYS;
    }
    return TCPREQ_OK;
}

/* After the handles are open and before the loop: recording, offload check, firewall
 * (with its guard), then the privilege drop, the last step that needs root. */
static int open_operations(struct engine *eng)
{
    char err[PCAP_ERRBUF_SIZE + 128];
    const struct engine_config *cfg = eng->cfg;
    eng->fw.helper = 0;
    if (cfg->pcap_path != NULL &&
        (eng->rec = pcap_record_open(cfg->pcap_path, err, sizeof(err))) == NULL) {
        fprintf(stderr, "tcpreq: error: %s\n", err);
        return TCPREQ_ESYS;
    }
    if (!cfg->quiet)
        offload_warn(eng->cap.iface);
    if (cfg->firewall != FW_NONE) {
        bool v4 = cfg->src4.family != 0, v6 = cfg->src6.family != 0;
        pid_t self = getpid();
        if (firewall_install(cfg->firewall, self, v4, v6) != 0)
            return TCPREQ_ESYS;
        if (fw_guard_start(&eng->fw, cfg->firewall, self, v4, v6) != 0) {
            fprintf(stderr, "tcpreq: error: firewall guard: %s\n", strerror(errno));
            firewall_remove(cfg->firewall, self, v4, v6);
            return TCPREQ_ESYS;
        }
    }
    if (privs_drop(cfg->user, err, sizeof(err)) != 0) {
        fprintf(stderr, "tcpreq: error: %s\n", err);
        return TCPREQ_ESYS;
    }
    return TCPREQ_OK;
}

static void close_operations(struct engine *eng)
{
    pcap_record_close(eng->rec);
    eng->rec = NULL;
    fw_guard_stop(&eng->fw);
}

int engine_run(const struct engine_config *cfg, target_source_fn source, void *source_ctx,
               struct engine_stats *stats)
{
    struct engine *eng = calloc(1, sizeof(*eng));
    if (eng == NULL)
        return TCPREQ_ENOMEM;
    eng->cfg = cfg;
    for (size_t i = 0; i < cfg->selection->n; i++)
        eng->keep_isns |= cfg->selection->tests[i]->uses_prior_isns;
    eng->source = source;
    eng->source_ctx = source_ctx;
    eng->next_port =
        (uint16_t)(PROBE_PORT_MIN + random64() % (PROBE_PORT_MAX - PROBE_PORT_MIN + 1));
    eng->sq_limit = (size_t)fmax(SEND_QUEUE_MIN, cfg->rate * SEND_QUEUE_SECONDS);
    eng->rst_queue_max = eng->sq_limit > RST_QUEUE_MAX_MIN ? eng->sq_limit : RST_QUEUE_MAX_MIN;
    int rc = engine_open(eng);
    if (rc == TCPREQ_OK)
        rc = open_operations(eng);
    if (rc == TCPREQ_OK &&
        (flow_table_init(&eng->flows) != 0 || rst_limit_init(&eng->rsts, 0, 0) != 0))
        rc = TCPREQ_ENOMEM;
    if (rc != TCPREQ_OK) {
        close_operations(eng);
        capture_close(&eng->cap);
        injector_close(eng->inj);
        flow_table_free(&eng->flows);
        rst_limit_free(&eng->rsts);
        free(eng);
        return rc;
    }

    uv_loop_init(&eng->loop);
    token_bucket_init(&eng->bucket, cfg->rate, now_us());
    uv_poll_init(&eng->loop, &eng->capture_poll, eng->cap.fd);
    eng->capture_poll.data = eng;
    uv_poll_start(&eng->capture_poll, UV_READABLE, on_capture_readable);
    uv_timer_init(&eng->loop, &eng->pace_timer);
    eng->pace_timer.data = eng;
    uv_timer_init(&eng->loop, &eng->delay_timer);
    eng->delay_timer.data = eng;
    uv_timer_init(&eng->loop, &eng->admit_timer);
    eng->admit_timer.data = eng;
    uv_signal_init(&eng->loop, &eng->sigint);
    eng->sigint.data = eng;
    uv_signal_start(&eng->sigint, on_signal, SIGINT);
    uv_signal_init(&eng->loop, &eng->sigterm);
    eng->sigterm.data = eng;
    uv_signal_start(&eng->sigterm, on_signal, SIGTERM);
    uv_timer_init(&eng->loop, &eng->grace_timer);
    eng->grace_timer.data = eng;
    status_init(&eng->status, &eng->loop, !cfg->quiet, &eng->stats, cfg->targets_total);

    schedule_admit(eng);
    uv_run(&eng->loop, UV_RUN_DEFAULT);
    uv_loop_close(&eng->loop);
    /* The figures a --pcap recording can be checked against. */
    if (!cfg->quiet)
        fprintf(stderr, "tcpreq: %s: %llu targets done, %llu packets sent, %llu received\n",
                eng->stats.signal != 0 ? "interrupted" : "done",
                (unsigned long long)eng->stats.targets_done,
                (unsigned long long)eng->stats.packets_sent,
                (unsigned long long)eng->stats.packets_received);

    eng->stats.rst_flows_evicted = eng->rsts.evicted;
    if (!cfg->quiet)
        report_limits(eng);
    rc = eng->error;
    if (stats != NULL)
        *stats = eng->stats;
    close_operations(eng);
    capture_close(&eng->cap);
    injector_close(eng->inj);
    flow_table_free(&eng->flows);
    rst_limit_free(&eng->rsts);
    due_heap_free(&eng->delayed);
    free(eng);
    return rc;
}
