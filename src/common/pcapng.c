/* pcapng blocks (see pcapng.h). Every length read from a file is checked against the block
 * it came from before use: captures are hostile input. */
#include "common/pcapng.h"

#include <string.h>

#define PCAPNG_VERSION_MAJOR 1
#define PCAPNG_VERSION_MINOR 0
#define SECTION_LENGTH_UNKNOWN UINT64_MAX
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_OPT_USERAPPL 4
#define OPT_HDR 4 /* code, length (16 bits each) */
#define ALIGN 4
/* Fixed part of an Enhanced Packet Block before the packet data: type, length, interface
 * id, timestamp high and low, captured and original length. The obsolete Packet Block has
 * the same layout (interface id and drops count sharing the third word). */
#define EPB_FIXED 28
#define EPB_OFF_CAPLEN 20
#define SHB_OFF_MAGIC 8
#define BYTE_BITS 8

static size_t pad4(size_t n)
{
    return (n + ALIGN - 1) / ALIGN * ALIGN;
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/* An option (code, length, value padded with zeros to 4 bytes) at p; returns its size. */
static size_t put_option(uint8_t *p, uint16_t code, const void *value, size_t len)
{
    put16(p, code);
    put16(p + 2, (uint16_t)len);
    if (len > 0)
        memcpy(p + OPT_HDR, value, len);
    memset(p + OPT_HDR + len, 0, pad4(len) - len);
    return OPT_HDR + pad4(len);
}

static size_t finish_block(uint8_t *buf, uint32_t type, size_t body_end)
{
    size_t total = body_end + PCAPNG_BLOCK_TRAILER;
    put32(buf, type);
    put32(buf + 4, (uint32_t)total);
    put32(buf + body_end, (uint32_t)total);
    return total;
}

/* An option's length must fit its 16-bit field. */
#define OPT_VALUE_MAX 0xfffcu

static size_t option_size(const char *text)
{
    if (text == NULL)
        return 0;
    size_t n = strlen(text);
    return n > OPT_VALUE_MAX ? 0 : OPT_HDR + pad4(n);
}

size_t pcapng_write_shb(uint8_t *buf, size_t cap, const char *userappl)
{
    size_t need = PCAPNG_BLOCK_HDR + 16 + option_size(userappl) + OPT_HDR + PCAPNG_BLOCK_TRAILER;
    if (cap < need)
        return 0;
    size_t off = PCAPNG_BLOCK_HDR;
    put32(buf + off, PCAPNG_BYTE_ORDER_MAGIC);
    put16(buf + off + 4, PCAPNG_VERSION_MAJOR);
    put16(buf + off + 6, PCAPNG_VERSION_MINOR);
    put64(buf + off + 8, SECTION_LENGTH_UNKNOWN);
    off += 16;
    if (option_size(userappl) != 0)
        off += put_option(buf + off, SHB_OPT_USERAPPL, userappl, strlen(userappl));
    off += put_option(buf + off, OPT_ENDOFOPT, NULL, 0);
    return finish_block(buf, PCAPNG_BT_SHB, off);
}

size_t pcapng_write_idb(uint8_t *buf, size_t cap, uint16_t linktype, uint32_t snaplen)
{
    size_t need = PCAPNG_BLOCK_HDR + 8 + PCAPNG_BLOCK_TRAILER;
    if (cap < need)
        return 0;
    put16(buf + PCAPNG_BLOCK_HDR, linktype);
    put16(buf + PCAPNG_BLOCK_HDR + 2, 0);
    put32(buf + PCAPNG_BLOCK_HDR + 4, snaplen);
    return finish_block(buf, PCAPNG_BT_IDB, PCAPNG_BLOCK_HDR + 8);
}

size_t pcapng_epb_size(uint32_t caplen, const char *comment)
{
    size_t opts = option_size(comment);
    return EPB_FIXED + pad4(caplen) + (opts ? opts + OPT_HDR : 0) + PCAPNG_BLOCK_TRAILER;
}

size_t pcapng_write_epb(uint8_t *buf, size_t cap, uint32_t if_id, uint64_t ts_usec,
                        const uint8_t *pkt, uint32_t caplen, uint32_t origlen, const char *comment)
{
    if (cap < pcapng_epb_size(caplen, comment))
        return 0;
    put32(buf + 8, if_id);
    put32(buf + 12, (uint32_t)(ts_usec >> 32));
    put32(buf + 16, (uint32_t)ts_usec);
    put32(buf + EPB_OFF_CAPLEN, caplen);
    put32(buf + 24, origlen);
    memcpy(buf + EPB_FIXED, pkt, caplen);
    memset(buf + EPB_FIXED + caplen, 0, pad4(caplen) - caplen);
    size_t off = EPB_FIXED + pad4(caplen);
    if (option_size(comment) != 0) {
        off += put_option(buf + off, OPT_COMMENT, comment, strlen(comment));
        off += put_option(buf + off, OPT_ENDOFOPT, NULL, 0);
    }
    return finish_block(buf, PCAPNG_BT_EPB, off);
}

uint32_t pcapng_u32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t u16(const uint8_t *p, bool swapped)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return swapped ? (uint16_t)(v >> BYTE_BITS | v << BYTE_BITS) : v;
}

bool pcapng_shb_order(const uint8_t *block, size_t len, bool *swapped)
{
    if (len < SHB_OFF_MAGIC + 4)
        return false;
    uint32_t magic = pcapng_u32(block + SHB_OFF_MAGIC, false);
    if (magic == PCAPNG_BYTE_ORDER_MAGIC)
        *swapped = false;
    else if (magic == __builtin_bswap32(PCAPNG_BYTE_ORDER_MAGIC))
        *swapped = true;
    else
        return false;
    return true;
}

bool pcapng_packet_comment(const uint8_t *block, size_t len, bool swapped, const char **comment,
                           size_t *comment_len)
{
    if (len < EPB_FIXED + PCAPNG_BLOCK_TRAILER)
        return false;
    uint32_t type = pcapng_u32(block, swapped);
    if (type != PCAPNG_BT_EPB && type != PCAPNG_BT_PB)
        return false;
    size_t end = len - PCAPNG_BLOCK_TRAILER; /* options end before the trailing length */
    size_t caplen = pcapng_u32(block + EPB_OFF_CAPLEN, swapped);
    if (caplen > end - EPB_FIXED || pad4(caplen) > end - EPB_FIXED)
        return false;
    size_t off = EPB_FIXED + pad4(caplen);
    while (end - off >= OPT_HDR) {
        uint16_t code = u16(block + off, swapped);
        size_t olen = u16(block + off + 2, swapped);
        if (code == OPT_ENDOFOPT)
            return false;
        if (olen > end - off - OPT_HDR)
            return false;
        if (code == OPT_COMMENT) {
            *comment = (const char *)block + off + OPT_HDR;
            *comment_len = olen;
            return true;
        }
        if (pad4(olen) > end - off - OPT_HDR)
            return false;
        off += OPT_HDR + pad4(olen);
    }
    return false;
}
