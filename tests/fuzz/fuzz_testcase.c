/* The test-case state machines (tests_cases/, src/testcase/) driven as the engine drives
 * them: start, segments from the target (built from fields the input chooses, so handshakes
 * complete and later stages are reached, or raw bytes), ICMP time-exceeded quotes of the
 * probes actually sent (truncated and mutated, parsed by the ICMP parser and demultiplexed by
 * their quoted 4-tuple as the engine does), timers, the engine's per-test deadline; then the
 * result's JSON. Invariants: every packet a case sends is a TCP packet of its own flow; no
 * case sends more than its packet budget; a finished case has no timer; every case finishes
 * (by itself, its timers, or the deadline); the result is a JSON object naming this test,
 * with a status, and every text in it is printable.
 *
 * How the engine reads a case's actions is in the "engine side" section alone, so a change of
 * that interface (verbs instead of fields) is a change there. */
#include "fuzz_util.h"

#include <jansson.h>

#include "common/err.h"
#include "record/record.h"
#include "tcp/options.h"
#include "tcp/segment.h"
#include "tests_cases/registry.h"
#include "tracebox/icmp.h"
#include "tracebox/ttl_code.h"

#define HISTORY_MAX 256
#define TIMER_ROUNDS_AT_END 64
#define T0 (1000 * TC_SEC)
#define ICMP_HDR 8
#define SPORT 50000

/* --- engine side: how the engine reads a case's actions --------------------------------- */

static struct tc_packet history[HISTORY_MAX];
static size_t n_history;

static void check_packet(const struct tc *t, const struct tc_packet *p)
{
    struct ip_view ip;
    FUZZ_CHECK(p->len <= IP_PACKET_MAX && ip_parse(p->data, p->len, &ip) == TCPREQ_OK);
    FUZZ_CHECK(ip.proto == IPPROTO_TCP_NUM && ip_addr_equal(&ip.src, &t->env.src) &&
               ip_addr_equal(&ip.dst, &t->env.dst));
    struct tcp_seg seg;
    int rc = tcp_seg_parse(ip.l4, ip.l4_len, &ip.src, &ip.dst, &seg, NULL);
    /* options may be illegal on purpose (IllegalLengthOptionTest), the header never */
    FUZZ_CHECK(rc == TCPREQ_OK || rc == TCPREQ_EINVAL || rc == TCPREQ_ETRUNC);
    FUZZ_CHECK(ip.l4_len >= TCP_HDR_MIN && seg.sport == t->env.sport && seg.dport == t->env.dport);
}

/* After every call into the case: take its packets, check the budget and the timer. */
static void drain(struct tc *t)
{
    for (size_t i = 0; i < t->n_out; i++) {
        check_packet(t, &t->out[i]);
        history[n_history++ % HISTORY_MAX] = t->out[i];
    }
    tc_clear_out(t);
    FUZZ_CHECK(t->packets_sent <= t->kind->packet_budget);
    if (t->done)
        FUZZ_CHECK(t->timer_at == 0);
}

static bool done(const struct tc *t)
{
    return t->done;
}

static tc_time timer_at(const struct tc *t)
{
    return t->timer_at;
}

/* --- the target and the routers, as the input makes them -------------------------------- */

struct world {
    struct fz in;
    struct tc t;
    tc_time now, deadline;
    bool v6;
    uint32_t tisn, tnext; /* the target's sequence numbers */
};

/* The latest packet we sent, taken apart (false before any). */
static bool last_sent(struct tcp_seg *seg)
{
    if (n_history == 0)
        return false;
    const struct tc_packet *p = &history[(n_history - 1) % HISTORY_MAX];
    struct ip_view ip;
    return ip_parse(p->data, p->len, &ip) == TCPREQ_OK &&
           tcp_seg_parse(ip.l4, ip.l4_len, &ip.src, &ip.dst, seg, NULL) != TCPREQ_ETRUNC;
}

