#!/usr/bin/env python3
"""A hostile peer for tests/lab/test_hostile.sh: runs in the target namespace, reads what
arrives on an interface (an AF_PACKET socket, before netfilter, so an nftables rule can keep
the target's own TCP stack out of these ports) and answers tcpreq's IPv4 probes with what a
broken or malicious stack would send, through a raw socket. Standard library only.

  hostile.py IFACE [--quotes-from ROUTER --quote-mode cut|lie|coding [--quote-ttl N]]
             [--spray-port P]

Behaviour by the probe's destination port (each answer to every segment tcpreq sends there):
  5001  SYN-ACK with data offset 3 (below the minimum 5)
  5002  SYN-ACK with data offset 15: 60 header bytes claimed, 20 sent
  5003  SYN-ACK with an option (kind 8, length 10) running past the header
  5004  SYN-ACK with an MSS option of length 0
  5005  SYN-ACK acknowledging the wrong number (ISN + 2)
  5006  a RST storm: 20 RSTs, in window and out of it, with and without ACK, the last one
        acknowledging the SYN
  --spray-port P: every probe to P gets no answer; instead SYN-ACKs and ACKs from P go to
        the source ports of the other flows seen to port 80 (other tests' flows) and to the
        port next to its own
  --quotes-from ROUTER: every probe to port 80 that arrives with TTL N (--quote-ttl, 1: a
        copy of --trace-burst full sent with the hop count of the target; HOP_LIMIT minus
        the routers before us: the host's copy of a path-aware traced probe) gets an ICMP
        time exceeded "from" ROUTER, its quoted TTL set to 1, whose quote is, by
        --quote-mode: cut to 4 bytes of TCP (cut); the probe under the 4-tuple of another
        flow seen to port 80, its options replaced too (lie: believed, it would change that
        flow's verdict); the probe with its options replaced by another TTL's NOOP coding
        (coding)
Any address the interface receives for is the target's (the lab's AnyIP prefixes too).
Prints "ready" once it reads the interface, then one line per packet it sends (to stdout).
"""
import argparse
import socket
import struct
import sys

ETH_P_IP = 0x0800
TCP, ICMP = 6, 1
SYN, RST, ACK = 0x02, 0x04, 0x10


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src: bytes, dst: bytes, proto: int, payload: bytes, ttl: int = 64) -> bytes:
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, ttl, proto, 0,
                      src, dst)
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def tcp_seg(src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int, flags: int,
            opts: bytes = b"", doff: int = 0, window: int = 65535) -> bytes:
    """A TCP segment with a valid checksum; doff 0 = from the options, else as given."""
    doff = doff or (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (doff & 15) << 4, flags, window, 0, 0) + opts
    pseudo = src + dst + struct.pack("!BBH", 0, TCP, len(hdr))
    return hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]


