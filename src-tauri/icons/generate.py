#!/usr/bin/env python3
"""Draws the app icon (a white school house on a blue rounded square) as RGBA PNGs.

Plain Python (zlib + struct) so it runs without image libraries: python3 icons/generate.py
"""
import os
import struct
import zlib

BLUE = (29, 78, 216)
WHITE = (255, 255, 255)


def inside_rounded_square(x, y, radius):
    # Unit coordinates 0..1; corner radius in the same units.
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def inside_house(x, y):
    # Roof: triangle with apex (0.5, 0.2) and base from (0.18, 0.45) to (0.82, 0.45).
    if 0.2 <= y <= 0.45 and abs(x - 0.5) <= (y - 0.2) / 0.25 * 0.32:
        return True
    # Body with a door cut out.
    if 0.26 <= x <= 0.74 and 0.45 <= y <= 0.8:
        in_door = 0.44 <= x <= 0.56 and 0.62 <= y <= 0.8
        in_window = (0.31 <= x <= 0.39 or 0.61 <= x <= 0.69) and 0.52 <= y <= 0.6
        return not (in_door or in_window)
    return False


def render(size, samples=3):
    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter type "None"
        for px in range(size):
            bg = fg = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) / size
                    y = (py + (sy + 0.5) / samples) / size
                    if inside_rounded_square(x, y, 0.18):
                        bg += 1
                        if inside_house(x, y):
                            fg += 1
            n = samples * samples
            if bg == 0:
                row += bytes([0, 0, 0, 0])
                continue
            t = fg / bg
            rgb = [round(b * (1 - t) + w * t) for b, w in zip(BLUE, WHITE)]
            row += bytes(rgb + [round(255 * bg / n)])
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))


def png(width, height, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        with open(os.path.join(here, name), "wb") as f:
            f.write(render(size))
