#!/usr/bin/env python3
"""Draws mimo2codex's app and tray icons as PNGs (Python stdlib only: zlib + struct).

    python3 scripts/gen-icons.py        # rewrites icons/*.png

App icon: a rounded indigo square with two white arrows (one request in, one answer out).
Tray icons: the same arrows on a transparent background with a status dot: green = running,
red = error, grey = stopped. macOS template images (tray-template*.png): the arrows alone in black
on transparent, plus a dot for the error state, for `TrayIconBuilder::icon_as_template(true)`. The PNGs are committed; rerun only to change the design, then refresh
the bundle formats from icon.png with the official CLI (prebuilt, from npm):

    npx -y @tauri-apps/cli@2 icon icons/icon.png -o /tmp/m2c-icons
    cp /tmp/m2c-icons/icon.icns /tmp/m2c-icons/icon.ico icons/
"""

import math
import os
import struct
import zlib

SS = 4  # supersampling per axis, for smooth edges


def png(path, size, pixel):
    """Writes a size x size RGBA PNG; pixel(x, y) -> (r, g, b, a) in 0..1 over the unit square."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SS):
                for sx in range(SS):
                    u = (x + (sx + 0.5) / SS) / size
                    v = (y + (sy + 0.5) / SS) / size
                    r, g, b, a = pixel(u, v)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = SS * SS
            a = acc[3] / n
            if a > 0:
                rgb = [acc[i] / acc[3] for i in range(3)]
            else:
                rgb = [0, 0, 0]
            row.extend(int(round(max(0.0, min(1.0, c)) * 255)) for c in rgb + [a])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def rounded_square(u, v, margin, radius):
    """True inside a square inset by margin with rounded corners."""
    lo, hi = margin, 1 - margin
    cx = min(max(u, lo + radius), hi - radius)
    cy = min(max(v, lo + radius), hi - radius)
    return (u - cx) ** 2 + (v - cy) ** 2 <= radius**2 and lo <= u <= hi and lo <= v <= hi


def arrow(u, v, y, left_to_right, x0=0.24, x1=0.76, shaft=0.055, head=0.13):
    """An arrow along the horizontal line y, pointing right (or left)."""
    if not left_to_right:
        u = 1 - u
    head_start = x1 - head
    if x0 <= u <= head_start and abs(v - y) <= shaft:
        return True
    if head_start <= u <= x1:
        # triangle: half-height shrinking to 0 at the tip
        half = (x1 - u) / head * (head * 1.05)
        return abs(v - y) <= half
    return False


def arrows(u, v, scale=1.0):
    # scale the glyph around the centre
    u = 0.5 + (u - 0.5) / scale
    v = 0.5 + (v - 0.5) / scale
    return arrow(u, v, 0.36, True) or arrow(u, v, 0.64, False)


INDIGO = (0.25, 0.29, 0.80)
WHITE = (1.0, 1.0, 1.0)


def app_pixel(u, v):
    if not rounded_square(u, v, 0.04, 0.2):
        return (0, 0, 0, 0)
    if arrows(u, v):
        return WHITE + (1.0,)
    # gentle vertical gradient
    k = 0.85 + 0.15 * (1 - v)
    return tuple(c * k for c in INDIGO) + (1.0,)


def tray_pixel(dot):
    def pixel(u, v):
        # status dot bottom-right, with a transparent ring so it reads on any panel colour
        dx, dy = u - 0.78, v - 0.78
        d = math.hypot(dx, dy)
        if dot is not None and d <= 0.2:
            return dot + (1.0,)
        if dot is not None and d <= 0.26:
            return (0, 0, 0, 0)
        if rounded_square(u, v, 0.02, 0.22):
            if arrows(u, v, 1.15):
                return WHITE + (1.0,)
            return INDIGO + (1.0,)
        return (0, 0, 0, 0)

    return pixel


BLACK = (0.0, 0.0, 0.0)


def template_pixel(error):
    """macOS menu bar template image: black on transparent (macOS recolours it for light and dark
    menu bars, so only the alpha counts). The arrows fill the square; the error variant adds a
    dot bottom-right, cut out of the arrows by a transparent ring."""

    def pixel(u, v):
        d = math.hypot(u - 0.8, v - 0.8)
        if error and d <= 0.17:
            return BLACK + (1.0,)
        if error and d <= 0.24:
            return (0, 0, 0, 0)
        if arrows(u, v, 1.45):
            return BLACK + (1.0,)
        return (0, 0, 0, 0)

    return pixel


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "icons")
    os.makedirs(root, exist_ok=True)
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        png(os.path.join(root, name), size, app_pixel)
    for name, dot in [
        ("tray-running.png", (0.16, 0.75, 0.35)),
        ("tray-error.png", (0.90, 0.20, 0.20)),
        ("tray-stopped.png", (0.55, 0.55, 0.55)),
    ]:
        png(os.path.join(root, name), 64, tray_pixel(dot))
    # 44 px = the 22 pt menu bar height at 2x; macOS scales it down on 1x screens.
    png(os.path.join(root, "tray-template.png"), 44, template_pixel(False))
    png(os.path.join(root, "tray-template-error.png"), 44, template_pixel(True))


if __name__ == "__main__":
    main()
