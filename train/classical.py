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
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from enhance.archs.edsr import EDSR, edsr_res_scale
from enhance.archs.msrresnet import MSRResNet
from enhance.archs.rcan import RCAN
from hggt_desktop.core.atomic import write_bytes_atomic
from train.checkpoint import CheckpointError, load_state
from train.classical_data import REAL_ISR, CropSamples, photo_loader, training_crops
from train.degradations import degrade
from train.runtime import iteration_generators
from train.segmentation import SegGuide, load_guide


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
    degradation: str = "bicubic"  # or "realesrgan": the trainer's Real-ISR degradation, per batch
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
    """The preset with ``overrides``. The presets' crops are for x4; at another scale the HR crop
    keeps the published LR patch (gt_size / 4: 32 MSRResNet, 48 EDSR/RCAN), as BasicSR's x2/x3
    options do, unless gt_size itself is overridden. A total_iter given without milestones keeps
    the published milestones at the same fractions of the run."""
    preset_cfg = dataclasses.replace(ClassicalConfig(), **CLASSICAL_PRESETS[preset])
    changes: dict[str, Any] = dict(overrides)
    cfg = dataclasses.replace(preset_cfg, **changes)
    if "total_iter" in overrides and "milestones" not in overrides:
        fraction = cfg.total_iter / preset_cfg.total_iter
        cfg.milestones = [max(1, round(m * fraction)) for m in preset_cfg.milestones]
    if "gt_size" not in overrides:
        cfg.gt_size = cfg.gt_size // 4 * cfg.scale
    return cfg


# A run resumes only with these as it saved them: they fix the network and the sample stream.
RESUME_FIXED = (
    "arch",
    "scale",
    "num_feat",
    "num_block",
    "num_group",
    "gt_size",
    "batch_size",
    "seed",
    "degradation",
)


class ClassicalRunError(Exception):
    """A run folder that cannot be resumed with this config; the message says what to do."""


def build_classical(cfg: ClassicalConfig) -> nn.Module:
    torch.manual_seed(cfg.seed)
    if cfg.arch == "msrresnet":
        return MSRResNet(num_feat=cfg.num_feat, num_block=cfg.num_block, upscale=cfg.scale)
    if cfg.arch == "edsr":
        # res_scale as the published EDSR-L, and as the loader assumes when it reads the weights.
        res_scale = edsr_res_scale(cfg.num_feat)
        return EDSR(num_feat=cfg.num_feat, num_block=cfg.num_block, upscale=cfg.scale, res_scale=res_scale)
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
    interrupted: bool = False  # stopped by Ctrl+C (SIGINT) after a finished step, state saved


