/* A tc (clsact) BPF program for the namespace lab: a middlebox that recomputes the TCP
 * checksum of every segment it sees, IPv4 and IPv6, as some NATs and normalisers do. It
 * turns a segment sent with a deliberately wrong checksum into a valid one, which is what
 * tcpreq's IncorrectChecksumTest must attribute to the path ("checksum corrected").
 *
 * Why BPF: tc's `csum` action is not built into the lab's kernel, and nftables only fixes
 * checksums incrementally after its own typed writes (an incremental update keeps a wrong
 * checksum wrong). A full recomputation needs to sum the whole segment.
 *
 * Built by tests/lab/lab.sh at test time (clang -O2 -target bpf; only clang and the kernel
 * UAPI headers from linux-libc-dev, no libbpf headers) and attached with
 *     tc filter add dev DEV ingress bpf direct-action obj tcp_csum.o sec tc
 * At ingress it runs before IP processing, so a router's own ICMP time-exceeded quote of
 * an expiring segment already carries the corrected checksum.
 *
 * Assumptions, all true in the lab: Ethernet framing (veth), no VLAN tags, no IPv6
 * extension headers, no IP fragments (those are passed through untouched), segments no
 * longer than MAX_TCP_LEN. Anything else is passed on unchanged: the program never drops. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>

#define SEC(name) __attribute__((section(name), used))
/* Everything inlined into the one program: no BPF-to-BPF calls to relocate. */
#define INLINE static inline __attribute__((always_inline))

/* Helpers are called through their fixed ids from the kernel UAPI (no libbpf headers). */
static long (*bpf_skb_pull_data)(struct __sk_buff *skb, __u32 len) = (void *)BPF_FUNC_skb_pull_data;
static long (*bpf_skb_store_bytes)(struct __sk_buff *skb, __u32 offset, const void *from, __u32 len,
                                   __u64 flags) = (void *)BPF_FUNC_skb_store_bytes;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define net16(x) ((__u16)__builtin_bswap16(x))
#else
#define net16(x) ((__u16)(x))
#endif

#define MAX_TCP_LEN 1500       /* the lab's MTU bounds every segment */
#define TCP_MIN_HDR 20
#define TCP_CSUM_OFF 16        /* checksum field within the TCP header (RFC 9293 3.1) */
#define IP4_FRAG_MASK 0x3fff   /* MF flag and fragment offset */

/* One's-complement sum of the segment's 16-bit words (RFC 1071), the checksum field taken
 * as zero. Words are loaded in host order; the one's-complement sum is byte-order
 * independent, so the folded result stored back in host order is the right checksum. */
INLINE int sum_segment(const __u8 *tcp, const void *data_end, __u32 tcp_len,
                                       __u32 *sum)
{
    const __u8 *p = tcp;
    for (__u32 i = 0; i < MAX_TCP_LEN / 2; i++) {
        if (2 * i + 1 >= tcp_len)
            break;
        if ((const void *)(p + 2) > data_end)
            return -1;
        if (2 * i != TCP_CSUM_OFF)
            *sum += *(const __u16 *)p;
        p += 2;
    }
    if (tcp_len & 1) {
        /* The odd last byte is the high byte of a word padded with zero. */
        if ((const void *)(p + 1) > data_end)
            return -1;
        *sum += net16((__u16)(*p << 8));
    }
    return 0;
}

INLINE __u16 fold(__u32 sum)
{
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)~sum;
}

INLINE __u32 sum_words(const void *buf, __u32 words)
{
    const __u16 *w = buf;
    __u32 sum = 0;
    for (__u32 i = 0; i < words; i++)
        sum += w[i];
    return sum;
}

SEC("tc")
int fix_tcp_csum(struct __sk_buff *skb)
{
    /* Make the whole frame linear so that direct packet access can reach every byte. */
    if (skb->len > ETH_HLEN + sizeof(struct ipv6hdr) + MAX_TCP_LEN)
        return TC_ACT_OK;
    if (bpf_skb_pull_data(skb, skb->len) != 0)
        return TC_ACT_OK;
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;

    __u32 sum = 0, tcp_off, tcp_len;
    if (skb->protocol == net16(ETH_P_IP)) {
        struct iphdr *ip = data + ETH_HLEN;
        if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP ||
            (net16(ip->frag_off) & IP4_FRAG_MASK) != 0 || ip->ihl < 5)
            return TC_ACT_OK;
        __u32 ihl = ip->ihl * 4;
        __u32 tot = net16(ip->tot_len);
        if (tot < ihl + TCP_MIN_HDR)
            return TC_ACT_OK;
        tcp_off = ETH_HLEN + ihl;
        tcp_len = tot - ihl;
        /* Pseudo-header: source, destination, zero + protocol, TCP length. */
        sum = sum_words(&ip->saddr, 4) + net16(IPPROTO_TCP) + net16((__u16)tcp_len);
    } else if (skb->protocol == net16(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = data + ETH_HLEN;
        if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_TCP)
            return TC_ACT_OK;
        tcp_off = ETH_HLEN + sizeof(*ip6);
        tcp_len = net16(ip6->payload_len);
        if (tcp_len < TCP_MIN_HDR)
            return TC_ACT_OK;
        /* RFC 8200 8.1: source, destination, upper-layer length, next header. */
        sum = sum_words(&ip6->saddr, 16) + net16((__u16)tcp_len) + net16(IPPROTO_TCP);
    } else {
        return TC_ACT_OK;
    }
    if (tcp_len > MAX_TCP_LEN || tcp_off > ETH_HLEN + 60)
        return TC_ACT_OK;
    const __u8 *tcp = data + tcp_off;
    if ((const void *)(tcp + TCP_MIN_HDR) > data_end)
        return TC_ACT_OK;
    if (sum_segment(tcp, data_end, tcp_len, &sum) != 0)
        return TC_ACT_OK;
    __u16 csum = fold(sum);
    bpf_skb_store_bytes(skb, tcp_off + TCP_CSUM_OFF, &csum, sizeof(csum), 0);
    return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
