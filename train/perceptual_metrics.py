"""LPIPS (AlexNet) and DISTS in plain torch, with weights from local files (nothing downloaded).

Weight files (``.pth`` loaded with ``weights_only=True``, or ``.safetensors``) may be given as
one merged file or several, whose keys are merged:

- LPIPS-Alex: torchvision ``alexnet`` (``features.N.*``) plus the lpips package's ``alex.pth``
  (``linK.model.1.weight``); a saved ``lpips.LPIPS`` module (``net.sliceK.N.*``) works too.
- DISTS: torchvision ``vgg16`` (``features.N.*``) plus DISTS' ``weights.pt`` (``alpha``,
  ``beta``); a saved DISTS module (``stageK.N.*``) works too.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from train.checkpoint import CheckpointError, read_state_file
from train.vgg import vgg_layers


class MetricWeightsError(Exception):
    """A metric's weight file is missing or does not fit; the message names the file."""


def read_weights(paths: list[Path]) -> dict[str, torch.Tensor]:
    """Merge the state dicts of several local files (later files win)."""
    merged: dict[str, torch.Tensor] = {}
    for path in paths:
        if not Path(path).is_file():
            raise MetricWeightsError(f"{path}: weight file not found")
        try:
            state = read_state_file(path)
        except CheckpointError as exc:
            raise MetricWeightsError(str(exc)) from exc
        merged.update(state.get("state_dict", state))
    return merged


def _features_key(key: str) -> str:
    """``net.slice2.3.weight`` / ``stage2.5.weight`` -> ``features.3.weight`` (torchvision index)."""
    return re.sub(r"^(?:net\.slice\d+|stage\d+)\.", "features.", key)


_ALEX = [
    (3, 64, 11, 4, 2),
    "M",
    (64, 192, 5, 1, 2),
    "M",
    (192, 384, 3, 1, 1),
    (384, 256, 3, 1, 1),
    (256, 256, 3, 1, 1),
]


class LPIPSAlex(nn.Module):
    """LPIPS v0.1 with AlexNet: normalised relu1..relu5 features, 1x1 linear heads, spatial mean."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for item in _ALEX:
            if item == "M":
                layers.append(nn.MaxPool2d(3, 2))
            else:
                cin, cout, k, s, p = item  # type: ignore[misc]
                layers += [nn.Conv2d(cin, cout, k, s, p), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.taps = (1, 4, 7, 9, 11)  # relu outputs
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in (64, 192, 384, 256, 256))
        self.register_buffer("shift", torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1))

    def load(self, state: dict[str, torch.Tensor], source: str) -> LPIPSAlex:
        mapped = {_features_key(k): v for k, v in state.items()}
        for k in range(5):
            mapped[f"lins.{k}.weight"] = mapped.pop(f"lin{k}.model.1.weight", None)  # type: ignore[assignment]
        wanted = {k: mapped.get(k) for k in self.state_dict() if k not in ("shift", "scale")}
        missing = [k for k, v in wanted.items() if v is None]
        if missing:
            raise MetricWeightsError(
                f"{source}: not LPIPS-Alex weights (missing {', '.join(missing[:3])} ...)"
            )
        self.load_state_dict({**wanted, "shift": self.shift, "scale": self.scale})
        return self.eval().requires_grad_(False)

    def _taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.taps:
                out.append(x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10))
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] each -> (B,) distances (inputs scaled to [-1, 1])."""
        fx = self._taps((x * 2 - 1 - self.shift) / self.scale)
        fy = self._taps((y * 2 - 1 - self.shift) / self.scale)
        return sum(
            lin((a - b) ** 2).mean((2, 3)) for lin, a, b in zip(self.lins, fx, fy, strict=True)
        ).flatten()


class L2Pooling(nn.Module):
    """DISTS' L2 pooling: sqrt of a Hanning-weighted average of squares, stride 2."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        a = np.hanning(5)[1:-1]
        g = torch.tensor(a[:, None] * a[None, :], dtype=torch.float32)
        self.register_buffer("filter", (g / g.sum())[None, None].repeat(channels, 1, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.conv2d(x**2, self.filter, stride=2, padding=1, groups=x.shape[1])
        return (out + 1e-12).sqrt()


_VGG16: list[int | str] = [64, 64, "P", 128, 128, "P", 256, 256, 256, "P", 512, 512, 512, "P", 512, 512, 512]


class DISTS(nn.Module):
    """DISTS (Ding et al. 2020) with its VGG16 backbone, L2 pooling and learned alpha/beta."""

    CHANNELS = (3, 64, 128, 256, 512, 512)

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(*vgg_layers(_VGG16, L2Pooling))
        self.taps = (3, 8, 15, 22, 29)  # relu1_2, relu2_2, relu3_3, relu4_3, relu5_3
        self.alpha = nn.Parameter(torch.zeros(1, sum(self.CHANNELS), 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, sum(self.CHANNELS), 1, 1))
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1), persistent=False)

    def load(self, state: dict[str, torch.Tensor], source: str) -> DISTS:
        mapped = {_features_key(k): v for k, v in state.items()}
        wanted = {k: mapped.get(k) for k in self.state_dict()}
        missing = [k for k, v in wanted.items() if v is None]
        if missing:
            raise MetricWeightsError(f"{source}: not DISTS weights (missing {', '.join(missing[:3])} ...)")
        self.load_state_dict(wanted)  # type: ignore[arg-type]
        return self.eval().requires_grad_(False)

    def _taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = [x]
        h = (x - self.mean) / self.std
        for index, layer in enumerate(self.features):
            h = layer(h)
            if index in self.taps:
                out.append(h)
        return out

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) in [0, 1] each -> (B,) distances."""
        fx, fy = self._taps(x), self._taps(y)
        total = self.alpha.sum() + self.beta.sum()
        alphas = torch.split(self.alpha / total, self.CHANNELS, dim=1)
        betas = torch.split(self.beta / total, self.CHANNELS, dim=1)
        dist1 = dist2 = 0.0
        c1 = c2 = 1e-6
        for a, b, alpha, beta in zip(fx, fy, alphas, betas, strict=True):
            a_mean, b_mean = a.mean((2, 3), keepdim=True), b.mean((2, 3), keepdim=True)
            s1 = (2 * a_mean * b_mean + c1) / (a_mean**2 + b_mean**2 + c1)
            a_var = ((a - a_mean) ** 2).mean((2, 3), keepdim=True)
            b_var = ((b - b_mean) ** 2).mean((2, 3), keepdim=True)
            cov = (a * b).mean((2, 3), keepdim=True) - a_mean * b_mean
            s2 = (2 * cov + c2) / (a_var + b_var + c2)
            dist1 = dist1 + (alpha * s1).sum(1, keepdim=True)
            dist2 = dist2 + (beta * s2).sum(1, keepdim=True)
        return (1 - (dist1 + dist2)).flatten()  # type: ignore[operator]
