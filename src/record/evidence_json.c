/* The evidence log of a test instance as JSON, for the single-host report (--explain).
 * Not part of the original tcpreq's schema: it is attached only when --explain asks. */
#include <stdio.h>

#include "record/record.h"

#define HEX_BYTE_CHARS 2
#define FLAG_NAMES_MAX sizeof("FIN,SYN,RST,PSH,ACK,URG,ECE,CWR")

static const struct {
    uint8_t bit;
    const char *name;
} flag_names[] = {
    {TCP_FLAG_SYN, "SYN"}, {TCP_FLAG_FIN, "FIN"}, {TCP_FLAG_RST, "RST"}, {TCP_FLAG_PSH, "PSH"},
    {TCP_FLAG_ACK, "ACK"}, {TCP_FLAG_URG, "URG"}, {TCP_FLAG_ECE, "ECE"}, {TCP_FLAG_CWR, "CWR"},
};

static void flags_text(uint8_t flags, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
        if ((flags & flag_names[i].bit) && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", flag_names[i].name);
}

struct evidence_walk {
    const struct tc *t;
    json_t *list;
    /* Sequence numbers are shown relative to the latest SYN in each direction, as
     * Wireshark's relative sequence numbers, so the exchange reads at a glance. */
    bool have_ours, have_theirs;
    uint32_t ours, theirs;
};

static void add_entry(const struct evidence_entry *e, void *ctx)
{
    struct evidence_walk *w = ctx;
    if (e->flags & TCP_FLAG_SYN) {
        if (e->sent) {
            w->have_ours = true;
            w->ours = e->seq;
        } else {
            w->have_theirs = true;
            w->theirs = e->seq;
        }
    }
    bool seq_rel = e->sent ? w->have_ours : w->have_theirs;
    uint32_t seq_base = e->sent ? w->ours : w->theirs;
    bool ack_rel = e->sent ? w->have_theirs : w->have_ours;
    uint32_t ack_base = e->sent ? w->theirs : w->ours;
    char flags[FLAG_NAMES_MAX];
    flags_text(e->flags, flags, sizeof(flags));
    char opts[TCP_OPTS_MAX_BYTES * HEX_BYTE_CHARS + 1] = "";
    for (size_t i = 0; i < e->opts_len; i++)
        snprintf(opts + i * HEX_BYTE_CHARS, sizeof(opts) - i * HEX_BYTE_CHARS, "%02x", e->opts[i]);
    json_t *o = json_pack("{s:f, s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:s, s:b}",
                          "ms", (double)(e->at - w->t->started_at) / (double)TC_MSEC, "dir",
                          e->sent ? "out" : "in", "flags", flags, "seq",
                          (json_int_t)(uint32_t)(e->seq - (seq_rel ? seq_base : 0)), "win",
                          (int)e->window, "len", (int)e->payload_len, "rsv", (int)e->reserved,
                          "urg", (int)e->urg_ptr, "opts", opts, "bad_csum", e->bad_checksum);
    if (o == NULL)
        return;
    if (e->flags & TCP_FLAG_ACK)
        json_object_set_new(o, "ack", json_integer((uint32_t)(e->ack - (ack_rel ? ack_base : 0))));
    if (e->ttl_first != 0)
        json_object_set_new(o, "ttl", json_pack("[ii]", (int)e->ttl_first, (int)e->ttl_last));
    json_array_append_new(w->list, o);
}

json_t *evidence_to_json(const struct tc *t)
{
    struct evidence_walk w = {.t = t, .list = json_array()};
    if (w.list == NULL)
        return NULL;
    evidence_each(&t->evidence, add_entry, &w);
    json_t *o = json_pack("{s:o, s:I, s:s, s:s}", "segments", w.list, "dropped",
                          (json_int_t)t->evidence.dropped, "rfc_req", t->kind->rfc_req,
                          "rfc_text", t->kind->rfc_text);
    return o;
}
