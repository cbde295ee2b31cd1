"""RCAN (BasicSR parameter names): without its upsampler, the HGGT enhancers 01 and 02; with
``upscale`` 2/3/4, the classical SR model (``upsample.0``, ``upsample.2``) as BasicSR trains it."""

from __future__ import annotations

import torch
from torch import nn

from enhance.archs.blocks import DIV2K_MEAN, Upsample, upsample_scale


class ChannelAttention(nn.Module):
    """Squeeze-and-excitation over channels; it sees the whole input, hence tiles can differ."""

    def __init__(self, num_feat: int, squeeze_factor: int = 16) -> None:
        super().__init__()
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(num_feat, num_feat // squeeze_factor, 1, padding=0),
            nn.ReLU(inplace=True),
            nn.Conv2d(num_feat // squeeze_factor, num_feat, 1, padding=0),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.attention(x)


class RCAB(nn.Module):
    """Residual channel attention block."""

    def __init__(self, num_feat: int, squeeze_factor: int = 16, res_scale: float = 1.0) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.rcab = nn.Sequential(
            nn.Conv2d(num_feat, num_feat, 3, 1, 1),
            nn.ReLU(True),
            nn.Conv2d(num_feat, num_feat, 3, 1, 1),
            ChannelAttention(num_feat, squeeze_factor),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rcab(x) * self.res_scale + x


class ResidualGroup(nn.Module):
    """A run of RCABs closed by a convolution, with a skip connection around it."""

    def __init__(
        self, num_feat: int, num_block: int, squeeze_factor: int = 16, res_scale: float = 1.0
    ) -> None:
        super().__init__()
        self.residual_group = nn.Sequential(
            *(RCAB(num_feat, squeeze_factor, res_scale) for _ in range(num_block))
        )
        self.conv = nn.Conv2d(num_feat, num_feat, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.residual_group(x)) + x


class RCAN(nn.Module):
    """BasicSR's RCAN; ``upscale=1`` drops the upsampler (HGGT's ``RCANNOUP``). RGB in [0, 1]."""

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_group: int = 10,
        num_block: int = 20,
        squeeze_factor: int = 16,
        res_scale: float = 1.0,
        img_range: float = 255.0,
        rgb_mean: tuple[float, float, float] = DIV2K_MEAN,
        upscale: int = 1,
    ) -> None:
        super().__init__()
        self.img_range = img_range
        # A buffer (not a parameter) so it follows .to(device) and is exported as a constant,
        # but kept out of the state dict, as in BasicSR, so published checkpoints load strictly.
        self.register_buffer("mean", torch.tensor(rgb_mean).view(1, 3, 1, 1), persistent=False)
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(
            *(ResidualGroup(num_feat, num_block, squeeze_factor, res_scale) for _ in range(num_group))
        )
        self.conv_after_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.upsample = Upsample(upscale, num_feat) if upscale > 1 else nn.Identity()
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = self.mean.to(x.dtype)
        x = (x - mean) * self.img_range
        x = self.conv_first(x)
        res = self.conv_after_body(self.body(x)) + x
        return self.conv_last(self.upsample(res)) / self.img_range + mean


def rcan_config(state: dict[str, torch.Tensor]) -> dict[str, int]:
    """RCAN constructor arguments read from a state dict's keys and shapes."""
    first = state["conv_first.weight"]
    groups = {int(k.split(".")[1]) for k in state if k.startswith("body.")}
    blocks = {int(k.split(".")[3]) for k in state if k.startswith("body.0.residual_group.")}
    squeeze = state["body.0.residual_group.0.rcab.3.attention.1.weight"].shape[0]
    return {
        "num_in_ch": first.shape[1],
        "num_out_ch": state["conv_last.weight"].shape[0],
        "num_feat": first.shape[0],
        "num_group": len(groups),
        "num_block": len(blocks),
        "squeeze_factor": first.shape[0] // squeeze,
        "upscale": upsample_scale(state),
    }
