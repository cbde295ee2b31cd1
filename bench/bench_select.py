"""Benchmark: `hggt-data select` against the published HGGT script, same input, same machine.

Input: four 2040x1356 photos (the shipped photos in resources/photos/, mirror-tiled to size)
with four filtered versions each, the size of the HGGT benchmark input. The baseline is the
published script's whole work (tests/tools/select_reference.py: PIL decoding, per-crop PIL
conversion, meanStdDev and Laplacian, its prints sent to memory, PIL's PNG writer). Baseline and
select run ``--repeat`` times, interleaved; the medians are compared, and every select output
must equal the baseline's: same files, same pixels, byte-identical crop_area_info.txt.

    python bench/bench_select.py [--workers N] [--repeat 3] [--seed 0] [--png-compression 0-9]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.images import read_image
from hggt_desktop.resources import resource_path
from hggt_desktop.tools.selection import SelectionParams
from hggt_desktop.tools.selection_job import run_selection
from tests.tools.enhanced_data import make_enhanced
from tests.tools.select_reference import reference_select

WIDTH, HEIGHT = 2040, 1356


def benchmark_photos() -> list[np.ndarray]:
    """The four shipped photos, mirror-tiled to 2040x1356 (keeps their native texture)."""
    photos = sorted(p for p in resource_path("photos").iterdir() if p.suffix in (".png", ".jpg"))
    out = []
    for path in photos[:4]:
        image = read_image(path)
        reps = (-(-HEIGHT // image.shape[0]), -(-WIDTH // image.shape[1]))
        rows = [np.concatenate([image if j % 2 == 0 else image[:, ::-1] for j in range(reps[1])], axis=1)]
        tiled = np.concatenate([rows[0] if i % 2 == 0 else rows[0][::-1] for i in range(reps[0])], axis=0)
        out.append(np.ascontiguousarray(tiled[:HEIGHT, :WIDTH]))
    return out


def files_of(root: Path) -> dict[str, bytes]:
    """Relative path -> pixels (PNG) or bytes (text) of an output folder, state folder excluded."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.suffix == ".txt" else read_image(p).tobytes())
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".")
    }


def png_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.png"))


def timed(function, *args, **kwargs) -> tuple[float, float]:
    """(wall, CPU of this process) seconds of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="select's threads (all cores)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved (3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--png-compression", type=int, choices=range(10), metavar="0-9")
    args = parser.parse_args()
    baseline: list[tuple[float, float]] = []
    select: list[tuple[float, float]] = []
    identical = True
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        enhanced = make_enhanced(tmp / "enhanced", benchmark_photos())
        params = SelectionParams()
        for _ in range(args.repeat):
            for name in ("baseline", "select"):
                shutil.rmtree(tmp / name, ignore_errors=True)
            prints = io.StringIO()  # the published prints are executed, into memory
            baseline.append(timed(reference_select, enhanced, tmp / "baseline", args.seed, out=prints))
            select.append(
                timed(
                    run_selection,
                    enhanced,
                    tmp / "select",
                    params,
                    args.seed,
                    args.workers,
                    False,
                    args.png_compression,
                )
            )
            identical &= files_of(tmp / "baseline") == files_of(tmp / "select")
        kept = len((tmp / "select" / "crop_area_info.txt").read_text().splitlines())
        sizes = png_bytes(tmp / "baseline"), png_bytes(tmp / "select")
    base_wall = statistics.median(w for w, _ in baseline)
    select_wall = statistics.median(w for w, _ in select)
    print(f"input: 4 images {WIDTH}x{HEIGHT}, 4 versions each; seed {args.seed}; kept crops: {kept}")
    print(f"{os.cpu_count()} cores; median of {args.repeat} runs each, interleaved (wall s / CPU s)")
    print(
        f"baseline (published script, PIL, 1 thread): {base_wall:6.2f} s   runs "
        + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in baseline)
    )
    print(
        f"select --workers {args.workers}:                     {select_wall:6.2f} s   runs "
        + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in select)
    )
    print(f"select / baseline: {select_wall / base_wall:.3f} (x{base_wall / select_wall:.1f} faster)")
    print(f"PNG output: baseline {sizes[0] / 2**20:.1f} MiB, select {sizes[1] / 2**20:.1f} MiB")
    print(f"identical output (files, pixels, crop_area_info.txt) in every run: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
