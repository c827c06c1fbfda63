/* A quoted TCP segment parsed once, for the cases' middlebox checks: which header fields
 * the quote covers (RFC 792 guarantees only 8 bytes; Linux routers quote the whole segment)
 * and their values, the option area and the IP TOS / traffic class it arrived with. A case
 * compares fields, never byte offsets. */
#ifndef TCPREQ_QUOTE_VIEW_H
#define TCPREQ_QUOTE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracebox/icmp.h"

struct quote_view {
    size_t len;  /* quoted TCP bytes */
    uint8_t tos; /* quoted IP TOS / traffic class (always quoted: the IP header is) */
    /* Each field is valid only when the quote reaches past it. */
    bool has_seq, has_ack, has_offset, has_flags, has_window, has_checksum, has_urg_ptr;
    uint32_t seq, ack;
    uint8_t data_off; /* header length in 32-bit words */
    uint8_t reserved; /* the four reserved bits */
    uint8_t flags;
    uint16_t window, checksum, urg_ptr;
    /* The option area (header length beyond 20 bytes), when all of it is quoted. A data
     * offset below 5 gives an empty area. */
    bool has_options;
    const uint8_t *options; /* points into the quote */
    size_t options_len;
};

/* Parse q (the view points into q->quote: keep q alive). */
void quote_view_parse(const struct icmp_quote *q, struct quote_view *v);

#endif
