#!/usr/bin/env python3
"""Hand probes of a target's handshake state machine, for calibrating tcpreq against the lab's
stacks (tests/lab/stacks.sh). Raw segments from the prober namespace; run there with
`ip netns exec PROBER python3 stack_probe.py MODE DST PORT`, after lab_prober_firewall (the
source port is in tcpreq's range 49152-65535, whose kernel RSTs that firewall drops, so the
prober's kernel does not reset the target's half-open connection).

Modes (RFC 9293 section numbers say what a conforming host does):
  retrans     SYN, never ACK: every SYN-ACK for --wait seconds, times from the first one
              (the SYN-RECEIVED retransmission timer).
  ack-ahead   SYN, SYN-ACK, then an ACK with SEG.ACK = ISS + 1 + 1000 (data never sent) and
              a valid checksum. 3.10.7.3: in SYN-RECEIVED an unacceptable ACK gets
              <SEQ=SEG.ACK><CTL=RST>. With --bad-ack-first, the handshake's ACK with a wrong
              checksum goes first (IncorrectChecksumTest's stage 2).
  ack-ahead-established
              The same after the correct handshake ACK, i.e. in ESTABLISHED: 3.10.7.4 (and
              RFC 5961 5.2) answer an ACK of unsent data with an ACK and drop the segment.
  rst-resyn   SYN, SYN-ACK, RST+ACK (acceptable: SEG.SEQ = RCV.NXT), then a new SYN on the
              same 4-tuple with another sequence number: the RST closed the connection
              (3.10.7.3), so the new SYN starts a new one and gets a fresh SYN-ACK.
  oow-established
              The handshake, then an ACK far outside the window (SEG.SEQ = RCV.NXT - 2^17,
              tcpreq's alive probe): 3.10.7.4 answers <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
  rst-in-window
              The handshake, a RST at RCV.NXT + 1 (in the window, not exact: RFC 5961 3.2's
              challenge ACK), then the alive probe, then data at RCV.NXT: is the connection
              still there?
Every segment received on the 4-tuple is printed as it arrives, with its time since the first
SYN-ACK: "T  FLAGS seq=S ack=A [ISS+N]".
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labnet  # noqa: E402  (the lab's raw-socket helpers)

PROBE_PORTS = (49152, 65536)  # tcpreq's source ports: the prober firewall covers them
TCPREQ_MARK = 0x74637271      # firewall/tcpreq.nft lets RSTs with this socket mark pass
AHEAD = 1000                  # bytes beyond what the target has sent
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MOD = 1 << 32


def flag_names(f: int) -> str:
    names = [n for bit, n in ((SYN, "S"), (FIN, "F"), (RST, "R"), (PSH, "P"), (ACK, "A")) if f & bit]
    return "".join(names) or "-"


class Flow:
    def __init__(self, dst: str, dport: int, opts: bytes):
        self.fam = labnet.family_of(dst)
        self.dst, self.dport = dst, dport
        self.src = labnet.source_for(dst)
        self.sport = random.randrange(*PROBE_PORTS)
        self.opts = opts
        self.sock = socket.socket(self.fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, TCPREQ_MARK)  # our RSTs pass
        self.t0 = None   # arrival of the first SYN-ACK
        self.iss = None  # the target's ISS

    def send(self, seq: int, ack: int, flags: int, opts: bytes = b"", csum_xor: int = 0) -> None:
        doff = (20 + len(opts)) // 4
        hdr = struct.pack("!HHIIBBHHH", self.sport, self.dport, seq % MOD, ack % MOD, doff << 4,
                          flags, 64240, 0, 0) + opts
        cs = labnet.tcp_checksum(self.fam, self.src, self.dst, hdr) ^ csum_xor
        self.sock.sendto(hdr[:16] + struct.pack("!H", cs) + hdr[18:], (self.dst, 0))

    def send_data(self, seq: int, ack: int, data: bytes) -> None:
        hdr = struct.pack("!HHIIBBHHH", self.sport, self.dport, seq % MOD, ack % MOD, 5 << 4,
                          ACK | PSH, 64240, 0, 0)
        cs = labnet.tcp_checksum(self.fam, self.src, self.dst, hdr + data)
        self.sock.sendto(hdr[:16] + struct.pack("!H", cs) + hdr[18:] + data, (self.dst, 0))

    def recv(self, timeout: float):
        """The next segment of this flow as (flags, seq, ack), or None after timeout."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.sock], [], [], left)[0]:
                return None
            pkt, peer = self.sock.recvfrom(65535)
            tcp = pkt[(pkt[0] & 0x0F) * 4:] if self.fam == socket.AF_INET else pkt
            if peer[0] != self.dst or len(tcp) < 20:
                continue
            sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
            if (sport, dport) != (self.dport, self.sport):
                continue
            now = time.monotonic()
            if self.t0 is None and tcp[13] & (SYN | ACK) == SYN | ACK:
                self.t0, self.iss = now, seq
            rel = f"ISS+{(seq - self.iss) % MOD}" if self.iss is not None else ""
            print(f"{now - (self.t0 or now):7.3f}  {flag_names(tcp[13]):3} seq={seq} ack={ack} {rel}",
                  flush=True)
            return tcp[13], seq, ack
        return None

    def handshake(self, timeout: float) -> int:
        """SYN, wait for the SYN-ACK; returns our ISN (sys.exit if none comes)."""
        isn = random.randrange(MOD)
        self.send(isn, 0, SYN, self.opts)
        while (seg := self.recv(timeout)) is not None:
            if seg[0] & (SYN | ACK) == SYN | ACK:
                return isn
        sys.exit("no SYN-ACK")


