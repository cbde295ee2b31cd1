"""``hggt-enhance preview PHOTO --model ID=... [--crop W,H | X,Y,W,H] [--folder DIR] [--out DIR]``.

Prints, per model, the time after warm-up and the projected time for the whole folder, and
writes ``OUT/<stem>_original.png``, ``OUT/<stem>_<id>.png`` and ``OUT/<stem>_preview.png`` (the
original beside every version). With ``--progress-json``: one ``preview_model`` event per
model and a final ``preview`` event (the desktop app's Preview button reads them).
Exit codes: 0 every model worked, 1 some failed, 2 usage error, 130 stopped.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path

from enhance.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_model_options,
    check_model_options,
    command_parser,
    install_stop_handlers,
    load_model,
    parse_models,
    watch_stdin,
)
from enhance.job import Reporter


def build_preview_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "hggt-enhance preview",
        "Run every model on one photo (or a crop of it), write the original beside the versions, "
        "and print each model's time and the projected time for the whole folder.",
    )
    parser.add_argument("photo", type=Path, help="the photo to try the models on")
    parser.add_argument(
        "--crop", default="", help="W,H from the centre, or X,Y,W,H (default: the whole photo)"
    )
    parser.add_argument("--folder", type=Path, help="the folder to project for (default: the photo's)")
    parser.add_argument("--out", type=Path, help="where the previews go (default: a new temporary folder)")
    add_model_options(parser)
    return parser


def parse_crop(value: str) -> tuple[int, ...] | None:
    if not value:
        return None
    try:
        numbers = tuple(int(v) for v in value.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) not in (2, 4) or min(numbers[-2:]) < 1 or min(numbers) < 0:
        raise UsageError(f"--crop {value!r}: expected W,H (from the centre) or X,Y,W,H in pixels")
    return numbers


class _EngineLines(Reporter):
    """Says which engine each model got; the per-image events of the inner runs stay quiet."""

    def engine_opened(self, model_id: str, device: int, description: str) -> None:
        print(f"model {model_id}: {description}", file=sys.stderr, flush=True)


def run_preview_command(argv: list[str]) -> int:
    from enhance.engines.factory import open_engine
    from enhance.job import RunOptions
    from enhance.preview import crop_photo, folder_megapixels, format_duration, run_preview
    from enhance.progress import ProgressReporter
    from hggt_desktop.core.images import read_image

    args = build_preview_parser().parse_args(argv)
    crop = parse_crop(args.crop)
    check_model_options(args)
    specs = [load_model(model_id, value, args.scale) for model_id, value in parse_models(args.model)]
    if not args.photo.is_file():
        raise UsageError(f"{args.photo}: no such photo")
    try:
        image = crop_photo(read_image(args.photo), crop)
    except Exception as exc:  # unreadable photo, crop outside it
        raise UsageError(f"{args.photo}: {exc}") from exc
    folder = args.folder or args.photo.parent
    if not folder.is_dir():
        raise UsageError(f"--folder {folder}: not a folder")
    photos, megapixels = folder_megapixels(folder)
    out = args.out or Path(tempfile.mkdtemp(prefix="hggt-preview-"))
    options = RunOptions(
        tile=args.tile,
        overlap=args.overlap,
        batch=args.batch,
        precision=args.precision,
        provider=args.provider,
        streams=args.streams,
        scale=args.scale,
    )
    reporter = ProgressReporter(json_lines=args.progress_json, show_bar=False)
    size = f"{image.shape[1]}x{image.shape[0]}" + (" crop" if crop else "")
    reporter.say(
        f"preview of {args.photo.name} ({size}); folder {folder}: {photos} photos, {megapixels:.1f} MP"
    )
    stop = threading.Event()
    previous = install_stop_handlers(stop, reporter)
    if args.progress_json:
        watch_stdin(stop)
    try:
        timings, combined = run_preview(
            args.photo, image, specs, options, out, (photos, megapixels), open_engine, stop, _EngineLines()
        )
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    for timing in timings:
        if timing.ok:
            reporter.say(
                f"model {timing.model_id}: {timing.seconds:.2f} s "
                f"{'start-up included' if timing.external else 'after warm-up'}; "
                f"whole folder about {format_duration(timing.projected_s)}"
            )
        else:
            reporter.say(f"model {timing.model_id} FAILED: {timing.message}")
        reporter.emit(
            "preview_model",
            model=timing.model_id,
            ok=timing.ok,
            seconds=round(timing.seconds, 3),
            projected_s=round(timing.projected_s, 1),
            message=timing.message,
            path=str(timing.path or ""),
        )
    total = sum(t.projected_s for t in timings if t.ok)
    reporter.say(f"all models: whole folder about {format_duration(total)} (engine time, one device)")
    reporter.say(f"wrote {combined}")
    reporter.emit("preview", path=str(combined), projected_s=round(total, 1), photos=photos)
    if stop.is_set():
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(not t.ok for t in timings) else EXIT_OK
