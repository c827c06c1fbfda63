/* Rules about the options a host sends, judged alike by the live test cases that watch an
 * exchange (tests_cases/mss_only_in_syn.c, zero_padding_after_eol.c) and by
 * `tcpreq analyze` (findings mss-on-non-syn, nonzero-after-eol), so a capture of a test
 * judged offline reaches the live verdict.
 *
 * - RFC 9293 3.2 (MUST-65): the MSS option is sent only in SYN segments. A segment
 *   without SYN carrying a well-formed MSS option (kind 2, length 4) breaks it; a kind-2
 *   option of another length is a malformed option, not judged here.
 * - RFC 9293 3.1 (MUST-69): "the content of the header beyond the End of Option List
 *   option must be header padding of zeros". Judged on the options area as received:
 *   after an EOL every byte must be zero. An area that does not parse up to its EOL is
 *   malformed (MUST-7's business), not judged here. */
#ifndef TCPREQ_OPTION_RULES_H
#define TCPREQ_OPTION_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/options.h"

/* MUST-65: a segment with these flags and options carries an MSS option without SYN;
 * *mss (may be NULL) gets its value. */
bool opt_rule_mss_without_syn(uint8_t flags, const struct tcp_opts *opts, uint16_t *mss);
/* MUST-69: the options area (the header bytes after the fixed 20) holds a non-zero byte
 * after an EOL; *at gets its offset in the area. */
bool opt_rule_nonzero_after_eol(const uint8_t *area, size_t len, size_t *at);

#endif
