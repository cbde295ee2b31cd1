"""hggt-train fit | eval | export: train on a pack, measure with the HGGT protocol, export ONNX.

Data-parallel: ``torchrun --nproc_per_node N -m train.cli fit ...``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _add_fit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="train a model on an HDF5 pack")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, e.g. batch_size=4")
    p.add_argument("--config", type=Path, help="TOML config file")
    p.add_argument(
        "--preset", choices=("ori", "pos", "posneg"), help="published settings of one HGGT variant"
    )
    p.add_argument("--pack", type=Path, required=True, help="HDF5 pack written by 'hggt-data pack'")
    p.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, TensorBoard, previews)")
    p.add_argument("--resume", action="store_true", help="continue from the newest training state in --out")


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="HGGT multi-GT evaluation (PSNR, SSIM, LPIPS, DISTS)")
    p.add_argument("--dataset", type=Path, help="dataset folder with labels (the ground truths)")
    p.add_argument("--sr", type=Path, help="folder of SR images named <stem>_<suffix>.png")
    p.add_argument("--pack", type=Path, help="evaluate a checkpoint on this pack's validation split")
    p.add_argument("--checkpoint", type=Path, help="generator weights (with --pack)")
    p.add_argument("--split", choices=("val", "train", "all"), default="val", help="pack split (with --pack)")
    p.add_argument("--y", action="store_true", help="PSNR/SSIM on the Y channel of BT.601 instead of RGB")
    p.add_argument("--crop-border", type=int, default=4, help="pixels cropped at each border (default 4)")
    p.add_argument(
        "--lpips-weights",
        type=Path,
        action="append",
        help="local LPIPS-Alex weights (alexnet + lin; repeatable)",
    )
    p.add_argument(
        "--dists-weights",
        type=Path,
        action="append",
        help="local DISTS weights (vgg16 + alpha/beta; repeatable)",
    )
    p.add_argument("--csv", type=Path, help="per-image CSV to write")
    p.add_argument("--json", action="store_true", help="print the dataset means as one JSON object")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a trained generator to ONNX for hggt-enhance")
    p.add_argument(
        "checkpoint", type=Path, help="net_g_*.safetensors (or a BasicSR .pth with --arch settings)"
    )
    p.add_argument("out", type=Path, help="ONNX file to write")
    p.add_argument("--params", choices=("params_ema", "params"), default="params_ema", help="which weights")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--overwrite", action="store_true", help="replace OUT even if it is not an ONNX model")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hggt-train", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_fit(sub)
    _add_eval(sub)
    _add_export(sub)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    # OpenCV would print its own "[ WARN ...]" line beside our message for a damaged image.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    try:
        return {"fit": _fit, "eval": _eval, "export": _export}[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _fit(args: argparse.Namespace) -> int:
    from hggt_desktop.training_pack import PackError
    from train.checkpoint import CheckpointError
    from train.config import ConfigError, make_config
    from train.loop import PackUnsuitable, fit
    from train.runtime import TrainingDiverged
    from train.vgg import VGGError

    problem = _check_run_dir(args.out, args.resume)
    if problem:
        print(f"hggt-train fit: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        cfg = make_config(args.preset, args.config, args.overrides)
        weights = fit(cfg, args.pack, args.out, args.resume)
    except (ConfigError, PackError, PackUnsuitable, VGGError, CheckpointError) as exc:
        print(f"hggt-train fit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TrainingDiverged as exc:
        print(f"hggt-train fit: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if weights is not None:
        print(f"weights: {weights}")
    return EXIT_OK


def _check_run_dir(out: Path, resume: bool) -> str | None:
    """Why ``out`` cannot take this run (None when it can); never overwrite another run's checkpoints."""
    if out.exists() and not out.is_dir():
        return f"--out {out}: is a file; give a folder for the run"
    if not resume and any((out / sub).is_dir() and any((out / sub).iterdir()) for sub in ("models", "state")):
        return (
            f"--out {out}: already holds a training run (models/, state/); add --resume to continue it, "
            "or give a new --out folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out}: cannot create the run folder ({exc.strerror or exc}); give a writable folder"
    return None


def _eval(args: argparse.Namespace) -> int:
    from hggt_desktop.core.layout import LayoutError
    from hggt_desktop.core.sets import SetLayoutError
    from hggt_desktop.training_pack import PackError
    from train.checkpoint import CheckpointError
    from train.evaluate import EvaluationError, evaluate_checkpoint, evaluate_folder, write_csv

    if args.crop_border < 0:
        print("hggt-train eval: --crop-border must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.dataset is not None and args.sr is not None:
            result = evaluate_folder(args.dataset, args.sr, args)
        elif args.pack is not None and args.checkpoint is not None:
            result = evaluate_checkpoint(args.pack, args.checkpoint, args)
        else:
            print("hggt-train eval: give --dataset and --sr, or --pack and --checkpoint", file=sys.stderr)
            return EXIT_USAGE
        for note in result.notes:
            print(note, file=sys.stderr)
        if args.csv is not None:
            write_csv(args.csv, result)
    except (EvaluationError, PackError, CheckpointError, LayoutError, SetLayoutError) as exc:
        print(f"hggt-train eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result.means))
    else:
        print(f"{len(result.rows)} images")
        for key, value in result.means.items():
            print(f"{key:>6}: {value:.4f}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from train.checkpoint import CheckpointError
    from train.export import ExportError, export_checkpoint

    try:
        path = export_checkpoint(args.checkpoint, args.out, args.params, args.opset, args.overwrite)
    except (ExportError, CheckpointError) as exc:
        print(f"hggt-train export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
