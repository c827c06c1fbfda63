/* TCP segments (RFC 9293 3.1) inside IPv4 (RFC 791) and IPv6 (RFC 8200) packets.
 *
 * All multi-byte fields are read and written byte by byte in network order through the
 * get_be / put_be helpers: captured buffers have no alignment guarantee, and every read is
 * preceded by a bounds check against the length the caller gave us. */
#include "tcp/segment.h"

#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "common/err.h"
#include "tcp/checksum.h"

#define BITS_PER_BYTE 8
#define NIBBLE_BITS 4
#define NIBBLE_MASK 0x0f
#define WORD_BYTES 4 /* data offset and IHL count 32-bit words */
#define U16_MAX_VALUE 0xffffu

/* TCP header field offsets, RFC 9293 3.1 figure 1. */
#define TCP_DATA_OFF_MIN (TCP_HDR_MIN / WORD_BYTES)
#define TCP_DATA_OFF_MAX (TCP_HDR_MAX / WORD_BYTES)

/* IPv4 header, RFC 791 3.1. */
#define IPV4_VERSION 4
#define IPV4_IHL_MIN (IPV4_HDR_MIN / WORD_BYTES)
#define IPV4_OFF_VER_IHL 0
#define IPV4_OFF_TOS 1
#define IPV4_OFF_TOTAL_LEN 2
#define IPV4_OFF_ID 4
#define IPV4_OFF_FLAGS_FRAG 6
#define IPV4_OFF_TTL 8
#define IPV4_OFF_PROTO 9
#define IPV4_OFF_CSUM 10
#define IPV4_OFF_SRC 12
#define IPV4_OFF_DST 16
#define IPV4_ADDR_LEN 4
#define IPV4_FLAG_DF 0x4000          /* don't fragment, as the original tcpreq sends */
#define IPV4_FRAG_OFFSET_MASK 0x1fff /* fragment offset in 8-byte units */

/* IPv6 header, RFC 8200 3. */
#define IPV6_VERSION 6
#define IPV6_OFF_VER_TC_FLOW 0
#define IPV6_OFF_PAYLOAD_LEN 4
#define IPV6_OFF_NEXT_HDR 6
#define IPV6_OFF_HOP_LIMIT 7
#define IPV6_OFF_SRC 8
#define IPV6_OFF_DST 24
#define IPV6_ADDR_LEN 16
#define IPV6_VERSION_SHIFT 28
#define IPV6_TCLASS_SHIFT 20
#define IPV6_FLOW_LABEL_MASK 0xfffffu

/* IPv6 extension headers we walk (RFC 8200 4; AH is RFC 4302). */
#define IPV6_EXT_HOP_BY_HOP 0
#define IPV6_EXT_ROUTING 43
#define IPV6_EXT_FRAGMENT 44
#define IPV6_EXT_AH 51
#define IPV6_EXT_DEST_OPTS 60
#define IPV6_EXT_MIN_LEN 2       /* next header + length byte */
#define IPV6_EXT_LEN_UNIT 8      /* "Hdr Ext Len" counts 8-octet units ... */
#define IPV6_EXT_LEN_BIAS 1      /* ... not including the first 8 octets */
#define IPV6_AH_LEN_UNIT 4       /* AH "Payload Len" counts 32-bit words ... */
#define IPV6_AH_LEN_BIAS 2       /* ... minus 2 (RFC 4302 2.2) */
#define IPV6_FRAG_HDR_LEN 8      /* fixed size, RFC 8200 4.5 */
#define IPV6_FRAG_OFF_FIELD 2    /* offset of "Fragment Offset | Res | M" within it */
#define IPV6_FRAG_OFFSET_SHIFT 3 /* the 13-bit offset sits above 2 reserved bits and M */

static bool addr_pair_ok(const struct ip_addr *src, const struct ip_addr *dst)
{
    return src != NULL && dst != NULL && src->family == dst->family &&
           (src->family == IP_FAMILY_V4 || src->family == IP_FAMILY_V6);
}

void tcp_seg_init(struct tcp_seg *seg)
{
    /* an all-zero option list is an initialised one (tcp_opts_init): one memset, not two,
     * since the capture analyzer parses every segment of a file through here */
    memset(seg, 0, sizeof(*seg));
}

