"""hggt-train fit | eval | export: train on a pack, measure with the HGGT protocol, export ONNX.

Data-parallel: ``torchrun --nproc_per_node N -m train.cli fit ...``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from hggt_desktop.cli.command import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    HelpFormatter,
    RawDescriptionHelpFormatter,
    command_parser,
    run_command,
)
from train.classical_cli import add_classical, run_classical
from train.crop_pack_cli import add_pack_crops, run_pack_crops

PRESET_HELP = {
    "ori": "HGGT 'Ori': the original is always the target, no negative term",
    "pos": "HGGT 'Pos': a random effective Positive as the target, no negative term",
    "posneg": "HGGT 'Pos+Neg' (the default): Positive targets, pushed away from the Negatives",
    "tiny": "Pos+Neg on a tiny network for 20 iterations: a CPU minute, no downloaded weights "
    "(to try the workflow, not for results)",
}


def _add_fit(sub: argparse._SubParsersAction) -> None:
    presets = "\n".join(f"  {name:<8} {text}" for name, text in PRESET_HELP.items())
    p = sub.add_parser(
        "fit",
        help="train a model on an HDF5 pack",
        description=textwrap.fill(
            "Train the HGGT x4 super-resolution GAN on a pack written by 'hggt-data pack'. "
            "Settings come from the defaults (the published Pos+Neg values), then --preset, then "
            "--config, then KEY=VALUE overrides. The whole run is checked before training "
            "starts, and every problem is listed at once.",
            78,
        ),
        epilog=f"presets:\n{presets}\n\nEvery setting, its default and what each preset changes: "
        "hggt-train fit --list-settings",
        formatter_class=RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="settings to change, e.g. batch_size=4 total_iter=1000 (see --list-settings)",
    )
    p.add_argument("--config", type=Path, help="TOML file of settings (default: none)")
    p.add_argument(
        "--preset",
        choices=tuple(PRESET_HELP),
        help="a set of settings, listed below (default: posneg's values)",
    )
    p.add_argument("--pack", type=Path, help="HDF5 pack written by 'hggt-data pack' (required)")
    p.add_argument(
        "--out", type=Path, help="run folder for checkpoints, TensorBoard logs and previews (required)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from the newest training state in --out (default: off)",
    )
    p.add_argument(
        "--list-settings",
        action="store_true",
        help="print every setting with its default and the presets' values, then exit",
    )


def _add_eval(sub: argparse._SubParsersAction) -> None:
    text = "HGGT multi-GT evaluation (PSNR, SSIM, LPIPS, DISTS)"
    p = sub.add_parser(
        "eval",
        help=text,
        formatter_class=HelpFormatter,
        description=f"{text}: each SR image is compared with every effective Positive of its set. "
        "Either --dataset and --sr (a folder of SR images, e.g. from 'hggt-enhance ... --scale 4 "
        "--from-ground-truth'), or --pack and --checkpoint (the pack's validation split).",
    )
    p.add_argument(
        "--dataset", type=Path, help="dataset folder with labels: the ground truths (default: none)"
    )
    p.add_argument("--sr", type=Path, help="folder of SR images named <stem>_<suffix>.png (default: none)")
    p.add_argument(
        "--pack", type=Path, help="evaluate a checkpoint on this pack's validation split (default: none)"
    )
    p.add_argument("--checkpoint", type=Path, help="generator weights, with --pack (default: none)")
    p.add_argument(
        "--split",
        choices=("val", "train", "all"),
        default="val",
        help="pack split, with --pack (default: val)",
    )
    p.add_argument(
        "--y", action="store_true", help="PSNR/SSIM on the Y channel of BT.601 instead of RGB (default: RGB)"
    )
    p.add_argument("--crop-border", type=int, default=4, help="pixels cropped at each border (default 4)")
    p.add_argument(
        "--benchmark",
        type=Path,
        help="classical SR benchmark folder (Set5/HR, ...) for --checkpoint, Y channel (default: none)",
    )
    p.add_argument("--scale", type=int, default=4, help="SR scale, with --benchmark (default: 4)")
    p.add_argument(
        "--lpips-weights",
        type=Path,
        action="append",
        help="local LPIPS-Alex weights (alexnet + lin; repeatable; default: no LPIPS)",
    )
    p.add_argument(
        "--dists-weights",
        type=Path,
        action="append",
        help="local DISTS weights (vgg16 + alpha/beta; repeatable; default: no DISTS)",
    )
    p.add_argument("--csv", type=Path, help="per-image CSV to write (default: none)")
    p.add_argument(
        "--json", action="store_true", help="print the dataset means as one JSON object (default: a table)"
    )
    p.add_argument(
        "--device", default="auto", help="cpu, cuda, cuda:N or auto (default: auto, a GPU when there is one)"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace --csv even if it is not an earlier eval CSV"
    )


def _add_export(sub: argparse._SubParsersAction) -> None:
    text = "export a trained model to ONNX for hggt-enhance"
    p = sub.add_parser(
        "export",
        help=text,
        formatter_class=HelpFormatter,
        description=f"{text[0].upper()}{text[1:]}: any architecture hggt-enhance knows (RRDBNet, "
        "MSRResNet, EDSR, RCAN, ELAN). The file states its scale; run it with 'hggt-enhance --scale N'.",
    )
    p.add_argument(
        "checkpoint",
        type=Path,
        help="weights: runs/NAME/models/net_g_*.safetensors ('hggt-train fit'), model.pth or "
        "state.pt of 'hggt-train classical' (or the run folder), or a published .pth/.pt/.safetensors "
        "in BasicSR or the official names (docs/training.md)",
    )
    p.add_argument("out", type=Path, nargs="?", help="ONNX file to write (or --out)")
    p.add_argument("--out", type=Path, dest="out_option", metavar="OUT", help="ONNX file to write")
    p.add_argument(
        "--params",
        choices=("params_ema", "params"),
        default="params_ema",
        help="which weights: the moving average or the last step's (default: params_ema)",
    )
    p.add_argument("--opset", type=int, default=17, help="ONNX opset version (default: 17)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT even if it is not an ONNX model (default: such a file is left alone)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser, sub = command_parser(
        "hggt-train",
        "Train, evaluate and export HGGT super-resolution models: fit on a pack, eval with the "
        "HGGT multi-GT protocol, export to ONNX. 'hggt-train COMMAND --help' describes each.",
    )
    _add_fit(sub)
    _add_eval(sub)
    _add_export(sub)
    add_classical(sub)
    add_pack_crops(sub)
    commands = {
        "fit": _fit,
        "eval": _eval,
        "export": _export,
        "classical": run_classical,
        "pack-crops": run_pack_crops,
    }
    return run_command(parser, argv, lambda args: commands[args.command](args), quiet_level=logging.INFO)


def _fit(args: argparse.Namespace) -> int:
    from train.config import ConfigError, config_and_problems

    if args.list_settings:
        print(settings_table())
        return EXIT_OK
    missing = [name for name in ("pack", "out") if getattr(args, name) is None]
    if missing:
        print(
            f"hggt-train fit: give {' and '.join('--' + m for m in missing)}, e.g. "
            "hggt-train fit --preset tiny --pack train.h5 --out runs/tiny",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # Everything that can be checked without PyTorch is checked first, and reported at once.
    problems: list[str] = []
    cfg = None
    try:
        cfg, problems = config_and_problems(args.preset, args.config, args.overrides)
    except ConfigError as exc:
        problems.append(str(exc))
    if cfg is not None:
        from train.preflight import check_fit

        more, notes = check_fit(cfg, args.pack)
        problems.extend(more)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    run_dir_problem = _check_run_dir(args.out, args.resume, create=False)
    if run_dir_problem:
        problems.append(run_dir_problem)
    if problems or cfg is None:
        print(f"hggt-train fit: {len(problems)} problem(s), nothing was trained:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_USAGE
    problem = _check_run_dir(args.out, args.resume, create=True)
    if problem:
        print(f"hggt-train fit: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return _train(cfg, args)


def _train(cfg, args: argparse.Namespace) -> int:
    from hggt_desktop.pack.format import PackError
    from train.checkpoint import CheckpointError
    from train.config import ConfigError
    from train.evaluate import EvaluationError
    from train.loop import PackUnsuitable, fit
    from train.runtime import TrainingDiverged
    from train.vgg import VGGError

    try:
        weights = fit(cfg, args.pack, args.out, args.resume)
    except (ConfigError, PackError, PackUnsuitable, VGGError, CheckpointError, EvaluationError) as exc:
        print(f"hggt-train fit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TrainingDiverged as exc:
        print(f"hggt-train fit: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if weights is not None:
        print(f"weights: {weights}")
    return EXIT_OK


def settings_table() -> str:
    """Every setting with its default, and the value of each preset that changes it."""
    import dataclasses

    from train.config import PRESETS, Config

    lines = ["setting = default  (presets that change it)"]
    for field in dataclasses.fields(Config):
        default = getattr(Config(), field.name)
        changed = [
            f"{name}: {json.dumps(values[field.name])}"
            for name, values in PRESETS.items()
            if field.name in values and values[field.name] != default and field.name != "preset"
        ]
        extra = f"  ({', '.join(changed)})" if changed else ""
        lines.append(f"{field.name} = {json.dumps(default)}{extra}")
    lines.append("")
    lines.append(
        "Change one with KEY=VALUE on the command line (lists as 1,2,3), or in a --config TOML file."
    )
    return "\n".join(lines)


def _check_run_dir(out: Path, resume: bool, create: bool = True) -> str | None:
    """Why ``out`` cannot take this run (None when it can); never overwrite another run's checkpoints."""
    if out.exists() and not out.is_dir():
        return f"--out {out}: is a file; give a folder for the run"
    if not resume and any((out / sub).is_dir() and any((out / sub).iterdir()) for sub in ("models", "state")):
        return (
            f"--out {out}: already holds a training run (models/, state/); add --resume to continue it, "
            "or give a new --out folder"
        )
    if not create:
        return None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out}: cannot create the run folder ({exc.strerror or exc}); give a writable folder"
    return None


