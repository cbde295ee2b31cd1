"""``hggt-train classical``: L1 training of MSRResNet / EDSR / RCAN on a photo folder or kept list."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hggt_desktop.cli.command import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, HelpFormatter

log = logging.getLogger(__name__)

# The presets of train.classical, named here so that building the parser does not import torch.
CLASSICAL_PRESET_NAMES = ("classical", "classical-edsr", "classical-rcan")
# The settings --set may change, with their type (fields of train.classical.ClassicalConfig; a test
# keeps them equal). total_iter is before --schedule scales it.
TUNABLE: dict[str, type] = {
    "num_feat": int,
    "num_block": int,
    "num_group": int,
    "gt_size": int,
    "batch_size": int,
    "lr": float,
    "total_iter": int,
    "save_every": int,
    "seed": int,
}


def parse_settings(items: list[str]) -> dict[str, object]:
    """``--set`` items as typed values; ValueError listing every bad item and what to give."""
    values: dict[str, object] = {}
    problems = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or key not in TUNABLE:
            problems.append(f"--set {item}: give KEY=VALUE with KEY one of {', '.join(TUNABLE)}")
            continue
        try:
            value = TUNABLE[key](text.strip())
        except ValueError:
            problems.append(f"--set {item}: {key} takes a {TUNABLE[key].__name__}")
            continue
        if value <= 0 and key != "seed":
            problems.append(f"--set {item}: {key} must be above 0")
            continue
        values[key] = value
    if problems:
        raise ValueError("\n".join(problems))
    return values


def add_classical(sub: argparse._SubParsersAction) -> None:
    text = "classical SR training (L1, Adam, no GAN, no perceptual loss) on photos"
    p = sub.add_parser(
        "classical",
        help=text,
        formatter_class=HelpFormatter,
        description=f"{text}: random HR crops of a folder of photos, of the kept list written by "
        "'hggt-data screen' or of a crop pack ('hggt-train pack-crops'), flipped and rotated, shrunk "
        "by MATLAB-style bicubic (or degraded as Real-ISR). Unreadable files are skipped and "
        "listed at the end. Resumes from OUT/state.pt when it exists; writes OUT/model.pth "
        "(BasicSR names: 'hggt-train export' / 'hggt-enhance --scale N' take it).",
    )
    p.add_argument(
        "source", type=Path, help="folder of HR photos, a kept list (one path per line) or a crop pack"
    )
    p.add_argument("--out", type=Path, required=True, help="run folder (state.pt, model.pth)")
    p.add_argument(
        "--preset",
        choices=CLASSICAL_PRESET_NAMES,
        default="classical",
        help="settings (default: classical)",
    )
    p.add_argument("--arch", choices=("msrresnet", "edsr", "rcan"), help="network (default: the preset's)")
    p.add_argument("--scale", type=int, choices=(2, 3, 4), help="SR scale (default: the preset's, 4)")
    p.add_argument(
        "--schedule", type=float, default=1.0, help="fraction of the published iterations to run (default: 1)"
    )
    p.add_argument("--workers", type=int, help="loader workers (default: the preset's, 4)")
    p.add_argument(
        "--degradation",
        choices=("bicubic", "realesrgan"),
        default="bicubic",
        help="LR from the HR: MATLAB bicubic as the benchmarks, or the trainer's Real-ISR degradation "
        "(blur, resize, noise, JPEG; per batch on the training device, as 'fit') (default: bicubic)",
    )
    p.add_argument(
        "--seg",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="segmentation guidance, spelled as for 'fit' (docs/training.md): w_seg, seg_weights, "
        "seg_arch, seg_mean, seg_std, seg_size; e.g. --seg w_seg=0.05 seg_weights=seg.pt",
    )
    p.add_argument(
        "--set",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        dest="settings",
        help="change a preset's setting: " + ", ".join(TUNABLE) + "; e.g. a run that takes a minute "
        "on a CPU: --set num_feat=16 num_block=2 batch_size=4 gt_size=64 total_iter=50 save_every=10",
    )


def run_classical(args: argparse.Namespace) -> int:
    from train.config import ConfigError
    from train.seg_settings import seg_settings

    try:
        seg = seg_settings(args.seg, "hggt-train classical")
        settings = parse_settings(args.settings)
    except (ConfigError, ValueError) as exc:  # checked before torch is imported
        print(f"hggt-train classical: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out.exists() and not args.out.is_dir():
        print(f"hggt-train classical: --out {args.out} is a file; give a folder for the run", file=sys.stderr)
        return EXIT_USAGE

    from train.classical import ClassicalRunError, classical_config, fit_classical
    from train.classical_data import PhotoSourceError
    from train.crop_pack import CropPackError

    overrides = {
        k: v
        for k, v in (("arch", args.arch), ("scale", args.scale), ("num_workers", args.workers))
        if v is not None
    }
    overrides.update(settings)
    if args.schedule <= 0:
        print("hggt-train classical: --schedule must be above 0", file=sys.stderr)
        return EXIT_USAGE
    cfg = classical_config(
        args.preset, schedule=args.schedule, degradation=args.degradation, **overrides, **seg
    )
    if cfg.gt_size % cfg.scale:
        print(
            f"hggt-train classical: the HR crop gt_size {cfg.gt_size} is no multiple of --scale "
            f"{cfg.scale}; give --set gt_size={cfg.gt_size // cfg.scale * cfg.scale} or another scale",
            file=sys.stderr,
        )
        return EXIT_USAGE

    def report(step: int, terms: dict[str, float]) -> None:
        if step % 100 == 0 or step == 1:
            log.info("step %d: %s", step, ", ".join(f"{name} {value:.4f}" for name, value in terms.items()))

    try:
        run = fit_classical(cfg, args.source, args.out, on_step=report)
    except (PhotoSourceError, CropPackError, ClassicalRunError, ConfigError) as exc:
        print(f"hggt-train classical: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before the loop took over Ctrl+C: nothing of this run was saved
        print("hggt-train classical: interrupted before training started; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    for line in sorted(run.skipped):
        print(f"skipped: {line}", file=sys.stderr)
    if run.interrupted and not (args.out / "state.pt").is_file():
        print("interrupted before the first step; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    if run.interrupted:
        print(
            f"interrupted after step {run.step}; the run is saved in {args.out / 'state.pt'}: "
            "run the same command again to resume it",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"{run.step} steps; files skipped: {len(run.skipped)}; weights in {args.out / 'model.pth'}")
    return EXIT_OK