static const uint8_t common_flags[] = {
    TCP_FLAG_SYN | TCP_FLAG_ACK, TCP_FLAG_ACK,
    TCP_FLAG_ACK | TCP_FLAG_PSH, TCP_FLAG_RST,
    TCP_FLAG_RST | TCP_FLAG_ACK, TCP_FLAG_FIN | TCP_FLAG_ACK,
    TCP_FLAG_ACK | TCP_FLAG_URG, TCP_FLAG_SYN,
};

static void add_synack_options(struct tcp_opts *o)
{
    static const uint8_t ts[8] = {0, 0, 0, 1, 0, 0, 0, 0};
    tcp_opts_add_mss(o, 1460);
    tcp_opts_add_sized(o, TCP_OPT_KIND_SACK_PERM, NULL, 0);
    tcp_opts_add_sized(o, TCP_OPT_KIND_TIMESTAMP, ts, sizeof(ts));
    tcp_opts_add_nop(o);
    uint8_t ws = 7;
    tcp_opts_add_sized(o, TCP_OPT_KIND_WSCALE, &ws, 1);
}

/* A segment from the target with fields chosen by the input, relative to what was sent.
 * Input: how (bits 0-1 seq mode, 2-3 ack mode, 4 window given, 5 raw options, 6 reserved
 * bits, 7 raw flags), more (bit 0: bad checksum), flags, then the fields the modes ask for
 * (seq u32 | delta i8; ack delta i8; window u16; reserved u8; urgent pointer u16 if URG;
 * options: length u8 and bytes), then the payload: 4 * u8 bytes. What is read never
 * depends on the case's state, so a seed made from a real flow stays in step. */
static void op_reply(struct world *w)
{
    struct fz *f = &w->in;
    uint8_t how = fz_u8(f);
    bool bad_csum = fz_u8(f) & 1;
    struct tcp_seg sent, seg;
    bool have = last_sent(&sent);
    tcp_seg_init(&seg);
    seg.sport = w->t.env.dport;
    seg.dport = w->t.env.sport;
    uint8_t fl = fz_u8(f);
    seg.flags = (how & 0x80) ? fl : common_flags[fl % sizeof(common_flags)];
    switch (how & 3) {
    case 0:
        seg.seq = (seg.flags & TCP_FLAG_SYN) ? w->tisn : w->tnext;
        break;
    case 1:
        seg.seq = w->tisn;
        break;
    case 2:
        seg.seq = fz_u32(f);
        break;
    default:
        seg.seq = w->tnext + (uint32_t)(int8_t)fz_u8(f);
        break;
    }
    uint32_t acked = have ? sent.seq + tcp_seg_len(&sent) : 0;
    switch ((how >> 2) & 3) {
    case 0:
        seg.ack = acked;
        break;
    case 1:
        seg.ack = acked + (uint32_t)(int8_t)fz_u8(f);
        break;
    case 2:
        seg.ack = fz_u32(f);
        break;
    default:
        seg.ack = have ? sent.seq : 0;
        break;
    }
    seg.window = (how & 0x10) ? fz_u16(f) : 65535;
    seg.reserved = (how & 0x40) ? fz_u8(f) & 0xf : 0;
    seg.urg_ptr = (seg.flags & TCP_FLAG_URG) ? fz_u16(f) : 0;
    if (how & 0x20) {
        size_t n;
        const uint8_t *raw = fz_bytes(f, fz_u8(f) % (TCP_OPTS_MAX_BYTES + 1), &n);
        tcp_opts_add_raw(&seg.opts, raw, n);
    } else if (seg.flags & TCP_FLAG_SYN) {
        add_synack_options(&seg.opts);
    }
    size_t plen;
    seg.payload = fz_bytes(f, fz_u8(f) * 4u, &plen);
    seg.payload_len = plen;

    uint8_t buf[IP_PACKET_MAX + 1024];
    size_t len;
    if (tcp_seg_build(&seg, &w->t.env.dst, &w->t.env.src, buf, sizeof(buf), &len) != TCPREQ_OK)
        return;
    if (bad_csum)
        buf[17] ^= 1;
    if ((how & 3) == 0)
        w->tnext = seg.seq + tcp_seg_len(&seg);
    /* The IP fields the cases read: the hop limit (hop distance) and TOS (the ECN cases). */
    unsigned ttl = fz_u8(f);
    uint8_t tos = fz_u8(f);
    tc_deliver_segment(&w->t, buf, len, ttl, tos, w->now);
}

