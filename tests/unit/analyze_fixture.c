/* The analyzer tests' capture writer and reader (see analyze_fixture.h). */
#include "analyze_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/report.h"
#include "common/pcapng.h"
#include "engine/offline.h"
#include "tcp/checksum.h"
#include "tcp/linklayer.h"
#include "tcp/segment.h"

#define FX_MSEC 1000
#define FX_START_TS ((an_time)1700000000 * 1000000)
#define FRAME_MAX 2048
#define NG_BLOCK_MAX 4096
#define ETH_TYPE_V4 0x0800
#define ETH_TYPE_V6 0x86dd
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_BSD 24

static int dlt_of(int linktype)
{
    switch (linktype) {
    case LINKTYPE_RAW:
        return DLT_RAW;
    case LINKTYPE_LOOP:
        return DLT_LOOP;
    default:
        return linktype; /* NULL, Ethernet, SLL, SLL2 have DLT = LINKTYPE */
    }
}

void cap_open(struct capfile *c, int linktype, bool pcapng)
{
    memset(c, 0, sizeof(*c));
    c->linktype = linktype;
    c->pcapng = pcapng;
    c->ts = FX_START_TS;
    c->step = FX_MSEC;
    strcpy(c->path, "/tmp/tcpreq-analyze-XXXXXX");
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    close(fd);
    if (pcapng) {
        c->ng = fopen(c->path, "wb");
        assert_non_null(c->ng);
        uint8_t b[NG_BLOCK_MAX];
        size_t n = pcapng_write_shb(b, sizeof(b), "tcpreq unit test");
        n += pcapng_write_idb(b + n, sizeof(b) - n, (uint16_t)linktype, 65535);
        assert_int_equal(fwrite(b, 1, n, c->ng), n);
        return;
    }
    c->dead = pcap_open_dead(dlt_of(linktype), 65535);
    assert_non_null(c->dead);
    c->dumper = pcap_dump_open(c->dead, c->path);
    assert_non_null(c->dumper);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The link-layer header for an IP packet of the given version; returns its length. */
static size_t link_header(const struct capfile *c, uint8_t *f, bool v6)
{
    unsigned ethertype = v6 ? ETH_TYPE_V6 : ETH_TYPE_V4;
    switch (c->linktype) {
    case LINKTYPE_ETHERNET:
        memset(f, 0, 14);
        f[0] = 0x02; /* locally administered MACs */
        f[6] = 0x02;
        put16(f + 12, ethertype);
        return 14;
    case LINKTYPE_LINUX_SLL:
        memset(f, 0, 16);
        put16(f + 2, 1); /* ARPHRD_ETHER */
        put16(f + 4, 6);
        put16(f + 14, ethertype);
        return 16;
    case LINKTYPE_LINUX_SLL2:
        memset(f, 0, 20);
        put16(f, ethertype);
        f[7] = 3; /* interface index 3 */
        put16(f + 8, 1);
        f[11] = 6;
        return 20;
    case LINKTYPE_NULL: {
        uint32_t fam = v6 ? BSD_AF_INET6_LINUX : BSD_AF_INET;
        if (c->swap_null)
            fam = __builtin_bswap32(fam);
        memcpy(f, &fam, 4);
        return 4;
    }
    case LINKTYPE_LOOP: /* network byte order */
        memset(f, 0, 4);
        f[3] = v6 ? BSD_AF_INET6_BSD : BSD_AF_INET;
        return 4;
    default:
        return 0;
    }
}

void cap_ip(struct capfile *c, const uint8_t *ip, size_t len)
{
    uint8_t frame[FRAME_MAX];
    size_t hdr = link_header(c, frame, (ip[0] >> 4) == 6);
    assert_true(hdr + len <= sizeof(frame));
    memcpy(frame + hdr, ip, len);
    size_t wire = hdr + len;
    size_t caplen = c->snaplen && c->snaplen < wire ? c->snaplen : wire;
    if (c->pcapng) {
        uint8_t b[NG_BLOCK_MAX];
        size_t n = pcapng_write_epb(b, sizeof(b), 0, (uint64_t)c->ts, frame, (uint32_t)caplen,
                                    (uint32_t)wire, c->comment);
        assert_true(n > 0);
        assert_int_equal(fwrite(b, 1, n, c->ng), n);
    } else {
        struct pcap_pkthdr h = {.caplen = (bpf_u_int32)caplen, .len = (bpf_u_int32)wire};
        h.ts.tv_sec = (time_t)(c->ts / 1000000);
        h.ts.tv_usec = (suseconds_t)(c->ts % 1000000);
        pcap_dump((u_char *)c->dumper, &h, frame);
    }
    c->frames++;
    c->ts += c->step;
}

void cap_icmp_error(struct capfile *c, const char *router, const char *to, uint8_t type,
                    uint8_t code, uint32_t mtu, const uint8_t *quoted, size_t qlen)
{
    struct ip_addr r, d;
    assert_int_equal(ip_addr_parse(router, &r), 0);
    assert_int_equal(ip_addr_parse(to, &d), 0);
    bool v6 = r.family == IP_FAMILY_V6;
    size_t ip_len = v6 ? 40 : 20;
    uint8_t pkt[FRAME_MAX] = {0};
    uint8_t *icmp = pkt + ip_len;
    size_t icmp_len = 8 + qlen;
    assert_true(ip_len + icmp_len <= sizeof(pkt));
    icmp[0] = type;
    icmp[1] = code;
    if (v6) {
        icmp[4] = (uint8_t)(mtu >> 24);
        icmp[5] = (uint8_t)(mtu >> 16);
        icmp[6] = (uint8_t)(mtu >> 8);
        icmp[7] = (uint8_t)mtu;
    } else {
        put16(icmp + 6, mtu);
    }
    memcpy(icmp + 8, quoted, qlen);
    if (v6) {
        pkt[0] = 0x60;
        put16(pkt + 4, (unsigned)icmp_len);
        pkt[6] = 58;
        pkt[7] = 64;
        memcpy(pkt + 8, r.bytes, 16);
        memcpy(pkt + 24, d.bytes, 16);
        uint8_t ph[40] = {0};
        memcpy(ph, r.bytes, 16);
        memcpy(ph + 16, d.bytes, 16);
        ph[34] = (uint8_t)(icmp_len >> 8);
        ph[35] = (uint8_t)icmp_len;
        ph[39] = 58;
        uint16_t sum = csum_finish(csum_partial(icmp, icmp_len, csum_partial(ph, sizeof(ph), 0)));
        put16(icmp + 2, sum);
    } else {
        pkt[0] = 0x45;
        put16(pkt + 2, (unsigned)(ip_len + icmp_len));
        pkt[8] = 64;
        pkt[9] = 1;
        memcpy(pkt + 12, r.bytes, 4);
        memcpy(pkt + 16, d.bytes, 4);
        put16(pkt + 10, csum_ipv4_header(pkt, 20));
        put16(icmp + 2, csum_finish(csum_partial(icmp, icmp_len, 0)));
    }
    if (c->corrupt_icmp)
        icmp[icmp_len - 1] ^= 0xff;
    cap_ip(c, pkt, ip_len + icmp_len);
}

void cap_close(struct capfile *c)
{
    if (c->ng != NULL) {
        fclose(c->ng);
        c->ng = NULL;
    }
    if (c->dumper != NULL) {
        pcap_dump_close(c->dumper);
        pcap_close(c->dead);
        c->dumper = NULL;
        c->dead = NULL;
    }
}

void cap_remove(struct capfile *c)
{
    cap_close(c);
    unlink(c->path);
}

void fx_conn_init(struct fx_conn *k, struct capfile *cap, const char *c_ip, uint16_t cport,
                  const char *s_ip, uint16_t sport, uint32_t c_isn, uint32_t s_isn)
{
    memset(k, 0, sizeof(*k));
    k->cap = cap;
    assert_int_equal(ip_addr_parse(c_ip, &k->ip[0]), 0);
    assert_int_equal(ip_addr_parse(s_ip, &k->ip[1]), 0);
    k->port[0] = cport;
    k->port[1] = sport;
    k->next[0] = c_isn;
    k->next[1] = s_isn;
    k->win[0] = k->win[1] = 64000;
}

size_t fx_build(struct fx_conn *k, int side, const struct fx_seg *s, uint8_t *pkt, size_t cap)
{
    struct tcp_seg seg;
    tcp_seg_init(&seg);
    seg.sport = k->port[side];
    seg.dport = k->port[!side];
    seg.flags = s->flags ? s->flags : TCP_FLAG_ACK;
    seg.seq = s->explicit_seq ? s->seq : k->next[side];
    seg.ack = (seg.flags & TCP_FLAG_ACK) ? (s->explicit_ack ? s->ack : k->next[!side]) : 0;
    seg.window = s->has_window ? s->window : k->win[side];
    seg.reserved = s->reserved;
    if (s->opts != NULL)
        seg.opts = *s->opts;
    uint8_t data[FRAME_MAX];
    assert_true(s->len <= FRAME_MAX - 200);
    for (size_t i = 0; i < s->len; i++)
        data[i] = s->payload ? s->payload[i] : (uint8_t)('a' + (seg.seq + i) % 26);
    seg.payload = data;
    seg.payload_len = s->len;
    if (s->bad_csum) {
        seg.csum_fixed = true;
        seg.checksum = 0xbad1;
    }
    struct ip_params ip = {.src = k->ip[side], .dst = k->ip[!side]};
    size_t len;
    assert_int_equal(ip_tcp_build(&ip, &seg, pkt, cap, &len), 0);
    return len;
}

uint64_t fx_send(struct fx_conn *k, int side, const struct fx_seg *s)
{
    uint8_t pkt[FRAME_MAX];
    size_t len = fx_build(k, side, s, pkt, sizeof(pkt));
    cap_ip(k->cap, pkt, len);
    uint8_t flags = s->flags ? s->flags : TCP_FLAG_ACK;
    uint32_t seq = s->explicit_seq ? s->seq : k->next[side];
    uint32_t space = (uint32_t)s->len + !!(flags & TCP_FLAG_SYN) + !!(flags & TCP_FLAG_FIN);
    if (!s->no_advance && seq == k->next[side])
        k->next[side] += space;
    return k->cap->frames;
}

void fx_handshake(struct fx_conn *k, const struct tcp_opts *c_opts, const struct tcp_opts *s_opts)
{
    struct tcp_opts mss;
    tcp_opts_init(&mss);
    tcp_opts_add_mss(&mss, 1460);
    fx_send(k, 0, &(struct fx_seg){.flags = TCP_FLAG_SYN, .opts = c_opts ? c_opts : &mss});
    fx_send(k, 1,
            &(struct fx_seg){.flags = TCP_FLAG_SYN | TCP_FLAG_ACK, .opts = s_opts ? s_opts : &mss});
    fx_send(k, 0, &(struct fx_seg){.flags = TCP_FLAG_ACK});
}

uint64_t fx_data(struct fx_conn *k, int side, size_t len)
{
    return fx_send(k, side, &(struct fx_seg){.flags = TCP_FLAG_ACK | TCP_FLAG_PSH, .len = len});
}

uint64_t fx_ack(struct fx_conn *k, int side)
{
    return fx_send(k, side, &(struct fx_seg){.flags = TCP_FLAG_ACK});
}

void fx_close(struct fx_conn *k, int first)
{
    fx_send(k, first, &(struct fx_seg){.flags = TCP_FLAG_FIN | TCP_FLAG_ACK});
    fx_send(k, !first, &(struct fx_seg){.flags = TCP_FLAG_FIN | TCP_FLAG_ACK});
    fx_send(k, first, &(struct fx_seg){.flags = TCP_FLAG_ACK});
}

/* --- reading ---------------------------------------------------------------------------- */

static void on_flow(void *ctx, struct an_conn *c)
{
    struct fx_result *r = ctx;
    assert_true(r->n_flows < FX_MAX_FLOWS);
    struct fx_flow *f = &r->flows[r->n_flows++];
    f->index = c->index;
    memcpy(f->test, c->test, sizeof(f->test));
    f->handshake = c->handshake;
    f->close = conn_close_state(c);
    f->roles_guessed = c->roles_guessed;
    conn_endpoint(c, SIDE_CLIENT, f->client, sizeof(f->client));
    conn_endpoint(c, SIDE_SERVER, f->server, sizeof(f->server));
    assert_true(c->findings.n <= FIND_COUNT);
    if (c->findings.n > 0)
        memcpy(f->findings, c->findings.items, c->findings.n * sizeof(struct finding));
    f->n_findings = c->findings.n;
    f->counters[0] = c->dir[0].c;
    f->counters[1] = c->dir[1].c;
    f->packets = c->packets;
    f->first_rtt = c->seqc.first_rtt;
    FILE *m = fmemopen(f->text, sizeof(f->text) - 1, "w");
    assert_non_null(m);
    report_flow_text(m, c);
    fclose(m);
    json_t *o = report_flow_json(c);
    json_t *t = json_object_get(o, "test");
    char *dumped = t != NULL ? json_dumps(t, JSON_ENCODE_ANY) : NULL;
    snprintf(f->json_test, sizeof(f->json_test), "%s", dumped != NULL ? dumped : "<absent>");
    free(dumped);
    json_decref(o);
    /* the listing's JSON array, if any, is the report's; this sink keeps none */
}

static void on_segment(void *ctx, struct an_conn *c, const struct an_seg_line *l)
{
    struct fx_result *r = ctx;
    (void)c;
    assert_true(r->n_lines < FX_MAX_SEGS);
    r->lines[r->n_lines++] = (struct fx_line){
        .frame = l->frame,
        .side = l->side,
        .flags = l->v->flags,
        .rel_seq = l->v->rel_seq,
        .rel_next = l->v->rel_next,
        .rel_ack = l->v->rel_ack,
        .len = l->v->len,
        .dupack = l->v->dupack_num,
    };
}

struct fx_result *fx_run(const char *path, const char *select)
{
    struct fx_result *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    struct flow_select sel;
    if (select != NULL)
        assert_int_equal(flow_select_parse(select, &sel), 0);
    struct analyzer *a = malloc(sizeof(*a));
    assert_non_null(a);
    struct analyzer_sink sink = {.flow = on_flow, .segment = on_segment, .ctx = r};
    assert_int_equal(analyzer_init(a, select ? &sel : NULL, &sink, AN_KEEP_BYTES, 0), 0);
    r->read_rc = offline_read(path, a, r->err, sizeof(r->err));
    analyzer_finish(a);
    r->st = a->st;
    free(a);
    return r;
}

const struct fx_flow *fx_flow(const struct fx_result *r, uint64_t index)
{
    for (unsigned i = 0; i < r->n_flows; i++)
        if (r->flows[i].index == index)
            return &r->flows[i];
    return NULL;
}

const struct finding *fx_finding(const struct fx_flow *f, enum finding_id id)
{
    for (unsigned i = 0; f != NULL && i < f->n_findings; i++)
        if (f->findings[i].id == id)
            return &f->findings[i];
    return NULL;
}

const struct fx_line *fx_line(const struct fx_result *r, uint64_t frame)
{
    for (unsigned i = 0; i < r->n_lines; i++)
        if (r->lines[i].frame == frame)
            return &r->lines[i];
    return NULL;
}

uint32_t fx_flags(const struct fx_result *r, uint64_t frame)
{
    const struct fx_line *l = fx_line(r, frame);
    return l ? l->flags : 0;
}
