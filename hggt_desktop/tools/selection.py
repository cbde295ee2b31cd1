"""HGGT patch selection, the maths: grid draws, texture test and score (data-tools.md section 1).

The published script loops over candidate crops and converts each with PIL. Here every
statistic of every candidate comes from one luma image, one Laplacian image and summed-area
tables per version, with exact integer sums. The published decisions use OpenCV's
``meanStdDev`` (double sums of the float32 luma) and numpy's float64 ``ndarray.var``, which can
differ from the exact value by rounding, so a candidate whose statistic lies within a hair of a
threshold is recomputed exactly the published way. The score is the published float32 mean.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

JITTER = 16
# Relative band around a threshold inside which the exact statistic is not trusted to give the
# same decision as the published double arithmetic (off by ~1e-16 relative, tested); such crops
# are recomputed directly.
_BORDER_BAND = 1e-3


@dataclass(frozen=True)
class SelectionParams:
    """The published defaults: crop 512, step 288, contrast 30, frequency 30."""

    crop: int = 512
    step: int = 288
    contrast: float = 30.0
    frequency: float = 30.0


@dataclass(frozen=True)
class KeptCrop:
    """A crop that passed the texture test; ``index`` is its candidate number in the image."""

    x: int
    y: int
    score: float
    index: int

    def stem(self, image_stem: str) -> str:
        return f"{image_stem}-{self.x}-{self.y}"


def grid_start(side: int) -> int:
    """Upper bound of the random grid offset for an image side (published rule)."""
    return 128 if side >= 2400 else 64 if side >= 1200 else 32


def draw_candidates(
    rng: random.Random, height: int, width: int, params: SelectionParams
) -> list[tuple[int, int]]:
    """Draw this image's random numbers in the published order; return the in-image crops (x, y).

    The two jitter draws happen for every grid point, also for rejected ones, so the stream
    stays aligned with the published script for the images that follow.
    """
    init_h = rng.randint(0, grid_start(height))
    init_w = rng.randint(0, grid_start(width))
    candidates: list[tuple[int, int]] = []
    for row in range(init_h, height, params.step):
        for col in range(init_w, width, params.step):
            dx = rng.randint(-JITTER, JITTER)
            dy = rng.randint(-JITTER, JITTER)
            x, y = max(row + dx, 0), max(col + dy, 0)
            if x + params.crop <= height and y + params.crop <= width:
                candidates.append((x, y))
    return candidates


def luma(rgb: np.ndarray) -> np.ndarray:
    """8-bit luma exactly as PIL's ``convert("L")``: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.

    Computed in float32 as ``R*19595/65536 + G*38470/65536 + B*7471/65536 + 0.5``, then
    truncated: every product and partial sum is a multiple of 2^-16 below 256, which float32
    holds exactly, so the result equals the integer formula for all 2^24 colours (tested).
    """
    return cv2.transform(rgb.astype(np.float32), _LUMA).astype(np.uint8)


_LUMA = np.array([[19595 / 65536, 38470 / 65536, 7471 / 65536, 0.5]], dtype=np.float32)


def laplacian(gray: np.ndarray) -> np.ndarray:
    """OpenCV's 3x3 Laplacian, reflect-101 border, saturated to uint8 (negatives become 0)."""
    return cv2.Laplacian(gray, cv2.CV_8U)


def direct_statistics(gray_crop: np.ndarray) -> tuple[float, float]:
    """(std, Laplacian variance) of one crop computed exactly as the published script does."""
    gray = np.ascontiguousarray(gray_crop)
    _, std = cv2.meanStdDev(gray.astype(np.float32))
    return float(std[0][0]), float(laplacian(gray).var())


