"""Tiny models and files for the runner tests (built in the test, nothing downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from enhance.archs.elan import ELAN
from enhance.archs.rcan import RCAN
from hggt_desktop.core.images import write_image


class LocalNet(nn.Module):
    """Three 3x3 convolutions: receptive radius 3, so tiling with overlap >= 12 is exact."""

    RADIUS = 3

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 3, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.tanh(4 * self.body(x))


def tiny_rcan(seed: int = 0) -> RCAN:
    torch.manual_seed(seed)
    model = RCAN(num_feat=8, num_group=1, num_block=1, squeeze_factor=4)
    # Small output layer: a freshly initialised RCAN is a near-identity, like a trained enhancer.
    with torch.no_grad():
        model.conv_last.weight.mul_(0.05)
        model.conv_last.bias.zero_()
    return model.eval()


def tiny_elan(seed: int = 0) -> ELAN:
    torch.manual_seed(seed)
    return ELAN(m_elan=2, c_elan=15, n_share=0).eval()


def torch_infer(model: nn.Module):
    def infer(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(batch)).numpy()

    return infer


def save_pth(model: nn.Module, path: Path) -> Path:
    torch.save({"params": model.state_dict()}, path)
    return path


def smooth_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A photo-like test image: smooth gradients plus texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([128 + 100 * np.sin(x / 17 + c) * np.cos(y / 23 - c) for c in range(3)], axis=-1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def make_folder(folder: Path, count: int, size: tuple[int, int] = (40, 56)) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        name = f"img{i:02d}.png"
        write_image(folder / name, smooth_image(size[0] + i, size[1], seed=i))
        names.append(name)
    return names


class Payload:
    """A pickled object that a weights-only load must refuse."""

    def __reduce__(self):
        return (print, ("this code ran while loading a checkpoint",))
