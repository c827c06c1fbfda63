#!/usr/bin/env python3
"""A path impairer for the lab's routers, standing in for tc netem.

The lab kernel has no sch_netem (CONFIG_NET_SCH_NETEM is not set), so loss, delay and
reordering are made in user space instead: an iptables NFQUEUE rule hands every forwarded
packet of one direction to this program, which holds it for a delay and then gives the
kernel its verdict (NF_ACCEPT), or drops it (NF_DROP). Verdicts can be given in any order,
so a packet held longer than its successors is overtaken by them: reordering. Duplication is
not possible through a queue; the lab makes it with an nftables `dup` rule beside the queue.

Only the Python standard library: nfnetlink_queue spoken over a raw netlink socket
(include/uapi/linux/netfilter/nfnetlink_queue.h). Packet contents are not copied
(NFQNL_COPY_META): only ids and verdicts cross the socket.

    impair.py --queue 0 --delay-ms 10 --loss 2 --reorder 10 --reorder-extra-ms 4 --seed 1

Runs until killed; prints a summary line (packets, dropped, reordered) on SIGTERM.
"""
import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
NF_DROP = 0
NF_ACCEPT = 1
NLMSG_HDR = struct.Struct("=IHHII")
NFGEN_HDR = struct.Struct("!BBH")  # family, version, res_id (network order)
NLA_HDR = struct.Struct("=HH")
AF_UNSPEC = 0
QUEUE_MAXLEN = 8192
RCVBUF = 8 * 1024 * 1024


def nla(attr_type, payload):
    pad = (4 - len(payload) % 4) % 4
    return NLA_HDR.pack(NLA_HDR.size + len(payload), attr_type) + payload + b"\0" * pad


def message(msg_type, queue, attrs, seq=0):
    body = NFGEN_HDR.pack(AF_UNSPEC, 0, queue) + b"".join(attrs)
    return NLMSG_HDR.pack(NLMSG_HDR.size + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type,
                          NLM_F_REQUEST, seq, 0) + body


def parse_attrs(data):
    attrs, off = {}, 0
    while off + NLA_HDR.size <= len(data):
        length, attr_type = NLA_HDR.unpack_from(data, off)
        if length < NLA_HDR.size:
            break
        attrs[attr_type & 0x7FFF] = data[off + NLA_HDR.size:off + length]
        off += (length + 3) & ~3
    return attrs


class Impairer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.held = []  # heap of (release time, arrival order, packet id)
        self.order = 0
        self.stats = {"packets": 0, "dropped": 0, "held_back": 0}
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.bind((0, 0))
        q = args.queue
        cmd = struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, AF_UNSPEC)
        self.sock.send(message(NFQNL_MSG_CONFIG, q, [nla(NFQA_CFG_CMD, cmd)]))
        params = struct.pack("!IB", 0, NFQNL_COPY_META)
        self.sock.send(message(NFQNL_MSG_CONFIG, q, [nla(NFQA_CFG_PARAMS, params),
                                                     nla(NFQA_CFG_QUEUE_MAXLEN,
                                                         struct.pack("!I", QUEUE_MAXLEN))]))

    def verdict(self, packet_id, verdict):
        hdr = struct.pack("!II", verdict, packet_id)
        self.sock.send(message(NFQNL_MSG_VERDICT, self.args.queue, [nla(NFQA_VERDICT_HDR, hdr)]))

    def on_packet(self, packet_id, now):
        a = self.args
        self.stats["packets"] += 1
        if self.rng.random() * 100 < a.loss:
            self.stats["dropped"] += 1
            self.verdict(packet_id, NF_DROP)
            return
        delay = a.delay_ms
        if self.rng.random() * 100 < a.reorder:
            self.stats["held_back"] += 1
            delay += a.reorder_extra_ms
        heapq.heappush(self.held, (now + delay / 1000.0, self.order, packet_id))
        self.order += 1

    def release_due(self, now):
        while self.held and self.held[0][0] <= now:
            _, _, packet_id = heapq.heappop(self.held)
            self.verdict(packet_id, NF_ACCEPT)

    def receive(self):
        data = self.sock.recv(1 << 16)
        now = time.monotonic()
        off = 0
        while off + NLMSG_HDR.size <= len(data):
            length, msg_type, _, _, _ = NLMSG_HDR.unpack_from(data, off)
            if length < NLMSG_HDR.size:
                break
            body = data[off + NLMSG_HDR.size:off + length]
            if msg_type == NLMSG_ERROR:
                err = struct.unpack_from("=i", body)[0]
                if err != 0:
                    sys.exit(f"impair.py: netlink error {err} ({os.strerror(-err)})")
            elif msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                attrs = parse_attrs(body[NFGEN_HDR.size:])
                if NFQA_PACKET_HDR in attrs:
                    self.on_packet(struct.unpack_from("!I", attrs[NFQA_PACKET_HDR])[0], now)
            off += (length + 3) & ~3

    def run(self):
        while True:
            timeout = None
            if self.held:
                timeout = max(0.0, self.held[0][0] - time.monotonic())
            readable, _, _ = select.select([self.sock], [], [], timeout)
            if readable:
                self.receive()
            self.release_due(time.monotonic())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queue", type=int, required=True)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--loss", type=float, default=0.0, help="percent of packets dropped")
    ap.add_argument("--reorder", type=float, default=0.0,
                    help="percent of packets held back by --reorder-extra-ms")
    ap.add_argument("--reorder-extra-ms", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    imp = Impairer(args)

    def done(*_):
        print("impair.py queue %d: %d packets, %d dropped, %d held back" %
              (args.queue, imp.stats["packets"], imp.stats["dropped"], imp.stats["held_back"]),
              flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    signal.signal(signal.SIGINT, done)
    print("impair.py queue %d: ready" % args.queue, flush=True)
    imp.run()


if __name__ == "__main__":
    main()