def _box(table: np.ndarray, xs: np.ndarray, ys: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Sums of ``rows x cols`` boxes with top-left (xs, ys) from a summed-area table, as int64."""
    corners = [table[xs + rows, ys + cols], table[xs, ys + cols], table[xs + rows, ys], table[xs, ys]]
    # Exact integers either way (int32, or float64 below 2^53); subtract in int64.
    a, b, c, d = (np.rint(t).astype(np.int64) if t.dtype.kind == "f" else t.astype(np.int64) for t in corners)
    return a - b - c + d


def _integrals(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Summed-area tables of an 8-bit image and of its squares, exact.

    int32 sums are much faster in OpenCV than float64 ones and exact while 255 * pixels < 2^31.
    """
    depth = cv2.CV_32S if image.size * 255 < 2**31 else cv2.CV_64F
    return cv2.integral2(image, sdepth=depth, sqdepth=cv2.CV_64F)


def _frame_sums(lap_source: np.ndarray, x: int, y: int, crop: int) -> tuple[int, int]:
    """Sum and sum of squares of the crop's own Laplacian on its one-pixel frame.

    On the frame the crop's Laplacian reflects inside the crop, unlike the whole image's, so
    it is computed from three-pixel strips of the crop (the strip's own border is the crop's).
    """
    g = lap_source[x : x + crop, y : y + crop]
    top = laplacian(np.ascontiguousarray(g[:3]))[0]
    bottom = laplacian(np.ascontiguousarray(g[-3:]))[-1]
    left = laplacian(np.ascontiguousarray(g[:, :3]))[1:-1, 0]
    right = laplacian(np.ascontiguousarray(g[:, -3:]))[1:-1, -1]
    frame = np.concatenate([top, bottom, left, right]).astype(np.int64)
    return int(frame.sum()), int((frame * frame).sum())


def _exact_variance(count: int, sums: np.ndarray, squares: np.ndarray) -> np.ndarray:
    """Population variance (N*S2 - S1^2) / N^2 from exact sums, correctly rounded.

    Python integers: N*S2 overflows int64 for crops above ~2900 pixels.
    """
    return np.array(
        [(count * int(q) - int(s) * int(s)) / (count * count) for s, q in zip(sums, squares, strict=True)],
        dtype=np.float64,
    )


def passes_texture_test(rgb: np.ndarray, candidates: np.ndarray, params: SelectionParams) -> np.ndarray:
    """Whether each candidate crop (rows of (x, y)) of one version passes the texture test."""
    crop = params.crop
    count = crop * crop
    xs, ys = candidates[:, 0], candidates[:, 1]
    gray = luma(rgb)
    gray_sum, gray_sq = _integrals(gray)
    std = np.sqrt(
        _exact_variance(count, _box(gray_sum, xs, ys, crop, crop), _box(gray_sq, xs, ys, crop, crop))
    )

    lap = laplacian(gray)
    lap_sum, lap_sq = _integrals(lap)
    inner = crop - 2
    lap_s1 = _box(lap_sum, xs + 1, ys + 1, inner, inner)
    lap_s2 = _box(lap_sq, xs + 1, ys + 1, inner, inner)
    for i, (x, y) in enumerate(candidates.tolist()):
        s1, s2 = _frame_sums(gray, x, y, crop)
        lap_s1[i] += s1
        lap_s2[i] += s2
    lap_var = _exact_variance(count, lap_s1, lap_s2)

    passed = (std >= params.contrast) & (lap_var >= params.frequency)
    near = (np.abs(std - params.contrast) <= _BORDER_BAND * max(1.0, abs(params.contrast))) | (
        np.abs(lap_var - params.frequency) <= _BORDER_BAND * max(1.0, abs(params.frequency))
    )
    for i in np.flatnonzero(near):
        x, y = candidates[i]
        d_std, d_lap = direct_statistics(gray[x : x + crop, y : y + crop])
        passed[i] = d_std >= params.contrast and d_lap >= params.frequency
    return passed


def crop_score(images: list[np.ndarray], x: int, y: int, crop: int) -> float:
    """``max_k |mean(original - version_k)|`` of one crop, in the published float32 arithmetic.

    The script subtracts float32 crops and takes numpy's float32 (pairwise) mean, whose rounding
    shows in the fourth decimal on busy crops; the same operation on the same shape gives the
    same bits. Only kept crops are scored, so doing it directly costs little.
    """
    window = (slice(x, x + crop), slice(y, y + crop))
    reference = images[0][window].astype(np.float32)
    difference = np.empty_like(reference)
    score = np.float32(0)
    for rgb in images[1:]:
        np.subtract(reference, rgb[window], out=difference)
        score = max(score, abs(difference.mean()))
    return float(score)


def select_crops(
    images: list[np.ndarray], candidates: list[tuple[int, int]], params: SelectionParams
) -> list[KeptCrop]:
    """Kept crops of one image (original first in ``images``), sorted as the published script writes them.

    Score: :func:`crop_score`; ties keep the later candidate first, as the published descending
    sort of ``(score, index)`` does.
    """
    if not candidates:
        return []
    cand = np.asarray(candidates, dtype=np.int64).reshape(-1, 2)
    kept = np.zeros(len(cand), dtype=bool)
    for rgb in images:
        if kept.all():
            break  # any one passing version keeps a candidate; nothing left to decide
        undecided = np.flatnonzero(~kept)
        kept[undecided] |= passes_texture_test(rgb, cand[undecided], params)
    if not kept.any():
        return []
    crops = [
        KeptCrop(int(x), int(y), crop_score(images, int(x), int(y), params.crop), int(i))
        for i, (x, y) in zip(np.flatnonzero(kept).tolist(), cand[kept].tolist(), strict=True)
    ]
    crops.sort(key=lambda c: (c.score, c.index), reverse=True)
    return crops
