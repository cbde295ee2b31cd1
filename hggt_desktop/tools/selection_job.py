"""Running HGGT patch selection over a folder: plan, resume, write crops and ``crop_area_info.txt``.

All random numbers are drawn first, in the published order, one stream across all images;
only then is the work spread over worker threads. So ``--workers`` and resuming an interrupted
run never change which crops are chosen. Decoding, choosing and PNG encoding are small tasks on
one pool (OpenCV and numpy release the GIL), so a few images in flight keep every core busy.
Progress is kept in ``OUT_DIR/.hggt/select/``: the run's settings and, per finished image, the
crops it wrote.
"""

from __future__ import annotations

import json
import logging
import os
import random
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.images import ImageError, image_size, read_image
from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.core.sets import find_sets
from hggt_desktop.tools.progress import progress
from hggt_desktop.tools.selection import SelectionParams, draw_candidates, select_crops

log = logging.getLogger(__name__)

INFO_FILE = "crop_area_info.txt"
STATE_DIR = Path(".hggt") / "select"
_FORMAT = 1


class SelectionError(Exception):
    """The run cannot start (bad folder, or an output folder made with other settings)."""


@dataclass(frozen=True)
class PlannedImage:
    """One source image with its files (original first) and its drawn candidate crops."""

    name: str
    stem: str
    paths: tuple[Path, ...]
    versions: tuple[str, ...]
    candidates: tuple[tuple[int, int], ...]
    size: tuple[int, int] = (0, 0)  # height, width


@dataclass
class SelectionReport:
    seed: int
    images: int = 0
    resumed: int = 0
    kept: int = 0
    problems: list[str] = field(default_factory=list)
    candidates: int = 0  # crops that fit in the images and were put to the texture test
    no_room: list[str] = field(default_factory=list)  # "name WxH" of images no crop fits in


def plan_selection(
    enhanced_dir: Path, params: SelectionParams, seed: int
) -> tuple[list[PlannedImage], list[str]]:
    """Check every image's files and draw all random numbers in the published order."""
    scan = find_sets(enhanced_dir)
    problems = [str(p) for p in scan.problems]
    rng = random.Random(seed)  # the same stream as random.seed(seed) on the module functions
    plan: list[PlannedImage] = []
    for image_set in sorted(scan.sets, key=lambda s: s.original.name):
        name = image_set.original.name
        if image_set.version_ids != scan.version_folders:
            problems.append(
                f"{image_set.original}: skipped, not every version ({', '.join(scan.version_folders)}) exists"
            )
            continue
        try:
            sizes = {image_size(path) for path in image_set.paths()}
        except ImageError as exc:
            problems.append(f"{exc}; skipped {name}")
            continue
        if len(sizes) != 1:
            problems.append(f"{image_set.original}: skipped, its versions differ in size ({sorted(sizes)})")
            continue
        height, width = sizes.pop()
        candidates = draw_candidates(rng, height, width, params)
        plan.append(
            PlannedImage(
                name,
                image_set.stem,
                image_set.paths(),
                image_set.version_ids,
                tuple(candidates),
                (height, width),
            )
        )
    return plan, problems


def _check_state(out_dir: Path, params: SelectionParams, seed: int, plan: list[PlannedImage]) -> None:
    """Refuse to mix runs with different settings or inputs in one output folder."""
    state_path = out_dir / STATE_DIR / "state.json"
    state = {"format": _FORMAT, "seed": seed, **asdict(params), "images": [p.name for p in plan]}
    if state_path.exists():
        try:
            previous = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SelectionError(f"{state_path}: unreadable ({exc}); delete it to start over") from exc
        if previous != state:
            changed = sorted(k for k in state if previous.get(k) != state[k])
            raise SelectionError(
                f"{out_dir} holds a selection made with different {', '.join(changed)}; "
                "use a new output folder, or the same settings to resume it"
            )
        return
    write_text_atomic(state_path, json.dumps(state, indent=1) + "\n")


def _record_path(out_dir: Path, name: str) -> Path:
    return out_dir / STATE_DIR / "done" / f"{name}.json"


def png_parameters(compression: int | None = None) -> list[int]:
    """OpenCV PNG settings for the crops: fast by default, else zlib level ``compression`` (0-9).

    Measured on 512x512 photo crops (bench_select.py's input, one thread): the default, the
    Average filter with Huffman-only coding, 6.3 ms and 420 KiB a crop; zlib level 1 with the
    adaptive filters 15.4 ms, 424 KiB; level 6 (PIL's default) 45.8 ms, 399 KiB; level 0
    (stored, no filter) 1.2 ms, 770 KiB.
    """
    if compression is None:
        return [
            cv2.IMWRITE_PNG_COMPRESSION, 1,
            cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_AVG,
            cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY,
        ]  # fmt: skip
    if compression == 0:  # filtering what is stored uncompressed only costs time
        return [cv2.IMWRITE_PNG_COMPRESSION, 0, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE]
    return [cv2.IMWRITE_PNG_COMPRESSION, compression]


