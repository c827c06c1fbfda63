/* MssSentTest: RFC 9293 SHLD-5 (3.7.1): a TCP SHOULD send an MSS option in every SYN when
 * its receive MSS differs from the default, 536 (IPv4) or 1220 (IPv6). A SYN-ACK carrying
 * one passes at once. Without one, the host's receive MSS may be the default (then it
 * conforms): the exchange (testcase/exchange.h) goes on, our SYN announcing a large MSS, and
 * a segment from the host larger than the default shows that its link carries more than
 * the default, so its MSS differs and it should have said so (FAIL: a SHOULD it clearly
 * did not follow); no such segment leaves it unknown. A FAIL's custom adds that segment's
 * "mss_counted_octets" (its options and data, as an MSS bounds them) and the family's
 * "default_mss". */
#include "tcp/mss_rule.h"
#include "testcase/exchange.h"
#include "tests_cases/alp_request.h"

#define REASON_LARGER_THAN_DEFAULT                                                                 \
    "No MSS option in the SYN-ACK, though the host sends segments larger than the default MSS"

/* Ours: an Ethernet MTU less the IP and TCP headers, so the host's segments may exceed the
 * default. */
#define OUR_MSS_V4 1460
#define OUR_MSS_V6 1440
#define TCP_WORD 4

static void mss_sent_syn_options(const struct tc *t, struct tcp_opts *opts)
{
    tcp_opts_add_mss(opts, t->env.dst.family == IP_FAMILY_V6 ? OUR_MSS_V6 : OUR_MSS_V4);
}

static enum ex_judgement mss_sent_judge(const struct tc *t, const struct tcp_seg *seg,
                                        const char **why, json_t **evidence)
{
    uint16_t mss;
    if ((seg->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == (TCP_FLAG_SYN | TCP_FLAG_ACK))
        return tcp_opts_get_mss(&seg->opts, &mss) ? EX_SETTLED : EX_NOT_JUDGED;
    const struct tcp_seg *synack = exchange_synack(t);
    if (synack == NULL || tcp_opts_get_mss(&synack->opts, &mss))
        return EX_NOT_JUDGED;
    uint16_t dflt = mss_announced(NULL, t->env.dst.family, NULL);
    size_t size = mss_counted_len((size_t)seg->data_off * TCP_WORD, seg->payload_len);
    if (size <= dflt)
        return EX_NOT_JUDGED; /* says nothing about the host's MSS */
    *why = REASON_LARGER_THAN_DEFAULT;
    *evidence =
        json_pack("{s:I,s:i}", "mss_counted_octets", (json_int_t)size, "default_mss", (int)dflt);
    return EX_VIOLATES;
}

static const struct exchange_params mss_sent_params = {
    .syn_options = mss_sent_syn_options,
    .request = alp_request_pull,
    .judge = mss_sent_judge,
    .not_exercised = "No MSS option in the SYN-ACK, and no segment larger than the default "
                     "to show the host's MSS is not the default",
};

const struct test_case mss_sent_test = {
    .name = "MssSentTest",
    .req = {.rfc = "RFC 9293",
            .id = "SHLD-5",
            .text = "Send an MSS option in the SYN unless the receive MSS is the default 536 "
                    "(IPv4) / 1220 (IPv6) (a SHOULD)"},
    .checks = "the SYN-ACK carries an MSS option; without one, no segment from the host exceeds "
              "the default",
    .default_on = false,
    .needs_alp = true,
    .packet_budget = EXCHANGE_PACKET_BUDGET,
    .deadline = EXCHANGE_DEADLINE,
    .state_size = sizeof(struct exchange_state),
    .params = &mss_sent_params,
    .start = exchange_start,
    .on_segment = exchange_on_segment,
    .on_timer = exchange_on_timer,
    .cleanup = exchange_cleanup,
};
