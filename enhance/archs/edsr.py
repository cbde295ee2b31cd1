"""EDSR with BasicSR's parameter names (``edsr_arch.py``); the official code's names are renamed.

BasicSR: ``conv_first``, ``body.N.conv{1,2}``, ``conv_after_body``, ``upsample.{0,2}``,
``conv_last``. The official EDSR-PyTorch checkpoints (``edsr_x4-4f62e9ef.pt``) use ``head.0``,
``body.N.body.{0,2}``, ``body.<num_block>`` (the conv after the body), ``tail.0.{0,2}``, ``tail.1``
and the fixed mean-shift convolutions ``sub_mean`` / ``add_mean``, which are dropped.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from enhance.archs.blocks import ResidualBlockNoBN, StateDict, Upsample, count_blocks, upsample_scale

DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


class EDSR(nn.Module):
    """Enhanced deep residual network for SR; input and output RGB in [0, 1]."""

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_block: int = 16,
        upscale: int = 4,
        res_scale: float = 1.0,
        img_range: float = 255.0,
        rgb_mean: tuple[float, float, float] = DIV2K_MEAN,
    ) -> None:
        super().__init__()
        self.img_range = img_range
        self.register_buffer("mean", torch.tensor(rgb_mean).view(1, 3, 1, 1), persistent=False)
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(ResidualBlockNoBN(num_feat, res_scale) for _ in range(num_block)))
        self.conv_after_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.upsample = Upsample(upscale, num_feat)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = self.mean.to(x.dtype)
        x = self.conv_first((x - mean) * self.img_range)
        res = self.conv_after_body(self.body(x)) + x
        return self.conv_last(self.upsample(res)) / self.img_range + mean


def edsr_config(state: StateDict) -> dict[str, float | int]:
    """EDSR constructor arguments read from a state dict; EDSR-L (256 features) uses res_scale 0.1."""
    first = state["conv_first.weight"]
    return {
        "num_in_ch": first.shape[1],
        "num_out_ch": state["conv_last.weight"].shape[0],
        "num_feat": first.shape[0],
        "num_block": count_blocks(state),
        "upscale": upsample_scale(state),
        "res_scale": 0.1 if first.shape[0] >= 256 else 1.0,
    }


def is_official_edsr(state: StateDict) -> bool:
    return "head.0.weight" in state and "tail.1.weight" in state and "body.0.body.0.weight" in state


def from_official_edsr(state: StateDict) -> StateDict:
    """The official EDSR-PyTorch state dict under BasicSR names (mean shifts dropped)."""
    last_body = max(int(k.split(".")[1]) for k in state if k.startswith("body."))
    renamed: StateDict = {}
    for key, value in state.items():
        if key.startswith(("sub_mean.", "add_mean.")):
            continue
        if m := re.fullmatch(r"body\.(\d+)\.body\.([02])\.(weight|bias)", key):
            new = f"body.{m.group(1)}.conv{1 if m.group(2) == '0' else 2}.{m.group(3)}"
        elif m := re.fullmatch(rf"body\.{last_body}\.(weight|bias)", key):
            new = f"conv_after_body.{m.group(1)}"
        elif m := re.fullmatch(r"tail\.0\.(\d+)\.(weight|bias)", key):
            new = f"upsample.{m.group(1)}.{m.group(2)}"
        else:
            new = key.replace("head.0.", "conv_first.").replace("tail.1.", "conv_last.")
        renamed[new] = value
    return renamed
