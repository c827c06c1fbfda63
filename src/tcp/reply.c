#include "reply.h"

void tcp_seg_reset_for(const struct tcp_seg *rcvd, struct tcp_seg *out)
{
    tcp_seg_init(out);
    out->sport = rcvd->dport;
    out->dport = rcvd->sport;
    if (rcvd->flags & TCP_FLAG_ACK) {
        out->seq = rcvd->ack;
        out->flags = TCP_FLAG_RST;
    } else {
        out->seq = 0;
        out->ack = rcvd->seq + tcp_seg_len(rcvd);
        out->flags = TCP_FLAG_RST | TCP_FLAG_ACK;
    }
}
