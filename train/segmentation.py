"""Segmentation-guided generator loss (SSG-RWSR): w_seg * CE(seg(SR), labels).

A frozen, user-supplied segmentation network (TorchScript, or safetensors weights of an
architecture in ``train.archs.segmentation``) scores the SR output; its gradient flows through SR
into the generator, never into the segmentation network (requires_grad False, eval mode). Labels
are, by default, the same network's arg-max on the HR target, computed without gradient
(pseudo-labels), or the label maps of a label folder (``train.seg_labels``), cropped and flipped
like the HR crops.

The term is masked per sample: a sample whose label map is all ``IGNORE`` has no target. It is
the sum over the samples that have one divided by the *global* count of such samples per process,
so the gradient DDP averages over processes equals the gradient of the whole batch on one process.

The network is loaded with ``torch.jit.load`` or ``safetensors`` (never unpickled) and probed
before training starts: a file that is not TorchScript (or not weights of its architecture), or
whose output is not (B, classes, H, W), is refused with the file named.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Protocol

import torch
from safetensors.torch import load_file
from torch import distributed as dist
from torch import nn
from torch.nn import functional as F

from train.archs.segmentation import SEG_ARCHITECTURES
from train.config import ConfigError
from train.seg_labels import UNLABELLED, label_folder_classes

IGNORE = -1  # label of a pixel (or, everywhere, a sample) that has no target


class SegSettings(Protocol):
    """The segmentation settings shared by ``hggt-train fit`` and ``hggt-train classical``."""

    w_seg: float
    seg_weights: str
    seg_arch: str
    seg_mean: list[float]
    seg_std: list[float]
    seg_size: int
    seg_labels: str


class SegGuide:
    """The frozen segmentation network with its input normalisation and size."""

    def __init__(self, net: nn.Module, mean: list[float], std: list[float], size: int, weight: float):
        self.classes = 0  # set by load_guide from a probe of the network
        self.net = net.eval()
        for parameter in net.parameters():  # ScriptModules have no requires_grad_()
            parameter.requires_grad_(False)
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)
        self.size = size
        self.weight = weight

    def to(self, device: torch.device) -> SegGuide:
        self.net = self.net.to(device)
        self.mean, self.std = self.mean.to(device), self.std.to(device)
        return self

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(B, classes, H, W) logits of images in [0, 1], resized to ``size`` (0: as they are)."""
        if self.size and images.shape[-2:] != (self.size, self.size):
            images = F.interpolate(images, size=(self.size, self.size), mode="bilinear", align_corners=False)
        return self.net((images - self.mean) / self.std)

    def pseudo_labels(self, hr: torch.Tensor) -> torch.Tensor:
        """(B, H, W) arg-max classes of the HR targets, without gradient."""
        with torch.no_grad():
            return self.logits(hr).argmax(dim=1)

    def loss(self, sr: torch.Tensor, hr: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """w_seg * masked CE of seg(SR) against ``labels`` (default: pseudo-labels of ``hr``)."""
        if labels is None:
            labels = self.pseudo_labels(hr)
        return self.weight * masked_cross_entropy(self.logits(sr).float(), labels)


def class_targets(maps: torch.Tensor) -> torch.Tensor:
    """(B, H, W) long targets of uint8 label-map crops: 255 (unlabelled) becomes IGNORE."""
    targets = maps.long()
    return targets.masked_fill(maps == UNLABELLED, IGNORE)


def masked_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-sample mean CE, summed over the samples with a target, over the per-process count.

    The count is all-reduced in distributed training: sum(counts) / world samples per process, so
    the average DDP takes of the per-process gradients is that of one process over the whole batch.
    """
    if labels.shape[-2:] != logits.shape[-2:]:
        labels = F.interpolate(labels[:, None].float(), size=logits.shape[-2:], mode="nearest")[:, 0].long()
    per_pixel = F.cross_entropy(logits, labels, ignore_index=IGNORE, reduction="none")  # (B, H, W)
    valid = (labels != IGNORE).flatten(1)
    pixels = valid.sum(dim=1)
    has_target = pixels > 0
    per_sample = per_pixel.flatten(1).sum(dim=1) / pixels.clamp(min=1)
    count = has_target.sum().to(logits.dtype).detach()
    world = 1
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(count)
        world = dist.get_world_size()
    per_process = (count / world).clamp(min=1e-12)
    return torch.where(has_target, per_sample, torch.zeros_like(per_sample)).sum() / per_process


def load_seg_net(path: str, arch: str, device: torch.device) -> nn.Module:
    """The network of ``seg_weights`` (TorchScript, or safetensors of ``arch``), or ConfigError."""
    if not Path(path).is_file():
        raise ConfigError(f"seg_weights={path}: no such file; check the path")
    if arch:
        return load_registered(path, arch).to(device)
    try:
        with warnings.catch_warnings():  # TorchScript is deprecated upstream but still loads
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(path, map_location=device)
    except Exception as exc:  # any failure here means "not a TorchScript file"
        raise ConfigError(
            f"seg_weights={path}: is not a TorchScript file ({type(exc).__name__}); export the network "
            "with torch.jit.script(net).save(PATH) or torch.jit.trace(net, example).save(PATH), or give "
            f"its safetensors weights with seg_arch=NAME ({', '.join(SEG_ARCHITECTURES)})"
        ) from None


def load_registered(path: str, arch: str) -> nn.Module:
    """The registry's ``arch`` with the safetensors weights at ``path``; ConfigError naming the file."""
    if arch not in SEG_ARCHITECTURES:
        raise ConfigError(
            f"seg_weights={path}: seg_arch={arch!r} is not a known architecture; "
            f"use one of {', '.join(SEG_ARCHITECTURES)}, or seg_arch= (empty) for a TorchScript file"
        )
    try:
        state = load_file(path)
    except Exception as exc:  # SafetensorsError, OSError...: not a readable safetensors file
        raise ConfigError(
            f"seg_weights={path}: is not a safetensors file ({exc}); seg_arch={arch} takes the weights saved "
            "with safetensors.torch.save_file(net.state_dict(), PATH)"
        ) from None
    try:
        net = SEG_ARCHITECTURES[arch](state)
    except KeyError as exc:
        raise ConfigError(
            f"seg_weights={path}: lacks {exc} and so is not {arch} weights; docs/training.md lists its names"
        ) from None
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [
        f"{k} {tuple(state[k].shape)} (expected {tuple(v.shape)})"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or wrong:
        parts = [
            f"missing {', '.join(missing[:4])}" if missing else "",
            f"unexpected {', '.join(unexpected[:4])}" if unexpected else "",
            f"wrong shapes {'; '.join(wrong[:4])}" if wrong else "",
        ]
        raise ConfigError(
            f"seg_weights={path}: does not fit seg_arch={arch}: {'; '.join(p for p in parts if p)}; "
            "docs/training.md lists its parameter names"
        )
    net.load_state_dict({k: v.float() for k, v in state.items()})
    return net


def probe_classes(guide: SegGuide, path: str, device: torch.device) -> int:
    """The class count of the network's output on a probe input; ConfigError if not (B, C, H, W)."""
    side = guide.size or 64
    try:
        with torch.no_grad():
            out = guide.logits(torch.rand(2, 3, side, side, device=device))
    except Exception as exc:  # the user's network failed on a plain image batch
        raise ConfigError(
            f"seg_weights={path}: fails on a (2, 3, {side}, {side}) image batch ({exc}); check seg_size"
        ) from None
    if not isinstance(out, torch.Tensor) or out.dim() != 4 or out.shape[0] != 2 or out.shape[1] < 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(
            f"seg_weights={path}: output is {shape} on a (2, 3, {side}, {side}) input; the network must "
            "return logits of shape (B, classes, H, W) with at least 2 classes (export the logits tensor, "
            "not a dict)"
        )
    return int(out.shape[1])


def load_guide(cfg: SegSettings, device: torch.device) -> SegGuide | None:
    """The checked segmentation guide of ``cfg``; None when w_seg is 0 (nothing is built)."""
    if not cfg.w_seg:
        return None
    if not cfg.seg_weights:
        raise ConfigError(
            "w_seg is on but seg_weights is not set; give seg_weights=PATH to a TorchScript file "
            "(or to safetensors weights with seg_arch=NAME)"
        )
    net = load_seg_net(cfg.seg_weights, cfg.seg_arch, device)
    guide = SegGuide(net, cfg.seg_mean, cfg.seg_std, cfg.seg_size, cfg.w_seg).to(device)
    guide.classes = probe_classes(guide, cfg.seg_weights, device)
    if cfg.seg_labels:
        labelled = label_folder_classes(cfg.seg_labels)
        if labelled != guide.classes:
            raise ConfigError(
                f"seg_weights={cfg.seg_weights} predicts {guide.classes} classes but seg_labels={cfg.seg_labels} "
                f"lists {labelled}; give the network the labels were made for, or its label folder"
            )
    return guide
