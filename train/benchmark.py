"""``hggt-train eval --benchmark DIR --scale N``: PSNR/SSIM-Y on the classical SR benchmarks.

DIR is one benchmark (a folder with ``HR/``) or a folder of them (``Set5/HR``, ``Set14/HR``,
``BSD100/HR``, ``Urban100/HR``, ``Manga109/HR``). The LR images are read from
``LR_bicubic/X{N}/<stem>x{N}.png`` when given, else made from the HR (cropped to a multiple of N)
with MATLAB-style bicubic. As the papers report them: the Y channel of BT.601, ``N`` pixels
cropped at each border, means over each set's images.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from hggt_desktop.core.images import is_image_file, read_image
from train.imresize import bicubic_lr
from train.metrics import psnr, ssim


class BenchmarkError(Exception):
    """A benchmark folder that cannot be evaluated; the message names it and what to do."""


@dataclass(frozen=True)
class SetScore:
    name: str
    images: int
    psnr_y: float
    ssim_y: float


def benchmark_sets(root: Path) -> list[Path]:
    """The benchmark folders under ``root`` (itself when it has ``HR/``), sorted by name."""
    if (root / "HR").is_dir():
        return [root]
    sets = sorted(p for p in root.iterdir() if (p / "HR").is_dir()) if root.is_dir() else []
    if not sets:
        raise BenchmarkError(f"{root}: no benchmark found; give a folder with HR/ or with sets like Set5/HR")
    return sets


def _lr_for(hr_path: Path, hr: np.ndarray, scale: int) -> np.ndarray:
    given = hr_path.parent.parent / "LR_bicubic" / f"X{scale}" / f"{hr_path.stem}x{scale}.png"
    return read_image(given) if given.is_file() else bicubic_lr(hr, scale)


@torch.no_grad()
def super_resolve(model: nn.Module, lr: np.ndarray, device: torch.device) -> np.ndarray:
    x = torch.from_numpy(lr.transpose(2, 0, 1).astype(np.float32) / 255)[None].to(device)
    sr = model(x)[0].clamp(0, 1).cpu().numpy().transpose(1, 2, 0)
    return np.round(sr * 255).astype(np.uint8)


def evaluate_benchmark(root: Path, model: nn.Module, scale: int, device: torch.device) -> list[SetScore]:
    """PSNR/SSIM-Y of ``model`` on each benchmark set under ``root``."""
    model = model.eval().to(device)
    scores = []
    for folder in benchmark_sets(root):
        photos = sorted(p for p in (folder / "HR").iterdir() if is_image_file(p))
        if not photos:
            raise BenchmarkError(f"{folder / 'HR'}: holds no images")
        values = []
        for path in photos:
            hr = read_image(path)
            hr = hr[: hr.shape[0] - hr.shape[0] % scale, : hr.shape[1] - hr.shape[1] % scale]
            sr = super_resolve(model, _lr_for(path, hr, scale), device)
            if sr.shape != hr.shape:
                lr_height = _lr_for(path, hr, scale).shape[0]
                raise BenchmarkError(
                    f"{path}: the model made {sr.shape[1]}x{sr.shape[0]} from its "
                    f"{lr_height}-pixel-high LR, not x{scale} of it; give the model's scale "
                    f"(x{sr.shape[0] / lr_height:g} here) with --scale, or check LR_bicubic/X{scale}"
                )
            values.append((psnr(sr, hr, scale, test_y=True), ssim(sr, hr, scale, test_y=True)))
        psnrs, ssims = zip(*values, strict=True)
        scores.append(SetScore(folder.name, len(values), float(np.mean(psnrs)), float(np.mean(ssims))))
    return scores


def score_table(scores: list[SetScore], scale: int) -> str:
    width = max(len("Benchmark"), *(len(s.name) for s in scores))
    lines = [f"{'Benchmark':<{width}}  Images  PSNR-Y (x{scale})  SSIM-Y"]
    lines += [f"{s.name:<{width}}  {s.images:>6}  {s.psnr_y:>13.2f}  {s.ssim_y:.4f}" for s in scores]
    return "\n".join(lines)
