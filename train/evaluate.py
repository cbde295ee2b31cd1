"""The HGGT evaluation protocol: each SR image against every effective-Positive version of its set.

Per SR image, each metric is computed against every Positive ground truth and averaged; the
dataset figure is the mean over images. Images whose set has no effective Positive are left out
(and counted in a note), since the protocol has no reference for them.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic
from hggt_desktop.core.images import ImageError, read_image
from hggt_desktop.core.output_file import OutputKind, read_head
from hggt_desktop.pack.format import POSITIVE
from train.metrics import psnr, ssim
from train.perceptual_metrics import DISTS, LPIPSAlex, MetricWeightsError, read_weights

if TYPE_CHECKING:
    from hggt_desktop.pack.reader import PackReader
    from train.config import Config

log = logging.getLogger(__name__)

# A "rank" no training process has: evaluation inputs never repeat a training draw.
EVAL_STREAM = 2**20

Metric = Callable[[np.ndarray, np.ndarray], float]


class EvaluationError(Exception):
    """The inputs cannot be evaluated; the message names the folder or file."""


@dataclass
class Evaluation:
    """Per-image rows (name, set, number of references, metric values) and dataset means."""

    rows: list[dict[str, object]] = field(default_factory=list)
    means: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _tensor(image: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255.0).to(device)


def make_metrics(args: argparse.Namespace, device: torch.device, notes: list[str]) -> dict[str, Metric]:
    """PSNR and SSIM always; LPIPS and DISTS when their local weights are given."""
    crop, test_y = args.crop_border, args.y
    metrics: dict[str, Metric] = {
        "psnr": lambda a, b: psnr(a, b, crop, test_y),
        "ssim": lambda a, b: ssim(a, b, crop, test_y),
    }
    for name, paths, cls in (("lpips", args.lpips_weights, LPIPSAlex), ("dists", args.dists_weights, DISTS)):
        if not paths:
            notes.append(f"{name}: skipped (no local weights; give --{name}-weights FILE)")
            continue
        paths = paths if isinstance(paths, list) else [paths]
        try:
            net = cls().load(read_weights(paths), ", ".join(map(str, paths))).to(device)
        except MetricWeightsError as exc:
            raise EvaluationError(str(exc)) from exc

        def measure(a: np.ndarray, b: np.ndarray, net: torch.nn.Module = net) -> float:
            with torch.inference_mode():
                return float(net(_tensor(a, device), _tensor(b, device))[0])

        metrics[name] = measure
    return metrics


def score(
    name: str,
    set_name: str,
    sr: np.ndarray,
    references: list[np.ndarray],
    metrics: dict[str, Metric],
    crop_border: int = 0,
) -> dict[str, object]:
    """One CSV row: each metric averaged over the references."""
    row: dict[str, object] = {"image": name, "set": set_name, "references": len(references)}
    for key, metric in metrics.items():
        values = []
        for reference in references:
            if reference.shape != sr.shape:
                raise EvaluationError(
                    f"{name}: SR is {sr.shape[1]}x{sr.shape[0]} but the ground truth is "
                    f"{reference.shape[1]}x{reference.shape[0]}"
                )
            if min(sr.shape[:2]) <= 2 * crop_border:
                raise EvaluationError(
                    f"{name}: {sr.shape[1]}x{sr.shape[0]} leaves nothing after cropping --crop-border "
                    f"{crop_border} at each border; give a smaller --crop-border"
                )
            values.append(metric(sr, reference))
        row[key] = float(np.mean(values))
    return row


def summarise(result: Evaluation, metric_names: list[str]) -> Evaluation:
    for key in metric_names:
        values = [float(r[key]) for r in result.rows]  # type: ignore[arg-type]
        result.means[key] = float(np.mean(values)) if values else float("nan")
    return result


def match_sr_files(sr_dir: Path, stems: set[str]) -> Iterator[tuple[Path, str]]:
    """(SR file, set stem) for every ``<stem>_<suffix>.png`` whose stem is a set."""
    for path in sorted(sr_dir.glob("*.png")):
        name = path.stem
        stem = next(
            (name[:i] for i in range(len(name), 0, -1) if name[i : i + 1] == "_" and name[:i] in stems), None
        )
        if stem is not None:
            yield path, stem


def evaluate_folder(dataset_dir: Path, sr_dir: Path, args: argparse.Namespace) -> Evaluation:
    """Evaluate a folder of SR images against a labelled dataset's Positive versions."""
    from hggt_desktop.core.dataset import load_dataset
    from hggt_desktop.core.labels import Label

    if not sr_dir.is_dir():
        raise EvaluationError(f"{sr_dir}: no such folder of SR images")
    dataset = load_dataset(dataset_dir)
    sets = dataset.scan.by_stem()
    result = Evaluation()
    metrics = make_metrics(args, _device(args.device), result.notes)
    matched = list(match_sr_files(sr_dir, set(sets)))
    if not matched:
        raise EvaluationError(
            f"{sr_dir}: no SR file is named <stem>_<suffix>.png after a set of {dataset.images_dir}"
        )
    if dataset.problems:
        result.notes.append(
            f"{len(dataset.problems)} problem(s) in {dataset.images_dir.parent} were left out, e.g. "
            f"{dataset.problems[0]}; 'hggt-data check' lists them"
        )
    unmatched = sorted({p.name for p in sr_dir.glob("*.png")} - {p.name for p, _ in matched})
    if unmatched:
        result.notes.append(
            f"{len(unmatched)} file(s) in {sr_dir} left out: not named <stem>_<suffix>.png after a set "
            f"(e.g. {unmatched[0]}); rename them to be measured"
        )
    no_positive = 0
    for path, stem in matched:
        positives = [v for v, e in dataset.effective(stem).items() if e.label is Label.POSITIVE]
        if not positives:
            no_positive += 1
            continue
        try:
            sr = read_image(path)
            references = [read_image(sets[stem].version_path(v)) for v in positives]
        except ImageError as exc:
            raise EvaluationError(str(exc)) from exc
        result.rows.append(score(path.name, stem, sr, references, metrics, args.crop_border))
    if no_positive:
        result.notes.append(f"{no_positive} SR image(s) left out: their set has no effective Positive")
    return summarise(result, list(metrics))


