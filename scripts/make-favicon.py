#!/usr/bin/env python3
"""Draws the pages' icon, our own: web/favicon.ico (16 and 32 px) and
web/favicon.svg, a white ring linking two dots (an expert and a problem) on
the header's blue. Deterministic; run from the repository root after changing it."""
import struct

BLUE = (0x12, 0x3A, 0x63)
WHITE = (0xFF, 0xFF, 0xFF)


def pixel(x, y, n):
    """Colour (r, g, b, a) of pixel (x, y), y from the top, in an n x n icon."""
    c = (n - 1) / 2
    dx, dy = (x - c) / (n / 2), (y - c) / (n / 2)
    r2 = dx * dx + dy * dy
    if r2 > 1.0:
        return (0, 0, 0, 0)  # outside the disc: transparent
    for ox, oy in ((-0.42, 0.0), (0.42, 0.0)):  # the two dots
        if (dx - ox) ** 2 + (dy - oy) ** 2 <= 0.2 ** 2:
            return WHITE + (255,)
    if abs(dy) <= 0.09 and abs(dx) <= 0.42:  # the link between them
        return WHITE + (255,)
    if 0.72 ** 2 <= r2 <= 0.86 ** 2:  # the ring
        return WHITE + (255,)
    return BLUE + (255,)


def bmp(n):
    rows = []
    for y in reversed(range(n)):  # BMP rows go bottom-up
        for x in range(n):
            r, g, b, a = pixel(x, y, n)
            rows.append(struct.pack("<BBBB", b, g, r, a))
    mask_row = ((n + 31) // 32) * 4
    header = struct.pack("<IiiHHIIiiII", 40, n, 2 * n, 1, 32, 0, 0, 0, 0, 0, 0)
    return header + b"".join(rows) + b"\0" * (mask_row * n)


def ico(sizes):
    images = [bmp(n) for n in sizes]
    out = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    for n, data in zip(sizes, images):
        out += struct.pack("<BBBBHHII", n, n, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(images)


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="-16 -16 32 32">
<circle r="16" fill="#123a63"/>
<circle r="12.6" fill="none" stroke="#fff" stroke-width="2.2"/>
<circle cx="-6.7" r="3.2" fill="#fff"/><circle cx="6.7" r="3.2" fill="#fff"/>
<rect x="-6.7" y="-1.4" width="13.4" height="2.8" fill="#fff"/>
</svg>
"""

if __name__ == "__main__":
    with open("web/favicon.ico", "wb") as f:
        f.write(ico([16, 32]))
    with open("web/favicon.svg", "w") as f:
        f.write(SVG)
