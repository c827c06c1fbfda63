#include "tracebox/quote_view.h"

#include <string.h>

#include "common/bytes.h"
#include "tcp/segment.h"

/* A field is quoted when the quote reaches its end. */
#define DATA_OFF_SHIFT 4
#define RESERVED_MASK 0x0f
#define WORD_BYTES 4

void quote_view_parse(const struct icmp_quote *q, struct quote_view *v)
{
    memset(v, 0, sizeof(*v));
    const uint8_t *b = q->quote;
    size_t len = q->quote_len < QUOTE_MAX ? q->quote_len : QUOTE_MAX;
    v->len = len;
    v->tos = q->q_tos;
    if ((v->has_seq = len >= TCP_OFF_SEQ + 4))
        v->seq = get_be32(b + TCP_OFF_SEQ);
    if ((v->has_ack = len >= TCP_OFF_ACK + 4))
        v->ack = get_be32(b + TCP_OFF_ACK);
    if ((v->has_offset = len > TCP_OFF_DATA_OFF)) {
        v->data_off = b[TCP_OFF_DATA_OFF] >> DATA_OFF_SHIFT;
        v->reserved = b[TCP_OFF_DATA_OFF] & RESERVED_MASK;
    }
    if ((v->has_flags = len > TCP_OFF_FLAGS))
        v->flags = b[TCP_OFF_FLAGS];
    if ((v->has_window = len >= TCP_OFF_WINDOW + 2))
        v->window = get_be16(b + TCP_OFF_WINDOW);
    if ((v->has_checksum = len >= TCP_OFF_CSUM + 2))
        v->checksum = get_be16(b + TCP_OFF_CSUM);
    if ((v->has_urg_ptr = len >= TCP_OFF_URG + 2))
        v->urg_ptr = get_be16(b + TCP_OFF_URG);
    if (v->has_offset && len >= TCP_HDR_MIN) {
        size_t head_len = (size_t)v->data_off * WORD_BYTES;
        if (head_len <= len) {
            v->has_options = true;
            v->options = b + TCP_HDR_MIN;
            v->options_len = head_len > TCP_HDR_MIN ? head_len - TCP_HDR_MIN : 0;
        }
    }
}
