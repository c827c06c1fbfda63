/* Synthetic capture for bench/analyze.sh, built with the packet core's segment builders:
 * many concurrent TCP connections (handshake, 430 KB to 1.3 MB of bulk data one way with an ACK
 * every second segment, about 1 % of segments lost and retransmitted later and 1 % sent out of
 * order, FINs), interleaved round-robin, written as Ethernet pcap until the file reaches the size
 * asked for. A connection that finishes is replaced by a new one, so the number open at once
 * stays at CONCURRENT however long the file.
 *
 *     gen_capture OUT.pcap SIZE_MB [CONCURRENT]
 *
 * Two more shapes for the memory bounds of analyze (bench/analyze.sh --bounds):
 *     gen_capture OUT.pcap --syn-scan N   a SYN scan's capture: N SYNs on distinct 4-tuples
 *                                         at 100,000 per second, 10 % answered by SYN-ACK
 *                                         (and reset by the scanner), 30 % by RST, the rest
 *                                         unanswered
 *     gen_capture OUT.pcap --one-flow N   one connection of about N segments
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/segment.h"

#define ETH_HDR 14
#define MSS 1448
/* 300..900 data segments per connection (about 430 KB to 1.3 MB): connections end at
 * different times, so the number open stays steady */
#define SEGMENTS_MIN 300
#define SEGMENTS_SPREAD 600
#define LOSS_ONE_IN 97
#define REORDER_ONE_IN 101
#define DEFAULT_CONCURRENT 1000
#define FRAME_MAX 1600
/* 10,000 packets per second of capture time: closed connections linger 10 s in tcpreq's
 * table (100,000 packets), so the file is long enough for them to leave it */
#define USEC_STEP 100
#define MB (1024 * 1024)

struct gen_flow {
    struct ip_params c2s, s2c;
    uint16_t cport;
    uint32_t cseq, sseq; /* next to send */
    int sent;            /* data segments sent */
    int length;          /* data segments to send */
    int state;           /* 0 handshake, 1 data, 2 closing */
    uint32_t held_seq;   /* a segment held back to be sent out of order (0 = none) */
    uint32_t lost_seq;   /* a segment "lost" to be retransmitted later (0 = none) */
};

static uint64_t rng = 88172645463325252ull;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static pcap_dumper_t *dumper;
static uint64_t bytes_written, packets, ts_usec = 1700000000ull * 1000000;
static uint8_t payload[MSS];
static uint64_t ts_usec_step = USEC_STEP;

static void emit(const struct ip_params *ip, uint8_t flags, uint32_t seq, uint32_t ack,
                 uint16_t sport, uint16_t dport, size_t len)
{
    struct tcp_seg seg;
    tcp_seg_init(&seg);
    seg.sport = sport;
    seg.dport = dport;
    seg.seq = seq;
    seg.ack = ack;
    seg.flags = flags;
    seg.window = 65535;
    seg.payload = payload;
    seg.payload_len = len;
    if (flags & TCP_FLAG_SYN)
        tcp_opts_add_mss(&seg.opts, MSS);
    uint8_t frame[FRAME_MAX + ETH_HDR] = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    size_t len_ip;
    if (ip_tcp_build(ip, &seg, frame + ETH_HDR, FRAME_MAX, &len_ip) != 0)
        abort();
    frame[12] = 0x08;
    frame[13] = 0x00;
    struct pcap_pkthdr h = {.caplen = (bpf_u_int32)(len_ip + ETH_HDR),
                            .len = (bpf_u_int32)(len_ip + ETH_HDR)};
    h.ts.tv_sec = (time_t)(ts_usec / 1000000);
    h.ts.tv_usec = (suseconds_t)(ts_usec % 1000000);
    ts_usec += ts_usec_step;
    pcap_dump((u_char *)dumper, &h, frame);
    bytes_written += h.caplen + 16;
    packets++;
}

