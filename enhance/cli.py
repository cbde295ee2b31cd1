"""``hggt-enhance``: run up to four enhancement models over a folder of photos.

    hggt-enhance INPUT_DIR OUT_DIR --model 01=a.pth --model 02=b.onnx [options]
    hggt-enhance export CHECKPOINT OUT.onnx
    hggt-enhance preview PHOTO --model 01=a.pth ... (enhance/preview_cli.py)

Exit codes: 0 every output written, 1 some images failed, 2 usage error or bad model file,
130 stopped by Ctrl-C / SIGTERM (finished outputs are recorded; run again to resume).
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from pathlib import Path

from hggt_desktop.core.labels import ORIGINAL_FOLDER

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_MODEL_ID = re.compile(r"^[0-9A-Za-z_-]{1,16}$")


class UsageError(Exception):
    """Bad command-line input; the message says what to change."""


def command_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A parser whose help shows every option's default (the run's and the preview's)."""
    from hggt_desktop.cli.command import HelpFormatter

    return argparse.ArgumentParser(prog=prog, formatter_class=HelpFormatter, description=description)


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "hggt-enhance",
        "Enhance every photo of a folder with up to four models (HGGT step 1). "
        "Also: 'hggt-enhance export CHECKPOINT OUT.onnx', 'hggt-enhance preview PHOTO --model ...'.",
    )
    parser.add_argument("input_dir", type=Path, help="folder of photos")
    parser.add_argument("out_dir", type=Path, help="writes OUT_DIR/original/ and OUT_DIR/<id>/<img>_<id>.png")
    add_model_options(parser)
    parser.add_argument("--devices", default="0", help="GPU indices, one worker each, e.g. 0,1")
    parser.add_argument("--shard", default="1/1", help="process shard i of n (1-based), split by sorted name")
    parser.add_argument(
        "--from-ground-truth",
        action="store_true",
        help="with --scale N: the photos are ground truth; shrink each by N (bicubic) before the "
        "model, so that the outputs have the photos' size and can be compared with them",
    )
    return parser


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """The options a run and a preview share: the models, how they run, the output's form."""
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ID=PATH",
        help="model id and file (.onnx, or a .pth / .safetensors checkpoint: docs/enhance.md lists "
        "the architectures and names that load), or an external command: "
        'ID=model.toml or ID=cmd:"prog ... {in} ... {outdir}" (docs/enhance.md); repeat up to 4 times',
    )
    parser.add_argument(
        "--tile",
        type=int,
        default=512,
        help="largest tile side in pixels; tiles shrink to fit each image (default 512)",
    )
    parser.add_argument("--overlap", type=int, default=32, help="overlap between tiles (default 32)")
    parser.add_argument("--batch", type=int, default=1, help="tiles per engine call (default 1)")
    parser.add_argument(
        "--precision",
        choices=("fp32", "fp16", "bf16"),
        default="fp32",
        help="arithmetic of PyTorch models; a reduced one is used only when it stays within one "
        "8-bit level of fp32 on a probe tile (ONNX models run as exported)",
    )
    parser.add_argument(
        "--provider",
        choices=("auto", "cuda", "dml", "cpu"),
        default="auto",
        help="where models run: auto (a CUDA GPU when the driver reports one, DirectML on Windows, "
        "else the CPU), or one by name",
    )
    parser.add_argument(
        "--streams",
        type=int,
        default=0,
        help="on the CPU: model calls running at once, sharing the cores (default: one per core, up to 4)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="the models' scale (default 1: enhancers keep the size, and a model that does not is "
        "refused). N > 1: super-resolution output, written flat as OUT_DIR/<stem>_<id>.png, what "
        "'hggt-train eval --sr' reads; ONNX files from an export state their scale",
    )
    parser.add_argument(
        "--progress-json",
        action="store_true",
        help="print progress as JSON lines on stdout; 'cancel' on stdin stops the run",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")


def check_model_options(args: argparse.Namespace) -> None:
    """The shared options' values (UsageError naming the option)."""
    from enhance.tiling import check_tile_size

    if args.batch < 1:
        raise UsageError("--batch must be at least 1")
    if args.streams < 0:
        raise UsageError("--streams must be at least 1 (or 0 to choose one per CPU core)")
    try:
        check_tile_size(args.tile, args.overlap)
    except ValueError as exc:
        raise UsageError(f"--tile/--overlap: {exc}") from exc
    if args.scale < 1:
        raise UsageError("--scale must be at least 1")


def build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hggt-enhance export",
        description="Export a checkpoint (.pth or .safetensors: RRDBNet, MSRResNet, EDSR, RCAN, ELAN, "
        "in BasicSR or the official names) to ONNX with dynamic height and width, checked against "
        "PyTorch before it is written; the file states its scale.",
    )
    parser.add_argument("checkpoint", type=Path, help="the model file to export")
    parser.add_argument(
        "out", type=Path, help="the .onnx file to write (an existing non-ONNX file is left alone)"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace OUT even if it is not an ONNX model"
    )
    return parser


