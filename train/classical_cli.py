"""``hggt-train classical``: L1 training of MSRResNet / EDSR / RCAN on a photo folder or kept list."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hggt_desktop.cli.command import EXIT_OK, EXIT_USAGE, HelpFormatter

log = logging.getLogger(__name__)

# The presets of train.classical, named here so that building the parser does not import torch.
CLASSICAL_PRESET_NAMES = ("classical", "classical-edsr", "classical-rcan")


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


def run_classical(args: argparse.Namespace) -> int:
    from train.classical import ClassicalRunError, classical_config, fit_classical
    from train.classical_data import PhotoSourceError
    from train.crop_pack import CropPackError

    overrides = {
        k: v
        for k, v in (("arch", args.arch), ("scale", args.scale), ("num_workers", args.workers))
        if v is not None
    }
    if args.schedule <= 0:
        print("hggt-train classical: --schedule must be above 0", file=sys.stderr)
        return EXIT_USAGE
    cfg = classical_config(args.preset, schedule=args.schedule, degradation=args.degradation, **overrides)

    def report(step: int, loss: float) -> None:
        if step % 100 == 0:
            log.info("step %d: L1 %.4f", step, loss)

    try:
        run = fit_classical(cfg, args.source, args.out, on_step=report)
    except (PhotoSourceError, CropPackError, ClassicalRunError) as exc:
        print(f"hggt-train classical: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for line in sorted(run.skipped):
        print(f"skipped: {line}", file=sys.stderr)
    print(f"{run.step} steps; files skipped: {len(run.skipped)}; weights in {args.out / 'model.pth'}")
    return EXIT_OK