static void flow_start(struct gen_flow *f, uint32_t n)
{
    memset(f, 0, sizeof(*f));
    f->c2s.src.family = f->c2s.dst.family = IP_FAMILY_V4;
    f->c2s.src.bytes[0] = 198;
    f->c2s.src.bytes[1] = 18;
    f->c2s.src.bytes[2] = (uint8_t)(1 + n % 200);
    f->c2s.src.bytes[3] = (uint8_t)(1 + n % 250);
    f->c2s.dst.bytes[0] = 198;
    f->c2s.dst.bytes[1] = 19;
    f->c2s.dst.bytes[2] = 3;
    f->c2s.dst.bytes[3] = 2;
    f->s2c.src = f->c2s.dst;
    f->s2c.dst = f->c2s.src;
    f->cport = (uint16_t)(1024 + n % 60000);
    f->cseq = next_random();
    f->sseq = next_random();
    f->length = SEGMENTS_MIN + (int)(next_random() % SEGMENTS_SPREAD);
}

static void data_segment(struct gen_flow *f, uint32_t seq)
{
    emit(&f->s2c, TCP_FLAG_ACK | TCP_FLAG_PSH, seq, f->cseq, 80, f->cport, MSS);
}

/* One step of a connection: a few packets. Returns false when it has finished. */
static bool flow_step(struct gen_flow *f)
{
    switch (f->state) {
    case 0:
        emit(&f->c2s, TCP_FLAG_SYN, f->cseq, 0, f->cport, 80, 0);
        emit(&f->s2c, TCP_FLAG_SYN | TCP_FLAG_ACK, f->sseq, f->cseq + 1, 80, f->cport, 0);
        f->cseq++;
        f->sseq++;
        emit(&f->c2s, TCP_FLAG_ACK, f->cseq, f->sseq, f->cport, 80, 0);
        f->state = 1;
        return true;
    case 1:
        for (int k = 0; k < 2; k++) {
            uint32_t seq = f->sseq;
            f->sseq += MSS;
            f->sent++;
            if (f->lost_seq == 0 && next_random() % LOSS_ONE_IN == 0) {
                f->lost_seq = seq; /* not captured now: resent a few steps later */
            } else if (f->held_seq == 0 && next_random() % REORDER_ONE_IN == 0) {
                f->held_seq = seq;
            } else {
                data_segment(f, seq);
                if (f->held_seq != 0) {
                    data_segment(f, f->held_seq); /* overtaken by one segment */
                    f->held_seq = 0;
                }
            }
        }
        emit(&f->c2s, TCP_FLAG_ACK, f->cseq, f->sseq, f->cport, 80, 0);
        if (f->lost_seq != 0 && next_random() % 4 == 0) {
            data_segment(f, f->lost_seq);
            f->lost_seq = 0;
        }
        if (f->sent >= f->length)
            f->state = 2;
        return true;
    default:
        if (f->held_seq != 0)
            data_segment(f, f->held_seq);
        if (f->lost_seq != 0)
            data_segment(f, f->lost_seq);
        emit(&f->s2c, TCP_FLAG_FIN | TCP_FLAG_ACK, f->sseq, f->cseq, 80, f->cport, 0);
        emit(&f->c2s, TCP_FLAG_FIN | TCP_FLAG_ACK, f->cseq, f->sseq + 1, f->cport, 80, 0);
        emit(&f->s2c, TCP_FLAG_ACK, f->sseq + 1, f->cseq + 1, 80, f->cport, 0);
        return false;
    }
}

/* SYN scan: one scanner, N targets (destination address and port vary) */
#define SCAN_USEC_STEP 10
#define SCAN_REPLY_LAG 100 /* replies come this many SYNs later (1 ms) */
#define SCAN_ADDRS 131072  /* 198.18.0.0/15 */
#define SCAN_SPORTS 1000

