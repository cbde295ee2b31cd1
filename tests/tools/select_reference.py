"""The published HGGT patch selection, written straightforwardly as the baseline to match.

Python loops over grid points, PIL ``convert("L")`` per crop, ``np.std`` in float32,
``cv2.Laplacian(...).var()``, the score as the float64 mean difference; the per-crop prints of
the published script are left out. Used by the exactness tests and by ``bench/bench_select.py``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from hggt_desktop.core.images import read_image, write_image


def reference_score(crops: list[np.ndarray], contrast: float, frequency: float) -> float | None:
    """The texture test of one candidate (original first), and its score when it passes."""
    flag = False
    for c in crops:
        gray = np.array(Image.fromarray(c).convert("L"))
        std = np.std(gray.astype(np.float32))
        lap = cv2.Laplacian(gray, cv2.CV_8U).var()
        if std >= contrast and lap >= frequency:
            flag = True
    if not flag:
        return None
    ori = crops[0].astype(np.float64)
    return max(abs(np.mean(ori - c.astype(np.float64))) for c in crops[1:])


def reference_select(
    enhanced_dir: Path,
    out_dir: Path,
    seed: int,
    crop: int = 512,
    step: int = 288,
    contrast: float = 30,
    frequency: float = 30,
    write: bool = True,
) -> list[str]:
    """Run the published algorithm; return the crop_area_info.txt lines (files only if ``write``)."""
    random.seed(seed)
    versions = sorted(d for d in os.listdir(enhanced_dir) if d != "original" and not d.startswith("."))
    n = 0
    lines = []
    for name in sorted(os.listdir(enhanced_dir / "original")):
        img_name = os.path.splitext(name)[0]
        images = [read_image(enhanced_dir / "original" / name)]
        images += [read_image(enhanced_dir / v / f"{img_name}_{v}.png") for v in versions]
        h, w = images[0].shape[:2]
        k_h = 128 if h >= 2400 else 64 if h >= 1200 else 32
        k_w = 128 if w >= 2400 else 64 if w >= 1200 else 32
        init_h = random.randint(0, k_h)
        init_w = random.randint(0, k_w)
        kept = []
        index = 0
        for row in range(init_h, h, step):
            for col in range(init_w, w, step):
                dx = random.randint(-16, 16)
                dy = random.randint(-16, 16)
                x = max(row + dx, 0)
                y = max(col + dy, 0)
                if x + crop > h or y + crop > w:
                    continue
                crops = [im[x : x + crop, y : y + crop] for im in images]
                score = reference_score(crops, contrast, frequency)
                if score is not None:
                    kept.append((score, index, x, y, crops))
                index += 1
        kept.sort(key=lambda t: (t[0], t[1]), reverse=True)
        for score, _, x, y, crops in kept:
            n += 1
            stem = f"{img_name}-{x}-{y}"
            lines.append(f"{stem}-{score:.4f}-{n}.png")
            if not write:
                continue
            write_image(out_dir / "original" / f"{stem}.png", crops[0])
            for v, c in zip(versions, crops[1:], strict=True):
                write_image(out_dir / v / f"{stem}_{v}.png", c)
    if write:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "crop_area_info.txt").write_text("".join(line + "\n" for line in lines))
    return lines
