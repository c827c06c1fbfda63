/* TCP option lists (RFC 9293 3.1 "Options"): building, encoding, parsing, formatting.
 *
 * Every operation that looks at an entry's bytes goes through opt_encode_entry(), so that
 * encoding, comparison, lookup and hex formatting agree on what an entry means, and so that a
 * hand-filled entry with an out-of-range len can never make us read past its bytes[] array. */
#include "tcp/options.h"

#include <string.h>

#include "common/err.h"

/* A sized option is kind byte + length byte + payload (RFC 9293 3.1, "Case 2"). */
#define OPT_SIZED_HDR_LEN 2
/* The length byte counts kind and length themselves, so it is at most 255 = 2 + 253. */
#define OPT_LEN_BYTE_MAX 255
#define OPT_SINGLE_LEN 1
#define OPT_MSS_LEN 4
/* Options are padded with zeros to a 32-bit boundary (RFC 9293 3.1, "Padding"). */
#define OPT_ALIGN 4
#define HEX_DIGITS_PER_BYTE 2
#define BITS_PER_BYTE 8
#define NIBBLE_BITS 4
#define NIBBLE_MASK 0x0f

void tcp_opts_init(struct tcp_opts *o)
{
    memset(o, 0, sizeof(*o));
}

/* Write one entry's encoding into out (at least TCP_OPTS_MAX_BYTES bytes) and return its
 * length. Lengths are clamped to the storage of struct tcp_opt so that a corrupted entry
 * still encodes to something finite. Unknown entry types encode to nothing. */
static size_t opt_encode_entry(const struct tcp_opt *opt, uint8_t *out)
{
    size_t n;

    switch (opt->type) {
    case TCP_OPT_SINGLE:
        out[0] = opt->kind;
        return OPT_SINGLE_LEN;
    case TCP_OPT_SIZED:
        /* The length byte is written as stored; the payload is len - 2 bytes. */
        n = opt->len > OPT_SIZED_HDR_LEN ? (size_t)opt->len - OPT_SIZED_HDR_LEN : 0;
        if (n > TCP_OPTS_MAX_BYTES - OPT_SIZED_HDR_LEN)
            n = TCP_OPTS_MAX_BYTES - OPT_SIZED_HDR_LEN;
        out[0] = opt->kind;
        out[1] = opt->len;
        memcpy(out + OPT_SIZED_HDR_LEN, opt->bytes, n);
        return OPT_SIZED_HDR_LEN + n;
    case TCP_OPT_RAW:
        n = opt->len > TCP_OPTS_MAX_BYTES ? TCP_OPTS_MAX_BYTES : opt->len;
        memcpy(out, opt->bytes, n);
        return n;
    default:
        return 0;
    }
}

static size_t opt_entry_len(const struct tcp_opt *opt)
{
    uint8_t scratch[TCP_OPTS_MAX_BYTES];
    return opt_encode_entry(opt, scratch);
}

size_t tcp_opts_encoded_len(const struct tcp_opts *o)
{
    size_t total = 0;
    for (unsigned i = 0; i < o->count && i < TCP_OPTS_MAX_ENTRIES; i++)
        total += opt_entry_len(&o->opt[i]);
    return total;
}

/* Reserve the next entry if the list has room for one more entry of entry_len bytes. The 40
 * byte limit is a multiple of 4, so checking the unpadded length is enough. */
static struct tcp_opt *opts_reserve(struct tcp_opts *o, size_t entry_len)
{
    if (o->count >= TCP_OPTS_MAX_ENTRIES)
        return NULL;
    if (tcp_opts_encoded_len(o) + entry_len > TCP_OPTS_MAX_BYTES)
        return NULL;
    struct tcp_opt *opt = &o->opt[o->count++];
    memset(opt, 0, sizeof(*opt));
    return opt;
}

int tcp_opts_add_single(struct tcp_opts *o, uint8_t kind)
{
    struct tcp_opt *opt = opts_reserve(o, OPT_SINGLE_LEN);
    if (opt == NULL)
        return TCPREQ_ENOSPC;
    opt->type = TCP_OPT_SINGLE;
    opt->kind = kind;
    opt->len = OPT_SINGLE_LEN;
    return TCPREQ_OK;
}

