"""Training samples from the pack: a deterministic sharded order, per-sample draws in workers.

Every random draw of a sample (blur kernel, crop position, flip) comes from a generator seeded
by (seed, epoch, position in the epoch), never from a worker's global state. A sample is thus
the same whatever the number of workers or processes, and a resumed run restarts the order at
the exact sample where it stopped without saving any worker state.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from hggt_desktop.pack.reader import PackReader
from train.config import Config
from train.degradations import draw_kernel
from train.seg_labels import LabelFolder, crop_label_map


def sample_seed(seed: int, epoch: int, position: int) -> int:
    """The seed of one sample's draws (position in the epoch's global order)."""
    return int(np.random.SeedSequence([seed, epoch, position]).generate_state(1, np.uint64)[0] >> 1)


class ShardedOrder(Sampler[tuple[int, int]]):
    """Endless (index, sample seed) stream: one permutation per epoch, rank r takes r::world.

    Like DistributedSampler: the epoch's order is padded by wrapping to a multiple of ``world``
    so every process takes the same number of samples. ``start`` skips that many of this
    rank's samples (resume).
    """

    def __init__(self, n: int, seed: int, rank: int = 0, world: int = 1, start: int = 0) -> None:
        if n == 0:
            raise ValueError("no training sets to sample from")
        self.n, self.seed, self.rank, self.world, self.start = n, seed, rank, world, start

    def __iter__(self) -> Iterator[tuple[int, int]]:
        per_rank = math.ceil(self.n / self.world)
        epoch, offset = divmod(self.start, per_rank)
        while True:
            order = np.random.default_rng([self.seed, epoch]).permutation(self.n)
            order = np.resize(order, per_rank * self.world)  # wraps around to pad
            for pos in range(offset, per_rank):
                global_pos = pos * self.world + self.rank
                yield int(order[global_pos]), sample_seed(self.seed, epoch, global_pos)
            offset, epoch = 0, epoch + 1


class PackSamples(Dataset):
    """One training sample per set: the full original, the five HR crops, labels, kernel.

    With a label folder, also the set's class map cropped like the HR crops ("seg", unflipped
    like them: the flip is applied on the device); its reading draws nothing from the sample's
    generator, so a run with and without labels sees the same crops.
    """

    def __init__(
        self, reader: PackReader, indices: np.ndarray, cfg: Config, labels: LabelFolder | None = None
    ) -> None:
        self.reader, self.indices, self.cfg, self.labels = reader, indices, cfg, labels

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, item: tuple[int, int]) -> dict[str, torch.Tensor]:
        position, seed = item
        index = int(self.indices[position])
        rng = np.random.default_rng(seed)
        images = self.reader.read_set(index)  # (1+V, H, W, 3) uint8
        kernel = draw_kernel(rng, self.cfg)
        height, width = images.shape[1:3]
        gt = self.cfg.gt_size
        if height < gt or width < gt:
            raise ValueError(
                f"{self.reader.path}: set {index} is {width}x{height}, smaller than gt_size {gt}"
            )
        # Crop corners on the LR grid (multiples of 4) so the LR crop is exact.
        top = int(rng.integers(0, (height - gt) // 4 + 1)) * 4
        left = int(rng.integers(0, (width - gt) // 4 + 1)) * 4
        flip = bool(self.cfg.use_hflip and rng.uniform() < 0.5)
        crops = images[:, top : top + gt, left : left + gt]
        sample = {
            "original": torch.from_numpy(np.ascontiguousarray(images[0].transpose(2, 0, 1))),  # (3, H, W)
            "hr": torch.from_numpy(np.ascontiguousarray(crops.transpose(0, 3, 1, 2))),  # (1+V, 3, gt, gt)
            "kernel": torch.from_numpy(kernel),
            "crop": torch.tensor([top, left, int(flip)]),
            "effective": torch.from_numpy(self.reader.meta.effective[index].astype(np.int64)),
            "votes": torch.from_numpy(self.reader.meta.votes[index].astype(np.int64)),
        }
        if self.labels is not None:
            sample["seg"] = torch.from_numpy(crop_label_map(self.labels, index, top, left, gt))  # (gt, gt)
        return sample


def make_loader(
    reader: PackReader,
    indices: np.ndarray,
    cfg: Config,
    rank: int,
    world: int,
    start_sample: int,
    pin: bool,
    labels: LabelFolder | None = None,
) -> DataLoader:
    """The endless training loader of one process, starting at its ``start_sample``-th sample."""
    order = ShardedOrder(len(indices), cfg.seed, rank, world, start_sample)
    return DataLoader(
        PackSamples(reader, indices, cfg, labels),
        batch_size=cfg.batch_size,
        sampler=order,
        num_workers=cfg.num_workers,
        drop_last=True,
        pin_memory=pin,
        persistent_workers=cfg.num_workers > 0,
    )


def crop_lr(lr: torch.Tensor, crop: torch.Tensor, gt_size: int) -> torch.Tensor:
    """The LR crops matching each sample's HR crop, flipped like it: (B, 3, gt/4, gt/4)."""
    size = gt_size // 4
    out = torch.stack(
        [
            lr[i, :, int(t) // 4 : int(t) // 4 + size, int(s) // 4 : int(s) // 4 + size]
            for i, (t, s, _) in enumerate(crop)
        ]
    )
    return flip_where(out, crop[:, 2].to(out.device))


def flip_where(images: torch.Tensor, flags: torch.Tensor) -> torch.Tensor:
    """Horizontally flip the samples whose flag is 1 (any number of leading dims after batch)."""
    mask = flags.bool().view(-1, *([1] * (images.dim() - 1)))
    return torch.where(mask, images.flip(-1), images)
