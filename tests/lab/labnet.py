#!/usr/bin/env python3
"""Small network helpers for the namespace lab (tests/lab/lab.sh), standard library only, so
the lab needs nothing beyond what tests/install-deps.sh installs (no ping, curl, hping3).
Run inside a namespace with `ip netns exec NS python3 labnet.py ...`.

  ping DST [--ttl N] [--count N] [--timeout S]
      One ICMP/ICMPv6 echo. Prints "echo-reply SRC" or "time-exceeded SRC" (SRC = who
      answered) and exits 0, or prints "timeout" and exits 1. With --count N, sends N echoes
      back to back and appends "K/N" (how many were answered); exits 0 only if all were.
  syn DST DPORT [--ttl N] [--sport P] [--opts HEX] [--timeout S]
          [--flags F] [--rsrvd R] [--urgptr U] [--csum-xor X] [--header]
      One raw-socket SYN whose TCP options are HEX (default 01010000: NOP NOP EOL pad,
      data offset 6) -- the SYN tcpreq's OptionSupportTest sends. Prints what came back:
      "synack OPTSHEX" / "rst" from the target, or "time-exceeded SRC OPTSHEX" where OPTSHEX
      are the option bytes of the quoted SYN (what the router saw), or "timeout" (exit 1).
      For checking middleboxes: --flags sets the flags byte (default 0x02, SYN), --rsrvd the
      four reserved bits (low nibble of header byte 12), --urgptr the urgent pointer,
      --csum-xor X sends the checksum XORed with X (a wrong checksum). With --header the
      whole TCP header is printed instead of the options, followed by "csum-ok" or
      "csum-bad" (the quoted or received segment's checksum verified; for a quote only
      when the whole segment is quoted, else "csum-?").
  --timeout defaults to 3 s: generous for an answer on a loaded machine. A check that
  expects silence passes a short one itself.
  http DST PORT
      A kernel TCP connection sending a GET; prints the response's status line, exits 0 on 200.
  serve PORT [--body-size N]
      The target's listener: one dual-stack socket on [::]:PORT (IPV6_V6ONLY=0, so IPv4,
      IPv6 and the AnyIP prefixes), one event loop for all connections, a minimal HTTP/1.1
      200 answer to whatever is read, then a graceful close (connections idle for 10 s are
      closed). Runs until killed. The body is "tcpreq lab target\n"; with --body-size N it
      is that line repeated and cut to N bytes (an answer of several segments, for the MSS
      tests; tests/lab/stacks/lwip_http.c sends the same).
  ra DEV [--lifetime S]
      One IPv6 Router Advertisement on DEV to all nodes (ff02::1) from DEV's link-local
      address: hop limit 255, router lifetime S seconds (default 9000, the most RFC 4861
      4.2 allows), the source link-layer address option, no prefix (hosts keep their static
      addresses). For hosts that learn their default router only this way (lwIP). Run in
      the router's namespace.
"""
import argparse
import ipaddress
import os
import random
import select
import selectors
import socket
import struct
import sys
import time

ICMP4_ECHO_REPLY, ICMP4_TIME_EXCEEDED, ICMP4_ECHO = 0, 11, 8
ICMP6_TIME_EXCEEDED, ICMP6_ECHO, ICMP6_ECHO_REPLY = 3, 128, 129


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def family_of(addr: str) -> int:
    return socket.AF_INET6 if ipaddress.ip_address(addr).version == 6 else socket.AF_INET


def source_for(dst: str) -> str:
    """The source address the kernel's routing picks for dst (UDP connect sends nothing)."""
    fam = family_of(dst)
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.connect((dst, 9))
        return s.getsockname()[0]


def set_ttl(s: socket.socket, fam: int, ttl: int) -> None:
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)


def icmp_payload(fam: int, pkt: bytes):
    """(type, body after the 8-byte ICMP header) of a packet read from a raw ICMP socket:
    IPv4 raw sockets deliver the IP header, IPv6 ones do not."""
    if fam == socket.AF_INET:
        pkt = pkt[(pkt[0] & 0x0F) * 4:]
    if len(pkt) < 8:
        return None, b""
    return pkt[0], pkt[8:]