int tcp_seg_build(const struct tcp_seg *seg, const struct ip_addr *src, const struct ip_addr *dst,
                  uint8_t *buf, size_t cap, size_t *out_len)
{
    uint8_t opts[TCP_OPTS_MAX_BYTES];
    size_t opts_len;
    int rc;

    *out_len = 0;
    if (!addr_pair_ok(src, dst) || seg->data_off > TCP_DATA_OFF_MAX ||
        (seg->payload == NULL && seg->payload_len > 0))
        return TCPREQ_EINVAL;
    rc = tcp_opts_encode(&seg->opts, opts, sizeof(opts), &opts_len);
    if (rc != TCPREQ_OK)
        return rc;
    size_t hdr_len = TCP_HDR_MIN + opts_len;
    if (seg->payload_len > U16_MAX_VALUE - hdr_len)
        return TCPREQ_EINVAL; /* would not fit any IP length field */
    size_t total = hdr_len + seg->payload_len;
    if (total > cap)
        return TCPREQ_ENOSPC;

    /* A non-zero data_off is written as given, even if it disagrees with the options. */
    uint8_t data_off = seg->data_off != 0 ? seg->data_off : (uint8_t)(hdr_len / WORD_BYTES);
    put_be16(buf + TCP_OFF_SPORT, seg->sport);
    put_be16(buf + TCP_OFF_DPORT, seg->dport);
    put_be32(buf + TCP_OFF_SEQ, seg->seq);
    put_be32(buf + TCP_OFF_ACK, seg->ack);
    buf[TCP_OFF_DATA_OFF] = (uint8_t)((data_off << NIBBLE_BITS) | (seg->reserved & NIBBLE_MASK));
    buf[TCP_OFF_FLAGS] = seg->flags;
    put_be16(buf + TCP_OFF_WINDOW, seg->window);
    put_be16(buf + TCP_OFF_CSUM, 0);
    put_be16(buf + TCP_OFF_URG, seg->urg_ptr);
    memcpy(buf + TCP_HDR_MIN, opts, opts_len);
    if (seg->payload_len > 0)
        memcpy(buf + hdr_len, seg->payload, seg->payload_len);

    /* RFC 9293 3.1: the checksum is computed with the checksum field itself zero. */
    uint16_t csum = seg->csum_fixed ? seg->checksum : csum_tcp(src, dst, buf, total);
    put_be16(buf + TCP_OFF_CSUM, csum);
    *out_len = total;
    return TCPREQ_OK;
}

static void ipv4_header_write(const struct ip_params *ip, size_t total_len, uint8_t *buf)
{
    buf[IPV4_OFF_VER_IHL] = (uint8_t)((IPV4_VERSION << NIBBLE_BITS) | IPV4_IHL_MIN);
    buf[IPV4_OFF_TOS] = ip->tos;
    put_be16(buf + IPV4_OFF_TOTAL_LEN, (uint16_t)total_len);
    put_be16(buf + IPV4_OFF_ID, ip->ip_id);
    put_be16(buf + IPV4_OFF_FLAGS_FRAG, IPV4_FLAG_DF);
    buf[IPV4_OFF_TTL] = ip->ttl != 0 ? ip->ttl : IP_DEFAULT_TTL;
    buf[IPV4_OFF_PROTO] = IPPROTO_TCP_NUM;
    put_be16(buf + IPV4_OFF_CSUM, 0);
    memcpy(buf + IPV4_OFF_SRC, ip->src.bytes, IPV4_ADDR_LEN);
    memcpy(buf + IPV4_OFF_DST, ip->dst.bytes, IPV4_ADDR_LEN);
    put_be16(buf + IPV4_OFF_CSUM, csum_ipv4_header(buf, IPV4_HDR_MIN));
}

static void ipv6_header_write(const struct ip_params *ip, size_t payload_len, uint8_t *buf)
{
    uint32_t first_word = ((uint32_t)IPV6_VERSION << IPV6_VERSION_SHIFT) |
                          ((uint32_t)ip->tos << IPV6_TCLASS_SHIFT) |
                          (ip->flow_label & IPV6_FLOW_LABEL_MASK);
    put_be32(buf + IPV6_OFF_VER_TC_FLOW, first_word);
    put_be16(buf + IPV6_OFF_PAYLOAD_LEN, (uint16_t)payload_len);
    buf[IPV6_OFF_NEXT_HDR] = IPPROTO_TCP_NUM;
    buf[IPV6_OFF_HOP_LIMIT] = ip->ttl != 0 ? ip->ttl : IP_DEFAULT_TTL;
    memcpy(buf + IPV6_OFF_SRC, ip->src.bytes, IPV6_ADDR_LEN);
    memcpy(buf + IPV6_OFF_DST, ip->dst.bytes, IPV6_ADDR_LEN);
}

