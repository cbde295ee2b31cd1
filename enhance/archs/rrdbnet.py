"""RRDBNet (ESRGAN generator) with BasicSR parameter names, so published checkpoints load.

Names: ``conv_first``, ``body.N.rdb{1,2,3}.conv{1..5}``, ``conv_body``, ``conv_up1``, ``conv_up2``,
``conv_hr``, ``conv_last``. The HGGT variant (``RRDBPSNet`` in
the HGGT code) replaces the two nearest+conv upsamplers by a pixel-shuffle upsampler whose
parameters live under ``upsample.*`` (BasicSR's ``Upsample(4, C)``: ``upsample.0`` conv to 4*C,
shuffle x2, ``upsample.2`` conv, shuffle x2), followed by one LeakyReLU. It matches HGGT's x4
model; for x2/x1 inputs this class still upsamples x4 after the pixel-unshuffle, so the output is
scale x the input (HGGT's code would upsample by ``scale`` only).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ResidualDenseBlock(nn.Module):
    """Five densely connected 3x3 convolutions with a 0.2-scaled residual."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)
        # BasicSR's default_init_weights: kaiming scaled by 0.1, so the residual starts small.
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5):
            nn.init.kaiming_normal_(conv.weight)
            conv.weight.data *= 0.1
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    """Residual-in-residual dense block: three dense blocks and a 0.2-scaled residual."""

    def __init__(self, num_feat: int, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


def pixel_unshuffle(x: torch.Tensor, scale: int) -> torch.Tensor:
    """Space-to-depth, as BasicSR's RRDBNet does for scale 1 and 2 inputs."""
    return F.pixel_unshuffle(x, scale)


class RRDBNet(nn.Module):
    """BasicSR's RRDBNet (x4 by default; x2 and x1 via pixel-unshuffle of the input).

    ``upsampler="nearest"`` is BasicSR/Real-ESRGAN (``conv_up1``/``conv_up2``);
    ``upsampler="pixelshuffle"`` is the HGGT variant (``upsample.0``/``upsample.2``).
    """

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_block: int = 23,
        num_grow_ch: int = 32,
        scale: int = 4,
        upsampler: str = "nearest",
    ) -> None:
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(f"RRDBNet supports scale 1, 2 or 4, not {scale}")
        if upsampler not in ("nearest", "pixelshuffle"):
            raise ValueError(f"upsampler must be 'nearest' or 'pixelshuffle', not {upsampler!r}")
        self.scale = scale
        self.upsampler = upsampler
        in_ch = num_in_ch * {1: 16, 2: 4, 4: 1}[scale]
        self.conv_first = nn.Conv2d(in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        if upsampler == "nearest":
            self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        else:
            # BasicSR's Upsample(4, num_feat): [conv 4C, shuffle 2, conv 4C, shuffle 2].
            self.upsample = nn.Sequential(
                nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1),
                nn.PixelShuffle(2),
                nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1),
                nn.PixelShuffle(2),
            )
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) in [0, 1] -> (B, C, scale*h, scale*w)."""
        feat = x if self.scale == 4 else pixel_unshuffle(x, 4 // self.scale)
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        if self.upsampler == "nearest":
            feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
            feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        else:
            feat = self.lrelu(self.upsample(feat))  # as HGGT's RRDBPSNet: one LeakyReLU after both shuffles
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


def rrdbnet_config(state: dict[str, torch.Tensor]) -> dict[str, int | str]:
    """RRDBNet constructor arguments that fit a state dict (BasicSR or HGGT pixel-shuffle names)."""
    first = state["conv_first.weight"]
    num_out = state["conv_last.weight"].shape[0]
    # BasicSR feeds x2 / x1 models pixel-unshuffled input: 4x / 16x the input channels.
    scale = 4 if first.shape[1] == num_out else (2 if first.shape[1] == 4 * num_out else 1)
    blocks = {int(k.split(".")[1]) for k in state if k.startswith("body.")}
    return {
        "num_in_ch": first.shape[1] // {4: 1, 2: 4, 1: 16}[scale],
        "num_out_ch": num_out,
        "num_feat": first.shape[0],
        "num_block": len(blocks),
        "num_grow_ch": state["body.0.rdb1.conv1.weight"].shape[0],
        "scale": scale,
        "upsampler": "pixelshuffle" if "upsample.0.weight" in state else "nearest",
    }
