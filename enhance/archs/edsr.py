"""EDSR with BasicSR's parameter names (``edsr_arch.py``).

BasicSR: ``conv_first``, ``body.N.conv{1,2}``, ``conv_after_body``, ``upsample.{0,2}``,
``conv_last``. The official EDSR-PyTorch checkpoints (``edsr_x4-4f62e9ef.pt``) are renamed to
these by :mod:`enhance.archs.official`.
"""

from __future__ import annotations

import torch
from torch import nn

from enhance.archs.blocks import DIV2K_MEAN, ResidualTrunk, StateDict, Upsample, trunk_config, upsample_scale


class EDSR(ResidualTrunk):
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
        super().__init__(num_in_ch, num_feat, num_block, res_scale)
        self.img_range = img_range
        self.register_buffer("mean", torch.tensor(rgb_mean).view(1, 3, 1, 1), persistent=False)
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
    sizes = trunk_config(state)
    return {**sizes, "upscale": upsample_scale(state), "res_scale": 0.1 if sizes["num_feat"] >= 256 else 1.0}
