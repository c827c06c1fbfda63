/* Answers built from a received segment (RFC 9293 3.10.7.1 reset generation). */
#ifndef TCPREQ_REPLY_H
#define TCPREQ_REPLY_H

#include "tcp/segment.h"

/* Reset for rcvd, from the receiver's side (ports swapped): if rcvd has ACK,
 * <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. */
void tcp_seg_reset_for(const struct tcp_seg *rcvd, struct tcp_seg *out);

#endif