def quoted_l4(fam: int, quote: bytes) -> bytes:
    """The layer-4 bytes of the datagram quoted in an ICMP error (no extension headers)."""
    if fam == socket.AF_INET:
        return quote[(quote[0] & 0x0F) * 4:]
    return quote[40:]


def cmd_ping(a) -> int:
    fam = family_of(a.dst)
    proto = socket.IPPROTO_ICMP if fam == socket.AF_INET else socket.IPPROTO_ICMPV6
    s = socket.socket(fam, socket.SOCK_RAW, proto)
    set_ttl(s, fam, a.ttl)
    ident, seq0 = os.getpid() & 0xFFFF, random.randrange(1, 0x8000)
    payload = b"tcpreq-lab-ping!"
    for seq in range(seq0, seq0 + a.count):  # back to back: a burst when --count > 1
        if fam == socket.AF_INET:
            hdr = struct.pack("!BBHHH", ICMP4_ECHO, 0, 0, ident, seq)
            msg = struct.pack("!BBHHH", ICMP4_ECHO, 0, csum(hdr + payload), ident, seq) + payload
        else:  # the kernel fills in the ICMPv6 checksum
            msg = struct.pack("!BBHHH", ICMP6_ECHO, 0, 0, ident, seq) + payload
        s.sendto(msg, (a.dst, 0))
    if fam == socket.AF_INET:
        want_reply, want_te = ICMP4_ECHO_REPLY, ICMP4_TIME_EXCEEDED
    else:
        want_reply, want_te = ICMP6_ECHO_REPLY, ICMP6_TIME_EXCEEDED
    answered = {}  # seq -> "kind src"
    deadline = time.monotonic() + a.timeout
    while len(answered) < a.count and (left := deadline - time.monotonic()) > 0:
        if not select.select([s], [], [], left)[0]:
            break
        pkt, src = s.recvfrom(65535)
        typ, body = icmp_payload(fam, pkt)
        if typ == want_reply:  # the echo header is the ICMP header itself
            echo, kind = pkt[-len(body) - 8:], "echo-reply"
        elif typ == want_te:
            echo, kind = quoted_l4(fam, body), "time-exceeded"
        else:
            continue
        if len(echo) >= 8:
            i, q = struct.unpack("!HH", echo[4:8])
            if i == ident and seq0 <= q < seq0 + a.count:
                answered.setdefault(q, f"{kind} {src[0]}")
    if not answered:
        print("timeout")
        return 1
    first = answered[min(answered)]
    if a.count == 1:
        print(first)
        return 0
    print(f"{first} {len(answered)}/{a.count}")
    return 0 if len(answered) == a.count else 1


def tcp_checksum(fam: int, src: str, dst: str, seg: bytes) -> int:
    s, d = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)
    if fam == socket.AF_INET:
        pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(seg))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(seg), socket.IPPROTO_TCP)
    return csum(pseudo + seg)