def fit_classical(
    cfg: ClassicalConfig,
    source: Path | str,
    out_dir: Path | str,
    stop_at: int | None = None,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> ClassicalRun:
    """Train (or resume from ``out_dir/state.pt``) up to the schedule's end or ``stop_at``.

    ``source`` is a folder of photos, a kept list or a crop pack (``hggt-train pack-crops``).
    ``on_step`` gets the step and its loss terms ("l1", and "l_seg" when w_seg is on).
    """
    out_dir = Path(out_dir)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    total, milestones = cfg.iterations()
    seg = load_guide(cfg, device)  # None when w_seg is 0; a bad network stops here
    model = build_classical(cfg).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))  # type: ignore[arg-type]
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, cfg.lr_gamma)
    step, skipped = 0, set()
    state_path = out_dir / "state.pt"
    if not state_path.is_file() and (out_dir / "model.pth").exists():
        raise ClassicalRunError(
            f"{out_dir / 'model.pth'} exists but {state_path} does not, so this is not a run to resume "
            "and training would overwrite that file; give another --out"
        )
    if state_path.is_file():
        try:
            state = load_state(state_path)  # the trainer's one reader of training states
        except CheckpointError as exc:  # its advice (--resume, an older state) is fit's
            raise ClassicalRunError(
                f"{state_path}: not a readable training state (damaged); move it away to train this "
                "run again from step 0, or give another --out"
            ) from exc
        _check_resumable(state_path, state.get("config", {}), cfg)
        model.load_state_dict(state["params"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, skipped = int(state["step"]), set(state["skipped"])
    dataset = training_crops(source, cfg.gt_size, cfg.scale, degradation=cfg.degradation)
    loader = photo_loader(dataset, cfg.batch_size, cfg.seed, cfg.num_workers, step * cfg.batch_size)
    end = min(total, stop_at if stop_at is not None else total)
    model.train()
    stop, saved = _StopOnInterrupt(), step
    with stop:
        for batch in loader:
            if step >= end or stop.asked:
                break
            skipped.update(line for text in batch["skipped"] for line in text.splitlines())
            lr, hr = training_pair(batch, cfg, step, device)
            terms = step_losses(model, lr, hr, seg)
            loss = terms["l1"] + terms["l_seg"] if seg is not None else terms["l1"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            if on_step is not None:
                on_step(step, {name: float(value.detach()) for name, value in terms.items()})
            if step % cfg.save_every == 0 or step == end:
                _save(out_dir, cfg, model, optimizer, scheduler, step, skipped)
                saved = step
    if stop.asked and step != saved:
        _save(out_dir, cfg, model, optimizer, scheduler, step, skipped)
    return ClassicalRun(model.eval(), step, skipped, interrupted=stop.asked)


class _StopOnInterrupt:
    """While active, a first Ctrl+C (SIGINT) only asks the loop to stop after the step under way,
    so the state saved is that of a finished step and the run resumes exactly; a second one
    interrupts at once, as usual."""

    def __init__(self) -> None:
        self.asked = False
        self._previous: object = None

    def _on_signal(self, signum: int, frame: object) -> None:
        self.asked = True
        signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None and not self.asked:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]


def _check_resumable(state_path: Path, saved: dict, cfg: ClassicalConfig) -> None:
    """Refuse to continue a run with another network or sample stream (runs saved before the
    config was kept in the state are not checked)."""
    changed = [
        f"{k} {saved[k]!r} (now {getattr(cfg, k)!r})"
        for k in RESUME_FIXED
        if k in saved and saved[k] != getattr(cfg, k)
    ]
    if changed:
        raise ClassicalRunError(
            f"{state_path}: the run was trained with {'; '.join(changed)}; give the same options "
            "to resume it, or another --out to start a new run"
        )


def training_pair(
    batch: dict, cfg: ClassicalConfig, step: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """The (LR, HR) of one step on ``device``: (B, 3, gt/s, gt/s) and (B, 3, gt, gt) in [0, 1].

    The bicubic LR comes made by the loader; the Real-ISR LR is made here from the HR crops and
    their kernels, with generators seeded by (seed, step) so a resumed run draws the same.
    """
    hr = batch["hr"].to(device, non_blocking=True)
    if cfg.degradation == "realesrgan":
        choices, noise = iteration_generators(cfg.seed, step, 0, device)
        with torch.no_grad():
            return degrade(hr, batch["kernel"], REAL_ISR, choices, noise, cfg.scale), hr
    return batch["lr"].to(device, non_blocking=True), hr


def step_losses(
    model: nn.Module, lr: torch.Tensor, hr: torch.Tensor, seg: SegGuide | None = None
) -> dict[str, torch.Tensor]:
    """The loss terms of one step: L1 between the SR of ``lr`` and ``hr`` (the classical preset),
    and with a segmentation guide w_seg * CE(seg(SR), pseudo-labels of ``hr``)."""
    sr = model(lr)
    terms = {"l1": F.l1_loss(sr, hr)}
    if seg is not None:
        terms["l_seg"] = seg.loss(sr, hr)
    return terms


def _save(
    out_dir: Path, cfg: ClassicalConfig, model: nn.Module, optimizer, scheduler, step: int, skipped: set[str]
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {
        "config": dataclasses.asdict(cfg),
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
def held_out_l1(model: nn.Module, dataset: CropSamples, seeds: range) -> float:
    """Mean L1 of ``model`` on fixed crops (index, seed) of a held-out dataset."""
    model.eval()
    device = next(model.parameters()).device
    losses = []
    for i, seed in enumerate(seeds):
        sample = dataset[(i % len(dataset), seed)]
        sr = model(sample["lr"][None].to(device))  # type: ignore[index]
        losses.append(float(F.l1_loss(sr, sample["hr"][None].to(device))))  # type: ignore[index]
    return sum(losses) / len(losses)
