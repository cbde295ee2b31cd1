"""Batched JPEG compression in torch: encode and decode whole batches on the training device.

Why not cv2.imencode per sample: on a GPU that costs a device-to-host copy, a serial CPU encode
and decode of every 512x512 image and a copy back, every iteration; here the batch stays on the
device and each sample has its own quality. It is the baseline JPEG pipeline of libjpeg (YCbCr
BT.601 full range, 4:2:0 chroma by 2x2 averaging, 8x8 DCT-II, the standard luminance and
chrominance tables scaled by quality with the IJG formula, rounding) without entropy coding,
which is lossless. No gradient is needed: the LR input is data, not a function of the model.

:func:`diffjpeg_batch` is the published alternative (``jpeg = "published"``): BasicSR's
``DiffJPEG(differentiable=False)`` that HGGT trained with, which differs from a real codec in
four ways kept here on purpose: the tables are the standard ones *transposed*, scaled by the
quality factor *without* rounding or clamping (so a continuous quality changes them
continuously); YCbCr is not rounded to 8 bits; chroma is upsampled by repetition, not
interpolation; the image is padded to whole 16x16 MCUs with zeros, not by edge replication.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

_LUMA = [
    [16, 11, 10, 16, 24, 40, 51, 61],
    [12, 12, 14, 19, 26, 58, 60, 55],
    [14, 13, 16, 24, 40, 57, 69, 56],
    [14, 17, 22, 29, 51, 87, 80, 62],
    [18, 22, 37, 56, 68, 109, 103, 77],
    [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101],
    [72, 92, 95, 98, 112, 100, 103, 99],
]
_CHROMA = [
    [17, 18, 24, 47, 99, 99, 99, 99],
    [18, 21, 26, 66, 99, 99, 99, 99],
    [24, 26, 56, 99, 99, 99, 99, 99],
]
_CHROMA += [[47, 66, 99, 99, 99, 99, 99, 99]] + [[99] * 8] * 4


def _dct_matrix(device: torch.device) -> torch.Tensor:
    """Orthonormal 8-point DCT-II matrix D, so that a block's coefficients are D @ X @ D.T."""
    d = torch.zeros(8, 8, dtype=torch.float64)
    for k in range(8):
        scale = math.sqrt(1 / 8) if k == 0 else math.sqrt(2 / 8)
        for n in range(8):
            d[k, n] = scale * math.cos(math.pi * (2 * n + 1) * k / 16)
    return d.to(device=device, dtype=torch.float32)


def quality_tables(quality: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B,) qualities 1..100 -> luminance and chrominance tables (B, 8, 8), as libjpeg scales them."""
    q = quality.clamp(1, 100).to(torch.float32)
    scale = torch.where(q < 50, 5000.0 / q, 200.0 - 2.0 * q)[:, None, None]
    base = torch.tensor([_LUMA, _CHROMA], dtype=torch.float32, device=quality.device)
    tables = torch.floor((base[None] * scale[:, None] + 50.0) / 100.0).clamp(1, 255)
    return tables[:, 0], tables[:, 1]


def published_tables(quality: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B,) float qualities -> DiffJPEG's luminance and chrominance tables (B, 8, 8), unrounded.

    BasicSR's ``quality_to_factor``: 5000 / q below 50, else 200 - 2q, divided by 100; its
    tables are the standard ones transposed.
    """
    q = quality.to(torch.float32)
    factor = torch.where(q < 50, 5000.0 / q, 200.0 - 2.0 * q)[:, None, None] / 100.0
    base = torch.tensor([_LUMA, _CHROMA], dtype=torch.float32, device=quality.device).transpose(1, 2)
    tables = base[None] * factor[:, None]
    return tables[:, 0], tables[:, 1]