int ip_tcp_build(const struct ip_params *ip, const struct tcp_seg *seg, uint8_t *buf, size_t cap,
                 size_t *out_len)
{
    *out_len = 0;
    if (!addr_pair_ok(&ip->src, &ip->dst))
        return TCPREQ_EINVAL;
    bool is_v4 = ip->src.family == IP_FAMILY_V4;
    size_t ip_hdr_len = is_v4 ? IPV4_HDR_MIN : IPV6_HDR_LEN;
    if (cap < ip_hdr_len)
        return TCPREQ_ENOSPC;

    size_t seg_len;
    int rc = tcp_seg_build(seg, &ip->src, &ip->dst, buf + ip_hdr_len, cap - ip_hdr_len, &seg_len);
    if (rc != TCPREQ_OK)
        return rc;
    /* IPv4 total length includes the header and is 16 bits (RFC 791 3.1). */
    if (is_v4 && seg_len > U16_MAX_VALUE - ip_hdr_len)
        return TCPREQ_EINVAL;
    if (is_v4)
        ipv4_header_write(ip, ip_hdr_len + seg_len, buf);
    else
        ipv6_header_write(ip, seg_len, buf);
    *out_len = ip_hdr_len + seg_len;
    return TCPREQ_OK;
}

/* wire_l4_len NULL: the whole packet must be in buf. Otherwise a capture cut short by its
 * snap length is accepted as long as the headers are complete: l4_len is what was captured
 * and *wire_l4_len what the IP header says was sent. */
static int ipv4_parse(const uint8_t *buf, size_t len, struct ip_view *out, size_t *wire_l4_len)
{
    if (len < IPV4_HDR_MIN)
        return TCPREQ_ETRUNC;
    size_t hdr_len = (size_t)(buf[IPV4_OFF_VER_IHL] & NIBBLE_MASK) * WORD_BYTES;
    size_t total_len = get_be16(buf + IPV4_OFF_TOTAL_LEN);
    if (hdr_len < IPV4_HDR_MIN || total_len < hdr_len)
        return TCPREQ_EINVAL;
    if (hdr_len > len)
        return TCPREQ_ETRUNC;
    /* A buffer longer than total length is fine (link-layer padding); shorter is not, unless
     * the caller accepts a snapped capture. */
    size_t present = total_len;
    if (total_len > len) {
        if (wire_l4_len == NULL)
            return TCPREQ_ETRUNC;
        present = len;
    }
    /* Only the first fragment carries the TCP header (RFC 791 3.2). */
    if ((get_be16(buf + IPV4_OFF_FLAGS_FRAG) & IPV4_FRAG_OFFSET_MASK) != 0)
        return TCPREQ_EPROTO;

    out->src.family = out->dst.family = IP_FAMILY_V4;
    memcpy(out->src.bytes, buf + IPV4_OFF_SRC, IPV4_ADDR_LEN);
    memcpy(out->dst.bytes, buf + IPV4_OFF_DST, IPV4_ADDR_LEN);
    out->ttl = buf[IPV4_OFF_TTL];
    out->tos = buf[IPV4_OFF_TOS];
    out->ip_id = get_be16(buf + IPV4_OFF_ID);
    out->proto = buf[IPV4_OFF_PROTO];
    out->l4 = buf + hdr_len;
    out->l4_len = present - hdr_len;
    if (wire_l4_len != NULL)
        *wire_l4_len = total_len - hdr_len;
    return TCPREQ_OK;
}

/* Walk the extension header chain from offset pos up to end (RFC 8200 4). On success *pos is
 * the upper-layer header's offset and *next_hdr its protocol number. */
