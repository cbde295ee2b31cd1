"""Segmentation architectures whose safetensors weights ``seg_arch=NAME seg_weights=FILE`` loads.

An explicit registry (spandrel's way): each entry builds the network from the weights' shapes,
so a file carries its own class count and width. The parameter names are part of the contract
(docs/training.md lists them); a file with other names or shapes is refused, naming the file.

``tiny_unet``: a two-level UNet-ish net, light enough to train next to the SR network on a CPU::

    enc1.0   conv 3x3, 3 -> w, ReLU                     (full resolution)
    enc2.0   conv 3x3 stride 2, w -> 2w, ReLU           (half resolution)
    enc2.2   conv 3x3, 2w -> 2w, ReLU
    dec.0    conv 3x3, 3w -> w, ReLU                    (enc2 upsampled bilinearly, concatenated with enc1)
    head     conv 1x1, w -> classes                     logits (B, classes, H, W)

each with ``.weight`` and ``.bias``; w and classes are read from ``enc1.0.weight`` and ``head.weight``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn
from torch.nn import functional as F


class TinyUNet(nn.Module):
    """Logits (B, classes, H, W) of a (B, 3, H, W) normalised image batch (H, W any size)."""

    def __init__(self, classes: int, width: int = 16) -> None:
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU())
        self.enc2 = nn.Sequential(
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1),
            nn.ReLU(),
        )
        self.dec = nn.Sequential(nn.Conv2d(3 * width, width, 3, padding=1), nn.ReLU())
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        full = self.enc1(x)  # (B, w, H, W)
        half = self.enc2(full)  # (B, 2w, ceil(H/2), ceil(W/2))
        up = F.interpolate(half, size=full.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(self.dec(torch.cat((up, full), dim=1)))

    @classmethod
    def from_state_dict(cls, state: Mapping[str, torch.Tensor]) -> TinyUNet:
        """The net sized by ``state`` (KeyError when the two tensors that size it are missing)."""
        return cls(classes=state["head.weight"].shape[0], width=state["enc1.0.weight"].shape[0])


SEG_ARCHITECTURES: dict[str, Callable[[Mapping[str, torch.Tensor]], nn.Module]] = {
    "tiny_unet": TinyUNet.from_state_dict,
}
