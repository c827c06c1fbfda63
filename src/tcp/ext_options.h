/* The options of TCP's extensions for high performance and selective acknowledgment, on top
 * of tcp/options.h: Window Scale and Timestamps (RFC 7323 2.2, 3.2), SACK-permitted and SACK
 * (RFC 2018 2, 3). Builders append to a list; getters read the first option of the kind and
 * accept it only with the length its RFC gives it (anything else is no such option). */
#ifndef TCPREQ_EXT_OPTIONS_H
#define TCPREQ_EXT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/options.h"

/* RFC 7323 2.3: shifts above this are taken as this. */
#define TCP_WSCALE_MAX 14
/* RFC 2018 3: 40 option bytes hold at most 4 blocks (3 next to a Timestamps option). */
#define TCP_SACK_BLOCKS_MAX 4

/* One SACK block: [left, right) in sequence space. */
struct tcp_sack_block {
    uint32_t left, right;
};

/* Append helpers: 0 or tcp_opts_add_sized's error. */
int tcp_opts_add_wscale(struct tcp_opts *o, uint8_t shift);
int tcp_opts_add_timestamp(struct tcp_opts *o, uint32_t tsval, uint32_t tsecr);
int tcp_opts_add_sack_perm(struct tcp_opts *o);
int tcp_opts_add_sack(struct tcp_opts *o, const struct tcp_sack_block *blocks, size_t n);

/* The first option of the kind, if it has its RFC's length; false otherwise. */
bool tcp_opts_get_wscale(const struct tcp_opts *o, uint8_t *shift);
bool tcp_opts_get_timestamp(const struct tcp_opts *o, uint32_t *tsval, uint32_t *tsecr);
bool tcp_opts_has_sack_perm(const struct tcp_opts *o);
/* The blocks of the first SACK option (length 2 + 8n, 1 <= n <= 4) into blocks (room for
 * TCP_SACK_BLOCKS_MAX), in the order sent; 0 if there is none or it is malformed. */
size_t tcp_opts_get_sack(const struct tcp_opts *o, struct tcp_sack_block *blocks);
/* Whether any SACK option is present, well-formed or not. */
bool tcp_opts_has_sack(const struct tcp_opts *o);

#endif