/* Raw bytes as a TCP segment of this flow (the engine demultiplexed it by its ports). */
static void op_raw(struct world *w)
{
    size_t n;
    const uint8_t *raw = fz_bytes(&w->in, fz_u8(&w->in), &n);
    uint8_t buf[256 + 4];
    memcpy(buf + 4, raw, n);
    buf[0] = (uint8_t)(w->t.env.dport >> 8);
    buf[1] = (uint8_t)w->t.env.dport;
    buf[2] = (uint8_t)(w->t.env.sport >> 8);
    buf[3] = (uint8_t)w->t.env.sport;
    tc_deliver_segment(&w->t, buf, n + 4, 0, 0, w->now);
}

/* A router's time-exceeded quoting one of our probes: cut, maybe mutated (a middlebox, or a
 * lie), parsed, and delivered when its quoted 4-tuple is this flow's, as the engine does. */
static void op_quote(struct world *w)
{
    struct fz *f = &w->in;
    /* input: probes back from the latest, quoted bytes past the IP header and 8, mutations
     * (count, then offset and XOR each), router */
    size_t back = fz_u8(f), extra = fz_u8(f);
    struct {
        uint8_t at, xor;
    } mut[4];
    unsigned n_mut = fz_u8(f) % 4;
    for (unsigned m = 0; m < n_mut; m++) {
        mut[m].at = fz_u8(f);
        mut[m].xor = fz_u8(f);
    }
    uint8_t router = 1 + fz_u8(f) % 3;
    if (n_history == 0)
        return;
    back %= n_history < HISTORY_MAX ? n_history : HISTORY_MAX;
    const struct tc_packet *p = &history[(n_history - 1 - back) % HISTORY_MAX];
    size_t hdr = w->v6 ? 40 : 20;
    size_t qlen = hdr + 8 + extra;
    if (qlen > p->len)
        qlen = p->len;
    uint8_t msg[IP_PACKET_MAX + 64] = {0};
    size_t len = hdr + ICMP_HDR + qlen;
    memcpy(msg + hdr + ICMP_HDR, p->data, qlen);
    for (unsigned m = 0; m < n_mut; m++)
        msg[hdr + ICMP_HDR + mut[m].at % qlen] ^= mut[m].xor ;
    if (w->v6) {
        msg[0] = 0x60;
        msg[4] = (uint8_t)((len - hdr) >> 8);
        msg[5] = (uint8_t)(len - hdr);
        msg[6] = IPPROTO_ICMPV6_NUM;
        msg[7] = 64;
        msg[8] = 0xfd;
        msg[9] = 0x00;
        msg[10] = 0x74;
        msg[11] = 0x63;
        msg[13] = router;
        msg[23] = 1;
        memcpy(msg + 24, w->t.env.src.bytes, 16);
        msg[hdr] = ICMPV6_TYPE_TIME_EXCEEDED;
    } else {
        msg[0] = 0x45;
        msg[2] = (uint8_t)(len >> 8);
        msg[3] = (uint8_t)len;
        msg[8] = 64;
        msg[9] = IPPROTO_ICMP_NUM;
        msg[12] = 198;
        msg[13] = 18;
        msg[14] = router;
        msg[15] = 1;
        memcpy(msg + 16, w->t.env.src.bytes, 4);
        msg[hdr] = ICMP_TYPE_TIME_EXCEEDED;
    }
    fuzz_icmp_checksum(msg, hdr, len, w->v6);
    struct icmp_quote q;
    if (icmp_parse_time_exceeded(msg, len, &q) != TCPREQ_OK)
        return;
    if (!ip_addr_equal(&q.q_src, &w->t.env.src) || !ip_addr_equal(&q.q_dst, &w->t.env.dst) ||
        q.q_sport != w->t.env.sport || q.q_dport != w->t.env.dport)
        return; /* another flow's (or nobody's): the engine would not deliver it here */
    tc_deliver_quote(&w->t, &q, w->now);
}

