"""Validation while training: the pack's validation split, measured with the HGGT protocol.

Every ``val_every`` iterations the EMA generator super-resolves each validation set from its
fixed-seed degraded original (the inputs of ``hggt-train eval --pack``, so the figures agree)
and is measured against every effective Positive: PSNR and SSIM, LPIPS and DISTS when their
local weights are given. The best weights by ``val_metric`` are kept in
``models/best.safetensors`` with the metric, its value and the iteration in the metadata. The
time spent is reported as a share of the run's time, so ``val_every`` can be tuned.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from hggt_desktop.pack.reader import PackReader
from train import checkpoint
from train.config import Config
from train.evaluate import EvaluationError, Metric, evaluate_model, make_metrics

log = logging.getLogger(__name__)

LOWER_IS_BETTER = {"lpips", "dists"}


@dataclass
class Validation:
    """What validation needs across the run: the sets, the metrics, the best so far, time spent."""

    indices: list[int]
    metrics: dict[str, Metric]
    metric: str
    best_value: float = math.nan
    best_iteration: int = 0
    seconds: float = 0.0  # spent validating in this session
    history: list[tuple[int, dict[str, float]]] = field(default_factory=list)

    def is_better(self, value: float) -> bool:
        if math.isnan(self.best_value):
            return not math.isnan(value)
        return value < self.best_value if self.metric in LOWER_IS_BETTER else value > self.best_value

    def state_dict(self) -> dict[str, float | int]:
        """The best so far, saved in the training state so a resumed run keeps comparing to it."""
        return {"best_value": self.best_value, "best_iteration": self.best_iteration}

    def load_state_dict(self, state: dict[str, float | int]) -> None:
        self.best_value = float(state["best_value"])
        self.best_iteration = int(state["best_iteration"])


def best_path(run_dir: Path) -> Path:
    return run_dir / "models" / "best.safetensors"


def start_validation(reader: PackReader, cfg: Config, device: torch.device) -> Validation | None:
    """The run's validation, or None (with a message) when it is off or the pack has no split."""
    if cfg.val_every == 0:
        return None
    indices = [i for i in range(len(reader)) if int(reader.meta.split[i]) == 1]
    if not indices:
        log.info(
            f"{reader.path}: no validation split, so no validation while training "
            "(write the pack with 'hggt-data pack --split 0.02' to have one)"
        )
        return None
    args = argparse.Namespace(
        crop_border=4,
        y=False,
        lpips_weights=_paths(cfg.lpips_weights),
        dists_weights=_paths(cfg.dists_weights),
    )
    metrics = make_metrics(args, device, [])
    if cfg.val_metric not in metrics:
        raise EvaluationError(
            f"val_metric={cfg.val_metric} needs its weights: give {cfg.val_metric}_weights=FILE[,FILE]"
        )
    for name in ("lpips", "dists"):
        if name not in metrics:
            log.info(f"validation: {name} skipped (no local weights; set {name}_weights=FILE[,FILE])")
    return Validation(indices, metrics, cfg.val_metric)


def _paths(text: str) -> list[Path] | None:
    parts = [Path(p.strip()) for p in text.split(",") if p.strip()]
    return parts or None


def validate(
    validation: Validation,
    model: torch.nn.Module,
    reader: PackReader,
    cfg: Config,
    iteration: int,
    run_dir: Path,
    run_seconds: float,
    writer: object | None,
) -> dict[str, float]:
    """Measure ``model`` (the EMA generator) on the validation split; keep it when it is the best."""
    start = time.perf_counter()
    was_training = model.training
    model.eval()
    try:
        result = evaluate_model(model, reader, validation.indices, cfg, validation.metrics, crop_border=4)
    finally:
        model.train(was_training)
    means = result.means
    value = means[validation.metric]
    if validation.is_better(value):
        validation.best_value, validation.best_iteration = value, iteration
        extra = {"val_metric": validation.metric, "val_value": repr(value), "val_sets": str(len(result.rows))}
        state = model.state_dict()
        checkpoint.save_weights(best_path(run_dir), state, state, cfg, iteration, extra)
    validation.seconds += time.perf_counter() - start
    validation.history.append((iteration, means))
    share = validation.seconds / max(run_seconds + time.perf_counter() - start, 1e-9)
    shown = "  ".join(f"{k} {v:.4f}" for k, v in means.items())
    log.info(
        f"val {iteration}: {shown} on {len(result.rows)} sets  (best {validation.metric} "
        f"{validation.best_value:.4f} at {validation.best_iteration}; validation is {share:.1%} of the run time)"
    )
    if writer is not None:
        for key, mean in means.items():
            writer.add_scalar(f"val/{key}", mean, iteration)  # type: ignore[attr-defined]
        writer.add_scalar("val/time_share", share, iteration)  # type: ignore[attr-defined]
    return means