int tcp_opts_add_nop(struct tcp_opts *o)
{
    return tcp_opts_add_single(o, TCP_OPT_KIND_NOP);
}

int tcp_opts_add_eol(struct tcp_opts *o)
{
    return tcp_opts_add_single(o, TCP_OPT_KIND_EOL);
}

int tcp_opts_add_sized(struct tcp_opts *o, uint8_t kind, const void *payload, size_t payload_len)
{
    if (payload_len > OPT_LEN_BYTE_MAX - OPT_SIZED_HDR_LEN || (payload == NULL && payload_len))
        return TCPREQ_EINVAL;
    struct tcp_opt *opt = opts_reserve(o, OPT_SIZED_HDR_LEN + payload_len);
    if (opt == NULL)
        return TCPREQ_ENOSPC;
    opt->type = TCP_OPT_SIZED;
    opt->kind = kind;
    opt->len = (uint8_t)(OPT_SIZED_HDR_LEN + payload_len);
    if (payload_len > 0)
        memcpy(opt->bytes, payload, payload_len);
    return TCPREQ_OK;
}

/* RFC 9293 3.2: MSS is kind 2, length 4, the 16-bit value in network byte order. */
int tcp_opts_add_mss(struct tcp_opts *o, uint16_t mss)
{
    uint8_t value[OPT_MSS_LEN - OPT_SIZED_HDR_LEN] = {(uint8_t)(mss >> BITS_PER_BYTE),
                                                      (uint8_t)mss};
    return tcp_opts_add_sized(o, TCP_OPT_KIND_MSS, value, sizeof(value));
}

int tcp_opts_add_raw(struct tcp_opts *o, const void *bytes, size_t len)
{
    if (bytes == NULL && len > 0)
        return TCPREQ_EINVAL;
    if (len > TCP_OPTS_MAX_BYTES)
        return TCPREQ_ENOSPC;
    struct tcp_opt *opt = opts_reserve(o, len);
    if (opt == NULL)
        return TCPREQ_ENOSPC;
    opt->type = TCP_OPT_RAW;
    opt->len = (uint8_t)len;
    if (len > 0) {
        memcpy(opt->bytes, bytes, len);
        opt->kind = opt->bytes[0];
    }
    return TCPREQ_OK;
}

int tcp_opts_encode(const struct tcp_opts *o, uint8_t *buf, size_t cap, size_t *out_len)
{
    size_t raw_len = tcp_opts_encoded_len(o);
    size_t padded = (raw_len + OPT_ALIGN - 1) / OPT_ALIGN * OPT_ALIGN;

    *out_len = 0;
    if (padded > TCP_OPTS_MAX_BYTES || padded > cap)
        return TCPREQ_ENOSPC;
    size_t pos = 0;
    for (unsigned i = 0; i < o->count && i < TCP_OPTS_MAX_ENTRIES; i++) {
        uint8_t entry[TCP_OPTS_MAX_BYTES];
        size_t n = opt_encode_entry(&o->opt[i], entry);
        memcpy(buf + pos, entry, n);
        pos += n;
    }
    memset(buf + pos, 0, padded - pos);
    *out_len = padded;
    return TCPREQ_OK;
}

/* Append a parsed entry; the caller has checked that it fits in struct tcp_opt. */
static int opts_append_parsed(struct tcp_opts *out, uint8_t type, uint8_t kind, uint8_t len,
                              const uint8_t *payload, size_t payload_len)
{
    if (out->count >= TCP_OPTS_MAX_ENTRIES)
        return TCPREQ_ENOSPC;
    struct tcp_opt *opt = &out->opt[out->count++];
    memset(opt, 0, sizeof(*opt));
    opt->type = type;
    opt->kind = kind;
    opt->len = len;
    if (payload_len > 0)
        memcpy(opt->bytes, payload, payload_len);
    return TCPREQ_OK;
}

/* RFC 9293 3.1: an option is either a single kind byte (EOL, NOP) or kind, length, data,
 * where the length counts the kind and length bytes. Any other single-byte form is
 * malformed. Entries parsed before an error stay in out. */