def _eval(args: argparse.Namespace) -> int:
    from hggt_desktop.core.layout import LayoutError
    from hggt_desktop.core.output_file import OutputRefused, check_output_path
    from hggt_desktop.core.sets import SetLayoutError
    from hggt_desktop.pack.format import PackError
    from train.checkpoint import CheckpointError
    from train.evaluate import EVAL_CSV, EvaluationError, evaluate_checkpoint, evaluate_folder, write_csv

    if args.crop_border < 0:
        print("hggt-train eval: --crop-border must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    if args.benchmark is not None:
        return _eval_benchmark(args)
    if args.csv is not None:
        try:  # before the evaluation, which may take an hour
            check_output_path(args.csv, EVAL_CSV, args.overwrite)
        except OutputRefused as exc:
            print(f"hggt-train eval: --csv {exc}", file=sys.stderr)
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


def _eval_benchmark(args: argparse.Namespace) -> int:
    from enhance.checkpoints import CheckpointError, build_model
    from train.benchmark import BenchmarkError, evaluate_benchmark, score_table
    from train.evaluate import EvaluationError
    from train.evaluate import _device as pick_device

    if args.checkpoint is None:
        print(
            "hggt-train eval: --benchmark needs --checkpoint (an MSRResNet, EDSR, RCAN or RRDBNet)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from train.export import ExportError, resolve_checkpoint

    try:
        checkpoint = resolve_checkpoint(args.checkpoint)  # a run folder, as for export
        model, _arch, config = build_model(checkpoint)
        made = config.get("upscale")
        if isinstance(made, int) and made != args.scale:
            raise BenchmarkError(
                f"{checkpoint}: an x{made} model, but --scale {args.scale} was given; give --scale {made}"
            )
        scores = evaluate_benchmark(args.benchmark, model, args.scale, pick_device(args.device))
    except (BenchmarkError, CheckpointError, EvaluationError, ExportError) as exc:
        print(f"hggt-train eval: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(score_table(scores, args.scale))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from train.export import ExportError, export_checkpoint

    if (args.out is None) == (args.out_option is None):
        print("hggt-train export: give the ONNX file to write once, as OUT or --out OUT", file=sys.stderr)
        return EXIT_USAGE
    out = args.out or args.out_option
    try:
        path, arch, scale = export_checkpoint(args.checkpoint, out, args.params, args.opset, args.overwrite)
    except ExportError as exc:
        print(f"hggt-train export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    usage = "an enhancer: hggt-enhance runs it as it is" if scale == 1 else f"hggt-enhance --scale {scale}"
    print(f"wrote {path} ({arch}, x{scale}; {usage})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
