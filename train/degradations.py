"""The one-stage blind degradation of training.md, batched on the training device.

Kernels are drawn per sample in the data workers (:func:`draw_kernel`, numpy); everything else
runs on whole batches (:func:`degrade`). As in Real-ESRGAN, the resize direction, the resize
mode and the noise type are drawn once per batch (so the batch keeps one shape); noise
strengths, gray noise and JPEG quality are drawn per sample.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special
from torch.nn import functional as F

from train.config import Config
from train.jpeg import jpeg_batch

KERNEL_SIZE = 9  # every kernel is zero-padded to 9x9 so a batch stacks
MODES = ("area", "bilinear", "bicubic")


def gaussian_kernel(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """Anisotropic Gaussian (isotropic when sigma_x == sigma_y) rotated by theta, summing to 1."""
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    covariance = rotation @ np.diag([sigma_x**2, sigma_y**2]) @ rotation.T
    inverse = np.linalg.inv(covariance)
    ax = np.arange(size, dtype=np.float64) - (size - 1) / 2
    xx, yy = np.meshgrid(ax, ax)
    grid = np.stack((xx, yy), -1)
    kernel = np.exp(-0.5 * np.einsum("...i,ij,...j->...", grid, inverse, grid))
    return kernel / kernel.sum()


def sinc_kernel(size: int, cutoff: float) -> np.ndarray:
    """Circular low-pass (2-D sinc, jinc) kernel with ``cutoff`` in radians, summing to 1."""
    centre = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size]
    radius = np.hypot(xx - centre, yy - centre)
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = cutoff * special.j1(cutoff * radius) / (2 * np.pi * radius)
    kernel[int(centre), int(centre)] = cutoff**2 / (4 * np.pi)
    return kernel / kernel.sum()


def draw_kernel(rng: np.random.Generator, cfg: Config) -> np.ndarray:
    """One random blur kernel of step 1, zero-padded to 9x9 (float32)."""
    size = int(rng.choice(cfg.kernel_sizes))
    if rng.uniform() < cfg.sinc_prob:
        low = math.pi / 5 if size >= 13 else math.pi / 3
        kernel = sinc_kernel(size, rng.uniform(low, math.pi))
    else:
        lo, hi = cfg.blur_sigma
        if rng.uniform() < cfg.iso_prob:
            sigma = rng.uniform(lo, hi)
            kernel = gaussian_kernel(size, sigma, sigma, 0.0)
        else:
            kernel = gaussian_kernel(
                size, rng.uniform(lo, hi), rng.uniform(lo, hi), rng.uniform(-math.pi, math.pi)
            )
    pad = (KERNEL_SIZE - size) // 2
    return np.pad(kernel, pad).astype(np.float32)


def blur(images: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Per-sample blur: (B, C, H, W) with (B, k, k) kernels, reflect padding, one grouped conv."""
    b, c, h, w = images.shape
    k = kernels.shape[-1]
    padded = F.pad(images, (k // 2,) * 4, mode="reflect").reshape(1, b * c, h + k - 1, w + k - 1)
    weight = kernels.to(images.dtype)[:, None].repeat_interleave(c, 0)  # (B*C, 1, k, k)
    return F.conv2d(padded, weight, groups=b * c).reshape(b, c, h, w)


def _uniform(gen: torch.Generator, n: int, low: float, high: float, device: torch.device) -> torch.Tensor:
    return torch.rand(n, generator=gen, device=device) * (high - low) + low


def add_noise(
    images: torch.Tensor, cfg: Config, choices: torch.Generator, gen: torch.Generator
) -> torch.Tensor:
    """Gaussian or Poisson noise (one type per batch, strength and gray per sample), clipped to [0, 1]."""
    b, device = images.shape[0], images.device
    gray = (torch.rand(b, generator=gen, device=device) < cfg.gray_noise_prob).to(images.dtype)[
        :, None, None, None
    ]
    if torch.rand(1, generator=choices).item() < cfg.gaussian_noise_prob:
        sigma = _uniform(gen, b, *cfg.noise_sigma, device)[:, None, None, None] / 255.0
        colour = torch.randn(images.shape, generator=gen, device=device, dtype=images.dtype)
        mono = torch.randn((b, 1, *images.shape[2:]), generator=gen, device=device, dtype=images.dtype)
        noise = (gray * mono + (1 - gray) * colour) * sigma
    else:
        scale = _uniform(gen, b, *cfg.poisson_scale, device)[:, None, None, None]
        # Counts on the 8-bit scale, as Real-ESRGAN does for 8-bit images (256 levels).
        levels = 255.0
        quantised = torch.round(images.clamp(0, 1) * levels)
        colour = torch.poisson(quantised, generator=gen) / levels - quantised / levels
        luma = (0.299 * images[:, 0:1] + 0.587 * images[:, 1:2] + 0.114 * images[:, 2:3]).clamp(0, 1)
        luma_q = torch.round(luma * levels)
        mono = torch.poisson(luma_q, generator=gen) / levels - luma_q / levels
        noise = (gray * mono + (1 - gray) * colour) * scale
    return (images + noise).clamp(0, 1)


def _resize(images: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    if mode == "area":
        return F.interpolate(images, size=size, mode="area")
    return F.interpolate(images, size=size, mode=mode, align_corners=False)


def degrade(
    originals: torch.Tensor,
    kernels: torch.Tensor,
    cfg: Config,
    choices: torch.Generator,
    gen: torch.Generator,
) -> torch.Tensor:
    """(B, 3, H, W) originals in [0, 1] -> (B, 3, H/4, W/4) LR inputs on 8-bit levels.

    Steps of training.md: blur, random resize, noise, JPEG, resize to a quarter, round.
    ``choices`` (a CPU generator) draws the per-batch choices, ``gen`` (on the images' device)
    the per-sample values and the noise.
    """
    b, _, h, w = originals.shape
    device = originals.device
    x = blur(originals, kernels.to(device))
    # 2. random resize, direction and mode per batch
    direction = int(torch.multinomial(torch.tensor(cfg.resize_prob), 1, generator=choices).item())
    lo, hi = cfg.resize_range
    cpu = torch.device("cpu")
    scale = (
        _uniform(choices, 1, 1.0, hi, cpu).item()
        if direction == 0
        else _uniform(choices, 1, lo, 1.0, cpu).item()
    )
    mode = MODES[int(torch.randint(len(MODES), (1,), generator=choices).item())]
    if direction != 2:
        x = _resize(x, (max(1, int(h * scale)), max(1, int(w * scale))), mode)
    # 3. noise
    x = add_noise(x, cfg, choices, gen)
    # 4. JPEG, quality per sample
    quality = torch.randint(cfg.jpeg_range[0], cfg.jpeg_range[1] + 1, (b,), generator=gen, device=device)
    x = jpeg_batch(x, quality)
    # 5. to a quarter of the original size, same mode; 8-bit levels
    x = _resize(x, (h // 4, w // 4), mode)
    return torch.round(x.clamp(0, 1) * 255.0) / 255.0
