/* Flood generator for tests/lab/test_flood.sh, built by the test with cc (no library). Run in
 * the target namespace; sends IPv4 packets to the prober through a raw socket at a given
 * rate for a given time:
 *
 *     flood PROBER_ADDR RATE_PPS SECONDS FIRST_FLOW
 *
 * Of every 6 packets, 5 are TCP segments of one unknown flow (SYN-ACK, ACK, ACK|PSH with 20
 * bytes, FIN-ACK, SYN-ACK: the shapes a finished test's peer sends late), from a source in
 * the lab's AnyIP prefix 198.18.128.0/17, port 8080 (no test of the scan talks to it), to a
 * destination port in tcpreq's range 49152-65535; each flow is new, so a long flood passes
 * through far more flows than tcpreq's RST table holds. The 6th is an ICMP time exceeded
 * "from" 198.18.4.1 quoting a SYN of a random 4-tuple of the prober's: a quote for no test.
 * With SECONDS 0 it sends the 5 segments of flow FIRST_FLOW once (a late flow) and exits.
 * Prints "sent N packets in S s: R pps" at the end. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FLOW_SEGMENTS 5
#define SRC_PORT 8080
#define PROBE_PORT_MIN 49152
#define PROBE_PORTS 16384
#define ANYIP_HOSTS 32768 /* 198.18.128.0/17 */
#define FORGED_ROUTER "198.18.4.1"
#define BATCH 64
#define PKT_MAX 128

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static size_t ipv4(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, size_t payload)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    put16(b + 2, (uint16_t)(20 + payload));
    put16(b + 6, 0x4000);
    b[8] = 64;
    b[9] = proto;
    put32(b + 12, src);
    put32(b + 16, dst);
    put16(b + 10, csum(b, 20, 0));
    return 20 + payload;
}

static size_t tcp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags, size_t data)
{
    uint8_t *t = b + 20;
    memset(t, 0, 20 + data);
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = 5 << 4;
    t[13] = flags;
    put16(t + 14, 65535);
    for (size_t i = 0; i < data; i++)
        t[20 + i] = 'x';
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t)(20 + data));
    uint32_t sum = 0;
    for (int i = 0; i < 12; i += 2)
        sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
    put16(t + 16, csum(t, 20 + data, sum));
    return ipv4(b, src, dst, 6, 20 + data);
}

/* Flow n: its source address and our (the prober's) port. */
static void flow_of(uint32_t n, uint32_t *src, uint16_t *dport)
{
    *src = (198u << 24) | (18u << 16) | (128u << 8) | 0;
    *src += 1 + (n * 2654435761u) % (ANYIP_HOSTS - 2);
    *dport = (uint16_t)(PROBE_PORT_MIN + (n * 40503u) % PROBE_PORTS);
}

static size_t segment(uint8_t *b, uint32_t prober, uint32_t n, int k)
{
    static const uint8_t flags[FLOW_SEGMENTS] = {0x12, 0x10, 0x18, 0x11, 0x12};
    uint32_t src;
    uint16_t dport;
    flow_of(n, &src, &dport);
    return tcp(b, src, prober, SRC_PORT, dport, n * 7919u + (uint32_t)k, n, flags[k],
               k == 2 ? 20 : 0);
}

static size_t quote(uint8_t *b, uint32_t prober, uint32_t n)
{
    uint32_t router = ntohl(inet_addr(FORGED_ROUTER)), dst;
    uint16_t sport;
    flow_of(n ^ 0x5a5a5a5au, &dst, &sport);
    uint8_t *icmp = b + 20;
    memset(icmp, 0, 8);
    icmp[0] = 11;
    /* the quoted SYN of the prober: IP header, then its first 8 TCP bytes (RFC 792) */
    uint8_t q[48];
    tcp(q, prober, dst, sport, 80, n, 0, 0x02, 0);
    memcpy(icmp + 8, q, 28);
    put16(icmp + 2, csum(icmp, 36, 0));
    return ipv4(b, router, prober, 1, 36);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: flood PROBER_ADDR RATE_PPS SECONDS FIRST_FLOW\n");
        return 2;
    }
    uint32_t prober = ntohl(inet_addr(argv[1]));
    double rate = atof(argv[2]), seconds = atof(argv[3]);
    uint32_t flow = (uint32_t)strtoul(argv[4], NULL, 10);
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (s < 0) {
        perror("flood: socket");
        return 1;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(prober)};
    uint8_t pkt[PKT_MAX];
    uint64_t sent = 0;
    if (seconds <= 0) {
        for (int k = 0; k < FLOW_SEGMENTS; k++) {
            size_t len = segment(pkt, prober, flow, k);
            if (sendto(s, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
                sent++;
        }
        uint32_t src;
        uint16_t dport;
        flow_of(flow, &src, &dport);
        struct in_addr a = {.s_addr = htonl(src)};
        printf("late flow %s %u: sent %llu packets\n", inet_ntoa(a), dport,
               (unsigned long long)sent);
        return 0;
    }
    double start = now_s(), end = start + seconds;
    uint64_t i = 0;
    for (;;) {
        double t = now_s();
        if (t >= end)
            break;
        /* keep to the rate: send what is due, in batches */
        uint64_t due = (uint64_t)((t - start) * rate);
        if (i >= due) {
            usleep(200);
            continue;
        }
        for (int b = 0; b < BATCH && i < due; b++, i++) {
            uint32_t n = flow + (uint32_t)(i / (FLOW_SEGMENTS + 1));
            int k = (int)(i % (FLOW_SEGMENTS + 1));
            size_t len = k < FLOW_SEGMENTS ? segment(pkt, prober, n, k) : quote(pkt, prober, n);
            if (sendto(s, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
                sent++;
        }
    }
    double took = now_s() - start;
    printf("sent %llu packets in %.2f s: %.0f pps, %llu flows\n", (unsigned long long)sent, took,
           (double)sent / took, (unsigned long long)(i / (FLOW_SEGMENTS + 1)));
    return 0;
}
