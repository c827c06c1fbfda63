#!/usr/bin/env python3
"""Cuts real lab traffic and real tools' output (collected by make_corpus.sh) into the seed
corpora of the fuzz harnesses, in each harness's input format (see the comment at the top of
each tests/fuzz/fuzz_*.c). Standard library only.

  corpus_from_captures.py WORK_DIR CORPUS_DIR

WORK_DIR holds: *.pcapng (tcpreq --pcap: raw IP, a "tcpreq test=NAME [fault=...]" comment
per packet), eth.pcap and any.pcap (tcpdump on the prober's link and on "any"), tests.txt
(tcpreq --list-tests, for the registry order), zmap-*.csv, nmap-*.xml, *blocklist*.conf.
Seeds are chosen for variety, not volume: one per distinct shape of packet or flow.
"""
import hashlib
import os
import struct
import sys

LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_SLL2 = 1, 101, 276
# fuzz_decode's link type table (its first input byte)
DECODE_INDEX = {LINKTYPE_RAW: 0, LINKTYPE_ETHERNET: 1, LINKTYPE_SLL2: 5}
PROTO_TCP, PROTO_ICMP, PROTO_ICMP6 = 6, 1, 58
MAX_SEEDS = 160
ANALYZE_SEED_MAX = 6000  # bytes: libFuzzer's max_len follows the largest seed


