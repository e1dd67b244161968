#!/usr/bin/env python3
"""Opens an HTML page in headless Chromium, takes a screenshot and checks that the motif logos show:
enough pixels of each of the four letter colours (A green, C blue, G orange, T red).

    report_screenshot.py REPORT.html OUT.png

Exits 77 (CTest's skip code) where Chromium is not installed. Reads the PNG with zlib alone.
"""
import shutil
import struct
import subprocess
import sys
import zlib

COLOURS = {"A": (0x10, 0x96, 0x48), "C": (0x25, 0x5C, 0x99), "G": (0xF7, 0xB3, 0x2B), "T": (0xD6, 0x28, 0x39)}


def read_png(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    at, idat, width = 8, b"", 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise SystemExit(f"{path}: PNG colour type {colour}, depth {depth} not handled")
            pixel = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * pixel
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - pixel] if i >= pixel else 0
            b = prev[i]
            c = prev[i - pixel] if i >= pixel else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, pixel, rows


def main():
    report, png = sys.argv[1], sys.argv[2]
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser:
        print("Chromium is not installed: skipping the browser check")
        return 77
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={png}", "--window-size=1300,1600", "file://" + report],
                   check=True, timeout=120, capture_output=True)
    width, height, pixel, rows = read_png(png)
    counts = dict.fromkeys(COLOURS, 0)
    for line in rows:
        for x in range(0, width * pixel, pixel):
            r, g, b = line[x], line[x + 1], line[x + 2]
            for base, (cr, cg, cb) in COLOURS.items():
                if abs(r - cr) < 12 and abs(g - cg) < 12 and abs(b - cb) < 12:
                    counts[base] += 1
    print(f"screenshot {width} x {height}: letter pixels {counts}")
    missing = [base for base, n in counts.items() if n < 100]
    if missing:
        print(f"the screenshot shows too little of the letters {missing}: the logos did not render")
        return 1
    print("the report renders in Chromium with its logos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
