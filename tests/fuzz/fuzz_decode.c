/* Frame decoding for analyze (src/analyze/decode.c over tcp/linklayer.c, segment.c and
 * icmp.c): the first byte picks a link type, the rest is the captured frame; its wire length
 * is the captured length plus a second byte (a snap length that cut the frame).
 * Invariants: every pointer of the decoded packet stays inside the frame; a TCP packet's
 * captured payload never exceeds its length on the wire, its checksum is "unknown" exactly
 * when the segment was cut, and its header length is consistent; a skipped packet names a
 * reason. */
#include "fuzz_util.h"

#include "analyze/decode.h"
#include "tcp/linklayer.h"

static const int linktypes[] = {LINKTYPE_RAW,  LINKTYPE_ETHERNET,  LINKTYPE_NULL,
                                LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
                                DLT_RAW_ALT1,  DLT_RAW_ALT2,       147 /* unsupported */};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static struct an_pkt p;
    struct an_frame f = {
        .number = 1,
        .linktype = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))],
        .data = data + 2,
        .caplen = size - 2,
    };
    f.wirelen = f.caplen + (data[1] & 0x7f);
    an_decode(&f, &p);
    switch (p.kind) {
    case AN_PKT_SKIP:
        FUZZ_CHECK(p.skip > AN_SKIP_NONE && p.skip < AN_SKIP_COUNT);
        FUZZ_CHECK(an_skip_name(p.skip) != NULL);
        break;
    case AN_PKT_TCP:
        FUZZ_INSIDE(p.ip.l4, p.ip.l4_len, f.data, f.caplen);
        FUZZ_INSIDE(p.tcp_hdr, p.tcp_hdr_len, f.data, f.caplen);
        FUZZ_CHECK(p.tcp_hdr == p.ip.l4 && p.tcp_hdr_len >= TCP_HDR_MIN &&
                   p.tcp_hdr_len <= TCP_HDR_MAX && p.tcp_hdr_len % 4 == 0);
        FUZZ_CHECK(p.seg.payload_len <= p.payload_wire_len);
        if (p.seg.payload_len > 0)
            FUZZ_INSIDE(p.seg.payload, p.seg.payload_len, f.data, f.caplen);
        else
            FUZZ_CHECK(p.seg.payload == NULL);
        FUZZ_CHECK((p.csum == AN_CSUM_UNKNOWN) == (p.seg.payload_len < p.payload_wire_len));
        FUZZ_CHECK(p.ip_wire_len >= p.tcp_hdr_len + p.payload_wire_len);
        if (p.opts_err == 0)
            FUZZ_CHECK(p.seg.opts.count <= TCP_OPTS_MAX_ENTRIES);
        break;
    case AN_PKT_ICMP_ERROR:
        FUZZ_CHECK(p.quote.quote_len >= 4 && p.quote.quote_len <= QUOTE_MAX);
        FUZZ_CHECK(p.icmp.kind >= ICMP_ERR_TIME_EXCEEDED && p.icmp.kind <= ICMP_ERR_UNREACHABLE);
        break;
    }
    return 0;
}
