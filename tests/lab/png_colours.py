#!/usr/bin/env python3
"""Count the pixels of given colours in a PNG (8-bit RGB or RGBA, not interlaced: what
Chromium's --screenshot writes), with the standard library only.

    png_colours.py FILE.png RRGGBB...   -> one line "RRGGBB COUNT" per colour, then "size W H"

A pixel counts for a colour when each channel is within 2 of it (no anti-aliasing inside a
filled rectangle, so its interior matches exactly)."""
import struct
import sys
import zlib

TOLERANCE = 2


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace != 0:
                raise SystemExit(f"{path}: unsupported PNG (depth {depth}, type {ctype})")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the row filter (PNG spec 9.2)
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if filt == 1:
                line[i] = (line[i] + a) & 255
            elif filt == 2:
                line[i] = (line[i] + b) & 255
            elif filt == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def main():
    width, height, bpp, rows = read_png(sys.argv[1])
    wanted = [(c, tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))) for c in sys.argv[2:]]
    counts = {c: 0 for c, _ in wanted}
    for line in rows:
        for x in range(0, width * bpp, bpp):
            px = line[x:x + 3]
            for name, rgb in wanted:
                if all(abs(px[k] - rgb[k]) <= TOLERANCE for k in range(3)):
                    counts[name] += 1
                    break
    for name, _ in wanted:
        print(name, counts[name])
    print("size", width, height)


if __name__ == "__main__":
    main()
