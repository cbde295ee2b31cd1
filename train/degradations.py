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
from train.jpeg import diffjpeg_batch, jpeg_batch

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
        if cfg.poisson_levels == "published":
            luma = 0.2989 * images[:, 0:1] + 0.587 * images[:, 1:2] + 0.114 * images[:, 2:3]  # torchvision's
            colour = _poisson(images, poisson_levels(images), gen)
            mono = _poisson(luma, poisson_levels(luma), gen)
        else:
            # Counts on the 8-bit scale: 255 levels whatever the image holds.
            quantised = torch.round(images.clamp(0, 1) * 255.0)
            colour = torch.poisson(quantised, generator=gen) / 255.0 - quantised / 255.0
            luma = (0.299 * images[:, 0:1] + 0.587 * images[:, 1:2] + 0.114 * images[:, 2:3]).clamp(0, 1)
            luma_q = torch.round(luma * 255.0)
            mono = torch.poisson(luma_q, generator=gen) / 255.0 - luma_q / 255.0
        noise = (gray * mono + (1 - gray) * colour) * scale
    return (images + noise).clamp(0, 1)


def poisson_levels(images: torch.Tensor) -> torch.Tensor:
    """BasicSR's Poisson levels per sample: 2^ceil(log2(number of distinct 8-bit values)), (B, 1, 1, 1).

    An image with few distinct values (a flat patch, a gray ramp) gets fewer levels, so more
    relative noise, than the 255 levels of the 8-bit rule.
    """
    quantised = torch.round(images.clamp(0, 1) * 255.0)
    counts = torch.tensor([len(torch.unique(q)) for q in quantised], dtype=torch.float64)
    return (2.0 ** torch.ceil(torch.log2(counts))).to(images.device, images.dtype).view(-1, 1, 1, 1)


def _poisson(images: torch.Tensor, levels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Poisson noise of the 8-bit-rounded images at ``levels`` (BasicSR's generate_poisson_noise_pt)."""
    rounded = torch.round(images.clamp(0, 1) * 255.0) / 255.0
    return torch.poisson(rounded * levels, generator=gen) / levels - rounded


def random_resize(images: torch.Tensor, scale: float, mode: str, by: str) -> torch.Tensor:
    """Step 2's resize of (B, C, H, W) by ``scale``.

    ``by="published"`` passes the scale factor as BasicSR does: the output is floor(H * scale)
    and output pixel i samples the input at (i + 0.5) / scale - 0.5. ``by="size"`` passes that
    size, so the input is sampled at (i + 0.5) * H / out - 0.5 (the two differ when H * scale
    is not a whole number).
    """
    h, w = images.shape[-2:]
    if by == "published":
        if mode == "area":
            return F.interpolate(images, scale_factor=scale, mode="area")
        return F.interpolate(images, scale_factor=scale, mode=mode, align_corners=False)
    return _resize(images, (max(1, int(h * scale)), max(1, int(w * scale))), mode)


def _resize(images: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    if mode == "area":
        return F.interpolate(images, size=size, mode="area")
    return F.interpolate(images, size=size, mode=mode, align_corners=False)


def jpeg_quality(cfg: Config, b: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    """(B,) JPEG qualities: continuous in [lo, hi] (published) or whole numbers (libjpeg)."""
    lo, hi = cfg.jpeg_range
    if cfg.jpeg == "published":
        return _uniform(gen, b, lo, hi, device)
    return torch.randint(lo, hi + 1, (b,), generator=gen, device=device)


def compress(images: torch.Tensor, quality: torch.Tensor, codec: str) -> torch.Tensor:
    """Step 4 with the codec of ``cfg.jpeg``: BasicSR's DiffJPEG ("published") or libjpeg's tables."""
    return diffjpeg_batch(images, quality) if codec == "published" else jpeg_batch(images, quality)


def degrade(
    originals: torch.Tensor,
    kernels: torch.Tensor,
    cfg: Config,
    choices: torch.Generator,
    gen: torch.Generator,
    scale: int = 4,
) -> torch.Tensor:
    """(B, 3, H, W) originals in [0, 1] -> (B, 3, H/scale, W/scale) LR inputs on 8-bit levels.

    Steps of training.md: blur, random resize, noise, JPEG, resize to 1/scale (a quarter for
    HGGT; 1/2 or 1/3 for classical x2/x3, as Real-ESRGAN's scale option), round.
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
    factor = (
        _uniform(choices, 1, 1.0, hi, cpu).item()
        if direction == 0
        else _uniform(choices, 1, lo, 1.0, cpu).item()
    )
    mode = MODES[int(torch.randint(len(MODES), (1,), generator=choices).item())]
    if direction != 2:
        x = random_resize(x, factor, mode, cfg.random_resize)
    # 3. noise
    x = add_noise(x, cfg, choices, gen)
    # 4. JPEG, quality per sample
    x = compress(x, jpeg_quality(cfg, b, gen, device), cfg.jpeg)
    # 5. to 1/scale of the original size, same mode; 8-bit levels
    x = _resize(x, (h // scale, w // scale), mode)
    return torch.round(x.clamp(0, 1) * 255.0) / 255.0
