#include "linklayer.h"

#include "common/bytes.h"

#include "common/err.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define SLL_HDR_LEN 16
#define SLL_PROTO_OFF 14
#define SLL2_HDR_LEN 20
#define SLL2_PROTO_OFF 0
#define NULL_HDR_LEN 4
/* BSD loopback address families carried in the 4-byte NULL/LOOP header. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_A 10 /* Linux */
#define BSD_AF_INET6_B 24 /* NetBSD, OpenBSD */
#define BSD_AF_INET6_C 28 /* FreeBSD */
#define BSD_AF_INET6_D 30 /* macOS */

static int ethertype_ok(unsigned type)
{
    return type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6;
}

static int ethernet_offset(const uint8_t *frame, size_t caplen)
{
    size_t off = ETH_HDR_LEN - 2; /* ethertype position */
    /* Skip 802.1Q / 802.1ad tags. */
    while (off + 2 <= caplen) {
        unsigned type = get_be16(frame + off);
        if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
            off += VLAN_TAG_LEN;
            continue;
        }
        if (!ethertype_ok(type))
            return TCPREQ_EPROTO;
        return off + 2 <= caplen ? (int)(off + 2) : TCPREQ_ETRUNC;
    }
    return TCPREQ_ETRUNC;
}

static int family_offset(const uint8_t *frame, size_t caplen)
{
    if (caplen < NULL_HDR_LEN)
        return TCPREQ_ETRUNC;
    /* The family is in host byte order of the capturing machine: accept either. */
    uint32_t le = frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
                  (uint32_t)frame[3] << 24;
    uint32_t be = frame[3] | (uint32_t)frame[2] << 8 | (uint32_t)frame[1] << 16 |
                  (uint32_t)frame[0] << 24;
    uint32_t fam = le < 256 ? le : be;
    if (fam == BSD_AF_INET || fam == BSD_AF_INET6_A || fam == BSD_AF_INET6_B ||
        fam == BSD_AF_INET6_C || fam == BSD_AF_INET6_D)
        return NULL_HDR_LEN;
    return TCPREQ_EPROTO;
}

int linklayer_ip_offset(int linktype, const uint8_t *frame, size_t caplen)
{
    switch (linktype) {
    case LINKTYPE_ETHERNET:
        return ethernet_offset(frame, caplen);
    case LINKTYPE_LINUX_SLL:
        if (caplen < SLL_HDR_LEN)
            return TCPREQ_ETRUNC;
        return ethertype_ok(get_be16(frame + SLL_PROTO_OFF)) ? SLL_HDR_LEN : TCPREQ_EPROTO;
    case LINKTYPE_LINUX_SLL2:
        if (caplen < SLL2_HDR_LEN)
            return TCPREQ_ETRUNC;
        return ethertype_ok(get_be16(frame + SLL2_PROTO_OFF)) ? SLL2_HDR_LEN : TCPREQ_EPROTO;
    case LINKTYPE_RAW:
    case DLT_RAW_ALT1:
    case DLT_RAW_ALT2:
        return 0;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
        return family_offset(frame, caplen);
    default:
        return TCPREQ_EPROTO;
    }
}
