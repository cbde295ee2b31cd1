"""Classical SR training (as DiverSeg trained its baselines): L1, Adam, no GAN, no perceptual loss.

The models are the published MSRResNet, EDSR and RCAN of ``enhance.archs`` (their checkpoint
names, so published weights continue training and the result exports like any enhancer). The
published schedules (BasicSR's options) are scaled by ``schedule``: 0.01 runs 1 % of the
iterations with the milestones at the same fractions. The state (weights, Adam, scheduler,
step) is saved atomically; resuming restarts the seeded sample order at the exact sample.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from enhance.archs.edsr import EDSR
from enhance.archs.msrresnet import MSRResNet
from enhance.archs.rcan import RCAN
from hggt_desktop.core.atomic import write_bytes_atomic
from train.classical_data import PhotoCrops, photo_loader, photo_paths
from train.segmentation import load_guide


@dataclass
class ClassicalConfig:
    """One classical SR run; defaults are the ``classical`` preset (MSRResNet x4, BasicSR's schedule)."""

    preset: str = "classical"
    arch: str = "msrresnet"  # msrresnet, edsr, rcan
    scale: int = 4
    num_feat: int = 64
    num_block: int = 16
    num_group: int = 10  # RCAN only
    gt_size: int = 128
    batch_size: int = 16
    num_workers: int = 4
    lr: float = 2e-4
    betas: list[float] = field(default_factory=lambda: [0.9, 0.99])
    total_iter: int = 1_000_000
    milestones: list[int] = field(default_factory=lambda: [250_000, 500_000, 750_000])
    lr_gamma: float = 0.5
    schedule: float = 1.0  # scales total_iter and milestones
    seed: int = 0
    save_every: int = 5000
    # Segmentation guidance, as in hggt-train fit (docs/training.md): + w_seg * CE(seg(SR), seg(HR))
    w_seg: float = 0.0
    seg_weights: str = ""
    seg_arch: str = ""
    seg_mean: list[float] = field(default_factory=lambda: [0.485, 0.456, 0.406])
    seg_std: list[float] = field(default_factory=lambda: [0.229, 0.224, 0.225])
    seg_size: int = 0
    seg_labels: str = ""  # always empty here: photos have no label maps (train.seg_settings)

    def iterations(self) -> tuple[int, list[int]]:
        total = max(1, round(self.total_iter * self.schedule))
        return total, [max(1, round(m * self.schedule)) for m in self.milestones]


# The published settings (BasicSR options/train/*): EDSR-M and RCAN halve the LR every 200k of 300k.
CLASSICAL_PRESETS: dict[str, dict] = {
    "classical": {},
    "classical-edsr": {
        "arch": "edsr",
        "lr": 1e-4,
        "total_iter": 300_000,
        "milestones": [200_000],
        "gt_size": 192,
    },
    "classical-rcan": {
        "arch": "rcan",
        "num_block": 20,
        "lr": 1e-4,
        "total_iter": 300_000,
        "milestones": [200_000],
        "gt_size": 192,
    },
}


def classical_config(preset: str = "classical", **overrides: object) -> ClassicalConfig:
    return dataclasses.replace(ClassicalConfig(), **{**CLASSICAL_PRESETS[preset], **overrides})


def build_classical(cfg: ClassicalConfig) -> nn.Module:
    torch.manual_seed(cfg.seed)
    if cfg.arch == "msrresnet":
        return MSRResNet(num_feat=cfg.num_feat, num_block=cfg.num_block, upscale=cfg.scale)
    if cfg.arch == "edsr":
        return EDSR(num_feat=cfg.num_feat, num_block=cfg.num_block, upscale=cfg.scale)
    if cfg.arch == "rcan":
        return RCAN(
            num_feat=cfg.num_feat, num_group=cfg.num_group, num_block=cfg.num_block, upscale=cfg.scale
        )
    raise ValueError(f"unknown arch {cfg.arch!r}; use msrresnet, edsr or rcan")


@dataclass
class ClassicalRun:
    model: nn.Module
    step: int
    skipped: set[str]


def fit_classical(
    cfg: ClassicalConfig,
    source: Path | str,
    out_dir: Path | str,
    stop_at: int | None = None,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> ClassicalRun:
    """Train (or resume from ``out_dir/state.pt``) up to the schedule's end or ``stop_at``.

    ``on_step`` gets the step and its loss terms ("l1", and "l_seg" when w_seg is on).
    """
    out_dir = Path(out_dir)
    total, milestones = cfg.iterations()
    seg = load_guide(cfg, torch.device("cpu"))  # None when w_seg is 0; a bad network stops here
    model = build_classical(cfg)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))  # type: ignore[arg-type]
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, cfg.lr_gamma)
    step, skipped = 0, set()
    state_path = out_dir / "state.pt"
    if state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state["params"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, skipped = int(state["step"]), set(state["skipped"])
    dataset = PhotoCrops(photo_paths(source), cfg.gt_size, cfg.scale)
    loader = photo_loader(dataset, cfg.batch_size, cfg.seed, cfg.num_workers, step * cfg.batch_size)
    end = min(total, stop_at if stop_at is not None else total)
    model.train()
    for batch in loader:
        if step >= end:
            break
        skipped.update(line for text in batch["skipped"] for line in text.splitlines())
        sr = model(batch["lr"])
        terms = {"l1": F.l1_loss(sr, batch["hr"])}
        if seg is not None:
            terms["l_seg"] = seg.loss(sr, batch["hr"])
        loss = terms["l1"] + terms["l_seg"] if seg is not None else terms["l1"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        step += 1
        if on_step is not None:
            on_step(step, {name: float(value.detach()) for name, value in terms.items()})
        if step % cfg.save_every == 0 or step == end:
            _save(out_dir, model, optimizer, scheduler, step, skipped)
    return ClassicalRun(model.eval(), step, skipped)


def _save(out_dir: Path, model: nn.Module, optimizer, scheduler, step: int, skipped: set[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {
        "params": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "step": step,
        "skipped": sorted(skipped),
    }
    for path, payload in (
        (out_dir / "state.pt", state),
        (out_dir / "model.pth", {"params": model.state_dict()}),
    ):
        buffer = io.BytesIO()
        torch.save(payload, buffer)
        write_bytes_atomic(path, buffer.getvalue())


@torch.no_grad()
def held_out_l1(model: nn.Module, dataset: PhotoCrops, seeds: range) -> float:
    """Mean L1 of ``model`` on fixed crops (index, seed) of a held-out dataset."""
    model.eval()
    losses = []
    for i, seed in enumerate(seeds):
        sample = dataset[(i % len(dataset), seed)]
        sr = model(sample["lr"][None])  # type: ignore[index]
        losses.append(float(F.l1_loss(sr, sample["hr"][None])))  # type: ignore[index]
    return sum(losses) / len(losses)
