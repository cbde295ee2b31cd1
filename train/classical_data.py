"""Classical SR samples from a folder of HR photos, a kept list (``hggt-data screen``) or a crop pack.

A kept list holds one path per line, relative to the list's folder. Every photo is decoded in
the loader workers through the core's one decode path (``hggt_desktop.core.images``); a crop
pack (``train.crop_pack``) holds HR crops already decoded. Either way a random HR crop (corners
a multiple of the scale) is flipped and rotated and shrunk by MATLAB-style bicubic to make the
LR, or gets a blur kernel for the Real-ISR degradation applied per batch on the device.
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
from train.config import Config
from train.crop_pack import CropPack, CropPackError, is_crop_pack
from train.data import ShardedOrder
from train.degradations import draw_kernel
from train.imresize import imresize

MAX_SKIPS = 64  # consecutive unusable files before a sample gives up (the source is then broken)
DEGRADATIONS = ("bicubic", "realesrgan")
REAL_ISR = Config()  # the trainer's published one-stage degradation settings (docs/training.md)


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


class CropSamples(Dataset):
    """The sample contract shared by photos and packs: for one (index, seed) of a ShardedOrder,
    a random HR crop (corners on the LR grid), flipped and rotated, and either its bicubic LR
    (``degradation="bicubic"``) or a blur kernel for the Real-ISR degradation, which runs on
    whole batches on the training device (``train.degradations.degrade``, as fit does)."""

    def __init__(self, gt_size: int, scale: int, augment: bool = True, degradation: str = "bicubic") -> None:
        if gt_size % scale:
            raise ValueError(f"gt_size {gt_size} is not a multiple of the scale {scale}")
        if degradation not in DEGRADATIONS:
            raise ValueError(f"unknown degradation {degradation!r}; use {' or '.join(DEGRADATIONS)}")
        self.gt_size, self.scale, self.augment, self.degradation = gt_size, scale, augment, degradation

    def _sample(self, image: np.ndarray, rng: np.random.Generator, skipped: list[str]) -> dict:
        gt, s = self.gt_size, self.scale
        top = int(rng.integers(0, (image.shape[0] - gt) // s + 1)) * s
        left = int(rng.integers(0, (image.shape[1] - gt) // s + 1)) * s
        hr = image[top : top + gt, left : left + gt]
        if self.augment:  # BasicSR's augment: hflip, vflip, rot90 (as a transpose), each at 0.5
            if rng.uniform() < 0.5:
                hr = hr[:, ::-1]
            if rng.uniform() < 0.5:
                hr = hr[::-1]
            if rng.uniform() < 0.5:
                hr = hr.transpose(1, 0, 2)
        hr = np.ascontiguousarray(hr)
        sample: dict[str, torch.Tensor | str] = {
            "hr": torch.from_numpy(hr.transpose(2, 0, 1).astype(np.float32) / 255),  # (3, gt, gt)
            "skipped": "\n".join(skipped),
        }
        if self.degradation == "realesrgan":
            sample["kernel"] = torch.from_numpy(draw_kernel(rng, REAL_ISR))  # (9, 9)
        else:
            lr = np.clip(np.round(imresize(hr, 1 / s)), 0, 255).astype(np.float32)
            sample["lr"] = torch.from_numpy(
                np.ascontiguousarray(lr.transpose(2, 0, 1)) / 255
            )  # (3, gt/s, gt/s)
        return sample


class PhotoCrops(CropSamples):
    """Samples decoded from the photos of a folder or kept list; unusable files are skipped."""

    def __init__(self, paths: list[Path], gt_size: int, scale: int, **options) -> None:
        super().__init__(gt_size, scale, **options)
        self.paths = paths

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
            return self._sample(image, rng, skipped)
        raise PhotoSourceError(f"{MAX_SKIPS} photos in a row could not be used, e.g. {skipped[-1]}")


class PackedCrops(CropSamples):
    """Samples cut from the crops of a pack (``hggt-train pack-crops``): no decoding, no skips."""

    def __init__(self, pack: CropPack, gt_size: int, scale: int, **options) -> None:
        super().__init__(gt_size, scale, **options)
        if pack.crop_size < gt_size:
            raise CropPackError(
                f"{pack.path}: holds {pack.crop_size}px crops, smaller than the {gt_size}px training "
                f"crop; pack again with --crop-size {gt_size} or more"
            )
        self.pack = pack

    def __len__(self) -> int:
        return len(self.pack)

    def __getitem__(self, item: tuple[int, int]) -> dict[str, torch.Tensor | str]:
        index, seed = item
        return self._sample(self.pack.crop(index), np.random.default_rng(seed), [])


def training_crops(source: Path | str, gt_size: int, scale: int, **options) -> CropSamples:
    """The samples of a crop pack, or else of a folder of photos or a kept list."""
    if is_crop_pack(source):
        return PackedCrops(CropPack(source), gt_size, scale, **options)
    return PhotoCrops(photo_paths(source), gt_size, scale, **options)


def photo_loader(
    dataset: CropSamples, batch_size: int, seed: int, workers: int, start_sample: int = 0
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
