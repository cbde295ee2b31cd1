"""MSRResNet (SRResNet without batch norm, BasicSR's ``srresnet_arch.py``), published names.

Names: ``conv_first``, ``body.N.conv{1,2}``, ``upconv1`` (and ``upconv2`` for x4), ``conv_hr``,
``conv_last``; the output adds a bilinear upscale of the input, as BasicSR does. The older mmsr
names (``recon_trunk``, ``HRconv``) are renamed by :mod:`enhance.archs.official`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from enhance.archs.blocks import ResidualTrunk, StateDict, trunk_config


class MSRResNet(ResidualTrunk):
    """Modified SRResNet, x2/x3/x4; input and output RGB in [0, 1]."""

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_block: int = 16,
        upscale: int = 4,
    ) -> None:
        if upscale not in (2, 3, 4):
            raise ValueError(f"MSRResNet supports upscale 2, 3 or 4, not {upscale}")
        super().__init__(num_in_ch, num_feat, num_block)
        self.upscale = upscale
        shuffle = 3 if upscale == 3 else 2
        self.upconv1 = nn.Conv2d(num_feat, num_feat * shuffle * shuffle, 3, 1, 1)
        self.pixel_shuffle = nn.PixelShuffle(shuffle)
        if upscale == 4:
            self.upconv2 = nn.Conv2d(num_feat, num_feat * 4, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.1, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(self.lrelu(self.conv_first(x)))
        out = self.lrelu(self.pixel_shuffle(self.upconv1(out)))
        if self.upscale == 4:
            out = self.lrelu(self.pixel_shuffle(self.upconv2(out)))
        out = self.conv_last(self.lrelu(self.conv_hr(out)))
        base = F.interpolate(x, scale_factor=self.upscale, mode="bilinear", align_corners=False)
        return out + base


def msrresnet_config(state: StateDict) -> dict[str, int]:
    """MSRResNet constructor arguments read from a state dict's keys and shapes."""
    sizes = trunk_config(state)
    up1 = state["upconv1.weight"]
    upscale = 4 if "upconv2.weight" in state else (3 if up1.shape[0] == 9 * sizes["num_feat"] else 2)
    return {**sizes, "upscale": upscale}
