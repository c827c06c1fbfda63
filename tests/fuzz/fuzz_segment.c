/* IP and TCP segment parsing (src/tcp/segment.c, options.c) on any bytes, as the engine and
 * analyze receive them. Invariants: every view stays inside the buffer; the snapped parse
 * agrees with the whole-packet one; an option list that parses re-encodes to bytes that
 * parse to the same list; a segment that parses, rebuilt in a new packet, parses back to the
 * same fields with a checksum that verifies. */
#include "fuzz_util.h"

#include "common/err.h"
#include "tcp/options.h"
#include "tcp/segment.h"

#define REBUILD_CAP (IPV6_HDR_LEN + 65536)

static void check_opts_equal(const struct tcp_opts *a, const struct tcp_opts *b)
{
    FUZZ_CHECK(a->count == b->count);
    for (unsigned i = 0; i < a->count; i++)
        FUZZ_CHECK(tcp_opt_equal(&a->opt[i], &b->opt[i]));
}

/* An options area on its own: what parses re-encodes, within 40 bytes, to the same list. */
static void check_options(const uint8_t *area, size_t len)
{
    struct tcp_opts o, again;
    if (tcp_opts_parse(area, len, &o) != TCPREQ_OK)
        return;
    FUZZ_CHECK(o.count <= TCP_OPTS_MAX_ENTRIES);
    uint8_t enc[TCP_OPTS_MAX_BYTES];
    size_t enc_len = 0;
    if (tcp_opts_encode(&o, enc, sizeof(enc), &enc_len) != TCPREQ_OK) {
        /* only an area longer than a header allows can hold a list that does not fit */
        FUZZ_CHECK(len > TCP_OPTS_MAX_BYTES);
        return;
    }
    FUZZ_CHECK(enc_len % 4 == 0 && enc_len <= TCP_OPTS_MAX_BYTES);
    FUZZ_CHECK(tcp_opts_parse(enc, enc_len, &again) == TCPREQ_OK);
    /* An area of whole 32-bit words (every header's) comes back exactly. Otherwise the
     * encoder's zero padding may add one End of Option List, which changes no meaning. */
    if (len % 4 != 0 && again.count == o.count + 1) {
        FUZZ_CHECK(again.opt[o.count].type == TCP_OPT_SINGLE &&
                   again.opt[o.count].kind == TCP_OPT_KIND_EOL);
        again.count--;
    }
    check_opts_equal(&o, &again);
    uint16_t mss_a, mss_b;
    bool has_a = tcp_opts_get_mss(&o, &mss_a), has_b = tcp_opts_get_mss(&again, &mss_b);
    FUZZ_CHECK(has_a == has_b && (!has_a || mss_a == mss_b));
}

static void check_segment(const struct ip_view *ip, const uint8_t *data, size_t size)
{
    struct tcp_seg seg;
    bool csum_ok;
    int rc = tcp_seg_parse(ip->l4, ip->l4_len, &ip->src, &ip->dst, &seg, &csum_ok);
    if (rc != TCPREQ_OK)
        return;
    size_t hdr = (size_t)seg.data_off * 4;
    FUZZ_CHECK(hdr >= TCP_HDR_MIN && hdr <= ip->l4_len);
    FUZZ_CHECK(seg.payload == ip->l4 + hdr && seg.payload_len == ip->l4_len - hdr);
    FUZZ_INSIDE(seg.payload, seg.payload_len, data, size);
    check_options(ip->l4 + TCP_HDR_MIN, hdr - TCP_HDR_MIN);

    /* rebuilt with its own checksum, in a new packet: the same segment comes back */
    static uint8_t pkt[REBUILD_CAP];
    struct ip_params params = {.src = ip->src, .dst = ip->dst, .ttl = ip->ttl, .ip_id = ip->ip_id};
    struct tcp_seg out = seg;
    out.data_off = 0;
    out.csum_fixed = false;
    size_t len;
    FUZZ_CHECK(ip_tcp_build(&params, &out, pkt, sizeof(pkt), &len) == TCPREQ_OK);
    struct ip_view back_ip;
    FUZZ_CHECK(ip_parse(pkt, len, &back_ip) == TCPREQ_OK);
    FUZZ_CHECK(back_ip.proto == IPPROTO_TCP_NUM && ip_addr_equal(&back_ip.src, &ip->src) &&
               ip_addr_equal(&back_ip.dst, &ip->dst) && back_ip.ttl == (ip->ttl ? ip->ttl : 64));
    struct tcp_seg back;
    bool back_ok;
    FUZZ_CHECK(tcp_seg_parse(back_ip.l4, back_ip.l4_len, &back_ip.src, &back_ip.dst, &back,
                             &back_ok) == TCPREQ_OK);
    FUZZ_CHECK(back_ok);
    FUZZ_CHECK(back.sport == seg.sport && back.dport == seg.dport && back.seq == seg.seq &&
               back.ack == seg.ack && back.flags == seg.flags && back.reserved == seg.reserved &&
               back.window == seg.window && back.urg_ptr == seg.urg_ptr);
    FUZZ_CHECK(back.payload_len == seg.payload_len &&
               memcmp(back.payload, seg.payload, seg.payload_len) == 0);
    check_opts_equal(&seg.opts, &back.opts);
    FUZZ_CHECK(tcp_seg_len(&back) == tcp_seg_len(&seg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ip_view ip, snap;
    size_t wire = 0;
    int rc = ip_parse(data, size, &ip);
    int rs = ip_parse_snapped(data, size, &snap, &wire);
    if (rs == TCPREQ_OK) {
        FUZZ_INSIDE(snap.l4, snap.l4_len, data, size);
        FUZZ_CHECK(wire >= snap.l4_len);
    }
    if (rc == TCPREQ_OK) {
        FUZZ_INSIDE(ip.l4, ip.l4_len, data, size);
        /* a whole packet is also a snapped one, with nothing cut */
        FUZZ_CHECK(rs == TCPREQ_OK && snap.l4 == ip.l4 && snap.l4_len == ip.l4_len &&
                   wire == ip.l4_len && snap.proto == ip.proto);
        if (ip.proto == IPPROTO_TCP_NUM)
            check_segment(&ip, data, size);
    }
    /* the raw bytes as an options area too (the first 40, as a header holds at most) */
    check_options(data, size < TCP_OPTS_MAX_BYTES ? size : TCP_OPTS_MAX_BYTES);
    return 0;
}