static void scan_target(uint32_t i, struct ip_params *out, struct ip_params *back, uint16_t *sport,
                        uint16_t *dport)
{
    memset(out, 0, sizeof(*out));
    out->src.family = out->dst.family = IP_FAMILY_V4;
    out->src.bytes[0] = 10;
    out->src.bytes[3] = 1;
    uint32_t a = i % SCAN_ADDRS;
    out->dst.bytes[0] = 198;
    out->dst.bytes[1] = (uint8_t)(18 + (a >> 16));
    out->dst.bytes[2] = (uint8_t)(a >> 8);
    out->dst.bytes[3] = (uint8_t)a;
    *back = *out;
    back->src = out->dst;
    back->dst = out->src;
    *sport = (uint16_t)(40000 + i % SCAN_SPORTS);
    *dport = (uint16_t)(80 + i / SCAN_ADDRS);
}

static void syn_scan(uint32_t n)
{
    for (uint32_t i = 0; i < n + SCAN_REPLY_LAG; i++) {
        struct ip_params out, back;
        uint16_t sport, dport;
        if (i < n) {
            scan_target(i, &out, &back, &sport, &dport);
            emit(&out, TCP_FLAG_SYN, i * 2654435761u, 0, sport, dport, 0);
        }
        if (i < SCAN_REPLY_LAG)
            continue;
        uint32_t j = i - SCAN_REPLY_LAG, isn = j * 2654435761u;
        scan_target(j, &out, &back, &sport, &dport);
        if (j % 10 == 0) {
            emit(&back, TCP_FLAG_SYN | TCP_FLAG_ACK, ~isn, isn + 1, dport, sport, 0);
            emit(&out, TCP_FLAG_RST, isn + 1, 0, sport, dport, 0);
        } else if (j % 10 <= 3) {
            emit(&back, TCP_FLAG_RST | TCP_FLAG_ACK, 0, isn + 1, dport, sport, 0);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_capture OUT.pcap SIZE_MB [CONCURRENT]\n"
                        "       gen_capture OUT.pcap --syn-scan N | --one-flow N\n");
        return 2;
    }
    bool scan = strcmp(argv[2], "--syn-scan") == 0, one = strcmp(argv[2], "--one-flow") == 0;
    if ((scan || one) && argc < 4) {
        fprintf(stderr, "gen_capture: %s needs a count\n", argv[2]);
        return 2;
    }
    uint64_t target = scan || one ? 0 : strtoull(argv[2], NULL, 10) * MB;
    uint32_t concurrent = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : DEFAULT_CONCURRENT;
    if (concurrent == 0)
        concurrent = 1;
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    dumper = pcap_dump_open(dead, argv[1]);
    if (dumper == NULL) {
        fprintf(stderr, "gen_capture: %s\n", pcap_geterr(dead));
        return 1;
    }
    memset(payload, 'x', sizeof(payload));
    if (scan || one) {
        uint32_t n = (uint32_t)strtoul(argv[3], NULL, 10);
        if (scan) {
            ts_usec_step = SCAN_USEC_STEP;
            syn_scan(n);
        } else {
            /* data steps send 3 packets for 2 data segments */
            struct gen_flow f;
            flow_start(&f, 0);
            f.length = (int)(n / 3 * 2);
            while (flow_step(&f))
                ;
        }
        pcap_dump_close(dumper);
        pcap_close(dead);
        printf("%llu packets, %llu bytes\n", (unsigned long long)packets,
               (unsigned long long)bytes_written);
        return 0;
    }
    struct gen_flow *flows = calloc(concurrent, sizeof(*flows));
    uint32_t started = 0;
    for (uint32_t i = 0; i < concurrent; i++)
        flow_start(&flows[i], started++);
    while (bytes_written < target)
        for (uint32_t i = 0; i < concurrent && bytes_written < target; i++)
            if (!flow_step(&flows[i]))
                flow_start(&flows[i], started++);
    pcap_dump_close(dumper);
    pcap_close(dead);
    printf("%llu packets, %llu bytes, %u connections started, %u open at once\n",
           (unsigned long long)packets, (unsigned long long)bytes_written, started, concurrent);
    free(flows);
    return 0;
}