class Peer:
    def __init__(self, a):
        self.a = a
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
        self.rx.bind((a.iface, 0))
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.flows = []  # (target addr, prober port) of the latest flows seen to port 80

    def send(self, pkt: bytes, what: str) -> None:
        self.tx.sendto(pkt, (socket.inet_ntoa(pkt[16:20]), 0))
        print(what, flush=True)

    def synack(self, ip, t, *, opts=b"", doff=0, ack_delta=1, flags=SYN | ACK, seq=0x7000):
        """A reply to probe t; doff as given even when it claims more than is sent."""
        seg = tcp_seg(ip["dst"], ip["src"], t["dport"], t["sport"], seq, t["seq"] + ack_delta,
                      flags, opts, doff)
        self.send(ipv4(ip["dst"], ip["src"], TCP, seg), f"{t['dport']} reply to {t['sport']}")

    def answer(self, ip, t) -> None:
        if not t["flags"] & SYN or t["flags"] & (RST | ACK):
            return  # only SYNs are answered: a test's later segments get nothing
        port = t["dport"]
        if port == 5001:
            self.synack(ip, t, doff=3)
        elif port == 5002:
            self.synack(ip, t, doff=15)
        elif port == 5003:
            self.synack(ip, t, opts=bytes([1, 1, 8, 10]))
        elif port == 5004:
            self.synack(ip, t, opts=bytes([2, 0, 1, 1]))
        elif port == 5005:
            self.synack(ip, t, ack_delta=2)
        elif port == 5006:
            for i in range(19):
                flags = RST | (ACK if i % 2 else 0)
                self.synack(ip, t, flags=flags, ack_delta=1 + i * 7919, seq=i * 1000003)
            self.synack(ip, t, flags=RST | ACK, ack_delta=1, seq=0)
        elif port == self.a.spray_port:
            me, to = ip["dst"], ip["src"]
            for (_, sport) in self.flows:
                for flags in (SYN | ACK, ACK):
                    seg = tcp_seg(me, to, port, sport, 0x9000, 0x1234, flags)
                    self.send(ipv4(me, to, TCP, seg), f"spray {port} -> {sport}")
            seg = tcp_seg(me, to, port, (t["sport"] + 1) & 0xFFFF, 0x9000, 0, SYN | ACK)
            self.send(ipv4(me, to, TCP, seg), f"spray {port} -> next")

    def quote(self, ip, t, raw: bytes) -> None:
        """A forged time exceeded for a probe that reached us with the TTL to quote."""
        router = socket.inet_aton(self.a.quotes_from)
        hdr_len = (raw[0] & 15) * 4
        quoted = bytearray(raw)
        quoted[8] = 1  # the TTL the probe had left at the router that quotes it
        doff = (raw[hdr_len + 12] >> 4) * 4
        nops = bytes([1] * 7 + [0]) + bytes(40)  # another TTL's coding: 7 NOOPs, EOL
        if self.a.quote_mode == "cut":
            quoted = quoted[:hdr_len + 4]  # ports only: shorter than RFC 792's 8 bytes
            what = "quote cut to 4 bytes"
        elif self.a.quote_mode == "lie":
            # the latest flow to another target: most likely still running its test
            other = next((f for f in reversed(self.flows) if f[0] != ip["dst"]), None)
            if other is None:
                return
            quoted[16:20] = other[0]
            struct.pack_into("!H", quoted, hdr_len, other[1])
            quoted[hdr_len + 20:hdr_len + doff] = nops[:doff - 20]
            what = f"quote of {t['sport']} under {socket.inet_ntoa(other[0])}:{other[1]}"
        else:
            quoted[hdr_len + 20:hdr_len + doff] = nops[:doff - 20]
            what = f"quote of {t['sport']} with another TTL's option coding"
        icmp = struct.pack("!BBHI", 11, 0, 0, 0) + bytes(quoted)
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        self.send(ipv4(router, ip["src"], ICMP, icmp), what)

    def run(self) -> None:
        print("ready", flush=True)
        while True:
            raw = self.rx.recv(65535)
            if len(raw) < 40 or raw[0] >> 4 != 4 or raw[9] != TCP:
                continue
            hdr_len = (raw[0] & 15) * 4
            ip = {"src": raw[12:16], "dst": raw[16:20], "ttl": raw[8]}
            sport, dport, seq = struct.unpack("!HHI", raw[hdr_len:hdr_len + 8])
            if sport < 49152:
                continue  # not a probe: tcpreq's flows use 49152-65535
            t = {"sport": sport, "dport": dport, "seq": seq, "flags": raw[hdr_len + 13]}
            if dport == 80 and (ip["dst"], sport) not in self.flows:
                self.flows = (self.flows + [(ip["dst"], sport)])[-64:]
            if self.a.quotes_from and dport == 80 and ip["ttl"] == self.a.quote_ttl:
                self.quote(ip, t, raw[:hdr_len + 60])
            self.answer(ip, t)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("iface")
    p.add_argument("--quotes-from")
    p.add_argument("--quote-mode", choices=("cut", "lie", "coding"), default="cut")
    p.add_argument("--quote-ttl", type=int, default=1)
    p.add_argument("--spray-port", type=int, default=0)
    Peer(p.parse_args()).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
