"""Classical SR samples from a folder of HR photos or a kept list (``hggt-data screen``).

A kept list holds one path per line, relative to the list's folder. Every photo is decoded in
the loader workers through the core's one decode path (``hggt_desktop.core.images``); a random
HR crop (a multiple of the scale) is flipped and shrunk by MATLAB-style bicubic to make the LR.
Draws come from the per-sample seed of ``train.data.ShardedOrder``, so samples do not depend on
the number of workers and a resumed run continues the exact order. A file that cannot be read,
or is smaller than the crop, is skipped (the next photo in the list takes its place) and its
path travels with the batch, so the run can count and report it; it is never fatal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from hggt_desktop.core.images import is_image_file, read_image
from train.data import ShardedOrder
from train.imresize import imresize

MAX_SKIPS = 64  # consecutive unusable files before a sample gives up (the source is then broken)


class PhotoSourceError(Exception):
    """The folder or list holds no photo; the message names it and what to do."""


def photo_paths(source: Path | str) -> list[Path]:
    """The photos of a folder (recursively, sorted) or of a kept list (relative to its folder)."""
    source = Path(source)
    if source.is_dir():
        paths = sorted(p for p in source.rglob("*") if p.is_file() and is_image_file(p))
    elif source.is_file():
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise PhotoSourceError(
                f"{source}: cannot read the list ({exc}); give a text file, one path per line"
            ) from exc
        paths = [source.parent / line.strip() for line in lines if line.strip() and not line.startswith("#")]
    else:
        raise PhotoSourceError(f"{source}: not found; give a folder of photos or a kept list")
    if not paths:
        raise PhotoSourceError(f"{source}: holds no photos; give a folder of photos or a kept list")
    return paths


class PhotoCrops(Dataset):
    """(HR crop, its bicubic LR, skipped paths) for one (index, seed) of a ShardedOrder."""

    def __init__(self, paths: list[Path], gt_size: int, scale: int, hflip: bool = True) -> None:
        if gt_size % scale:
            raise ValueError(f"gt_size {gt_size} is not a multiple of the scale {scale}")
        self.paths, self.gt_size, self.scale, self.hflip = paths, gt_size, scale, hflip

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, item: tuple[int, int]) -> dict[str, torch.Tensor | str]:
        index, seed = item
        rng = np.random.default_rng(seed)
        skipped: list[str] = []
        for attempt in range(MAX_SKIPS):
            path = self.paths[(index + attempt) % len(self.paths)]
            try:
                image = read_image(path)
            except Exception as exc:  # any unreadable file: skipped and reported, never fatal
                skipped.append(
                    f"{path} ({str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__})"
                )
                continue
            if min(image.shape[:2]) < self.gt_size:
                skipped.append(f"{path} (smaller than the {self.gt_size}px crop)")
                continue
            hr = self._crop(image, rng)
            lr = np.clip(np.round(imresize(hr, 1 / self.scale)), 0, 255).astype(np.float32)
            return {
                "hr": torch.from_numpy(hr.transpose(2, 0, 1).astype(np.float32) / 255),
                "lr": torch.from_numpy(np.ascontiguousarray(lr.transpose(2, 0, 1)) / 255),
                "skipped": "\n".join(skipped),
            }
        raise PhotoSourceError(f"{MAX_SKIPS} photos in a row could not be used, e.g. {skipped[-1]}")

    def _crop(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        gt, s = self.gt_size, self.scale
        top = int(rng.integers(0, (image.shape[0] - gt) // s + 1)) * s
        left = int(rng.integers(0, (image.shape[1] - gt) // s + 1)) * s
        crop = image[top : top + gt, left : left + gt]
        if self.hflip and rng.uniform() < 0.5:
            crop = crop[:, ::-1]
        return np.ascontiguousarray(crop)


def photo_loader(
    dataset: PhotoCrops, batch_size: int, seed: int, workers: int, start_sample: int = 0
) -> DataLoader:
    """The endless loader, starting at the ``start_sample``-th sample (resume)."""
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=ShardedOrder(len(dataset), seed, 0, 1, start_sample),
        num_workers=workers,
        drop_last=True,
        persistent_workers=workers > 0,
    )