def cmd_syn(a) -> int:
    fam = family_of(a.dst)
    src = source_for(a.dst)
    opts = bytes.fromhex(a.opts)
    if len(opts) % 4:
        sys.exit("labnet syn: --opts must be a multiple of 4 bytes")
    # Below tcpreq's probe range (49152-65535): there the prober firewall lets the kernel's
    # RST through, which closes the target's half-open connection. Left open, a later SYN
    # from the same port would get a challenge ACK instead of a SYN-ACK.
    sport = a.sport or random.randrange(32768, 49152)
    seq = random.randrange(0, 1 << 32)
    doff = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, a.dport, seq, 0, (doff << 4) | (a.rsrvd & 0x0F),
                      a.flags, 64240, 0, a.urgptr) + opts
    cs = tcp_checksum(fam, src, a.dst, hdr) ^ a.csum_xor
    seg = hdr[:16] + struct.pack("!H", cs) + hdr[18:]

    tx = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)  # kernel adds the IP header
    set_ttl(tx, fam, a.ttl)
    icmp = socket.socket(fam, socket.SOCK_RAW,
                         socket.IPPROTO_ICMP if fam == socket.AF_INET else socket.IPPROTO_ICMPV6)
    tx.sendto(seg, (a.dst, 0))
    te_type = ICMP4_TIME_EXCEEDED if fam == socket.AF_INET else ICMP6_TIME_EXCEEDED
    deadline = time.monotonic() + a.timeout
    while (left := deadline - time.monotonic()) > 0:
        ready = select.select([tx, icmp], [], [], left)[0]
        if not ready:
            break
        for s in ready:
            pkt, peer = s.recvfrom(65535)
            if s is tx:  # an incoming TCP segment (IPv4 raw sockets include the IP header)
                tcp = pkt[(pkt[0] & 0x0F) * 4:] if fam == socket.AF_INET else pkt
                if len(tcp) < 20 or peer[0] != a.dst:
                    continue
                psrc, pdst, _, ack = struct.unpack("!HHII", tcp[:12])
                if (psrc, pdst) != (a.dport, sport) or ack != (seq + 1) & 0xFFFFFFFF:
                    continue
                flags = tcp[13]
                if a.header and flags & 0x16:
                    ok = tcp_checksum(fam, a.dst, src, tcp) == 0
                    kind = "synack" if flags & 0x12 == 0x12 else "rst"
                    print(f"{kind} {tcp[:(tcp[12] >> 4) * 4].hex()} csum-{'ok' if ok else 'bad'}")
                    return 0
                if flags & 0x12 == 0x12:
                    print(f"synack {tcp[20:(tcp[12] >> 4) * 4].hex()}")
                    return 0
                if flags & 0x04:
                    print("rst")
                    return 0
            else:
                typ, body = icmp_payload(fam, pkt)
                inner = quoted_l4(fam, body)
                if typ != te_type or len(inner) < 20:
                    continue
                if struct.unpack("!HH", inner[:4]) == (sport, a.dport):
                    qdoff = (inner[12] >> 4) * 4
                    if not a.header:
                        print(f"time-exceeded {peer[0]} {inner[20:qdoff].hex()}")
                        return 0
                    ok = "?"
                    if len(inner) >= len(seg):  # whole segment quoted: verify its checksum
                        ok = "ok" if tcp_checksum(fam, src, a.dst, inner[:len(seg)]) == 0 else "bad"
                    print(f"time-exceeded {peer[0]} {inner[:qdoff].hex()} csum-{ok}")
                    return 0
    print("timeout")
    return 1


