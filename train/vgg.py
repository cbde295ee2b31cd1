"""VGG19 features for the perceptual loss, from a local weight file (nothing is downloaded).

Accepts torchvision's ``vgg19`` state-dict layout (``features.N.weight``; classifier keys are
ignored) as ``.pth`` (loaded with ``weights_only=True``) or ``.safetensors``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from train.checkpoint import CheckpointError, read_state_file

# torchvision's vgg19 "E" configuration; numbers are output channels, "M" max pooling.
_CFG: list[int | str] = [
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
]
# Index in ``features`` of each conv whose output (before ReLU) the perceptual loss uses.
LAYERS = {"conv1_2": 2, "conv2_2": 7, "conv3_4": 16, "conv4_4": 25, "conv5_4": 34}
LAYER_WEIGHTS = {"conv1_2": 0.1, "conv2_2": 0.1, "conv3_4": 1.0, "conv4_4": 1.0, "conv5_4": 1.0}
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


class VGGError(Exception):
    """The VGG19 weight file is missing or not a vgg19 state dict."""


def vgg_layers(cfg: list[int | str], pool: Callable[[int], nn.Module]) -> list[nn.Module]:
    """A VGG ``features`` stack (torchvision's indices): 3x3 conv + ReLU per number in ``cfg``,
    ``pool(channels)`` per letter."""
    layers: list[nn.Module] = []
    channels = 3
    for item in cfg:
        if isinstance(item, str):
            layers.append(pool(channels))
        else:
            layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU()]
            channels = item
    return layers


class VGG19Features(nn.Module):
    """``features`` of torchvision's vgg19 up to conv5_4, returning the chosen pre-ReLU outputs."""

    def __init__(self) -> None:
        super().__init__()
        layers = vgg_layers(_CFG, lambda _channels: nn.MaxPool2d(2, 2))
        self.features = nn.Sequential(*layers[: LAYERS["conv5_4"] + 1])
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """(B, 3, H, W) RGB in [0, 1] -> layer name -> features (ImageNet-normalised input)."""
        x = (x - self.mean) / self.std
        wanted = {index: name for name, index in LAYERS.items()}
        out: dict[str, torch.Tensor] = {}
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in wanted:
                out[wanted[index]] = x
        return out


def load_vgg19(path: Path | str) -> VGG19Features:
    """VGG19 features with the weights of a local torchvision-layout file, in eval mode."""
    if not str(path):  # Path("") would print as "."
        raise VGGError(
            "vgg_weights is not set; give vgg_weights=PATH to a local torchvision vgg19 state dict "
            "(.pth or .safetensors), or set perceptual_weight=0"
        )
    path = Path(path)
    if not path.is_file():
        raise VGGError(
            f"{path}: VGG19 weight file not found; give vgg_weights=PATH to a torchvision vgg19 state dict "
            "(.pth or .safetensors), or set perceptual_weight=0"
        )
    try:
        state = read_state_file(path)
    except CheckpointError as exc:
        raise VGGError(str(exc)) from exc
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    wanted = {k: v for k, v in state.items() if k.startswith("features.")}
    model = VGG19Features()
    expected = set(model.state_dict())
    missing = expected - set(wanted)
    if missing:
        raise VGGError(f"{path}: not a torchvision vgg19 state dict (missing {sorted(missing)[:3]} ...)")
    model.load_state_dict({k: wanted[k].float() for k in expected})
    return model.eval()


def perceptual_loss(vgg: VGG19Features, sr: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Weighted sum over layers of the L1 distance between features (BasicSR's PerceptualLoss)."""
    sr_features = vgg(sr)
    with torch.no_grad():
        target_features = vgg(target)
    return sum(  # type: ignore[return-value]
        LAYER_WEIGHTS[name] * F.l1_loss(sr_features[name], target_features[name]) for name in LAYERS
    )