def evaluate_checkpoint(pack: Path, checkpoint_path: Path, args: argparse.Namespace) -> Evaluation:
    """Super-resolve a pack split with a checkpoint and evaluate against each set's Positives.

    The checkpoint is of any registered architecture (or a run folder) and of scale ``args.scale``.
    The LR input of a set is the training degradation of its whole original with a fixed seed
    per set, so repeated evaluations see the same inputs.
    """
    from hggt_desktop.pack.reader import PackReader
    from train.checkpoint import read_weights_config, resolve_checkpoint
    from train.config import Config
    from train.generator import load_generator

    device = _device(args.device)
    reader = PackReader(pack)
    try:
        split = {"train": [0], "val": [1], "all": [0, 1]}[args.split]
        indices = [i for i in range(len(reader)) if int(reader.meta.split[i]) in split]
        if not indices:
            raise EvaluationError(
                f"{pack}: the {args.split} split is empty; write the pack with --split VAL_FRACTION"
            )
        model, _arch, _config = load_generator(checkpoint_path, scale=args.scale)
        cfg = read_weights_config(resolve_checkpoint(checkpoint_path)) or Config()
        result = Evaluation()
        metrics = make_metrics(args, device, result.notes)
        return evaluate_model(
            model.to(device), reader, indices, cfg, metrics, args.crop_border, result, args.scale
        )
    finally:
        reader.close()


def evaluate_model(
    model: torch.nn.Module,
    reader: PackReader,
    indices: list[int],
    cfg: Config,
    metrics: dict[str, Metric],
    crop_border: int,
    result: Evaluation | None = None,
    scale: int = 4,
) -> Evaluation:
    """Super-resolve the sets ``indices`` of a pack from their fixed-seed degraded originals (to
    1/``scale``) and measure each against its Positives (sets without one are left out and
    counted)."""
    from train.degradations import degrade, draw_kernel
    from train.runtime import iteration_generators

    result = result or Evaluation()
    device = next(model.parameters()).device
    no_positive = 0
    for index in indices:
        positives = [k + 1 for k, e in enumerate(reader.meta.effective[index]) if e == POSITIVE]
        if not positives:
            no_positive += 1
            continue
        images = reader.read_set(index)
        choices, gen = iteration_generators(cfg.seed, index, EVAL_STREAM, device)  # fixed per set
        kernel = torch.from_numpy(draw_kernel(np.random.default_rng([cfg.seed, index]), cfg))[None]
        with torch.inference_mode():
            lr = degrade(_tensor(images[0], device), kernel, cfg, choices, gen, scale)
            sr = model(lr).float().clamp(0, 1)
        sr_u8 = (sr[0].permute(1, 2, 0).cpu().numpy() * 255.0).round().astype(np.uint8)
        name = reader.meta.names[index]
        result.rows.append(score(name, name, sr_u8, [images[k] for k in positives], metrics, crop_border))
    if no_positive:
        result.notes.append(f"{no_positive} set(s) left out: no effective Positive")
    return summarise(result, list(metrics))


def is_eval_csv(path: Path) -> bool:
    """True when ``path`` is an earlier ``--csv`` of this command (its header row)."""
    return read_head(path, 64).startswith(b"image,set,references")


EVAL_CSV = OutputKind("an hggt-train eval CSV", "eval.csv", is_eval_csv)


def write_csv(path: Path, result: Evaluation) -> None:
    """Per-image rows, then a ``mean`` row."""
    buffer = io.StringIO()
    keys = list(result.rows[0]) if result.rows else ["image", "set", "references", *result.means]
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result.rows)
    writer.writerow({"image": "mean", **result.means})
    if path.is_dir():
        raise EvaluationError(f"--csv {path}: is a folder; give a file name such as {path / 'eval.csv'}")
    try:
        write_text_atomic(path, buffer.getvalue())
    except AtomicWriteError as exc:
        raise EvaluationError(f"--csv {path}: cannot write it ({exc.reason}); choose another file") from exc


def _device(name: str) -> torch.device:
    if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", name):
        raise EvaluationError(f"--device {name}: use cpu, cuda, cuda:N or auto")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise EvaluationError(f"--device {name}: no CUDA GPU is available here; use --device cpu")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
