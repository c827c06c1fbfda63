/* The RST probe (see reset_probe.h). */
#include "testcase/reset_probe.h"

#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "tracebox/quote_view.h"

#define WORD_BYTES 4
#define HEX_CAP (2 * QUOTE_MAX + 1)

void reset_probe_send(struct tc *t, const struct tc_conn *c, struct reset_probe *r,
                      const uint8_t *data, size_t len, tc_time now)
{
    struct tcp_seg rst;
    tc_conn_seg(t, c, TCP_FLAG_RST, &rst);
    rst.window = 0;
    rst.payload = data;
    rst.payload_len = len;
    r->seq = rst.seq;
    r->data = data;
    r->len = len;
    tc_send_probe(t, &rst, RESET_PROBE_FIELDS, NULL, NULL);
    alive_check_start(t, c, &r->alive, TC_ORDER_GAP, now);
}

void reset_probe_conclude(struct tc *t, enum alive_check_outcome o, int stage,
                          const char *reason_ignored, tc_time now)
{
    switch (o) {
    case AC_GONE:
        tc_conclude(t, TC_PASS, -1, NULL, false, now);
        break;
    case AC_ALIVE:
        tc_conn_send_close(t, tc_connection(t)); /* may be ignored again; the test ends */
        tc_conclude(t, TC_FAIL, stage, reason_ignored, true, now);
        break;
    case AC_SILENT:
        tc_conn_send_close(t, tc_connection(t));
        tc_conclude(t, TC_UNK, stage, ALIVE_CHECK_REASON_SILENT, false, now);
        break;
    case AC_PENDING:
        break;
    }
}

static void describe(uint8_t flags, uint32_t seq, const uint8_t *data, size_t len, char *buf,
                     size_t cap)
{
    char hex[HEX_CAP];
    bytes_hex(data, len, hex, sizeof(hex));
    snprintf(buf, cap, len > 0 ? "0x%02x,%08x,%s" : "0x%02x,%08x", (unsigned)flags, (unsigned)seq,
             hex);
}

bool reset_probe_quote_diff(const struct reset_probe *r, const struct icmp_quote *q, char *exp,
                            size_t exp_cap, char *seen, size_t seen_cap)
{
    struct quote_view v;
    quote_view_parse(q, &v);
    if (!v.has_flags)
        return false; /* too little quoted to tell */
    /* The data quoted (a router may quote less than all of it, never more than was sent). */
    const uint8_t *data = NULL;
    size_t quoted = 0;
    size_t head_len = (size_t)v.data_off * WORD_BYTES;
    if (head_len >= TCP_HDR_MIN && head_len < v.len) {
        data = q->quote + head_len;
        quoted = v.len - head_len;
    }
    bool same = v.flags == TCP_FLAG_RST && v.seq == r->seq && quoted <= r->len &&
                (quoted == 0 || memcmp(data, r->data, quoted) == 0);
    if (same)
        return false;
    describe(TCP_FLAG_RST, r->seq, r->data, r->len, exp, exp_cap);
    describe(v.flags, v.seq, data, quoted, seen, seen_cap);
    return true;
}
