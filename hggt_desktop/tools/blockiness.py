"""DiverSeg blockiness B(x): how strongly an image shows an 8x8 JPEG block grid (data-tools.md section 2).

Two grids of 8x8 blocks, one aligned with the image (where JPEG puts its blocks) and one
shifted by (4, 4), are DCT-transformed. For each coefficient, the mean size of its second
difference across neighbouring blocks is compared between the grids: a JPEG-compressed image
is smooth inside its aligned blocks and steps at their edges, so the grids differ.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy.fft import dctn

BLOCK = 8
MIN_BLOCKS = 4


class BlockinessUndefined(ValueError):
    """The image is too small or too flat for a finite score; the message says which."""


def analysed_blocks(side: int) -> int:
    """Blocks per axis for an image side: ``r = side % 8``; keep ``side - r`` if ``r >= 4`` else one block less."""
    rest = side % BLOCK
    usable = side - rest if rest >= BLOCK // 2 else side - rest - BLOCK
    return max(usable, 0) // BLOCK


def gray_of(rgb: np.ndarray) -> np.ndarray:
    """8-bit BT.601 gray as OpenCV's BGR->gray gives it (RGB input, so RGB2GRAY), no level shift."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def block_variation(gray: np.ndarray, offset: int, nh: int, nw: int) -> np.ndarray:
    """V(u, v) for the grid of ``nh x nw`` blocks starting at (offset, offset); shape (8, 8)."""
    region = gray[offset : offset + nh * BLOCK, offset : offset + nw * BLOCK].astype(np.float64)
    # (nh, 8, nw, 8): block row, pixel row, block column, pixel column -> DCT over the pixel axes.
    coeffs = dctn(region.reshape(nh, BLOCK, nw, BLOCK), axes=(1, 3), norm="ortho")
    centre = coeffs[2 : nh - 1, :, 2 : nw - 1, :]
    across = coeffs[2 : nh - 1, :, 1 : nw - 2, :] + coeffs[2 : nh - 1, :, 3:nw, :] - 2 * centre
    down = coeffs[1 : nh - 2, :, 2 : nw - 1, :] + coeffs[3:nh, :, 2 : nw - 1, :] - 2 * centre
    total = np.sqrt(across**2 + down**2).sum(axis=(0, 2))
    return total / ((nh - 2) * (nw - 2))


def blockiness(rgb: np.ndarray) -> float:
    """B(x) of an ``HxWx3`` uint8 RGB image; raises :class:`BlockinessUndefined` when not finite."""
    height, width = rgb.shape[:2]
    nh, nw = analysed_blocks(height), analysed_blocks(width)
    if nh < MIN_BLOCKS or nw < MIN_BLOCKS:
        raise BlockinessUndefined(f"too small ({width}x{height}); needs at least 36x36 pixels")
    gray = gray_of(rgb)
    aligned = block_variation(gray, 0, nh, nw)
    shifted = block_variation(gray, BLOCK // 2, nh, nw)
    if np.any(aligned == 0):
        raise BlockinessUndefined(
            "no finite score: a DCT coefficient never varies between aligned blocks (flat image)"
        )
    score = float(np.sum(np.abs(shifted - aligned) / aligned))
    if not math.isfinite(score):
        raise BlockinessUndefined("no finite score (flat image)")
    return score
