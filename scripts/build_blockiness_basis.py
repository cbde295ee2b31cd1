"""Build the blockiness basis distributions shipped in resources/blockiness/basis.json.

DiverSeg's basis is DF2K re-encoded at each JPEG quality; DF2K cannot be shipped. This script
uses photos the project may ship: the lossless PNGs in resources/photos/ (rocket.jpg is left
out because it is already JPEG-compressed). Each photo is cut into 256x256 tiles at a stride of
32 pixels (tile corners on the 8x8 grid), each tile is kept lossless ("png") and re-encoded with
cv2.imencode as JPEG quality 95, 85, 75 and 50, and B(x) of every tile is recorded.

Tiles are far smaller than DF2K's 2K images, so their B values are larger and more spread
(PNG median about 3.4 here against 0.47 on DF2K); the distributions keep their order. A curator
with a lossless collection of their own can build a closer basis:

    python scripts/build_blockiness_basis.py --photos DIR --tile 0 --out my_basis.json
    hggt-data blockiness PATH --basis my_basis.json

(--tile 0 uses the whole photos instead of tiles.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.images import read_image
from hggt_desktop.tools.blockiness import BlockinessUndefined, blockiness
from hggt_desktop.tools.blockiness_quality import QUALITIES

ROOT = Path(__file__).resolve().parent.parent
JPEG_QUALITY = {"q95": 95, "q85": 85, "q75": 75, "q50": 50}


def reencode(rgb: np.ndarray, quality: str) -> np.ndarray:
    """The image as it comes back from a JPEG encode at ``quality`` (``png``: unchanged)."""
    if quality == "png":
        return rgb
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY[quality]])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def tiles(rgb: np.ndarray, size: int, stride: int) -> list[np.ndarray]:
    if size <= 0:
        return [rgb]
    height, width = rgb.shape[:2]
    return [
        np.ascontiguousarray(rgb[y : y + size, x : x + size])
        for y in range(0, height - size + 1, stride)
        for x in range(0, width - size + 1, stride)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=ROOT / "resources" / "photos")
    parser.add_argument("--tile", type=int, default=256, help="tile size, 0 for whole photos (256)")
    parser.add_argument("--stride", type=int, default=32, help="tile stride, a multiple of 8 (32)")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "blockiness" / "basis.json")
    args = parser.parse_args()
    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() == ".png")
    basis: dict[str, list[float]] = {q: [] for q in QUALITIES}
    for photo in photos:
        for tile in tiles(read_image(photo), args.tile, args.stride):
            for quality in QUALITIES:
                try:
                    basis[quality].append(round(blockiness(reencode(tile, quality)), 6))
                except BlockinessUndefined:
                    pass
    doc = {
        "format": 1,
        "note": (
            "Built by scripts/build_blockiness_basis.py from "
            f"{', '.join(p.name for p in photos)} (resources/photos/, CC0/public domain, see SOURCES.md), "
            + (f"{args.tile}x{args.tile} tiles at stride {args.stride}" if args.tile > 0 else "whole photos")
            + ", each kept lossless (png) and re-encoded with cv2.imencode as JPEG quality 95/85/75/50. "
            "Not DF2K: tiles are small, so B values run higher than DiverSeg's DF2K basis."
        ),
        "photos": [p.name for p in photos],
        "tile": args.tile,
        "stride": args.stride,
        "medians": {q: round(float(np.median(v)), 3) for q, v in basis.items()},
        "basis": basis,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(basis['png'])} values per quality, medians {doc['medians']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
