/* TCP options as an ordered list (RFC 9293 3.1 "Options"). Each entry is one of:
 *  - a single-byte option (EOL kind 0, NOP kind 1),
 *  - a sized option: kind, length byte, payload (length = 2 + payload length),
 *  - raw bytes emitted verbatim, for deliberately illegal encodings (e.g. MSS with length 0).
 * Parsing never produces raw entries; it rejects malformed lists instead. */
#ifndef TCPREQ_OPTIONS_H
#define TCPREQ_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_OPT_KIND_EOL 0
#define TCP_OPT_KIND_NOP 1
#define TCP_OPT_KIND_MSS 2
#define TCP_OPT_KIND_WSCALE 3
#define TCP_OPT_KIND_SACK_PERM 4
#define TCP_OPT_KIND_SACK 5
#define TCP_OPT_KIND_TIMESTAMP 8

/* Data offset is 4 bits of 32-bit words: at most 60 header bytes, 40 of options. */
#define TCP_OPTS_MAX_BYTES 40
/* Enough entries for 40 single-byte options. */
#define TCP_OPTS_MAX_ENTRIES 40

enum tcp_opt_type {
    TCP_OPT_SINGLE = 0, /* kind only (EOL, NOP) */
    TCP_OPT_SIZED = 1,  /* kind, length, payload */
    TCP_OPT_RAW = 2     /* bytes[0..len) written as they are */
};

struct tcp_opt {
    uint8_t type;  /* enum tcp_opt_type */
    uint8_t kind;  /* SINGLE/SIZED: the option kind; RAW: bytes[0] if len > 0 */
    uint8_t len;   /* SIZED: value of the length byte (2 + payload); RAW: byte count; SINGLE: 1 */
    uint8_t bytes[TCP_OPTS_MAX_BYTES]; /* SIZED: payload (len - 2 bytes); RAW: verbatim bytes */
};

struct tcp_opts {
    unsigned count;
    struct tcp_opt opt[TCP_OPTS_MAX_ENTRIES];
};

void tcp_opts_init(struct tcp_opts *o);
/* Append helpers: 0 or TCPREQ_ENOSPC (list full or encoding would exceed 40 bytes)
 * / TCPREQ_EINVAL (payload too large for a length byte). */
int tcp_opts_add_single(struct tcp_opts *o, uint8_t kind);
int tcp_opts_add_nop(struct tcp_opts *o);
int tcp_opts_add_eol(struct tcp_opts *o);
int tcp_opts_add_sized(struct tcp_opts *o, uint8_t kind, const void *payload, size_t payload_len);
int tcp_opts_add_mss(struct tcp_opts *o, uint16_t mss);
int tcp_opts_add_raw(struct tcp_opts *o, const void *bytes, size_t len);

/* Bytes the list occupies before padding. */
size_t tcp_opts_encoded_len(const struct tcp_opts *o);
/* Encode and zero-pad to a multiple of 4. *out_len gets the padded length.
 * TCPREQ_ENOSPC if cap is too small or the padded length exceeds 40. */
int tcp_opts_encode(const struct tcp_opts *o, uint8_t *buf, size_t cap, size_t *out_len);
/* Parse an options area. Stops after EOL (the rest is padding, RFC 9293 3.1).
 * TCPREQ_ETRUNC: a sized option's length byte is missing or runs past the area;
 * TCPREQ_EINVAL: a length byte below 2; TCPREQ_ENOSPC: more than TCP_OPTS_MAX_ENTRIES. */
int tcp_opts_parse(const uint8_t *buf, size_t len, struct tcp_opts *out);
/* First option of the given kind, or NULL. */
const struct tcp_opt *tcp_opts_find(const struct tcp_opts *o, uint8_t kind);
/* MSS value of the first well-formed MSS option (length 4); false if none. */
bool tcp_opts_get_mss(const struct tcp_opts *o, uint16_t *mss);
/* Two entries encode to the same bytes. */
bool tcp_opt_equal(const struct tcp_opt *a, const struct tcp_opt *b);
/* Lower-case hex of the entry's encoding into buf (cap >= 2*40+1); returns buf. */
const char *tcp_opt_hex(const struct tcp_opt *opt, char *buf, size_t cap);

#endif
