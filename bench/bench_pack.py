"""Benchmark: training samples per second from the HDF5 pack against the published loader's work.

Baseline (same run, same sets): per sample, read and decode five PNGs and three label JSON files
and apply the consensus rule, as the HGGT BasicSR fork does in its dataset. Pack: one chunk read
(raw encoding) plus the labels already in memory. Both in one process, random order, page cache
warm for both (one untimed pass first). Sets are 512x512 patches cut from the shipped photos
with four filtered versions each (the HGGT layout and size).

    python bench/bench_pack.py [--sets 32] [--passes 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.atomic import write_bytes_atomic
from hggt_desktop.core.consensus import effective_label
from hggt_desktop.core.images import encode_png, read_image
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, write_label_file
from hggt_desktop.pack.reader import PackReader
from hggt_desktop.pack.writer import write_pack
from hggt_desktop.resources import resource_path

SIZE = 512
VERSIONS = ("01", "02", "03", "04")


def make_sets(root: Path, n_sets: int, seed: int) -> Path:
    """``n_sets`` 512x512 sets from the shipped photos (mirror-tiled), labels by A, B and C."""
    rng = np.random.default_rng(seed)
    photos = [
        read_image(p) for p in sorted(resource_path("photos").iterdir()) if p.suffix in (".png", ".jpg")
    ]
    tiled = [np.tile(np.concatenate([p, p[:, ::-1]], 1), (3, 2, 1)) for p in photos]
    labels = list(Label)
    for index in range(n_sets):
        source = tiled[index % len(tiled)]
        top, left = (int(rng.integers(0, s - SIZE)) for s in source.shape[:2])
        patch = np.ascontiguousarray(source[top : top + SIZE, left : left + SIZE])
        stem = f"{index:04d}-{top}-{left}"
        versions = [
            cv2.GaussianBlur(patch, (5, 5), 1.0),
            cv2.addWeighted(patch, 1.6, cv2.GaussianBlur(patch, (0, 0), 2.0), -0.6, 0),
            cv2.convertScaleAbs(patch, alpha=1.1, beta=-8),
            cv2.bilateralFilter(patch, 7, 40, 7),
        ]
        # PNG at zlib level 6, as most tools write them.
        write_bytes_atomic(root / "images" / "original" / f"{stem}.png", encode_png(patch, 6))
        for version, image in zip(VERSIONS, versions, strict=True):
            write_bytes_atomic(root / "images" / version / f"{stem}_{version}.png", encode_png(image, 6))
        for annotator in ("A", "B", "C"):
            chosen = {v: labels[int(rng.integers(0, 3))] for v in VERSIONS}
            time_cost = TimeCost(datetime(2022, 8, 5, 16, 56, 6), datetime(2022, 8, 5, 16, 56, 49), 42)
            write_label_file(
                root / "labels" / annotator / f"{stem}.json", make_label_file(stem, chosen, time_cost)
            )
    return root / "images"


def published_sample(images: Path, labels: Path, stem: str) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """What the published loader does per sample: 5 PNG decodes, 3 JSON parses, the consensus rule."""
    paths = [images / "original" / f"{stem}.png", *(images / v / f"{stem}_{v}.png" for v in VERSIONS)]
    pixels = np.stack([cv2.cvtColor(cv2.imread(str(p), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) for p in paths])
    per_version: list[list[Label]] = [[] for _ in VERSIONS]
    for annotator in ("A", "B", "C"):
        with open(labels / annotator / f"{stem}.json", encoding="utf-8") as handle:
            data = json.load(handle)
        for k in range(len(VERSIONS)):
            per_version[k].append(Label(data[f"Picture_{k + 2}"]["Label"]))
    consensus = [(label.value, votes) for label, votes in map(effective_label, per_version)]
    return pixels, consensus


def time_passes(read, order: list[int], passes: int) -> float:
    """Samples per second over ``passes`` timed passes after one untimed warm-up pass."""
    for i in order:
        read(i)
    start = time.perf_counter()
    for _ in range(passes):
        for i in order:
            read(i)
    return passes * len(order) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=32)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        images = make_sets(root, args.sets, args.seed)
        start = time.perf_counter()
        summary = write_pack(root, root / "train.h5", subset="ori")
        pack_seconds = time.perf_counter() - start
        reader = PackReader(summary.path)
        stems = list(reader.meta.names)
        order = list(np.random.default_rng(args.seed).permutation(len(stems)))

        # The same content from both paths.
        pixels, consensus = published_sample(images, root / "labels", stems[0])
        np.testing.assert_array_equal(pixels, reader.read_set(0))
        assert [v for _, v in consensus] == list(reader.meta.votes[0])

        baseline = time_passes(
            lambda i: published_sample(images, root / "labels", stems[i]), order, args.passes
        )
        packed = time_passes(
            lambda i: (reader.read_set(i), reader.meta.effective[i], reader.meta.votes[i]), order, args.passes
        )
        png_reader = PackReader(write_pack(root, root / "train_png.h5", subset="ori", encoding="png").path)
        png_packed = time_passes(
            lambda i: (png_reader.read_set(i), png_reader.meta.votes[i]), order, args.passes
        )
        png_bytes = sum(p.stat().st_size for p in images.rglob("*.png"))
    print(
        f"sets: {args.sets} of 5 x {SIZE}x{SIZE} RGB (PNG files {png_bytes / 1e6:.0f} MB; pack {summary.bytes / 1e6:.0f} MB raw, written in {pack_seconds:.1f} s)"
    )
    print(f"published loader (5 PNG + 3 JSON + consensus): {baseline:8.1f} samples/s")
    print(f"HDF5 pack (one chunk, labels in memory):        {packed:8.1f} samples/s")
    print(f"HDF5 pack, --encoding png (decodes 5 PNGs):    {png_packed:8.1f} samples/s")
    print(
        f"speedup: {packed / baseline:.1f}x raw (goal >= 20x, one process); {png_packed / baseline:.1f}x png"
    )


if __name__ == "__main__":
    main()
