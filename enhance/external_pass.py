"""One model pass with an external enhancer: stage the photos, run the command, take the results.

The runner keeps what it keeps for every model (enhance/runner.py): the manifest (the model hash
is the description's digest, so a changed description re-runs its images), resume, the copy
under original/, atomic placement of each output. Each photo is handed to the command as the
8-bit RGB PNG that every other model sees (decoded by hggt_desktop.core.images); each result
goes through the same decoder, must be ``scale`` times the photo's size, and is written by the
runner. A missing, unreadable or wrong-size result fails that image only, with the tail of the
command's output in the message; the full output stays in ``.hggt-enhance/logs/``.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np

from enhance.external import ExternalModel
from enhance.feed import Item
from enhance.job import ORIGINAL, ModelSpec
from enhance.manifest import MANIFEST_DIR
from enhance.png import write_png
from enhance.process_tree import ChildResult, run_tree
from enhance.runner import Runner, shrink
from hggt_desktop.core.atomic import write_bytes_atomic
from hggt_desktop.core.images import decode_image, is_plain_rgb_png, read_encoded

log = logging.getLogger(__name__)

# How much of the command's output a failure message quotes.
TAIL_LINES = 6
TAIL_CHARS = 600


def run_external(runner: Runner, spec: ModelSpec, todo: list[str]) -> None:
    """Run ``spec``'s command over the ``todo`` images: one call per image, or per group."""
    model = spec.external
    assert model is not None
    runner.reporter.engine_opened(spec.model_id, 0, model.describe())
    work = runner.out_dir / MANIFEST_DIR / "external" / spec.model_id
    size = 1 if model.per == "image" else (model.images_per_call or len(todo))
    for start in range(0, len(todo), size):
        if runner.stop.is_set():
            return
        items = _stage(runner, spec.model_id, todo[start : start + size], work / "in")
        if items and not _call(runner, spec, model, items, work):
            return
    shutil.rmtree(work, ignore_errors=True)


def _stage(runner: Runner, model_id: str, names: list[str], folder: Path) -> list[Item]:
    """Decode the photos, write their input PNGs for the command (and original/ copies)."""
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    items = []
    for name in names:
        if name in runner._unreadable:
            runner._fail(model_id, name, "not readable (reported above); skipped")
            continue
        photo = runner.read_photo(model_id, name)
        if photo is None:
            continue
        encoded, image = photo
        own = encoded if is_plain_rgb_png(encoded) else None
        if runner.options.from_ground_truth:
            image, own = shrink(image, runner.options.scale), None
        staged = folder / f"{Path(name).stem}.png"
        if own is not None:
            write_bytes_atomic(staged, own.tobytes())
        else:
            write_png(staged, image)
        item = Item(name, image)
        items.append(item)
        with runner._lock:
            copy_original = name in runner._originals_pending
            runner._originals_pending.discard(name)
        if copy_original:
            runner._write_output(ORIGINAL, "", item, image, own)
    return items


def _call(runner: Runner, spec: ModelSpec, model: ExternalModel, items: list[Item], work: Path) -> bool:
    """Run the command once for ``items`` and take its results; False when the run must end."""
    outdir = work / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    if model.per == "image":
        stem = Path(items[0].name).stem
        source, out = work / "in" / f"{stem}.png", outdir / model.result_name(stem)
        out.parent.mkdir(parents=True, exist_ok=True)  # "sub/{stem}.png": the command need not make it
        log_name = f"{spec.model_id}_{stem}.log"
    else:
        source, out, log_name = work / "in", None, f"{spec.model_id}_{Path(items[0].name).stem}_etc.log"
    log_path = runner.out_dir / MANIFEST_DIR / "logs" / log_name
    arguments = model.arguments(source, out, outdir)
    log.info("model %s: running %s", spec.model_id, arguments)
    try:
        result = run_tree(
            arguments, log_path, runner.stop, model.timeout_s * len(items), model.env, model.cwd or None
        )
    except OSError as exc:
        # A program that cannot start fails every image the same way: end the run.
        with runner._lock:
            runner.summary.fatal.append(
                f"model {spec.model_id}: cannot start {arguments[0]!r} ({exc}); check 'command' in {model.source}"
            )
        runner.stop.set()
        return False
    with runner._lock:
        runner.summary.engine_busy_s += result.seconds
    if result.stopped:
        return False  # nothing recorded: the next run does these images again
    for item in items:
        _take_result(runner, spec, model, item, outdir, result, log_path)
    return True


def _take_result(
    runner: Runner,
    spec: ModelSpec,
    model: ExternalModel,
    item: Item,
    outdir: Path,
    result: ChildResult,
    log_path: Path,
) -> None:
    path = outdir / model.result_name(Path(item.name).stem)
    height, width = item.image.shape[:2]
    expected = (height * model.scale, width * model.scale)
    encoded: np.ndarray | None = None
    if result.timed_out:
        problem = f"the command ran past its timeout ({result.seconds:.0f} s) and was stopped"
    elif not path.is_file():
        problem = f"the command wrote no {model.result_name(Path(item.name).stem)} (exit status {result.returncode})"
    else:
        try:
            encoded = read_encoded(path)
            output = decode_image(encoded, path)
        except Exception as exc:
            problem = f"its result {path.name} is not a readable image ({exc})"
        else:
            if output.shape[:2] == expected:
                own = encoded if is_plain_rgb_png(encoded) else None
                if runner._write_output(spec.model_id, spec.sha256, item, output, own):
                    with runner._lock:
                        runner.summary.megapixels += item.image.size / 3e6
                return
            problem = (
                f"its result is {output.shape[1]}x{output.shape[0]}, expected {expected[1]}x{expected[0]} "
                f"(scale {model.scale} x {width}x{height}); check the command's size options or 'scale'"
            )
    runner._fail(spec.model_id, item.name, f"{problem}; {_tail(log_path)}")


def _tail(log_path: Path) -> str:
    """The last lines the command printed, for a failure message."""
    try:
        with open(log_path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 8 * TAIL_CHARS))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "no output from the command"
    lines = [line.strip() for line in text.splitlines() if line.strip()][-TAIL_LINES:]
    if not lines:
        return f"the command printed nothing (log: {log_path})"
    return f"the command's last output: {' | '.join(lines)[-TAIL_CHARS:]} (full log: {log_path})"
