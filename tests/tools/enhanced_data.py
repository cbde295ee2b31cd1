"""Tiny full-size "enhanced" folders (original + four filtered versions) for selection tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from hggt_desktop.core.images import write_image


def textured_image(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Smooth colour field plus noise whose strength varies over the image (flat to busy)."""
    coarse = rng.integers(0, 256, (max(2, height // 40), max(2, width // 40), 3)).astype(np.uint8)
    base = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    strength = cv2.resize(rng.random((3, 3)).astype(np.float32), (width, height))[..., None] ** 2
    noise = rng.normal(0, 40, (height, width, 3)).astype(np.float32) * strength
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def versions_of(image: np.ndarray) -> list[np.ndarray]:
    """Four 'enhanced' versions: blurred, sharpened, brightened, denoised."""
    blurred = cv2.GaussianBlur(image, (5, 5), 1.2)
    sharp = cv2.addWeighted(image, 1.6, blurred, -0.6, 0)
    bright = cv2.convertScaleAbs(image, alpha=1.05, beta=6)
    median = cv2.medianBlur(image, 3)
    return [blurred, sharp, bright, median]


def make_enhanced(root: Path, images: list[np.ndarray], names: list[str] | None = None) -> Path:
    """Write ``root/original/<name>.png`` and ``root/0k/<name>_0k.png``; return ``root``."""
    for index, image in enumerate(images):
        name = names[index] if names else f"{index + 1:04d}"
        write_image(root / "original" / f"{name}.png", image)
        for k, version in enumerate(versions_of(image), start=1):
            write_image(root / f"{k:02d}" / f"{name}_{k:02d}.png", version)
    return root