def parse_models(values: list[str]) -> list[tuple[str, str]]:
    """``ID=PATH`` (or ``ID=cmd:...``, ``ID=model.toml``) pairs, checked for shape and duplicates."""
    if not values:
        raise UsageError("give at least one --model ID=PATH, e.g. --model 01=rcan_01.pth")
    if len(values) > 4:
        raise UsageError(f"at most four --model options, got {len(values)}")
    models: list[tuple[str, str]] = []
    for value in values:
        model_id, sep, path = value.partition("=")
        if not sep or not _MODEL_ID.match(model_id) or not path:
            raise UsageError(f"--model {value!r}: expected ID=PATH with a short id such as 01")
        if model_id in [m for m, _ in models] or model_id == ORIGINAL_FOLDER:
            raise UsageError(f"--model id {model_id!r} is used twice or reserved")
        models.append((model_id, path))
    return models


def parse_shard(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", value)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise UsageError(f"--shard {value!r}: expected i/n with 1 <= i <= n, e.g. 1/2")
    return int(match[1]), int(match[2])


def parse_devices(value: str) -> tuple[int, ...]:
    try:
        devices = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise UsageError(f"--devices {value!r}: expected GPU indices such as 0,1") from None
    if len(set(devices)) != len(devices) or min(devices) < 0:
        raise UsageError(f"--devices {value!r}: indices must be distinct and >= 0")
    return devices


def check_out_dir(out_dir: Path) -> None:
    """Refuse an OUT_DIR that is a file or a labelled dataset: its images are what labels describe."""
    from hggt_desktop.core.layout import find_labels_dir

    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: is a file; give a folder for the outputs")
    for labels in dict.fromkeys((find_labels_dir(out_dir), out_dir / "labels")):
        if labels.is_dir() and next(labels.glob("*/*.json"), None) is not None:
            raise UsageError(
                f"{out_dir}: is a labelled dataset (labels in {labels}); enhancing into it could replace "
                "images that those labels describe. Give a new OUT_DIR"
            )


def list_images(input_dir: Path, shard: tuple[int, int]) -> tuple[list[str], list[str]]:
    """This shard's image file names (sorted) and names skipped because their stem repeats."""
    from hggt_desktop.core.images import is_image_file

    if not input_dir.is_dir():
        raise UsageError(f"{input_dir}: not a folder; give the folder of photos")
    names = sorted(
        p.name for p in input_dir.iterdir() if p.is_file() and is_image_file(p) and not p.name.startswith(".")
    )
    index, count = shard
    names = names[index - 1 :: count]
    seen: set[str] = set()
    kept, clashes = [], []
    for name in names:
        stem = Path(name).stem
        (clashes if stem in seen else kept).append(name)
        seen.add(stem)
    return kept, clashes


def check_model_file(model_id: str, path: Path, wanted_scale: int) -> None:
    """Fail early (exit 2), before any image is read, on a model file that cannot be loaded or
    whose scale, measured on a probe tile, is not the one asked for."""
    from enhance.model_scale import ScaleError, measure_scale, scale_problem

    if not path.is_file():
        raise UsageError(f"{path}: model file not found")
    if path.suffix.lower() == ".onnx":
        import onnx

        try:
            onnx.checker.check_model(str(path))
            model = onnx.load(str(path), load_external_data=False)
        except Exception as exc:
            raise UsageError(f"{path}: not a valid ONNX model ({str(exc).splitlines()[0][:200]})") from exc
        check_onnx_io(path, model)
    try:
        scale = measure_scale(path)
    except ScaleError as exc:
        raise UsageError(str(exc)) from exc
    problem = scale_problem(model_id, path, scale, wanted_scale)
    if problem:
        raise UsageError(problem)


def check_onnx_io(path: Path, model) -> None:  # type: ignore[no-untyped-def]
    """Refuse a model that cannot take N x 3 x H x W images, naming the file, before any image is read."""
    initializers = {init.name for init in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise UsageError(
            f"{path}: the model has {len(inputs)} inputs; hggt-enhance feeds one N x 3 x H x W image batch"
        )
    tensor = inputs[0].type.tensor_type
    if not tensor.HasField("shape"):
        return  # no declared shape: the first call will tell
    dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tensor.shape.dim]
    shape = " x ".join(str(d) for d in dims) or "a scalar"
    channels = dims[1] if len(dims) == 4 else None
    if len(dims) != 4 or (isinstance(channels, int) and channels not in (0, 3)):
        raise UsageError(
            f"{path}: the model's input {inputs[0].name!r} is {shape}; hggt-enhance feeds N x 3 x H x W "
            "RGB batches. Export the model with such an input (hggt-enhance export does)"
        )


def load_model(model_id: str, value: str, wanted_scale: int = 1):
    """The run's spec for one ``--model`` value (exit 2 on a file or description that cannot be
    used, or whose scale is not ``wanted_scale``)."""
    from enhance.external import ExternalModelError, is_external, read_external
    from enhance.job import ModelSpec
    from hggt_desktop.core.hashing import sha256_file

    if is_external(value):
        try:
            model = read_external(value)
        except ExternalModelError as exc:
            raise UsageError(f"--model {model_id}: {exc}") from exc
        if model.scale != wanted_scale:
            raise UsageError(
                f"--model {model_id}: {model.source} says scale {model.scale} but the run asks for "
                f"--scale {wanted_scale}; change one of them"
            )
        source = Path(value) if value.lower().endswith(".toml") else Path(model.command[0])
        return ModelSpec(model_id, source, model.digest(), external=model)
    path = Path(value)
    check_model_file(model_id, path, wanted_scale)
    return ModelSpec(model_id, path, sha256_file(path))


def install_stop_handlers(stop: threading.Event, reporter) -> dict:
    """Ctrl-C, SIGTERM (QProcess.terminate) and CTRL_BREAK request a clean stop; twice forces it.

    Returns the previous handlers so that an in-process caller (the tests) gets them back.
    """

    def handler(signum, _frame) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        reporter.say("stopping: finishing the images being written (press Ctrl-C again to abort)")

    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            number = getattr(signal, name)
            previous[number] = signal.signal(number, handler)
    return previous


def watch_stdin(stop: threading.Event) -> None:
    """The app cancels by writing 'cancel' (Windows console processes ignore terminate())."""

    def loop() -> None:
        try:
            for line in sys.stdin:
                if line.strip() == "cancel":
                    stop.set()
                    return
        except (OSError, ValueError):  # no usable stdin (closed, or captured by a test runner)
            return

    threading.Thread(target=loop, daemon=True).start()


def run_enhance(args: argparse.Namespace) -> int:
    from enhance.engines.factory import open_engine
    from enhance.job import RunOptions
    from enhance.progress import ProgressReporter
    from enhance.runner import Runner

    models = parse_models(args.model)
    shard = parse_shard(args.shard)
    devices = parse_devices(args.devices)
    check_model_options(args)
    if args.from_ground_truth and args.scale == 1:
        raise UsageError("--from-ground-truth needs --scale N (N > 1): it shrinks each photo by N first")
    check_out_dir(args.out_dir)
    specs = [load_model(model_id, value, args.scale) for model_id, value in models]
    images, clashes = list_images(args.input_dir, shard)
    reporter = ProgressReporter(json_lines=args.progress_json)
    for name in clashes:
        reporter.say(f"SKIPPED {name}: another input has the same name stem; rename one of them")
    options = RunOptions(
        tile=args.tile,
        overlap=args.overlap,
        batch=args.batch,
        precision=args.precision,
        provider=args.provider,
        devices=devices,
        streams=args.streams,
        scale=args.scale,
        from_ground_truth=args.from_ground_truth,
    )
    stop = threading.Event()
    previous = install_stop_handlers(stop, reporter)
    if args.progress_json:
        watch_stdin(stop)
    runner = Runner(args.input_dir, args.out_dir, images, specs, options, open_engine, reporter, stop)
    try:
        summary = runner.run()
    finally:
        reporter.close()
        for number, old in previous.items():
            signal.signal(number, old)
    failed = len(summary.failed) + len(clashes)
    reporter.emit(
        "done",
        written=summary.done,
        skipped=summary.skipped,
        failed=failed,
        interrupted=summary.interrupted and not summary.fatal,
    )
    if summary.fatal:
        for message in summary.fatal:
            reporter.say(f"ERROR {message}")
        return EXIT_USAGE
    reporter.say(f"{summary.done} written, {summary.skipped} already done, {failed} failed")
    if summary.interrupted:
        reporter.say("stopped; run the same command again to finish")
        return EXIT_INTERRUPTED
    return EXIT_FAILED if failed else EXIT_OK


def run_export(argv: list[str]) -> int:
    args = build_export_parser().parse_args(argv)
    from enhance.checkpoints import CheckpointError, build_model
    from enhance.onnx_export import ARCH_KEY, ExportError, check_export_target, export_onnx

    try:
        check_export_target(args.out, args.overwrite)  # before the checkpoint is even read
        model, arch, _config = build_model(args.checkpoint)
        diff = export_onnx(model, args.out, overwrite=args.overwrite, metadata={ARCH_KEY: arch})
    except (CheckpointError, ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {args.out} ({arch}; max difference to PyTorch {diff:.1e})")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    from hggt_desktop.core.closed_pipe import run_until_pipe_closes

    return run_until_pipe_closes(lambda: _main(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str]) -> int:
    verbose = "-v" in argv or "--verbose" in argv
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    try:
        if argv[:1] == ["export"]:
            return run_export(argv[1:])
        if argv[:1] == ["preview"]:
            from enhance.preview_cli import run_preview_command

            return run_preview_command(argv[1:])
        return run_enhance(build_parser().parse_args(argv))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("aborted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
