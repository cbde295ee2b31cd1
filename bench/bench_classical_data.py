"""Benchmark: classical SR training samples/s from a folder of full-size photos, from a crop
pack of the same photos and from a kept list of small (ImageNet-sized) photos, with 1 and 2
loader workers, and the workers a step needs.

Baseline (same run): the folder of full-size photos (the bundled ones tiled up to ~2K, as DIV2K)
with 1 worker. Each sample decodes one photo through hggt_desktop.core.images, crops gt_size and
makes the bicubic LR (train/imresize.py). The packed row reads the same photos packed once by
``hggt-train pack-crops`` (--pack-crop px crops, memory-mapped; the one-off packing time is
printed): no decoding per sample, only the sub-crop and the LR. The report gives, for a GPU step
of --step-ms milliseconds at --batch samples, the workers needed to keep it fed (no GPU figure
is assumed), and the machine's load average, since other processes share its cores.

    python bench/bench_classical_data.py [--samples 64] [--batch 16] [--step-ms 100]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.images import read_image, write_image
from train.classical_data import photo_loader, training_crops
from train.crop_pack import pack_crops

PHOTOS = Path(__file__).resolve().parent.parent / "resources" / "photos"


def _make_sources(root: Path, count: int) -> tuple[Path, Path]:
    full, small = root / "full", root / "small"
    full.mkdir()
    small.mkdir()
    photos = [read_image(p) for p in sorted(PHOTOS.iterdir()) if p.suffix in (".png", ".jpg")]
    for i in range(count):
        photo = photos[i % len(photos)]
        big = np.tile(photo, (3, 3, 1))[:1404, :2040]  # about DIV2K's size
        write_image(full / f"{i:04d}.png", big)
        write_image(small / f"{i:04d}.png", photo[:375, :500])  # about ImageNet's median size
    kept = root / "kept.txt"
    kept.write_text("\n".join(f"small/{i:04d}.png" for i in range(count)), encoding="utf-8")
    return full, kept


def samples_per_second(source: Path, workers: int, samples: int, batch: int, gt: int) -> float:
    loader = photo_loader(training_crops(source, gt, 4), batch, 0, workers)
    iterator = iter(loader)
    next(iterator)  # workers started, first batch ready: not timed
    start, seen = time.perf_counter(), 0
    while seen < samples:
        seen += len(next(iterator)["hr"])
    return seen / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--gt-size", type=int, default=128)
    parser.add_argument("--photos", type=int, default=16)
    parser.add_argument("--pack-crop", type=int, default=256, help="side of the packed crops")
    parser.add_argument("--step-ms", type=float, default=100.0, help="GPU time of one training step")
    args = parser.parse_args()
    needed = args.batch / (args.step_ms / 1000)
    with tempfile.TemporaryDirectory() as tmp:
        full, kept = _make_sources(Path(tmp), args.photos)
        start = time.perf_counter()
        pack_crops(full, Path(tmp) / "pack", crop_size=args.pack_crop, workers=2)
        packing = time.perf_counter() - start
        rows = []
        sources = (
            ("folder, full-size photos", full),
            ("pack of the same photos", Path(tmp) / "pack"),
            ("kept list, small photos", kept),
        )
        for name, source in sources:
            for workers in (1, 2):
                rate = samples_per_second(source, workers, args.samples, args.batch, args.gt_size)
                rows.append((name, workers, rate))
    baseline = rows[0][2]
    print(f"{'source':<26} workers  samples/s  vs baseline  workers for {args.step_ms:g} ms/step")
    for name, workers, rate in rows:
        per_worker = rate / workers
        print(
            f"{name:<26} {workers:>7}  {rate:>9.1f}  {rate / baseline:>10.2f}x  {math.ceil(needed / per_worker):>5}"
        )
    print(f"(a step of {args.batch} samples every {args.step_ms:g} ms needs {needed:.0f} samples/s)")
    print(
        f"packing {args.photos} full-size photos ({args.pack_crop}px crops, 2 workers): {packing:.1f} s, once"
    )
    print("load average (1, 5, 15 min) after the run: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    print(f"CPU cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
