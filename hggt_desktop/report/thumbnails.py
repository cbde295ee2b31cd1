"""Thumbnail strips of a set (original, then each version) as base64 PNG for the report."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from hggt_desktop.core.images import ImageError, encode_png, read_image

THUMB = 256  # pixels per panel: 1:1 for 256 px patches; four fit across the page, then they wrap
GAP = 6


def _thumbnail(path: Path, size: int) -> np.ndarray:
    """A ``size`` x ``size`` RGB thumbnail; a grey tile with a cross where the image is unreadable."""
    try:
        image = read_image(path)
    except ImageError:
        tile = np.full((size, size, 3), 220, dtype=np.uint8)
        cv2.line(tile, (0, 0), (size - 1, size - 1), (160, 160, 160), 2)
        cv2.line(tile, (0, size - 1), (size - 1, 0), (160, 160, 160), 2)
        return tile
    h, w = image.shape[:2]
    scale = size / max(h, w)
    # Shrinking averages pixels; enlarging tiny patches keeps them sharp (nearest neighbour).
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
    resized = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interpolation
    )
    tile = np.full((size, size, 3), 255, dtype=np.uint8)
    y, x = (size - resized.shape[0]) // 2, (size - resized.shape[1]) // 2
    tile[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return tile


def strip_png(paths: Sequence[Path], size: int = THUMB, gap: int = GAP) -> bytes:
    """One PNG with the images side by side, ``gap`` white pixels apart."""
    width = len(paths) * size + (len(paths) - 1) * gap
    strip = np.full((size, width, 3), 255, dtype=np.uint8)
    for i, path in enumerate(paths):
        strip[:, i * (size + gap) : i * (size + gap) + size] = _thumbnail(path, size)
    return encode_png(strip, compression=6)


def strip_data_uri(paths: Sequence[Path], size: int = THUMB, gap: int = GAP) -> str:
    """The strip as a ``data:image/png;base64,...`` URI for an ``<img>`` in a single-file page."""
    return "data:image/png;base64," + base64.b64encode(strip_png(paths, size, gap)).decode("ascii")