def watch(flow: Flow, seconds: float) -> None:
    """Print whatever the flow receives for the given time."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        flow.recv(left)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["retrans", "ack-ahead", "ack-ahead-established", "rst-resyn",
                                    "oow-established", "rst-in-window"])
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("--wait", type=float, default=4.0, help="seconds to watch after the probe")
    p.add_argument("--opts", default="020405b4", help="SYN options, hex (default MSS 1460)")
    p.add_argument("--bad-ack-first", action="store_true")
    a = p.parse_args()
    flow = Flow(a.dst, a.port, bytes.fromhex(a.opts))
    isn = flow.handshake(3.0)
    nxt = isn + 1  # our SND.NXT = the target's RCV.NXT
    if a.mode == "retrans":
        print("# no ACK: SYN-ACK retransmissions")
    elif a.mode == "ack-ahead":
        if a.bad_ack_first:
            print("# handshake ACK with a wrong checksum")
            flow.send(nxt, flow.iss + 1, ACK, csum_xor=0x5A5A)
        print(f"# ACK ISS+{1 + AHEAD} (valid checksum) in SYN-RECEIVED")
        flow.send(nxt, flow.iss + 1 + AHEAD, ACK)
    elif a.mode == "ack-ahead-established":
        print("# handshake ACK")
        flow.send(nxt, flow.iss + 1, ACK)
        watch(flow, 0.2)
        print(f"# ACK ISS+{1 + AHEAD} in ESTABLISHED")
        flow.send(nxt, flow.iss + 1 + AHEAD, ACK)
    elif a.mode == "oow-established":
        print("# handshake ACK")
        flow.send(nxt, flow.iss + 1, ACK)
        watch(flow, 0.2)
        print("# ACK with SEG.SEQ = RCV.NXT - 2^17 in ESTABLISHED")
        flow.send(nxt - (1 << 17), flow.iss + 1, ACK)
    elif a.mode == "rst-in-window":
        print("# handshake ACK")
        flow.send(nxt, flow.iss + 1, ACK)
        watch(flow, 0.2)
        print("# RST at RCV.NXT + 1")
        flow.send(nxt + 1, 0, RST)
        watch(flow, 0.5)
        print("# ACK with SEG.SEQ = RCV.NXT - 2^17")
        flow.send(nxt - (1 << 17), flow.iss + 1, ACK)
        watch(flow, 0.5)
        print("# 5 bytes of data at RCV.NXT")
        flow.send_data(nxt, flow.iss + 1, b"hello")
    else:
        print("# RST+ACK in SYN-RECEIVED")
        flow.send(nxt, flow.iss + 1, RST | ACK)
        watch(flow, 0.2)
        print("# new SYN, same 4-tuple, sequence number + 100000")
        flow.send(isn + 100000, 0, SYN, flow.opts)
    watch(flow, a.wait)
    # Leave nothing behind on the target: a RST at its RCV.NXT for whichever connection lives.
    flow.send(nxt + (100000 if a.mode == "rst-resyn" else 0), 0, RST)
    return 0


if __name__ == "__main__":
    sys.exit(main())