def diffjpeg_batch(images: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """BasicSR's DiffJPEG on (B, 3, H, W) RGB in [0, 1] with float ``quality`` (B,); returns [0, 1]."""
    b, _, h, w = images.shape
    ph, pw = (-h) % 16, (-w) % 16
    x = F.pad(images.float(), (0, pw, 0, ph), mode="constant", value=0.0) * 255.0
    y, cb, cr = _to_ycbcr(x)
    y, chroma = _compress(y, cb, cr, published_tables(quality.to(images.device)))
    chroma = chroma.repeat_interleave(2, 2).repeat_interleave(2, 3)  # (B, 2, H, W)
    return (_to_rgb(y, chroma).clamp(0, 255)[:, :, :h, :w] / 255.0).to(images.dtype)


def _to_ycbcr(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, 3, H, W) RGB on 0..255 -> the JFIF Y, Cb, Cr planes (B, H, W)."""
    r, g, bl = x[:, 0], x[:, 1], x[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * bl
    cb = -0.168736 * r - 0.331264 * g + 0.5 * bl + 128.0
    cr = 0.5 * r - 0.418688 * g - 0.081312 * bl + 128.0
    return y, cb, cr


def _to_rgb(y: torch.Tensor, chroma: torch.Tensor) -> torch.Tensor:
    """Y (B, H, W) and full-size Cb/Cr (B, 2, H, W) -> RGB (B, 3, H, W), JFIF, unclamped."""
    cb, cr = chroma[:, 0] - 128.0, chroma[:, 1] - 128.0
    return torch.stack((y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb), 1)


def _compress(
    y: torch.Tensor, cb: torch.Tensor, cr: torch.Tensor, tables: tuple[torch.Tensor, torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor]:
    """4:2:0 subsampling and quantisation with (luma, chroma) tables: Y (B, H, W) and the
    half-size Cb/Cr (B, 2, H/2, W/2) as decoded."""
    cbcr = F.avg_pool2d(torch.stack((cb, cr), 1), 2)  # (B, 2, H/2, W/2)
    dct = _dct_matrix(y.device)
    luma_table, chroma_table = tables
    y = _quantise(y, luma_table, dct)
    chroma = torch.stack(
        (_quantise(cbcr[:, 0], chroma_table, dct), _quantise(cbcr[:, 1], chroma_table, dct)), 1
    )
    return y, chroma


def _blocks(x: torch.Tensor) -> torch.Tensor:
    """(B, H, W) -> (B, H/8, W/8, 8, 8)."""
    b, h, w = x.shape
    return x.reshape(b, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)


def _unblocks(x: torch.Tensor) -> torch.Tensor:
    b, nh, nw = x.shape[:3]
    return x.permute(0, 1, 3, 2, 4).reshape(b, nh * 8, nw * 8)


def _quantise(plane: torch.Tensor, table: torch.Tensor, dct: torch.Tensor) -> torch.Tensor:
    """Level-shift, DCT, quantise, dequantise and inverse-DCT one plane (B, H, W) on 0..255."""
    blocks = _blocks(plane - 128.0)
    coeffs = dct @ blocks @ dct.T
    t = table[:, None, None]
    coeffs = torch.round(coeffs / t) * t
    return _unblocks(dct.T @ coeffs @ dct) + 128.0


def jpeg_batch(images: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """JPEG-compress (B, 3, H, W) RGB in [0, 1] with per-sample ``quality`` (B,); returns [0, 1]."""
    b, _, h, w = images.shape
    # Whole MCUs (16x16 for 4:2:0): pad by edge replication as encoders do, crop afterwards.
    ph, pw = (-h) % 16, (-w) % 16
    x = (
        F.pad(images.float() * 255.0, (0, pw, 0, ph), mode="replicate")
        if ph or pw
        else images.float() * 255.0
    )
    # Values are rounded to 8 bits at each stage, as a real codec stores them.
    y, cb, cr = (torch.round(c).clamp(0, 255) for c in _to_ycbcr(x))
    y, chroma = _compress(y, cb, cr, quality_tables(quality.to(images.device)))
    chroma = F.interpolate(chroma, scale_factor=2, mode="bilinear", align_corners=False)
    return (_to_rgb(y, chroma)[:, :, :h, :w] / 255.0).clamp(0, 1).to(images.dtype)
