"""Blocks shared by the classical SR architectures, under BasicSR's names (``archs/arch_util.py``)."""

from __future__ import annotations

import math

import torch
from torch import nn

StateDict = dict[str, torch.Tensor]

# The RGB mean of DIV2K's training photos, which EDSR and RCAN subtract (on a [0, 255] range).
DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


class LayoutError(ValueError):
    """A checkpoint's parameter names follow a layout that cannot be mapped to BasicSR's."""


class ResidualBlockNoBN(nn.Module):
    """conv - ReLU - conv with a scaled identity skip; parameters ``conv1`` and ``conv2``."""

    def __init__(self, num_feat: int = 64, res_scale: float = 1.0) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.relu(self.conv1(x))) * self.res_scale


class ResidualTrunk(nn.Module):
    """``conv_first`` and a ``body`` of residual blocks: the front that EDSR and MSRResNet share.

    Subclasses add their tails; the parameter names stay BasicSR's (``conv_first``, ``body.N``).
    """

    def __init__(self, num_in_ch: int, num_feat: int, num_block: int, res_scale: float = 1.0) -> None:
        super().__init__()
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(ResidualBlockNoBN(num_feat, res_scale) for _ in range(num_block)))


def trunk_config(state: StateDict) -> dict[str, int]:
    """Channels in and out, features and residual blocks of a :class:`ResidualTrunk` model."""
    first = state["conv_first.weight"]
    return {
        "num_in_ch": first.shape[1],
        "num_out_ch": state["conv_last.weight"].shape[0],
        "num_feat": first.shape[0],
        "num_block": count_blocks(state),
    }


class Upsample(nn.Sequential):
    """BasicSR's pixel-shuffle upsampler: (conv to 4C, shuffle x2) per factor 2, or one x3 stage.

    Its parameters are ``upsample.0`` (and ``upsample.2`` for x4, ``upsample.4`` for x8).
    """

    def __init__(self, scale: int, num_feat: int) -> None:
        layers: list[nn.Module] = []
        if scale & (scale - 1) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [nn.Conv2d(num_feat, 9 * num_feat, 3, 1, 1), nn.PixelShuffle(3)]
        else:
            raise ValueError(f"scale {scale} is not supported; use 2, 3, 4 or 8")
        super().__init__(*layers)


def upsample_scale(state: StateDict, prefix: str = "upsample") -> int:
    """The factor of an :class:`Upsample` read from its parameters in a state dict (1 if none)."""
    convs = sorted(
        int(k.split(".")[1]) for k in state if k.startswith(f"{prefix}.") and k.endswith(".weight")
    )
    if not convs:
        return 1
    weight = state[f"{prefix}.{convs[0]}.weight"]
    if weight.shape[0] == 9 * weight.shape[1]:
        return 3
    return 2 ** len(convs)


def count_blocks(state: StateDict, prefix: str = "body.") -> int:
    """How many numbered children ``prefix`` has (``body.0.…``, ``body.1.…``)."""
    return len({k[len(prefix) :].split(".")[0] for k in state if k.startswith(prefix)})
