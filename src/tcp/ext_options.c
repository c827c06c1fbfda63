/* RFC 7323 and RFC 2018 options (see ext_options.h). */
#include "tcp/ext_options.h"

#include "common/bytes.h"
#include "common/err.h"

/* Payload lengths (the length byte less kind and length). RFC 7323 2.2: WS is 3 bytes long;
 * 3.2: TSopt is 10; RFC 2018 2: SACK-permitted is 2; 3: SACK is 2 + 8 per block. */
#define WSCALE_PAYLOAD 1
#define TIMESTAMP_PAYLOAD 8
#define TSECR_OFFSET 4
#define SACK_BLOCK_LEN 8
#define SACK_RIGHT_OFFSET 4
#define OPT_HDR_LEN 2

int tcp_opts_add_wscale(struct tcp_opts *o, uint8_t shift)
{
    return tcp_opts_add_sized(o, TCP_OPT_KIND_WSCALE, &shift, WSCALE_PAYLOAD);
}

int tcp_opts_add_timestamp(struct tcp_opts *o, uint32_t tsval, uint32_t tsecr)
{
    uint8_t v[TIMESTAMP_PAYLOAD];
    put_be32(v, tsval);
    put_be32(v + TSECR_OFFSET, tsecr);
    return tcp_opts_add_sized(o, TCP_OPT_KIND_TIMESTAMP, v, sizeof(v));
}

int tcp_opts_add_sack_perm(struct tcp_opts *o)
{
    return tcp_opts_add_sized(o, TCP_OPT_KIND_SACK_PERM, NULL, 0);
}

int tcp_opts_add_sack(struct tcp_opts *o, const struct tcp_sack_block *blocks, size_t n)
{
    uint8_t v[TCP_SACK_BLOCKS_MAX * SACK_BLOCK_LEN];
    if (n == 0 || n > TCP_SACK_BLOCKS_MAX)
        return TCPREQ_EINVAL;
    for (size_t i = 0; i < n; i++) {
        put_be32(v + i * SACK_BLOCK_LEN, blocks[i].left);
        put_be32(v + i * SACK_BLOCK_LEN + SACK_RIGHT_OFFSET, blocks[i].right);
    }
    return tcp_opts_add_sized(o, TCP_OPT_KIND_SACK, v, n * SACK_BLOCK_LEN);
}

/* The first option of the kind, when it is a sized one with that payload length. */
static const uint8_t *payload_of(const struct tcp_opts *o, uint8_t kind, size_t payload_len)
{
    const struct tcp_opt *opt = tcp_opts_find(o, kind);
    if (opt == NULL || opt->type != TCP_OPT_SIZED || opt->len != OPT_HDR_LEN + payload_len)
        return NULL;
    return opt->bytes;
}

bool tcp_opts_get_wscale(const struct tcp_opts *o, uint8_t *shift)
{
    const uint8_t *p = payload_of(o, TCP_OPT_KIND_WSCALE, WSCALE_PAYLOAD);
    if (p == NULL)
        return false;
    *shift = p[0];
    return true;
}

bool tcp_opts_get_timestamp(const struct tcp_opts *o, uint32_t *tsval, uint32_t *tsecr)
{
    const uint8_t *p = payload_of(o, TCP_OPT_KIND_TIMESTAMP, TIMESTAMP_PAYLOAD);
    if (p == NULL)
        return false;
    *tsval = get_be32(p);
    *tsecr = get_be32(p + TSECR_OFFSET);
    return true;
}

bool tcp_opts_has_sack_perm(const struct tcp_opts *o)
{
    return payload_of(o, TCP_OPT_KIND_SACK_PERM, 0) != NULL;
}

size_t tcp_opts_get_sack(const struct tcp_opts *o, struct tcp_sack_block *blocks)
{
    const struct tcp_opt *opt = tcp_opts_find(o, TCP_OPT_KIND_SACK);
    if (opt == NULL || opt->type != TCP_OPT_SIZED || opt->len <= OPT_HDR_LEN)
        return 0;
    size_t len = (size_t)opt->len - OPT_HDR_LEN;
    size_t n = len / SACK_BLOCK_LEN;
    if (len % SACK_BLOCK_LEN != 0 || n > TCP_SACK_BLOCKS_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        blocks[i].left = get_be32(opt->bytes + i * SACK_BLOCK_LEN);
        blocks[i].right = get_be32(opt->bytes + i * SACK_BLOCK_LEN + SACK_RIGHT_OFFSET);
    }
    return n;
}

bool tcp_opts_has_sack(const struct tcp_opts *o)
{
    return tcp_opts_find(o, TCP_OPT_KIND_SACK) != NULL;
}
