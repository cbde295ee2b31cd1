"""Benchmark: screening throughput (B(x) + the default R(x)) with 1 and 2 local workers, and on Ray.

ImageNet-sized photos (500x375 JPEG quality 90, cut from scikit-image's sample photos) go
through the screen job's own line producers: local worker processes (1, then 2: the baseline
and the goal of >= 1.8x) and, where Ray is installed, a local Ray instance with the same number
of CPUs against the local pool. Prints images/s, the speed-up, Ray's overhead, and the time to
screen ImageNet's 1.28M images on one 16-core machine extrapolated from the per-core rate.

    python bench/bench_screen.py [--images 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.counters import CounterSpec
from screening.image_check import KeepRule
from screening.job import checked_lines
from screening.sources import folder_images

IMAGENET = 1_281_167
CORES = 16


def imagenet_like(folder: Path, count: int) -> Path:
    """``count`` 500x375 JPEGs (q90) cut from scikit-image's sample photos, resized as needed."""
    import skimage.data

    photos = [cv2.imread(str(p)) for p in sorted(Path(skimage.data.__file__).parent.glob("*.png"))]
    photos = [p for p in photos if p is not None and min(p.shape[:2]) >= 256]
    for index in range(count):
        photo = photos[index % len(photos)]
        if index >= len(photos):
            photo = cv2.flip(photo, 1)
        image = cv2.resize(photo, (500, 375), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / f"{index:04d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder


def timed(label: str, lines, refs) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    result = list(lines(refs))
    elapsed = time.perf_counter() - start
    print(f"{label:38} {len(refs) / elapsed:6.2f} images/s  ({elapsed:.1f} s)")
    return len(refs) / elapsed, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=16)
    args = parser.parse_args()
    spec, rule = CounterSpec(), KeepRule(objects=80)
    with tempfile.TemporaryDirectory() as tmp:
        refs = folder_images(imagenet_like(Path(tmp), args.images))
        print(f"{len(refs)} photos of 500x375 (JPEG q90); B(x) + R(x) (graph-segmentation count at 512 px)")
        one, base = timed("local, 1 worker (baseline)", lambda r: checked_lines(r, spec, rule, 1), refs)
        two, local = timed("local, 2 workers", lambda r: checked_lines(r, spec, rule, 2), refs)
        assert local == base, "2 workers must give the same lines"
        print(f"speed-up 1 -> 2 workers: {two / one:.2f}x (goal >= 1.8x)")
        try:
            from screening.ray_job import ray_lines
        except ImportError:
            print("Ray: not installed (pip install .[cluster]); skipped")
        else:
            on_ray, lines = timed(
                "Ray local instance, 2 CPUs (incl. start)",
                lambda r: ray_lines(r, spec, rule, "local", 2),
                refs,
            )
            assert lines == base, "Ray must give the same lines"
            print(f"Ray against the local pool on the same cores: {two / on_ray:.2f}x the time")
        per_core = one
        hours = IMAGENET / (per_core * CORES * min(1.0, two / one / 2)) / 3600
        print(
            f"1.28M ImageNet images on one {CORES}-core machine: about {hours:.1f} h, assuming the 1-worker "
            f"rate ({per_core:.2f} images/s per core) on every core and the 2-worker scaling efficiency "
            f"({min(1.0, two / one / 2):.0%}) holding to {CORES} workers"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
