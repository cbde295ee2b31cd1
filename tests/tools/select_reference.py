"""The published HGGT patch selection (PatchSelection/patch_select.py), followed step by step.

The baseline that ``select`` must match and beat: PIL decodes and converts, float32 image
arrays, per crop PIL ``convert("L")``, ``cv2.meanStdDev`` on the float32 luma and the variance
of the CV_8U Laplacian, a print per crop and per candidate, the score as numpy's float32 mean
of the float32 difference, and PIL's PNG writer at its default zlib level. Only the file loop
is sorted (the spec fixes the order ``os.listdir`` leaves open), and the prints go to ``out``.
Used by the exactness tests and by ``bench/bench_select.py``.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np
from PIL import Image

VERSIONS = ("01", "02", "03", "04")


def compute_var(crop: np.ndarray, out: TextIO) -> tuple[float, float]:
    """Contrast (``meanStdDev``'s std) and Laplacian variance of one float32 crop, as published."""
    gray = np.array(Image.fromarray(crop.astype(np.uint8)).convert("L"))
    [_, var] = cv2.meanStdDev(gray.astype(np.float32))
    freq_var = cv2.Laplacian(gray, cv2.CV_8U).var()
    print(f"cont_var is {var[0][0]}, freq_var is {freq_var}.", file=out)
    return var[0][0], freq_var


def published_score(crops: list[np.ndarray]) -> np.float32:
    """``max(abs((img_o_crop - img_k_crop).mean()))`` over the versions, float32 crops."""
    return max(abs((crops[0] - crop).mean()) for crop in crops[1:])


def _load(path: Path) -> np.ndarray:
    return np.array(Image.open(path).convert("RGB")).astype(np.float32)


def reference_select(
    enhanced_dir: Path,
    out_dir: Path,
    seed: int,
    crop: int = 512,
    step: int = 288,
    contrast: float = 30,
    frequency: float = 30,
    out: TextIO | None = None,
) -> list[str]:
    """Run the published script after ``random.seed(seed)``; return the crop_area_info.txt lines."""
    out = out if out is not None else sys.stdout
    random.seed(seed)
    for folder in ("original", *VERSIONS):
        os.makedirs(out_dir / folder, exist_ok=True)
    index = 0
    lines: list[str] = []
    txt = open(out_dir / "crop_area_info.txt", "w")  # open for the whole run, as published
    for name in sorted(os.listdir(enhanced_dir / "original")):
        img_name = os.path.splitext(name)[0]
        img_o = _load(enhanced_dir / "original" / name)
        imgs = [_load(enhanced_dir / v / f"{img_name}_{v}.png") for v in VERSIONS]
        h, w = img_o.shape[:2]
        k_h = 128 if h >= 2400 else 64 if h >= 1200 else 32
        k_w = 128 if w >= 2400 else 64 if w >= 1200 else 32
        init_h = random.randint(0, k_h)
        init_w = random.randint(0, k_w)
        max_dist_list: list[np.float32] = []
        crop_list: list[tuple[int, int, list[np.ndarray]]] = []
        for row in range(init_h, h, step):
            for col in range(init_w, w, step):
                dx = random.randint(-16, 16)
                dy = random.randint(-16, 16)
                x_ = max(row + dx, 0)
                y_ = max(col + dy, 0)
                if x_ + crop > h or y_ + crop > w:
                    continue
                crops = [np.ascontiguousarray(im[x_ : x_ + crop, y_ : y_ + crop, :]) for im in (img_o, *imgs)]
                flag = False
                for c in crops:
                    var, freq_var = compute_var(c, out)
                    if var >= contrast and freq_var >= frequency:
                        flag = True
                print(f"{img_name} crop at ({x_}, {y_}): {'kept' if flag else 'rejected'}", file=out)
                if flag:
                    max_dist_list.append(published_score(crops))
                    crop_list.append((x_, y_, crops))
        for max_dist, i in sorted(((v, i) for i, v in enumerate(max_dist_list)), reverse=True):
            x_, y_, crops = crop_list[i]
            index += 1
            stem = f"{img_name}-{x_}-{y_}"
            Image.fromarray(crops[0].astype(np.uint8)).save(
                out_dir / "original" / f"{stem}.png", "PNG", quality=100
            )
            for v, c in zip(VERSIONS, crops[1:], strict=True):
                Image.fromarray(c.astype(np.uint8)).save(out_dir / v / f"{stem}_{v}.png", "PNG", quality=100)
            line = f"{stem}-{max_dist:.4f}-{index}.png"
            txt.write(line + "\n")
            lines.append(line)
            print(f"saved {line}", file=out)
    txt.close()
    return lines
