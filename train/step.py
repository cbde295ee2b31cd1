"""One optimisation step of the GAN over ``accumulate`` micro-batches, in fp32, bf16 or fp16.

Every loss term is a mean over its micro-batch (the negative term a sum scaled by 1/b), so
dividing each micro-batch's loss by k and adding the gradients gives the gradient of one
batch of k*b: gradient accumulation changes the memory, not the arithmetic (tested).

fp16 autocast needs a GradScaler (its small exponent range underflows the gradients); bf16
does not. With a scaler, gradients are unscaled before clipping, and a step whose gradients
overflowed is skipped by the scaler, as PyTorch's AMP recipe prescribes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from train.config import Config, ConfigError
from train.losses import Targets, gan_loss, negative_loss
from train.segmentation import SegGuide
from train.vgg import perceptual_loss


@dataclass
class Micro:
    """One micro-batch: LR inputs (B, 3, gt/4, gt/4) and the targets picked for them."""

    lr: torch.Tensor
    targets: Targets
    seg_labels: torch.Tensor | None = None  # (B, gt, gt) classes of a label folder, IGNORE: none


@dataclass(frozen=True)
class Precision:
    """How the forward passes run: autocast dtype (None: fp32) and the gradient scaler."""

    dtype: torch.dtype | None
    scaler: torch.amp.GradScaler

    def autocast(self, device: torch.device) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.dtype)


def make_precision(cfg: Config, device: torch.device) -> Precision:
    """fp32, bf16 autocast, or fp16 autocast with a GradScaler, from ``cfg.bf16`` / ``cfg.fp16``."""
    if cfg.bf16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError(
            f"bf16=true but {torch.cuda.get_device_name(device)} has no bf16; use fp16=true (with a GradScaler)"
        )
    dtype = torch.bfloat16 if cfg.bf16 else torch.float16 if cfg.fp16 else None
    return Precision(dtype, torch.amp.GradScaler(device.type, enabled=cfg.fp16))


def _no_sync(module: nn.Module, last: bool) -> contextlib.AbstractContextManager:
    """DDP all-reduces gradients on the last micro-batch only."""
    no_sync: Callable[[], contextlib.AbstractContextManager] | None = getattr(module, "no_sync", None)
    return contextlib.nullcontext() if last or no_sync is None else no_sync()


def _micros(micros: list[Micro]) -> Iterator[tuple[int, Micro, bool]]:
    for index, micro in enumerate(micros):
        yield index, micro, index == len(micros) - 1


def generator_backward(
    micros: list[Micro],
    g_train: nn.Module,
    net_d: nn.Module,
    vgg: nn.Module | None,
    cfg: Config,
    precision: Precision,
    seg: SegGuide | None = None,
) -> tuple[dict[str, torch.Tensor], list[torch.Tensor]]:
    """Accumulate G's gradients over the micro-batches; returns the losses and the SR outputs.

    D is called unwrapped with frozen weights: only SR gets gradients.
    """
    k = len(micros)
    net_d.requires_grad_(False)
    totals: dict[str, torch.Tensor] = {}
    outputs = []
    for _, micro, last in _micros(micros):
        device = micro.lr.device
        with _no_sync(g_train, last):
            with precision.autocast(device):
                sr = g_train(micro.lr)
                fake_logits = net_d(sr)
            sr = sr.float()  # (B, 3, gt, gt)
            zero = sr.new_zeros(())
            targets = micro.targets
            losses = {
                "l_pix": cfg.pixel_weight * F.l1_loss(sr, targets.positive),
                "l_percep": (
                    cfg.perceptual_weight * perceptual_loss(vgg, sr, targets.positive)
                    if vgg is not None
                    else zero
                ),
                "l_gan": cfg.gan_weight * gan_loss(fake_logits.float(), real=True),
                "l_neg": negative_loss(sr, targets, cfg.negative_weight) if cfg.negative_weight else zero,
            }
            if seg is not None:
                losses["l_seg"] = seg.loss(sr, targets.positive, micro.seg_labels)
            l_g = sum(losses.values(), zero) / k
            precision.scaler.scale(l_g).backward()
        for name, value in losses.items():
            totals[name] = totals.get(name, zero.detach()) + value.detach() / k
        outputs.append(sr.detach())
    totals["l_g"] = sum(totals.values(), torch.zeros_like(totals["l_pix"]))
    return totals, outputs


def discriminator_backward(
    micros: list[Micro], outputs: list[torch.Tensor], d_train: nn.Module, precision: Precision
) -> dict[str, torch.Tensor]:
    """Accumulate D's gradients: real = P, fake = SR, one forward for both per micro-batch."""
    k = len(micros)
    d_train.requires_grad_(True)
    totals: dict[str, torch.Tensor] = {}
    for index, micro, last in _micros(micros):
        sr = outputs[index]
        b = sr.shape[0]
        with _no_sync(d_train, last):
            with precision.autocast(sr.device):
                logits = d_train(torch.cat((micro.targets.positive, sr))).float()
            losses = {
                "l_d_real": gan_loss(logits[:b], real=True),
                "l_d_fake": gan_loss(logits[b:], real=False),
            }
            precision.scaler.scale((losses["l_d_real"] + losses["l_d_fake"]) / k).backward()
        for name, value in losses.items():
            totals[name] = totals.get(name, torch.zeros_like(value.detach())) + value.detach() / k
    totals["l_d"] = totals["l_d_real"] + totals["l_d_fake"]
    return totals


def apply_gradients(optimiser: torch.optim.Optimizer, precision: Precision, clip: float) -> None:
    """Unscale, clip to ``clip`` (0: no clipping) and step; the scaler skips an overflowed step."""
    if clip > 0:
        precision.scaler.unscale_(optimiser)
        params = [p for group in optimiser.param_groups for p in group["params"] if p.grad is not None]
        torch.nn.utils.clip_grad_norm_(params, clip)
    precision.scaler.step(optimiser)
