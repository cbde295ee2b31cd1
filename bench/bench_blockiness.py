"""Benchmark: blockiness medians on the shipped photos against DiverSeg's published DF2K medians.

The lossless shipped photos (resources/photos/*.png) are scored whole and as 256x256 tiles (stride 32), as
PNG and re-encoded as JPEG quality 95/85/75/50; prints the medians beside the published ones
(3,450 DF2K images each) and the time per megapixel.

    python bench/bench_blockiness.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from build_blockiness_basis import reencode, tiles

from hggt_desktop.core.images import read_image
from hggt_desktop.resources import resource_path
from hggt_desktop.tools.blockiness import blockiness
from hggt_desktop.tools.blockiness_quality import QUALITIES, dataset_quality, load_basis

PUBLISHED = {"png": 0.468, "q95": 10.33, "q85": 46.97, "q75": 83.20, "q50": 165.33}


def main() -> int:
    photos = [read_image(p) for p in sorted(resource_path("photos").glob("*.png"))]
    tile_images = [t for photo in photos for _, t in tiles(photo, 256, 32)]
    basis = load_basis()
    pixels = 0
    start = time.perf_counter()
    print(
        f"{'quality':8} {'published':>10} {f'photos (n={len(photos)})':>15} {f'tiles (n={len(tile_images)})':>14}"
        "  Q of the photos"
    )
    for quality in QUALITIES:
        whole = [blockiness(reencode(p, quality)) for p in photos]
        tiled = [blockiness(reencode(t, quality)) for t in tile_images]
        pixels += sum(p.shape[0] * p.shape[1] for p in photos) + sum(
            t.shape[0] * t.shape[1] for t in tile_images
        )
        q = dataset_quality(whole, basis)
        print(
            f"{quality:8} {PUBLISHED[quality]:10.3f} {np.median(whole):15.3f} {np.median(tiled):14.3f}  {q:.3f}"
        )
    elapsed = time.perf_counter() - start
    print(
        f"time: {elapsed:.2f} s for {pixels / 1e6:.1f} Mpx incl. JPEG re-encoding ({elapsed / pixels * 1e6 * 1e3:.1f} ms/Mpx)"
    )
    big = np.ascontiguousarray(np.tile(photos[0], (3, 4, 1))[:1356, :2040])
    start = time.perf_counter()
    for _ in range(5):
        blockiness(big)
    print(f"B(x) of one 2040x1356 image: {(time.perf_counter() - start) / 5 * 1e3:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