def cmd_http(a) -> int:
    with socket.create_connection((a.dst, a.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    print(line)
    return 0 if line.startswith("HTTP/1.1 200") else 1


BODY = b"tcpreq lab target\n"


def http_response(body_size=None) -> bytes:
    """labnet's answer; with body_size, BODY repeated and cut to that many bytes."""
    body = BODY if body_size is None else (BODY * (body_size // len(BODY) + 1))[:body_size]
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n%s" % (len(body), body))


IDLE_TIMEOUT_S = 10.0  # a connection with nothing received for this long is closed


class Listener:
    """The target's listener as one event loop (selectors), not a thread per connection: a
    bench scan opens thousands of connections a second, and spawning a Python thread for
    each made the listener the lab's bottleneck (its accept queue overflowed, so the target
    kernel dropped handshakes that tcpreq then rightly reported)."""

    def __init__(self, port: int, response: bytes):
        self.response = response
        self.sel = selectors.DefaultSelector()
        self.srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Dual stack: IPv4 clients appear as ::ffff:a.b.c.d.
        self.srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.srv.bind(("::", port))
        self.srv.listen(4096)
        self.srv.setblocking(False)
        self.sel.register(self.srv, selectors.EVENT_READ, None)
        # socket -> [last activity, bytes still to send or None once answered]; insertion
        # order is activity order (moved to the end on activity), so expiry looks at the front.
        self.conns = {}

    def close(self, s: socket.socket) -> None:
        self.sel.unregister(s)
        del self.conns[s]
        s.close()

    def accept_all(self, now: float) -> None:
        for _ in range(256):  # bounded, so established connections are served too
            try:
                s, _addr = self.srv.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. the connection was reset while queued
            s.setblocking(False)
            self.conns[s] = [now, b""]
            self.sel.register(s, selectors.EVENT_READ, None)

    def serve_one(self, s: socket.socket, events: int, now: float) -> None:
        state = self.conns[s]
        state[0] = now
        self.conns[s] = self.conns.pop(s)  # to the end: most recently active
        try:
            if events & selectors.EVENT_READ:
                data = s.recv(65536)
                if not data:
                    # The peer closed. Close our side too (after the answer, or at once when
                    # it sent nothing: its FIN, our FIN).
                    self.close(s)
                    return
                if state[1] == b"":
                    state[1] = self.response  # answer whatever was read first
                # Data after the answer is drained: closing with unread data in the receive
                # queue would make the kernel send a RST instead of a FIN.
            if state[1]:
                n = s.send(state[1])
                state[1] = state[1][n:]
                if state[1]:
                    self.sel.modify(s, selectors.EVENT_READ | selectors.EVENT_WRITE, None)
                    return
                state[1] = None
                s.shutdown(socket.SHUT_WR)  # a graceful close once the answer is out
                self.sel.modify(s, selectors.EVENT_READ, None)
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.close(s)  # resets are normal when a prober pokes at the connection

    def expire(self, now: float) -> None:
        for s, state in list(self.conns.items()):
            if now - state[0] < IDLE_TIMEOUT_S:
                break
            self.close(s)

    def run(self) -> None:
        while True:
            now = time.monotonic()
            for key, events in self.sel.select(timeout=1.0):
                if key.fileobj is self.srv:
                    self.accept_all(now)
                elif key.fileobj in self.conns:
                    self.serve_one(key.fileobj, events, now)
            self.expire(time.monotonic())


def cmd_serve(a) -> int:
    Listener(a.port, http_response(a.body_size)).run()
    return 0


ICMP6_ROUTER_ADVERT = 134
ND_HOP_LIMIT = 255  # RFC 4861 6.1.2: receivers drop RAs with any other hop limit
ND_OPT_SOURCE_LLADDR = 1


def cmd_ra(a) -> int:
    ifindex = socket.if_nametoindex(a.dev)
    with open(f"/sys/class/net/{a.dev}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    # type, code, checksum (the kernel fills it in), cur hop limit 64, flags 0 (no DHCPv6),
    # router lifetime, reachable time and retrans timer 0 (unspecified); then the SLLAO.
    msg = struct.pack("!BBHBBHII", ICMP6_ROUTER_ADVERT, 0, 0, 64, 0, a.lifetime, 0, 0)
    msg += struct.pack("!BB", ND_OPT_SOURCE_LLADDR, 1) + mac
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as s:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ND_HOP_LIMIT)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        # ff02::1 is link-scoped: the kernel sends from DEV's link-local address.
        s.sendto(msg, ("ff02::1", 0, 0, ifindex))
    return 0


def int_in(lo: int, hi: int):
    """An argparse type: an integer from lo to hi."""
    def parse(v: str) -> int:
        n = int(v)
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be in {lo}..{hi}, not {n}")
        return n
    return parse


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("ping")
    q.add_argument("dst")
    q.add_argument("--ttl", type=int, default=64)
    q.add_argument("--count", type=int, default=1)
    q.add_argument("--timeout", type=float, default=3.0)
    q.set_defaults(fn=cmd_ping)
    q = sub.add_parser("syn")
    q.add_argument("dst")
    q.add_argument("dport", type=int)
    q.add_argument("--ttl", type=int, default=64)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--opts", default="01010000")
    q.add_argument("--timeout", type=float, default=3.0)
    q.add_argument("--flags", type=lambda v: int(v, 0), default=0x02)
    q.add_argument("--rsrvd", type=lambda v: int(v, 0), default=0)
    q.add_argument("--urgptr", type=lambda v: int(v, 0), default=0)
    q.add_argument("--csum-xor", type=lambda v: int(v, 0), default=0)
    q.add_argument("--header", action="store_true")
    q.set_defaults(fn=cmd_syn)
    q = sub.add_parser("http")
    q.add_argument("dst")
    q.add_argument("port", type=int)
    q.set_defaults(fn=cmd_http)
    q = sub.add_parser("serve")
    q.add_argument("port", type=int)
    q.add_argument("--body-size", type=int_in(0, 1 << 30), default=None)
    q.set_defaults(fn=cmd_serve)
    q = sub.add_parser("ra")
    q.add_argument("dev")
    q.add_argument("--lifetime", type=int_in(0, 9000), default=9000)  # RFC 4861 6.2.1
    q.set_defaults(fn=cmd_ra)
    a = p.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
