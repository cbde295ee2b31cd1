"""Benchmark: `hggt-data select` against the published algorithm, same input, same run.

Input: four 2040x1356 photos (the shipped photos in resources/photos/, mirror-tiled to size)
with four filtered versions each, the size of the HGGT benchmark input. Prints both times,
the speedup, the I/O floor (decoding the inputs and encoding the kept crops, which any
implementation pays) and checks that both outputs are identical.

    python bench/bench_select.py [--workers 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.images import encode_png, read_image
from hggt_desktop.resources import resource_path
from hggt_desktop.tools.selection import SelectionParams, select_crops
from hggt_desktop.tools.selection_job import choose_crops, plan_selection, run_selection
from tests.tools.enhanced_data import make_enhanced
from tests.tools.select_reference import reference_score, reference_select

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
    return {
        p.relative_to(root).as_posix(): (p.read_bytes() if p.suffix == ".txt" else read_image(p).tobytes())
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".")
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step", type=int, default=288, help="grid step (288; smaller = more candidates)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        enhanced = make_enhanced(tmp / "enhanced", benchmark_photos())

        start, cpu = time.perf_counter(), time.process_time()
        reference_select(enhanced, tmp / "baseline", args.seed, step=args.step)
        baseline_s, baseline_cpu = time.perf_counter() - start, time.process_time() - cpu

        start, cpu = time.perf_counter(), time.process_time()
        report = run_selection(
            enhanced, tmp / "select", SelectionParams(step=args.step), args.seed, args.workers, False
        )
        select_s, select_cpu = time.perf_counter() - start, time.process_time() - cpu

        identical = files_of(tmp / "baseline") == files_of(tmp / "select")

        # Deciding only (texture test + score on decoded images), one thread each.
        plan, _ = plan_selection(enhanced, SelectionParams(step=args.step), args.seed)
        decoded = [[read_image(p) for p in image.paths] for image in plan]
        start = time.perf_counter()
        for image, pixels in zip(plan, decoded, strict=True):
            for x, y in image.candidates:
                reference_score([p[x : x + 512, y : y + 512] for p in pixels], 30, 30)
        baseline_decide_s = time.perf_counter() - start
        start = time.perf_counter()
        for image, pixels in zip(plan, decoded, strict=True):
            select_crops(pixels, list(image.candidates), SelectionParams(step=args.step))
        decide_s = time.perf_counter() - start
        del decoded

        # Choosing only (decode + texture test + score, no PNG writing), one thread each.
        start = time.perf_counter()
        reference_select(enhanced, tmp / "unused", args.seed, step=args.step, write=False)
        baseline_choose_s = time.perf_counter() - start
        start = time.perf_counter()
        plan, _ = plan_selection(enhanced, SelectionParams(step=args.step), args.seed)
        for image in plan:
            choose_crops(image, SelectionParams(step=args.step))
        choose_s = time.perf_counter() - start

        # What every implementation pays for the output: encoding the kept crops as PNG.
        crops = [read_image(p) for p in sorted((tmp / "select").rglob("*.png"))]
        start = time.perf_counter()
        for crop in crops:
            encode_png(crop)
        encode_s = time.perf_counter() - start
    print(
        f"input: 4 images {WIDTH}x{HEIGHT}, 4 versions each; seed {args.seed}, step {args.step}; kept: {report.kept}"
    )
    print(
        f"full run   baseline (published algorithm, 1 thread): {baseline_s:7.2f} s  (CPU {baseline_cpu:.2f} s)"
    )
    print(
        f"full run   select --workers {args.workers}:                  {select_s:7.2f} s  (CPU {select_cpu:.2f} s)"
        f"   x{baseline_s / select_s:.1f}"
    )
    print(f"choosing   baseline, 1 thread:                       {baseline_choose_s:7.2f} s")
    print(
        f"choosing   select, 1 thread:                         {choose_s:7.2f} s   x{baseline_choose_s / choose_s:.1f}"
    )
    print(f"deciding   baseline, 1 thread:                       {baseline_decide_s:7.2f} s")
    print(
        f"deciding   select, 1 thread:                         {decide_s:7.2f} s   x{baseline_decide_s / decide_s:.1f}"
    )
    print(f"PNG encoding of the {len(crops)} output files alone, 1 thread: {encode_s:.2f} s")
    print(f"identical output: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
