"""PSNR and SSIM against an independent implementation with BasicSR's settings."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from train.metrics import psnr, ssim


def _y(image: np.ndarray) -> np.ndarray:
    # BT.601 "studio swing" luma on 0..255: 16 + (65.481 R + 128.553 G + 24.966 B) / 255.
    r, g, b = (image[..., i].astype(np.float64) for i in range(3))
    return (16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0)[..., None]


def independent_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM with explicit 11x11 windows (valid region), Gaussian sigma 1.5, mean over channels."""
    ax = np.arange(11) - 5
    g = np.exp(-(ax**2) / (2 * 1.5**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for ch in range(a.shape[2]):
        wa = sliding_window_view(a[..., ch], (11, 11))
        wb = sliding_window_view(b[..., ch], (11, 11))
        mu_a, mu_b = (wa * w).sum((-1, -2)), (wb * w).sum((-1, -2))
        var_a = (wa**2 * w).sum((-1, -2)) - mu_a**2
        var_b = (wb**2 * w).sum((-1, -2)) - mu_b**2
        cov = (wa * wb * w).sum((-1, -2)) - mu_a * mu_b
        s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
        values.append(s.mean())
    return float(np.mean(values))


def _pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (40, 36, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
    return a, b


def test_psnr_rgb_and_y_with_border_crop() -> None:
    a, b = _pair()
    ca, cb = a[4:-4, 4:-4].astype(np.float64), b[4:-4, 4:-4].astype(np.float64)
    expected = 10 * math.log10(255**2 / np.mean((ca - cb) ** 2))
    assert abs(psnr(a, b) - expected) < 1e-10
    ya, yb = _y(a[4:-4, 4:-4]), _y(b[4:-4, 4:-4])
    expected_y = 10 * math.log10(255**2 / np.mean((ya - yb) ** 2))
    assert abs(psnr(a, b, test_y=True) - expected_y) < 1e-3  # BasicSR converts in float32
    assert psnr(a, a) == float("inf")


def test_ssim_rgb_and_y_with_border_crop() -> None:
    a, b = _pair()
    ca, cb = a[4:-4, 4:-4].astype(np.float64), b[4:-4, 4:-4].astype(np.float64)
    assert abs(ssim(a, b) - independent_ssim(ca, cb)) < 1e-6
    ya, yb = _y(a[4:-4, 4:-4]), _y(b[4:-4, 4:-4])
    assert abs(ssim(a, b, test_y=True) - independent_ssim(ya, yb)) < 1e-4
    assert abs(ssim(a, a) - 1.0) < 1e-12
    assert abs(ssim(a, b, crop_border=0) - independent_ssim(a.astype(float), b.astype(float))) < 1e-6
