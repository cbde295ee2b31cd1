"""ELAN (efficient long-range attention network) at scale 1: the HGGT enhancers 03 and 04.

Parameter names follow the published ELAN code as ported to BasicSR by the HGGT authors
(``head``, ``body.N.modules_lfe.lfe_K``, ``body.N.modules_gmsa.gmsa_K``, ``tail``), so their
checkpoints load strictly. Input and output are RGB in [0, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class ShiftConv2d1(nn.Module):
    """A fixed depthwise shift of five channel groups, then a 1x1 convolution."""

    def __init__(self, inp_channels: int, out_channels: int) -> None:
        super().__init__()
        self.inp_channels = inp_channels
        g = inp_channels // 5
        weight = torch.zeros(inp_channels, 1, 3, 3)
        weight[0 * g : 1 * g, 0, 1, 2] = 1.0
        weight[1 * g : 2 * g, 0, 1, 0] = 1.0
        weight[2 * g : 3 * g, 0, 2, 1] = 1.0
        weight[3 * g : 4 * g, 0, 0, 1] = 1.0
        weight[4 * g :, 0, 1, 1] = 1.0
        # A frozen Parameter, as published, so the key ``...shift_conv.weight`` is in checkpoints.
        self.weight = nn.Parameter(weight, requires_grad=False)
        self.conv1x1 = nn.Conv2d(inp_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(x, self.weight, bias=None, stride=1, padding=1, groups=self.inp_channels)
        return self.conv1x1(y)


class ShiftConv2d(nn.Module):
    """Wrapper kept for the published parameter names (``conv0.shift_conv.*``)."""

    def __init__(self, inp_channels: int, out_channels: int) -> None:
        super().__init__()
        self.shift_conv = ShiftConv2d1(inp_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shift_conv(x)


class LFE(nn.Module):
    """Local feature extraction: two shift convolutions with a ReLU between."""

    def __init__(self, inp_channels: int, out_channels: int, exp_ratio: int = 4) -> None:
        super().__init__()
        self.conv0 = ShiftConv2d(inp_channels, out_channels * exp_ratio)
        self.conv1 = ShiftConv2d(out_channels * exp_ratio, out_channels)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv1(self.act(self.conv0(x)))


def to_windows(x: torch.Tensor, size: int) -> torch.Tensor:
    """(B, C, H, W) -> (B * H/size * W/size, size*size, C)."""
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // size, size, w // size, size).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(-1, size * size, c)


def from_windows(y: torch.Tensor, size: int, b: int, h: int, w: int) -> torch.Tensor:
    """Inverse of :func:`to_windows`."""
    c = y.shape[-1]
    y = y.reshape(b, h // size, w // size, size, size, c).permute(0, 5, 1, 3, 2, 4)
    return y.reshape(b, c, h, w)


class GMSA(nn.Module):
    """Group-wise multi-scale self-attention over (optionally shifted) windows."""

    def __init__(self, channels: int, shifts: int, window_sizes: list[int], calc_attn: bool = True) -> None:
        super().__init__()
        self.shifts = shifts
        self.window_sizes = window_sizes
        width = channels * 2 if calc_attn else channels
        self.split_chns = [width // 3] * 3
        self.project_inp = nn.Sequential(nn.Conv2d(channels, width, kernel_size=1), nn.BatchNorm2d(width))
        self.project_out = nn.Conv2d(channels, channels, kernel_size=1)

    def forward(
        self, x: torch.Tensor, prev_atns: list[torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        b, _, h, w = x.shape
        xs = torch.split(self.project_inp(x), self.split_chns, dim=1)
        ys, atns = [], []
        for idx, part in enumerate(xs):
            size = self.window_sizes[idx]
            if self.shifts > 0:
                part = torch.roll(part, shifts=(-size // 2, -size // 2), dims=(2, 3))
            if prev_atns is None:
                half = part.shape[1] // 2
                q, v = to_windows(part[:, :half], size), to_windows(part[:, half:], size)
                atn = (q @ q.transpose(-2, -1)).softmax(dim=-1)
            else:
                atn, v = prev_atns[idx], to_windows(part, size)
            y = from_windows(atn @ v, size, b, h, w)
            if self.shifts > 0:
                y = torch.roll(y, shifts=(size // 2, size // 2), dims=(2, 3))
            ys.append(y)
            atns.append(atn)
        return self.project_out(torch.cat(ys, dim=1)), atns


class ELAB(nn.Module):
    """ELAN block: LFE and GMSA pairs; attention maps computed once and shared."""

    def __init__(
        self, channels: int, exp_ratio: int, shifts: int, window_sizes: list[int], shared_depth: int
    ) -> None:
        super().__init__()
        self.shared_depth = shared_depth
        self.modules_lfe = nn.ModuleDict(
            {f"lfe_{i}": LFE(channels, channels, exp_ratio) for i in range(1 + shared_depth)}
        )
        self.modules_gmsa = nn.ModuleDict(
            {
                f"gmsa_{i}": GMSA(channels, shifts, window_sizes, calc_attn=i == 0)
                for i in range(1 + shared_depth)
            }
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        atn = None
        for i in range(1 + self.shared_depth):
            x = self.modules_lfe[f"lfe_{i}"](x) + x
            y, atn = self.modules_gmsa[f"gmsa_{i}"](x, atn)
            x = y + x
        return x


class ELAN(nn.Module):
    """ELAN as used by HGGT (scale 1 by default; PixelShuffle tail for larger scales)."""

    def __init__(
        self,
        scale: int = 1,
        img_range: float = 255.0,
        colors: int = 3,
        window_sizes: tuple[int, ...] = (4, 8, 16),
        m_elan: int = 36,
        c_elan: int = 180,
        n_share: int = 0,
        r_expand: int = 2,
        rgb_mean: tuple[float, float, float] = (0.4488, 0.4371, 0.4040),
    ) -> None:
        super().__init__()
        self.scale = scale
        self.img_range = img_range
        self.window_sizes = list(window_sizes)
        self.register_buffer("mean", torch.tensor(rgb_mean).view(1, 3, 1, 1), persistent=False)
        self.head = nn.Sequential(nn.Conv2d(colors, c_elan, kernel_size=3, stride=1, padding=1))
        self.body = nn.Sequential(
            *(
                ELAB(c_elan, r_expand, i % 2, self.window_sizes, n_share)
                for i in range(m_elan // (1 + n_share))
            )
        )
        if scale == 1:
            self.tail = nn.Sequential(nn.Conv2d(c_elan, colors, kernel_size=3, stride=1, padding=1))
        else:
            self.tail = nn.Sequential(
                nn.Conv2d(c_elan, colors * scale * scale, kernel_size=3, stride=1, padding=1),
                nn.PixelShuffle(scale),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        x = self.pad_to_windows(x)
        mean = self.mean.to(x.dtype)
        x = (x - mean) * self.img_range
        x = self.head(x)
        x = self.tail(self.body(x) + x)
        x = x / self.img_range + mean
        return x[:, :, : h * self.scale, : w * self.scale]

    def pad_to_windows(self, x: torch.Tensor) -> torch.Tensor:
        """Reflect-pad height and width up to a multiple of every window size."""
        size = math.lcm(*self.window_sizes)
        h, w = x.shape[2:]
        return F.pad(x, (0, (size - w % size) % size, 0, (size - h % size) % size), "reflect")


def elan_config(state: dict[str, torch.Tensor]) -> dict[str, int]:
    """ELAN constructor arguments read from a state dict (window sizes are not stored: default)."""
    head = state["head.0.weight"]
    blocks = {int(k.split(".")[1]) for k in state if k.startswith("body.")}
    lfes = {k.split(".")[3] for k in state if k.startswith("body.0.modules_lfe.")}
    expanded = state["body.0.modules_lfe.lfe_0.conv0.shift_conv.conv1x1.weight"].shape[0]
    tail = state["tail.0.weight"].shape[0]
    n_share = len(lfes) - 1
    return {
        "colors": head.shape[1],
        "c_elan": head.shape[0],
        "m_elan": len(blocks) * (1 + n_share),
        "n_share": n_share,
        "r_expand": expanded // head.shape[0],
        "scale": math.isqrt(tail // head.shape[1]),
    }
