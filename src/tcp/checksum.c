/* Internet checksum, RFC 1071, and the TCP pseudo-header checksum (RFC 9293 3.1 for IPv4,
 * RFC 8200 8.1 for IPv6).
 *
 * The sum is the one's-complement sum of the data taken as big-endian 16-bit words. It is
 * accumulated in a wider integer and the carries are folded back in at the end ("end-around
 * carry", RFC 1071 section 1 (2)); the result does not depend on byte order of the host
 * because words are assembled explicitly from bytes.
 *
 * Verification property relied on by callers (tcp_seg_parse): if a segment's checksum field
 * holds C = ~S, where S is the folded sum of everything else, the folded sum over everything
 * including C is S + ~S = 0xffff ("negative zero"), so csum_finish() returns 0. The folded sum
 * can never be the other zero, 0x0000, because that would need every summed word to be zero
 * and the pseudo-header always contains the non-zero protocol number. Hence csum_tcp() over a
 * correctly checksummed segment returns exactly 0, and any other value means a bad checksum. */
#include "tcp/checksum.h"

#include "common/bytes.h"

#include <string.h>

#define CSUM_WORD_BITS 16
#define CSUM_WORD_MASK 0xffffu
#define BYTE_BITS 8

/* Pseudo-header layouts. IPv4 (RFC 9293 3.1): source, destination, zero byte, protocol,
 * 16-bit TCP length. IPv6 (RFC 8200 8.1): source, destination, 32-bit upper-layer packet
 * length, three zero bytes, next header. */
#define IPV4_ADDR_LEN 4
#define IPV6_ADDR_LEN 16
#define PSEUDO_V4_LEN (2 * IPV4_ADDR_LEN + 4)
#define PSEUDO_V6_LEN (2 * IPV6_ADDR_LEN + 8)
#define PSEUDO_PROTO_TCP 6

/* Fold a wide accumulator into 16 bits: add the high part back until no carry is left
 * (RFC 1071 section 2 (B), "deferred carries"). */
static uint32_t csum_fold(uint64_t sum)
{
    while (sum >> CSUM_WORD_BITS)
        sum = (sum & CSUM_WORD_MASK) + (sum >> CSUM_WORD_BITS);
    return (uint32_t)sum;
}

/* Continue a sum. A piece of odd length is padded with one zero byte at the end (RFC 1071
 * section 4.1), so only the last piece of a chained computation may have an odd length.
 *
 * Speed matters (tcpreq analyze verifies every captured segment): the data is summed as
 * native-order 32-bit halves of 64-bit loads into a 64-bit accumulator, and the folded sum
 * byte-swapped into network order at the end on a little-endian host. RFC 1071 section 2 (B)
 * shows the one's-complement sum is byte-order independent in exactly this way. The
 * accumulator cannot overflow below 2^32 loads (16 GiB). */
#define WIDE_LOAD 8
#define HALF_BITS 32
#define HALF_MASK 0xffffffffu

static uint32_t bswap16_sum(uint32_t folded)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return ((folded & 0xffu) << BYTE_BITS) | (folded >> BYTE_BITS);
#else
    return folded;
#endif
}

uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
    const uint8_t *bytes = data;
    uint64_t acc = 0;
    while (len >= WIDE_LOAD) {
        uint64_t v;
        memcpy(&v, bytes, sizeof(v));
        acc += (v & HALF_MASK) + (v >> HALF_BITS);
        bytes += WIDE_LOAD;
        len -= WIDE_LOAD;
    }
    while (len >= 2) {
        uint16_t w;
        memcpy(&w, bytes, sizeof(w));
        acc += w;
        bytes += 2;
        len -= 2;
    }
    if (len) {
        /* the odd byte is the high-order byte of a zero-padded big-endian word */
        uint8_t pad[2] = {bytes[0], 0};
        uint16_t w;
        memcpy(&w, pad, sizeof(w));
        acc += w;
    }
    return csum_fold((uint64_t)sum + bswap16_sum(csum_fold(acc)));
}

uint16_t csum_finish(uint32_t sum)
{
    return (uint16_t)(~csum_fold(sum) & CSUM_WORD_MASK);
}

uint16_t csum_ipv4_header(const void *hdr, size_t len)
{
    return csum_finish(csum_partial(hdr, len, 0));
}

/* The pseudo-header follows the source address family: IPv6 when src is IPv6, the IPv4 form
 * otherwise (an unset address then contributes zero bytes). Callers are expected to pass two
 * addresses of the same family. */
uint16_t csum_tcp(const struct ip_addr *src, const struct ip_addr *dst, const void *segment,
                  size_t len)
{
    uint8_t pseudo[PSEUDO_V6_LEN];
    size_t pseudo_len;

    memset(pseudo, 0, sizeof(pseudo));
    if (src->family == IP_FAMILY_V6) {
        memcpy(pseudo, src->bytes, IPV6_ADDR_LEN);
        memcpy(pseudo + IPV6_ADDR_LEN, dst->bytes, IPV6_ADDR_LEN);
        put_be32(pseudo + 2 * IPV6_ADDR_LEN, (uint32_t)len);
        /* three zero bytes already in place */
        pseudo[PSEUDO_V6_LEN - 1] = PSEUDO_PROTO_TCP;
        pseudo_len = PSEUDO_V6_LEN;
    } else {
        memcpy(pseudo, src->bytes, IPV4_ADDR_LEN);
        memcpy(pseudo + IPV4_ADDR_LEN, dst->bytes, IPV4_ADDR_LEN);
        /* pseudo[8] is the zero byte */
        pseudo[2 * IPV4_ADDR_LEN + 1] = PSEUDO_PROTO_TCP;
        put_be16(pseudo + 2 * IPV4_ADDR_LEN + 2, (uint32_t)(len & CSUM_WORD_MASK));
        pseudo_len = PSEUDO_V4_LEN;
    }
    /* Both pseudo-header sizes are even, so chaining the segment after it is exact. */
    uint32_t sum = csum_partial(pseudo, pseudo_len, 0);
    sum = csum_partial(segment, len, sum);
    return csum_finish(sum);
}