def read_pcap(path):
    """(linktype, [(ts_us, data)]) of a classic pcap file."""
    with open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack("<I", raw[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", raw[20:24])[0] & 0x0FFFFFFF
    pos, out = 24, []
    while pos + 16 <= len(raw):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", raw[pos:pos + 16])
        pos += 16
        out.append((sec * 1000000 + (frac // 1000 if nano else frac), raw[pos:pos + incl]))
        pos += incl
    return linktype, out


def read_pcapng(path):
    """(linktype of the first interface, [(ts_us, data, comment)]), little-endian files."""
    with open(path, "rb") as f:
        raw = f.read()
    pos, linktype, out = 0, None, []
    while pos + 12 <= len(raw):
        btype, blen = struct.unpack("<II", raw[pos:pos + 8])
        body = raw[pos + 8:pos + blen - 4]
        if btype == 1 and linktype is None:
            linktype = struct.unpack("<H", body[:2])[0]
        elif btype == 6:
            _iface, hi, lo, cap, _orig = struct.unpack("<IIIII", body[:20])
            data = body[20:20 + cap]
            opt = 20 + (cap + 3) // 4 * 4
            comment = None
            while opt + 4 <= len(body):
                code, olen = struct.unpack("<HH", body[opt:opt + 4])
                if code == 0:
                    break
                if code == 1:
                    comment = body[opt + 4:opt + 4 + olen].decode("utf-8", "replace")
                opt += 4 + (olen + 3) // 4 * 4
            out.append(((hi << 32) | lo, data, comment))
        pos += blen
    return linktype, out


def ip_of(linktype, frame):
    """The IP packet inside a frame, or None."""
    if linktype == LINKTYPE_RAW:
        return frame
    if linktype == LINKTYPE_ETHERNET and len(frame) > 14:
        etype = struct.unpack("!H", frame[12:14])[0]
        return frame[14:] if etype in (0x0800, 0x86DD) else None
    if linktype == LINKTYPE_SLL2 and len(frame) > 20:
        etype = struct.unpack("!H", frame[0:2])[0]
        return frame[20:] if etype in (0x0800, 0x86DD) else None
    return None


class Pkt:
    """An IP packet taken apart as far as the converters need."""

    def __init__(self, ts, data, comment=None):
        self.ts, self.data, self.comment = ts, data, comment
        self.v6 = data[0] >> 4 == 6
        if self.v6:
            self.hdr, self.proto, self.ttl = 40, data[6], data[7]
            self.src, self.dst = data[8:24], data[24:40]
        else:
            self.hdr, self.proto, self.ttl = (data[0] & 15) * 4, data[9], data[8]
            self.src, self.dst = data[12:16], data[16:20]
        self.l4 = data[self.hdr:]
        self.tcp = self.proto == PROTO_TCP and len(self.l4) >= 20
        if self.tcp:
            (self.sport, self.dport, self.seq, self.ack, off, self.flags, self.window, _c,
             self.urg) = struct.unpack("!HHIIBBHHH", self.l4[:20])
            self.thdr = (off >> 4) * 4
            self.reserved = off & 15
            self.opts = self.l4[20:self.thdr]
            self.payload = self.l4[self.thdr:]
        self.icmp = self.proto in (PROTO_ICMP, PROTO_ICMP6) and len(self.l4) >= 8
        # "tcpreq test=NAME", then " fault=..." on the packets a test made wrong on purpose
        self.test = comment[len("tcpreq test="):].split(" ")[0] if comment and comment.startswith(
            "tcpreq test=") else None

    def shape(self):
        """What makes two packets different enough to both be seeds."""
        if self.tcp:
            return ("tcp", self.v6, self.flags, self.reserved, bytes(self.opts),
                    min(len(self.payload), 1) * (len(self.payload) // 500 + 1), self.ttl < 32)
        if self.icmp:
            return ("icmp", self.v6, self.l4[0], self.l4[1], len(self.l4) // 64)
        return ("ip", self.v6, self.proto)


def write_seeds(outdir, seeds):
    """Replace outdir's files by seeds (bytes), named by content hash. Inputs that found a
    defect (regression-*) stay."""
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        if not name.startswith("regression-"):
            os.remove(os.path.join(outdir, name))
    for blob in seeds[:MAX_SEEDS]:
        name = hashlib.sha1(blob).hexdigest()[:16]
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(blob)
    print(f"{outdir}: {min(len(seeds), MAX_SEEDS)} seeds")


def distinct(items, key):
    seen, out = set(), []
    for it in items:
        k = key(it)
        if k not in seen:
            seen.add(k)
            out.append(it)
    return out


def pcap_file(linktype, frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for ts, data in frames:
        out += struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), len(data)) + data
    return out


def pcapng_file(linktype, frames):
    """frames: (ts, data, comment or None)."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 65535))
    for ts, data, comment in frames:
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
        body += data + b"\0" * (-len(data) % 4)
        if comment:
            c = comment.encode()
            body += struct.pack("<HH", 1, len(c)) + c + b"\0" * (-len(c) % 4)
            body += struct.pack("<HH", 0, 0)
        out += block(6, body)
    return out


def flows_of(pkts):
    """TCP and quotes grouped by (our port, their address, their port), in time order."""
    flows = {}
    for p in pkts:
        if p.tcp:
            ours = p.sport >= 49152
            key = (p.sport, bytes(p.dst), p.dport) if ours else (p.dport, bytes(p.src), p.sport)
        elif p.icmp and len(p.l4) >= 8 + p.hdr + 4:
            q = Pkt(p.ts, p.l4[8:])
            if not q.l4 or len(q.l4) < 4:
                continue
            sport, dport = struct.unpack("!HH", q.l4[:4])
            key = (sport, bytes(q.dst), dport)
        else:
            continue
        flows.setdefault(key, []).append(p)
    return list(flows.values())


def testcase_seed(flow, case_index):
    """fuzz_testcase's input replaying one real test run (see that file)."""
    first = next((p for p in flow if p.tcp and p.sport >= 49152), None)
    if first is None:
        return None
    synack = next((p for p in flow if p.tcp and p.dport == first.sport and p.flags & 0x12 == 0x12),
                  None)
    out = bytearray([case_index, (1 if first.v6 else 0) | (2 if first.dport == 443 else 0)])
    out += struct.pack("!I", synack.seq if synack else 0)
    sent, last_ts = [], first.ts
    for p in flow:
        gap_ms = (p.ts - last_ts) / 1000
        ours = p.tcp and p.sport >= 49152
        if ours:
            if sent and gap_ms > 20:  # sent after a wait: a timer fired
                out += bytes([4]) + struct.pack("!H", 0) + bytes([0])
            sent.append(p)
        elif p.tcp:
            last = sent[-1] if sent else first
            acked = (last.seq + len(last.payload) + (1 if last.flags & 0x03 else 0)) & 0xFFFFFFFF
            delta = (p.ack - acked + 2**31) % 2**32 - 2**31
            if delta == 0:
                ack_mode, ack_bytes = 0, b""
            elif -128 <= delta <= 127:
                ack_mode, ack_bytes = 1, struct.pack("!b", delta)
            else:
                ack_mode, ack_bytes = 3, b""
            how = 0x80 | 0x20 | 0x10 | 2 | (ack_mode << 2) | (0x40 if p.reserved else 0)
            out += bytes([0, how, 0, p.flags]) + struct.pack("!I", p.seq) + ack_bytes
            out += struct.pack("!H", p.window)
            if p.reserved:
                out.append(p.reserved)
            if p.flags & 0x20:
                out += struct.pack("!H", p.urg)
            out += bytes([len(p.opts)]) + p.opts
            n4 = min(len(p.payload) // 4, 255)
            out += bytes([n4]) + p.payload[:n4 * 4]
        else:  # a quote: find the probe it quotes
            quoted = p.l4[8:]
            best, best_score = None, -1
            for i, s in enumerate(sent):
                score = sum(a == b for a, b in zip(quoted, s.data))
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                continue
            probe = sent[best].data
            qextra = max(0, min(255, len(quoted) - p.hdr - 8))
            diffs = [i for i, (a, b) in enumerate(zip(quoted, probe)) if a != b][:3]
            out += bytes([2, len(sent) - 1 - best, qextra, len(diffs)])
            for i in diffs:
                out += bytes([i % 256, quoted[i] ^ probe[i]])
            out.append(0)
        out.append(max(0, min(255, int(gap_ms * 4))))
        last_ts = p.ts
    return bytes(out)


def main():
    work, corpus = sys.argv[1], sys.argv[2]
    names = [line.split()[0] for line in open(os.path.join(work, "tests.txt"))][1:]
    recorded = []  # tcpreq --pcap packets with their test names
    for f in sorted(os.listdir(work)):
        if f.endswith(".pcapng"):
            lt, frames = read_pcapng(os.path.join(work, f))
            recorded += [Pkt(ts, d, c) for ts, d, c in frames if lt == LINKTYPE_RAW]
    wire = {}
    for f, want in (("eth.pcap", LINKTYPE_ETHERNET), ("any.pcap", LINKTYPE_SLL2)):
        path = os.path.join(work, f)
        if os.path.exists(path):
            lt, frames = read_pcap(path)
            wire[f] = (lt, frames)

    ips = [p for p in recorded]
    for lt, frames in wire.values():
        ips += [Pkt(ts, ip_of(lt, d)) for ts, d in frames if ip_of(lt, d)]
    shaped = distinct(ips, Pkt.shape)
    write_seeds(os.path.join(corpus, "segment"), [p.data for p in shaped])

    # fuzz_icmp: fields byte, the round trip's 21 bytes (a real probe's fields), then
    # length-prefixed packets: the quotes of one test run each
    quotes_by_flow = {}
    for p in recorded:
        if p.icmp:
            quotes_by_flow.setdefault(p.test, []).append(p)
    icmp_seeds = []
    for test, qs in quotes_by_flow.items():
        for fields in (0x1F, 0x02, 0x10):
            probe = next((p for p in recorded if p.tcp and p.test == test and p.sport >= 49152), None)
            head = bytes([fields, 1 + len(icmp_seeds) % 30, fields, 1 if qs[0].v6 else 0])
            if probe:
                head += struct.pack("!HHIIBHHH", probe.sport, probe.dport, probe.seq, probe.ack,
                                    probe.flags, probe.window, probe.urg, 0)
            else:
                head += bytes(19)
            body = b"".join(struct.pack("!H", len(q.data)) + q.data for q in qs[:8])
            icmp_seeds.append(head + body)
    write_seeds(os.path.join(corpus, "icmp"), distinct(icmp_seeds, lambda b: b[4:]))

    # fuzz_decode: link type index, snap byte, frame
    frames = [(DECODE_INDEX[LINKTYPE_RAW], p) for p in distinct(recorded, Pkt.shape)]
    for lt, fr in wire.values():
        pk = [(Pkt(ts, ip_of(lt, d)), d) for ts, d in fr if ip_of(lt, d)]
        frames += [(DECODE_INDEX[lt], (p, d)) for p, d in distinct(pk, lambda x: x[0].shape())]
    decode = []
    for idx, item in frames:
        data = item.data if isinstance(item, Pkt) else item[1]
        decode.append(bytes([idx, 0]) + data)
    write_seeds(os.path.join(corpus, "decode"), decode)

    # fuzz_analyze: small captures: each test run of the recordings as pcapng with its
    # comments, and each connection of the wire captures as pcap
    analyze = []
    for flow in flows_of(recorded):
        blob = pcapng_file(LINKTYPE_RAW, [(p.ts, p.data, p.comment) for p in flow])
        analyze.append((blob, ("rec", flow[0].test, len(flow) // 4)))
    for lt, fr in wire.values():
        pk = [(Pkt(ts, ip_of(lt, d)), ts, d) for ts, d in fr if ip_of(lt, d)]
        for flow in flows_of([p for p, _, _ in pk]):
            ids = set(id(p) for p in flow)
            blob = pcap_file(lt, [(ts, d) for p, ts, d in pk if id(p) in ids])
            analyze.append((blob, ("wire", lt, flow[0].test, len(flow) // 4)))
    analyze = [a for a in analyze if len(a[0]) <= ANALYZE_SEED_MAX]
    write_seeds(os.path.join(corpus, "analyze"), [b for b, _ in distinct(analyze, lambda a: a[1])])

    # fuzz_testcase: each recorded test run replayed
    tc = []
    for flow in flows_of(recorded):
        test = next((p.test for p in flow if p.test), None)
        if test in names:
            seed = testcase_seed(flow, names.index(test))
            if seed:
                tc.append((seed, (test, flow[0].v6, len(flow) // 3)))
    write_seeds(os.path.join(corpus, "testcase"), [s for s, _ in distinct(tc, lambda t: t[1])])

    # fuzz_cli: blocklists, and command lines one argument per line
    cli = []
    for f in sorted(os.listdir(work)):
        if "blocklist" in f and f.endswith(".conf"):
            cli.append(open(os.path.join(work, f), "rb").read())
    for f in sorted(os.listdir(work)):
        if f.endswith(".args"):
            cli.append(open(os.path.join(work, f), "rb").read())
    write_seeds(os.path.join(corpus, "cli"), cli)

    # the target-list readers: the tools' files as they are
    for prefix, ext, harness in (("zmap-", ".csv", "input_zmap"), ("nmap-", ".xml", "input_nmap"),
                                 ("targets-", ".jsonl", "input_jsonl"),
                                 ("resume-", ".jsonl", "input_resume")):
        files = [open(os.path.join(work, f), "rb").read() for f in sorted(os.listdir(work))
                 if f.startswith(prefix) and f.endswith(ext)]
        if files:
            write_seeds(os.path.join(corpus, harness), files)


if __name__ == "__main__":
    main()