static int ipv6_walk_ext_headers(const uint8_t *buf, size_t end, size_t *pos, uint8_t *next_hdr)
{
    for (;;) {
        size_t ext_len;
        switch (*next_hdr) {
        case IPV6_EXT_HOP_BY_HOP:
        case IPV6_EXT_ROUTING:
        case IPV6_EXT_DEST_OPTS:
            if (end - *pos < IPV6_EXT_MIN_LEN)
                return TCPREQ_ETRUNC;
            ext_len = ((size_t)buf[*pos + 1] + IPV6_EXT_LEN_BIAS) * IPV6_EXT_LEN_UNIT;
            break;
        case IPV6_EXT_AH:
            if (end - *pos < IPV6_EXT_MIN_LEN)
                return TCPREQ_ETRUNC;
            ext_len = ((size_t)buf[*pos + 1] + IPV6_AH_LEN_BIAS) * IPV6_AH_LEN_UNIT;
            break;
        case IPV6_EXT_FRAGMENT:
            if (end - *pos < IPV6_FRAG_HDR_LEN)
                return TCPREQ_ETRUNC;
            /* Only the first fragment (offset 0) starts with the upper-layer header. */
            if ((get_be16(buf + *pos + IPV6_FRAG_OFF_FIELD) >> IPV6_FRAG_OFFSET_SHIFT) != 0)
                return TCPREQ_EPROTO;
            ext_len = IPV6_FRAG_HDR_LEN;
            break;
        default:
            return TCPREQ_OK; /* upper-layer protocol (or "no next header", 59) */
        }
        if (ext_len > end - *pos)
            return TCPREQ_ETRUNC;
        /* Every header is at least 8 bytes, so the walk always advances and terminates. */
        *next_hdr = buf[*pos];
        *pos += ext_len;
    }
}

static int ipv6_parse(const uint8_t *buf, size_t len, struct ip_view *out, size_t *wire_l4_len)
{
    if (len < IPV6_HDR_LEN)
        return TCPREQ_ETRUNC;
    size_t payload_len = get_be16(buf + IPV6_OFF_PAYLOAD_LEN);
    /* Zero means a jumbogram (RFC 2675) with the length in a hop-by-hop option: never TCP
     * we sent, and not worth the complexity. */
    if (payload_len == 0)
        return TCPREQ_EPROTO;
    size_t wire_end = IPV6_HDR_LEN + payload_len;
    if (payload_len > len - IPV6_HDR_LEN) {
        if (wire_l4_len == NULL)
            return TCPREQ_ETRUNC;
        payload_len = len - IPV6_HDR_LEN; /* snapped: walk what was captured */
    }
    size_t end = IPV6_HDR_LEN + payload_len;
    size_t pos = IPV6_HDR_LEN;
    uint8_t next_hdr = buf[IPV6_OFF_NEXT_HDR];
    int rc = ipv6_walk_ext_headers(buf, end, &pos, &next_hdr);
    if (rc != TCPREQ_OK)
        return rc;

    out->src.family = out->dst.family = IP_FAMILY_V6;
    memcpy(out->src.bytes, buf + IPV6_OFF_SRC, IPV6_ADDR_LEN);
    memcpy(out->dst.bytes, buf + IPV6_OFF_DST, IPV6_ADDR_LEN);
    out->ttl = buf[IPV6_OFF_HOP_LIMIT];
    out->tos = (uint8_t)(get_be32(buf + IPV6_OFF_VER_TC_FLOW) >> IPV6_TCLASS_SHIFT);
    out->proto = next_hdr;
    out->l4 = buf + pos;
    out->l4_len = end - pos;
    if (wire_l4_len != NULL)
        *wire_l4_len = wire_end - pos;
    return TCPREQ_OK;
}

/* An unknown version is reported as TCPREQ_EPROTO: the packet is not IPv4 or IPv6. */
int ip_parse(const uint8_t *buf, size_t len, struct ip_view *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 1)
        return TCPREQ_ETRUNC;
    switch (buf[0] >> NIBBLE_BITS) {
    case IPV4_VERSION:
        return ipv4_parse(buf, len, out, NULL);
    case IPV6_VERSION:
        return ipv6_parse(buf, len, out, NULL);
    default:
        return TCPREQ_EPROTO;
    }
}

int ip_parse_snapped(const uint8_t *buf, size_t len, struct ip_view *out, size_t *wire_l4_len)
{
    memset(out, 0, sizeof(*out));
    *wire_l4_len = 0;
    if (len < 1)
        return TCPREQ_ETRUNC;
    switch (buf[0] >> NIBBLE_BITS) {
    case IPV4_VERSION:
        return ipv4_parse(buf, len, out, wire_l4_len);
    case IPV6_VERSION:
        return ipv6_parse(buf, len, out, wire_l4_len);
    default:
        return TCPREQ_EPROTO;
    }
}

