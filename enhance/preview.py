"""``hggt-enhance preview``: every model on one photo (or a crop), before a run of hours.

Writes the original and each model's version side by side, with the time each model took
after warm-up and the time the whole folder would take, so that a broken or too slow model
shows in seconds. Every model runs through the runner itself on a one-photo folder (same
engine, streams, tiler and checks as the real run); a weights-file engine first computes one
warm-up tile (CUDA's algorithm search, first allocations), an external command is timed with
its start-up (it loads its model at every call, so that is part of its cost).
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from enhance.engines.base import EngineOptions
from enhance.job import EngineFactory, ModelSpec, Reporter, RunOptions
from enhance.png import write_png
from enhance.runner import Runner
from enhance.tiling import extract_tiles, make_canvas, plan_tiles
from hggt_desktop.core.images import image_size, is_image_file, read_image

log = logging.getLogger(__name__)

LABEL_HEIGHT = 28


class PreviewError(Exception):
    """A photo or crop that cannot be previewed; the message says what to change."""


@dataclass
class ModelTiming:
    """What one model did on the preview photo."""

    model_id: str
    ok: bool
    seconds: float = 0.0
    projected_s: float = 0.0  # for the whole folder
    message: str = ""
    path: Path | None = None
    external: bool = False  # timed with its start-up (no warm-up for a command)


def crop_photo(image: np.ndarray, crop: tuple[int, ...] | None) -> np.ndarray:
    """The photo, or ``(w, h)`` from its centre, or ``(x, y, w, h)``; clipped to the photo."""
    if crop is None:
        return image
    height, width = image.shape[:2]
    if len(crop) == 2:
        w, h = min(crop[0], width), min(crop[1], height)
        x, y = (width - w) // 2, (height - h) // 2
    else:
        x, y, w, h = crop
    part = image[max(y, 0) : y + h, max(x, 0) : x + w]
    if part.size == 0:
        raise PreviewError(f"crop {crop} lies outside the {width}x{height} photo")
    return np.ascontiguousarray(part)


def folder_megapixels(folder: Path) -> tuple[int, float]:
    """(photos, megapixels) of a folder, from the image headers where possible."""
    count, pixels = 0, 0.0
    for path in sorted(folder.iterdir()):
        if path.is_file() and is_image_file(path) and not path.name.startswith("."):
            try:
                h, w = image_size(path)
            except Exception:  # counted by the real run, which reports it
                continue
            count, pixels = count + 1, pixels + h * w / 1e6
    return count, pixels


class ModelStop(threading.Event):
    """One model's stop flag: set by its own failure (the runner stops a run whose model cannot
    open), and set whenever the whole preview is stopped (Ctrl-C)."""

    def __init__(self, preview: threading.Event) -> None:
        super().__init__()
        self.preview = preview

    def is_set(self) -> bool:
        return super().is_set() or self.preview.is_set()


def time_model(
    spec: ModelSpec,
    photo: Path,
    options: RunOptions,
    open_engine: EngineFactory,
    work: Path,
    stop: threading.Event,
    reporter: Reporter | None = None,
) -> tuple[np.ndarray, float]:
    """The model's version of ``photo`` and the seconds its engine (or command) was busy.

    The runner itself does the work, so every check of a real run applies and a CPU engine
    runs its streams as in a real run; a weights-file engine computes one tile before the
    runner gets it, so its first-call costs are not counted.
    """
    image = read_image(photo)
    plan = plan_tiles(image.shape[0], image.shape[1], options.tile, options.overlap)

    def warmed_up(path: Path, engine_options: EngineOptions):
        engine = open_engine(path, engine_options)
        engine.infer(extract_tiles(make_canvas(image, plan), plan, [0]))
        return engine

    runner = Runner(photo.parent, work, [photo.name], [spec], options, warmed_up, reporter, stop)
    summary = runner.run()
    if summary.fatal or summary.failed:
        raise PreviewError("; ".join(summary.fatal + [message for *_, message in summary.failed]))
    if summary.interrupted:
        raise PreviewError("stopped")
    return read_image(runner._output_path(spec.model_id, photo.name)), summary.engine_busy_s


def side_by_side(panels: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """The images in a row at one height (nearest-neighbour), each under a caption."""
    height = max(image.shape[0] for _, image in panels)
    row = []
    for caption, image in panels:
        if image.shape[0] != height:
            width = round(image.shape[1] * height / image.shape[0])
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_NEAREST)
        label = np.full((LABEL_HEIGHT, image.shape[1], 3), 255, np.uint8)
        cv2.putText(
            label, caption, (6, LABEL_HEIGHT - 9), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA
        )
        gap = np.full((height + LABEL_HEIGHT, 4, 3), 255, np.uint8)
        row += [np.concatenate([label, image]), gap]
    return np.concatenate(row[:-1], axis=1)


def run_preview(
    photo: Path,
    image: np.ndarray,
    specs: list[ModelSpec],
    options: RunOptions,
    out_dir: Path,
    folder: tuple[int, float],
    open_engine: EngineFactory,
    stop: threading.Event | None = None,
    reporter: Reporter | None = None,
) -> tuple[list[ModelTiming], Path]:
    """Run every model on ``image`` (the photo or its crop); the timings and the side-by-side file."""
    stop = stop or threading.Event()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = photo.stem
    write_png(out_dir / f"{stem}_original.png", image)
    megapixels = image.shape[0] * image.shape[1] / 1e6
    panels = [("original", image)]
    timings = []
    with tempfile.TemporaryDirectory(prefix="hggt-preview-") as scratch:
        staged = Path(scratch) / "in" / f"{stem}.png"
        write_png(staged, image)
        for spec in specs:
            if stop.is_set():
                break
            try:
                work = Path(scratch) / spec.model_id
                own_stop = ModelStop(stop)  # a model that cannot open must not stop the others
                result, seconds = time_model(spec, staged, options, open_engine, work, own_stop, reporter)
            except Exception as exc:  # one broken model must not hide the others
                log.info("preview of model %s failed", spec.model_id, exc_info=True)
                timings.append(ModelTiming(spec.model_id, False, message=str(exc) or type(exc).__name__))
                continue
            path = out_dir / f"{stem}_{spec.model_id}.png"
            write_png(path, result)
            projected = seconds / megapixels * folder[1]
            external = spec.external is not None
            timings.append(ModelTiming(spec.model_id, True, seconds, projected, path=path, external=external))
            panels.append((f"{spec.model_id}  {seconds:.1f} s", result))
    combined = out_dir / f"{stem}_preview.png"
    write_png(combined, side_by_side(panels))
    return timings, combined


def format_duration(seconds: float) -> str:
    """``1:02:03`` or ``2:03`` (or ``0:00`` for nothing)."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