int tcp_opts_parse(const uint8_t *buf, size_t len, struct tcp_opts *out)
{
    size_t pos = 0;
    int rc;

    tcp_opts_init(out);
    while (pos < len) {
        uint8_t kind = buf[pos];
        if (kind == TCP_OPT_KIND_EOL || kind == TCP_OPT_KIND_NOP) {
            rc = opts_append_parsed(out, TCP_OPT_SINGLE, kind, OPT_SINGLE_LEN, NULL, 0);
            if (rc != TCPREQ_OK)
                return rc;
            if (kind == TCP_OPT_KIND_EOL)
                break; /* whatever follows EOL is padding */
            pos += OPT_SINGLE_LEN;
            continue;
        }
        if (len - pos < OPT_SIZED_HDR_LEN)
            return TCPREQ_ETRUNC; /* the length byte is missing */
        uint8_t opt_len = buf[pos + 1];
        if (opt_len < OPT_SIZED_HDR_LEN)
            return TCPREQ_EINVAL;
        if (opt_len > len - pos)
            return TCPREQ_ETRUNC;
        /* Only reachable for areas longer than a TCP header allows (> 40 bytes). */
        if (opt_len > TCP_OPTS_MAX_BYTES)
            return TCPREQ_EINVAL;
        rc = opts_append_parsed(out, TCP_OPT_SIZED, kind, opt_len, buf + pos + OPT_SIZED_HDR_LEN,
                                (size_t)opt_len - OPT_SIZED_HDR_LEN);
        if (rc != TCPREQ_OK)
            return rc;
        pos += opt_len;
    }
    return TCPREQ_OK;
}

const struct tcp_opt *tcp_opts_find(const struct tcp_opts *o, uint8_t kind)
{
    for (unsigned i = 0; i < o->count && i < TCP_OPTS_MAX_ENTRIES; i++) {
        const struct tcp_opt *opt = &o->opt[i];
        if (opt->type == TCP_OPT_RAW && opt->len == 0)
            continue; /* an empty raw entry has no kind */
        if (opt->kind == kind)
            return opt;
    }
    return NULL;
}

/* Judged on the encoding, so a raw entry holding exactly "02 04 xx xx" counts as well. */
bool tcp_opts_get_mss(const struct tcp_opts *o, uint16_t *mss)
{
    for (unsigned i = 0; i < o->count && i < TCP_OPTS_MAX_ENTRIES; i++) {
        uint8_t enc[TCP_OPTS_MAX_BYTES];
        size_t n = opt_encode_entry(&o->opt[i], enc);
        if (n == OPT_MSS_LEN && enc[0] == TCP_OPT_KIND_MSS && enc[1] == OPT_MSS_LEN) {
            *mss =
                (uint16_t)((enc[OPT_SIZED_HDR_LEN] << BITS_PER_BYTE) | enc[OPT_SIZED_HDR_LEN + 1]);
            return true;
        }
    }
    return false;
}

bool tcp_opt_equal(const struct tcp_opt *a, const struct tcp_opt *b)
{
    uint8_t enc_a[TCP_OPTS_MAX_BYTES], enc_b[TCP_OPTS_MAX_BYTES];
    size_t len_a = opt_encode_entry(a, enc_a);
    size_t len_b = opt_encode_entry(b, enc_b);
    return len_a == len_b && memcmp(enc_a, enc_b, len_a) == 0;
}

/* Writes as many whole bytes as fit in cap and always terminates the string (cap > 0). */
const char *tcp_opt_hex(const struct tcp_opt *opt, char *buf, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t enc[TCP_OPTS_MAX_BYTES];
    size_t n = opt_encode_entry(opt, enc);
    size_t pos = 0;

    if (cap == 0)
        return buf;
    for (size_t i = 0; i < n && pos + HEX_DIGITS_PER_BYTE < cap; i++) {
        buf[pos++] = digits[enc[i] >> NIBBLE_BITS];
        buf[pos++] = digits[enc[i] & NIBBLE_MASK];
    }
    buf[pos] = '\0';
    return buf;
}