int tcp_seg_parse(const uint8_t *buf, size_t len, const struct ip_addr *src,
                  const struct ip_addr *dst, struct tcp_seg *out, bool *csum_ok)
{
    tcp_seg_init(out);
    if (csum_ok != NULL)
        *csum_ok = false;
    if (len < TCP_HDR_MIN)
        return TCPREQ_ETRUNC;
    uint8_t data_off = buf[TCP_OFF_DATA_OFF] >> NIBBLE_BITS;
    if (data_off < TCP_DATA_OFF_MIN)
        return TCPREQ_EINVAL;
    size_t hdr_len = (size_t)data_off * WORD_BYTES;
    if (hdr_len > len)
        return TCPREQ_ETRUNC;

    out->sport = get_be16(buf + TCP_OFF_SPORT);
    out->dport = get_be16(buf + TCP_OFF_DPORT);
    out->seq = get_be32(buf + TCP_OFF_SEQ);
    out->ack = get_be32(buf + TCP_OFF_ACK);
    out->data_off = data_off;
    out->reserved = buf[TCP_OFF_DATA_OFF] & NIBBLE_MASK;
    out->flags = buf[TCP_OFF_FLAGS];
    out->window = get_be16(buf + TCP_OFF_WINDOW);
    out->checksum = get_be16(buf + TCP_OFF_CSUM);
    out->urg_ptr = get_be16(buf + TCP_OFF_URG);
    out->payload = buf + hdr_len;
    out->payload_len = len - hdr_len;

    /* Summing the segment with its checksum field in place gives 0 iff it is valid (see
     * checksum.c). Without a usable address pair the checksum cannot be verified. */
    if (csum_ok != NULL && addr_pair_ok(src, dst))
        *csum_ok = csum_tcp(src, dst, buf, len) == 0;

    return tcp_opts_parse(buf + TCP_HDR_MIN, hdr_len - TCP_HDR_MIN, &out->opts);
}

/* Walks the options as tcp_opts_parse does, to name the first fault. */
static void describe_options(const uint8_t *opts, size_t len, char *out, size_t cap)
{
    size_t pos = 0;
    unsigned count = 0;
    while (pos < len) {
        uint8_t kind = opts[pos];
        if (kind == TCP_OPT_KIND_EOL)
            break;
        if (kind == TCP_OPT_KIND_NOP) {
            pos++;
            count++;
            continue;
        }
        if (len - pos < 2) {
            snprintf(out, cap, "option kind %u without its length byte at the header's end", kind);
            return;
        }
        uint8_t opt_len = opts[pos + 1];
        if (opt_len < 2) {
            snprintf(out, cap, "option kind %u with length %u (below 2)", kind, opt_len);
            return;
        }
        if (opt_len > len - pos) {
            snprintf(out, cap, "option kind %u of length %u running %zu bytes past the header",
                     kind, opt_len, opt_len - (len - pos));
            return;
        }
        pos += opt_len;
        count++;
    }
    if (count >= TCP_OPTS_MAX_ENTRIES)
        snprintf(out, cap, "more than %d options", TCP_OPTS_MAX_ENTRIES);
    else
        snprintf(out, cap, "options that do not parse");
}

bool tcp_seg_describe_error(const uint8_t *buf, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return false;
    out[0] = '\0';
    if (len < TCP_HDR_MIN) {
        snprintf(out, cap, "%zu bytes, shorter than a TCP header", len);
        return true;
    }
    unsigned data_off = buf[TCP_OFF_DATA_OFF] >> NIBBLE_BITS;
    size_t hdr_len = (size_t)data_off * WORD_BYTES;
    if (data_off < TCP_DATA_OFF_MIN) {
        snprintf(out, cap, "data offset %u (below %d)", data_off, TCP_DATA_OFF_MIN);
        return true;
    }
    if (hdr_len > len) {
        snprintf(out, cap, "data offset %u (%zu header bytes) past the segment's %zu bytes",
                 data_off, hdr_len, len);
        return true;
    }
    struct tcp_opts opts;
    if (tcp_opts_parse(buf + TCP_HDR_MIN, hdr_len - TCP_HDR_MIN, &opts) == TCPREQ_OK)
        return false;
    describe_options(buf + TCP_HDR_MIN, hdr_len - TCP_HDR_MIN, out, cap);
    return true;
}

uint32_t tcp_seg_len(const struct tcp_seg *seg)
{
    uint32_t len = (uint32_t)seg->payload_len;
    if (seg->flags & TCP_FLAG_SYN)
        len++;
    if (seg->flags & TCP_FLAG_FIN)
        len++;
    return len;
}
