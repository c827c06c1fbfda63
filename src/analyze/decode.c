/* Frame decoding for the analyzer: only the packet core's parsers, plus the bookkeeping of
 * what the snap length left out. */
#include "analyze/decode.h"

#include <string.h>

#include "common/err.h"
#include "tcp/linklayer.h"

#define NIBBLE_BITS 4
#define WORD_BYTES 4 /* TCP data offset counts 32-bit words */
#define TCP_OFF_DATA_OFF 12

static const char *const skip_names[AN_SKIP_COUNT] = {
    [AN_SKIP_NONE] = "none",
    [AN_SKIP_LINK] = "not IP (link layer)",
    [AN_SKIP_IP] = "malformed or fragmented IP",
    [AN_SKIP_OTHER_PROTO] = "neither TCP nor ICMP about TCP",
    [AN_SKIP_TCP_HEADER] = "TCP header malformed or cut",
};

const char *an_skip_name(enum an_skip skip)
{
    return skip < AN_SKIP_COUNT ? skip_names[skip] : "?";
}

static void decode_tcp(const struct ip_view *ip, size_t wire_l4_len, struct an_pkt *out)
{
    /* The header checks tcp_seg_parse makes before it fills anything in, made here so that
     * any error it returns afterwards is about the options alone. */
    if (ip->l4_len < TCP_HDR_MIN) {
        out->skip = AN_SKIP_TCP_HEADER;
        return;
    }
    size_t hdr_len = (size_t)(ip->l4[TCP_OFF_DATA_OFF] >> NIBBLE_BITS) * WORD_BYTES;
    if (hdr_len < TCP_HDR_MIN || hdr_len > ip->l4_len || hdr_len > wire_l4_len) {
        out->skip = AN_SKIP_TCP_HEADER;
        return;
    }
    bool whole = ip->l4_len >= wire_l4_len;
    bool csum_ok = false;
    out->opts_err =
        tcp_seg_parse(ip->l4, ip->l4_len, &ip->src, &ip->dst, &out->seg, whole ? &csum_ok : NULL);
    out->csum = !whole ? AN_CSUM_UNKNOWN : csum_ok ? AN_CSUM_OK : AN_CSUM_BAD;
    out->payload_wire_len = wire_l4_len - hdr_len;
    if (out->seg.payload_len == 0)
        out->seg.payload = NULL;
    out->tcp_hdr = ip->l4;
    out->tcp_hdr_len = hdr_len;
    out->kind = AN_PKT_TCP;
}

void an_decode(const struct an_frame *frame, struct an_pkt *out)
{
    out->kind = AN_PKT_SKIP;
    out->skip = AN_SKIP_NONE;
    out->opts_err = 0;
    int off = linklayer_ip_offset(frame->linktype, frame->data, frame->caplen);
    if (off < 0) {
        out->skip = AN_SKIP_LINK;
        return;
    }
    const uint8_t *pkt = frame->data + off;
    size_t len = frame->caplen - (size_t)off;
    size_t wire_l4_len;
    if (ip_parse_snapped(pkt, len, &out->ip, &wire_l4_len) != TCPREQ_OK) {
        out->skip = AN_SKIP_IP;
        return;
    }
    out->ip_wire_len = (size_t)(out->ip.l4 - pkt) + wire_l4_len;
    if (out->ip.proto == IPPROTO_TCP_NUM) {
        decode_tcp(&out->ip, wire_l4_len, out);
        return;
    }
    if (out->ip.proto == IPPROTO_ICMP_NUM || out->ip.proto == IPPROTO_ICMPV6_NUM) {
        /* The whole ICMP message must be there: its checksum is verified (hostile input). */
        if (icmp_parse_error(pkt, len, &out->quote, &out->icmp) == TCPREQ_OK) {
            out->kind = AN_PKT_ICMP_ERROR;
            return;
        }
    }
    out->skip = AN_SKIP_OTHER_PROTO;
}
