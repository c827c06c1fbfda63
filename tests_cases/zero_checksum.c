/* ZeroChecksumTest: IncorrectChecksumTest (tests_cases/incorrect_checksum.c) with the
 * checksum 0x0000. RFC 9293 MUST-3: a zero checksum is as wrong as any other unless the
 * segment really sums to it (TCP, unlike UDP, has no "no checksum" value), in which case
 * the machine changes an unused field first. */
#include "tests_cases/checksum_case.h"
#include "tracebox/ttl_code.h"

#define ZERO_CHECKSUM 0x0000

static uint16_t zero_checksum(struct tc *t)
{
    (void)t;
    return ZERO_CHECKSUM;
}

static const struct checksum_params zero_checksum_params = {
    .generate = zero_checksum,
};

const struct test_case zero_checksum_test = {
    .name = "ZeroChecksumTest",
    .req = {.rfc = "RFC 9293",
            .id = "MUST-3",
            .text = "Check the checksum and drop segments failing it, zero included (3.1)"},
    .checks = "the same with a zero checksum",
    .default_on = true,
    .needs_alp = false,
    .packet_budget = HOP_LIMIT + 7,
    .deadline = 300 * TC_SEC,
    .state_size = sizeof(struct checksum_state),
    .mbox = {.fields = CS_TTL_FIELDS}, /* path only: checksum_rank decides */
    .params = &zero_checksum_params,
    .start = checksum_start,
    .on_segment = checksum_on_segment,
    .on_bad_checksum = checksum_on_bad_checksum,
    .on_quote = checksum_on_quote,
    .on_timer = checksum_on_timer,
    .cleanup = checksum_cleanup,
};