def _write_png(path: Path, rgb: np.ndarray, parameters: list[int]) -> None:
    """Encode a crop view and write it under a temporary name, then rename it into place.

    No fsync per crop: the image's record, written durably after all its crops, is what makes
    a rerun skip it, and a rerun rewrites every crop of an unrecorded image.
    """
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), parameters)
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(encoded.data)
    os.replace(partial, path)


def _process(
    image: PlannedImage, out_dir: Path, params: SelectionParams, pool: Executor, parameters: list[int]
) -> int:
    """Decode, select and write one image's crops as tasks on ``pool``, then record it as done."""
    pixels = list(pool.map(read_image, image.paths))
    if len({p.shape for p in pixels}) != 1:
        raise ImageError(image.paths[0], "its versions decode to different sizes; skipped")
    kept = pool.submit(select_crops, pixels, list(image.candidates), params).result()
    folders = (ORIGINAL_FOLDER, *image.versions)
    for folder in folders:
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    writes = []
    lines = []
    for crop in kept:
        stem = crop.stem(image.stem)
        window = (slice(crop.x, crop.x + params.crop), slice(crop.y, crop.y + params.crop))
        for folder, rgb in zip(folders, pixels, strict=True):
            name = f"{stem}.png" if folder == ORIGINAL_FOLDER else f"{stem}_{folder}.png"
            writes.append(pool.submit(_write_png, out_dir / folder / name, rgb[window], parameters))
        lines.append([stem, f"{crop.score:.4f}"])
    for write in writes:
        write.result()
    write_text_atomic(_record_path(out_dir, image.name), json.dumps({"crops": lines}) + "\n")
    return len(kept)


def write_crop_info(out_dir: Path, plan: list[PlannedImage]) -> int:
    """Rebuild ``crop_area_info.txt`` from the per-image records, numbering across the run."""
    lines: list[str] = []
    for image in plan:
        record = _record_path(out_dir, image.name)
        if not record.exists():
            continue
        for stem, score in json.loads(record.read_text(encoding="utf-8"))["crops"]:
            lines.append(f"{stem}-{score}-{len(lines) + 1}.png")
    write_text_atomic(out_dir / INFO_FILE, "".join(line + "\n" for line in lines))
    return len(lines)


def run_selection(
    enhanced_dir: Path,
    out_dir: Path,
    params: SelectionParams,
    seed: int,
    workers: int | None = None,
    show_progress: bool = True,
    png_compression: int | None = None,
) -> SelectionReport:
    """Select patches from ``enhanced_dir`` into ``out_dir``; resumable, identical for any ``workers``.

    ``workers`` threads (default: all cores) do the work; a few images are in flight at once,
    enough to keep them busy while bounding memory to those images' pixels.
    """
    plan, problems = plan_selection(enhanced_dir, params, seed)
    _check_state(out_dir, params, seed, plan)
    report = SelectionReport(seed=seed, images=len(plan), problems=problems)
    report.candidates = sum(len(image.candidates) for image in plan)
    report.no_room = [f"{p.name} {p.size[1]}x{p.size[0]}" for p in plan if not p.candidates]
    todo = [image for image in plan if not _record_path(out_dir, image.name).exists()]
    report.resumed = len(plan) - len(todo)
    workers = max(1, workers or os.cpu_count() or 1)
    parameters = png_parameters(png_compression)
    with (
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="select") as pool,
        ThreadPoolExecutor(max_workers=2 + workers // 4, thread_name_prefix="select-image") as images,
    ):
        futures = {images.submit(_process, image, out_dir, params, pool, parameters): image for image in todo}
        try:
            for future in progress(
                as_completed(futures), total=len(futures), desc="select", enabled=show_progress
            ):
                try:
                    future.result()
                except ImageError as exc:
                    report.problems.append(f"{exc}; skipped {futures[future].name}")
                except OSError as exc:  # a crop could not be written: the image stays unrecorded
                    report.problems.append(
                        f"{futures[future].name}: could not write its crops ({exc}); rerun to retry"
                    )
        except KeyboardInterrupt:
            # Ctrl-C: drop the queued images so the pools' exit waits only for those in flight;
            # unfinished images have no record and are redone by the next run.
            images.shutdown(wait=False, cancel_futures=True)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    report.kept = write_crop_info(out_dir, plan)
    return report