/* The armed timer fires; with none armed, the clock moves on by a u16 of milliseconds (read
 * either way). */
static void op_timer(struct world *w)
{
    tc_time idle = (tc_time)fz_u16(&w->in) * TC_MSEC;
    if (timer_at(&w->t) != 0) {
        if (timer_at(&w->t) > w->now)
            w->now = timer_at(&w->t);
        tc_fire_timer(&w->t, w->now);
    } else {
        w->now += idle;
    }
}

static void check_printable(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        FUZZ_CHECK(*s >= ' ' && *s <= '~');
}

static void check_result(const struct tc *t)
{
    json_t *res = result_to_json(t, 0);
    FUZZ_CHECK(json_is_object(res));
    FUZZ_CHECK(strcmp(json_string_value(json_object_get(res, "test")), t->kind->name) == 0);
    const char *st = json_string_value(json_object_get(res, "status"));
    FUZZ_CHECK(st != NULL && (strcmp(st, "PASS") == 0 || strcmp(st, "UNK") == 0 ||
                              strcmp(st, "FAIL") == 0 || strcmp(st, "ERR") == 0));
    json_t *reason = json_object_get(res, "reason");
    FUZZ_CHECK(json_is_null(reason) || json_is_string(reason));
    check_printable(json_string_value(reason));
    char *text = json_dumps(res, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    if (getenv("FUZZ_TESTCASE_PRINT") != NULL) /* to see what a seed reaches */
        printf("%s\n", text);
    free(text);
    json_decref(res);
    json_t *ev = evidence_to_json(t);
    text = json_dumps(ev, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    free(text);
    json_decref(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct world w;
    memset(&w, 0, sizeof(w));
    n_history = 0;
    w.in = (struct fz){data, size};
    const struct test_case *kind = test_case_registry[fz_u8(&w.in) % test_case_count];
    uint8_t setup = fz_u8(&w.in);
    w.v6 = setup & 1;
    struct tc_env env = {
        .sport = SPORT,
        .dport = (setup & 2) ? 443 : 80,
        .rtt_hint = (setup & 4) ? (tc_time)fz_u16(&w.in) * 10 : 0,
        .timing = (setup & 8) ? &tc_timing_original : &tc_timing_default,
        .seed = 0x7463707265710001ull,
        .host = (setup & 16) ? "lab.example" : NULL,
    };
    FUZZ_CHECK(ip_addr_parse(w.v6 ? "fd00:7463:1::2" : "198.18.1.2", &env.src) == 0);
    FUZZ_CHECK(ip_addr_parse(w.v6 ? "fd00:7463:3::2" : "198.18.3.2", &env.dst) == 0);
    w.tisn = fz_u32(&w.in);
    w.tnext = w.tisn + 1;
    if (tc_create(&w.t, kind, &env) != TCPREQ_OK)
        return 0;
    w.now = T0;
    w.deadline = T0 + kind->deadline;
    tc_start(&w.t, w.now);
    drain(&w.t);
    while (!done(&w.t) && w.in.left > 0) {
        switch (fz_u8(&w.in) % 6) {
        case 0:
        case 1:
            op_reply(&w);
            break;
        case 2:
            op_quote(&w);
            break;
        case 3:
            op_raw(&w);
            break;
        default:
            op_timer(&w);
            break;
        }
        w.now += fz_u8(&w.in) * TC_MSEC / 4;
        if (!done(&w.t) && w.now >= w.deadline)
            tc_abort(&w.t, "Test deadline exceeded", w.now);
        drain(&w.t);
    }
    /* the input is over: the target falls silent; timers run until the case ends */
    for (int i = 0; i < TIMER_ROUNDS_AT_END && !done(&w.t) && timer_at(&w.t) != 0; i++) {
        if (timer_at(&w.t) > w.now)
            w.now = timer_at(&w.t);
        tc_fire_timer(&w.t, w.now);
        drain(&w.t);
    }
    if (!done(&w.t))
        tc_abort(&w.t, "Test deadline exceeded", w.now);
    drain(&w.t);
    FUZZ_CHECK(done(&w.t));
    check_result(&w.t);
    tc_destroy(&w.t);
    return 0;
}
