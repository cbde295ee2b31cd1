"""Draw the application icon: ``resources/icons/hggt-desktop.png`` and ``hggt-desktop.ico``.

The picture is the annotator's task in miniature: four versions of one patch on a dark tile, one of
them framed in green as the chosen one. Drawn with numpy/OpenCV at 4x and reduced with area
averaging (anti-aliasing without any font or download); two runs give byte-identical files.

Usage: ``python scripts/make_icon.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import struct
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
SCALE = 4  # supersampling factor for the master drawing
MASTER = 256 * SCALE

# BGRA colours (OpenCV order).
BACKGROUND = (64, 52, 43, 255)
CHOSEN = (96, 200, 80, 255)
TILE_COLOURS = ((200, 140, 60), (90, 170, 230), (170, 110, 200), (120, 200, 200))


def draw_rounded_square(canvas: np.ndarray, margin: int, radius: int, colour: tuple[int, ...]) -> None:
    """Fill a rounded square inset by ``margin`` pixels."""
    lo, hi = margin, canvas.shape[0] - 1 - margin
    cv2.rectangle(canvas, (lo + radius, lo), (hi - radius, hi), colour, -1)
    cv2.rectangle(canvas, (lo, lo + radius), (hi, hi - radius), colour, -1)
    for cx in (lo + radius, hi - radius):
        for cy in (lo + radius, hi - radius):
            cv2.circle(canvas, (cx, cy), radius, colour, -1, lineType=cv2.LINE_AA)


def draw_tile(
    canvas: np.ndarray, x: int, y: int, size: int, colour: tuple[int, int, int], detail: int
) -> None:
    """One "version" of the patch: a stripe pattern whose sharpness grows with ``detail``."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    frequency = 2 + 3 * detail
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * frequency * (xx + 0.6 * yy) / size)
    shade = 0.55 + 0.45 * wave[..., None]
    tile = np.clip(np.array(colour, dtype=np.float64)[None, None, :] * shade, 0, 255).astype(np.uint8)
    canvas[y : y + size, x : x + size, :3] = tile
    canvas[y : y + size, x : x + size, 3] = 255


def draw_master() -> np.ndarray:
    """The icon at ``MASTER`` pixels, BGRA with a transparent surround."""
    canvas = np.zeros((MASTER, MASTER, 4), np.uint8)
    draw_rounded_square(canvas, margin=8 * SCALE, radius=40 * SCALE, colour=BACKGROUND)
    gap, tile = 14 * SCALE, 92 * SCALE
    origin = (MASTER - 2 * tile - gap) // 2
    for index, colour in enumerate(TILE_COLOURS):
        row, col = divmod(index, 2)
        x, y = origin + col * (tile + gap), origin + row * (tile + gap)
        draw_tile(canvas, x, y, tile, colour, detail=index)
    # The chosen version (bottom right, the sharpest) gets a green frame.
    x = y = origin + tile + gap
    frame = 7 * SCALE
    cv2.rectangle(canvas, (x - frame, y - frame), (x + tile + frame - 1, y + tile + frame - 1), CHOSEN, frame)
    return canvas


def resize(master: np.ndarray, size: int) -> np.ndarray:
    """Area-average ``master`` down to ``size`` pixels, weighting colour by alpha (no dark fringes)."""
    rgba = master.astype(np.float64) / 255.0
    premultiplied = rgba.copy()
    premultiplied[..., :3] *= rgba[..., 3:4]
    small = cv2.resize(premultiplied, (size, size), interpolation=cv2.INTER_AREA)
    alpha = small[..., 3:4]
    colour = np.divide(small[..., :3], alpha, out=np.zeros_like(small[..., :3]), where=alpha > 1e-6)
    out = np.concatenate([colour, alpha], axis=2)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def encode_png(bgra: np.ndarray) -> bytes:
    """PNG bytes of a BGRA image."""
    ok, buffer = cv2.imencode(".png", bgra, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise RuntimeError("OpenCV could not encode the icon as PNG")
    return buffer.tobytes()


def build_ico(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """An .ico file holding one PNG-compressed image per size (supported since Windows Vista)."""
    header = struct.pack("<HHH", 0, 1, len(images))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(images)
    entries, payload = b"", b""
    for size, png in zip(sizes, images, strict=True):
        dim = 0 if size >= 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + entries + payload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "icons", help="output folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    master = draw_master()
    (args.out / "hggt-desktop.png").write_bytes(encode_png(resize(master, 256)))
    pngs = [encode_png(resize(master, size)) for size in ICO_SIZES]
    (args.out / "hggt-desktop.ico").write_bytes(build_ico(pngs, ICO_SIZES))
    print(
        f"wrote {args.out / 'hggt-desktop.png'} and {args.out / 'hggt-desktop.ico'} ({len(ICO_SIZES)} sizes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
