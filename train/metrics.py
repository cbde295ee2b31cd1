"""PSNR and SSIM exactly as BasicSR computes them (``basicsr/metrics/psnr_ssim.py``).

Inputs are HxWx3 uint8 RGB arrays (0..255). BasicSR reads BGR with OpenCV; its Y weights are
applied to the same colours here, so the numbers match.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_y_channel(image: np.ndarray) -> np.ndarray:
    """Y of BT.601 YCbCr on 0..255 (float64), as BasicSR's to_y_channel (computed in float32)."""
    rgb = image.astype(np.float32) / 255.0
    y = np.dot(rgb, np.array([65.481, 128.553, 24.966], np.float32)) + 16.0  # R, G, B weights
    return (y / 255.0 * 255.0).astype(np.float64)[..., None]


def _prepare(image: np.ndarray, crop_border: int, test_y: bool) -> np.ndarray:
    if crop_border:
        image = image[crop_border:-crop_border, crop_border:-crop_border]
    return to_y_channel(image) if test_y else image.astype(np.float64)


def psnr(image: np.ndarray, reference: np.ndarray, crop_border: int = 4, test_y: bool = False) -> float:
    """PSNR in dB on 0..255 in float64 after cropping ``crop_border`` pixels; inf when identical."""
    if image.shape != reference.shape:
        raise ValueError(f"image shapes differ: {image.shape} vs {reference.shape}")
    a, b = _prepare(image, crop_border, test_y), _prepare(reference, crop_border, test_y)
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else float(10.0 * np.log10(255.0 * 255.0 / mse))


def _ssim_channel(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    kernel = cv2.getGaussianKernel(11, 1.5)
    window = np.outer(kernel, kernel.transpose())
    # filter2D then cutting 5 pixels keeps only windows that lie inside the image ("valid").
    mu1 = cv2.filter2D(a, -1, window)[5:-5, 5:-5]
    mu2 = cv2.filter2D(b, -1, window)[5:-5, 5:-5]
    mu1_sq, mu2_sq, mu1_mu2 = mu1**2, mu2**2, mu1 * mu2
    sigma1_sq = cv2.filter2D(a**2, -1, window)[5:-5, 5:-5] - mu1_sq
    sigma2_sq = cv2.filter2D(b**2, -1, window)[5:-5, 5:-5] - mu2_sq
    sigma12 = cv2.filter2D(a * b, -1, window)[5:-5, 5:-5] - mu1_mu2
    ssim_map = ((2 * mu1_mu2 + c1) * (2 * sigma12 + c2)) / (
        (mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2)
    )
    return float(ssim_map.mean())


def ssim(image: np.ndarray, reference: np.ndarray, crop_border: int = 4, test_y: bool = False) -> float:
    """SSIM (11x11 Gaussian window, sigma 1.5, valid region) averaged over channels."""
    if image.shape != reference.shape:
        raise ValueError(f"image shapes differ: {image.shape} vs {reference.shape}")
    a, b = _prepare(image, crop_border, test_y), _prepare(reference, crop_border, test_y)
    return float(np.mean([_ssim_channel(a[..., i], b[..., i]) for i in range(a.shape[2])]))
