"""Build a blockiness basis folder for Q(X) from one's own lossless photo collection.

The default basis (resources/blockiness/df2k/) is the DiverSeg authors' published B(x) of DF2K;
Q(X) of photos unlike DF2K (other sizes, other cameras) can be sharper with a basis built from
similar lossless photos. Each photo (or, with --tile, each tile of it, corners on the 8x8 grid)
is kept lossless and re-encoded with cv2.imencode as JPEG quality 95, 85, 75 and 50, and B(x) of
each is written in the published format: a folder with ``NAME.txt`` and ``NAME_q95.txt`` ..
``NAME_q50.txt``, one ``<image>\t<B>`` line per image.

    python scripts/build_blockiness_basis.py --photos MY_LOSSLESS_DIR --out my_basis/
    hggt-data blockiness PATH --basis my_basis/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.images import ImageError, is_image_file, read_image
from hggt_desktop.tools.blockiness import BlockinessUndefined, blockiness
from hggt_desktop.tools.blockiness_quality import QUALITIES, SUFFIXES

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


def tiles(rgb: np.ndarray, size: int, stride: int) -> list[tuple[str, np.ndarray]]:
    """``(suffix, tile)`` pairs; the whole image when ``size`` is 0."""
    if size <= 0:
        return [("", rgb)]
    height, width = rgb.shape[:2]
    return [
        (f"#{y},{x}", np.ascontiguousarray(rgb[y : y + size, x : x + size]))
        for y in range(0, height - size + 1, stride)
        for x in range(0, width - size + 1, stride)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, required=True, help="a folder of lossless photos")
    parser.add_argument("--out", type=Path, required=True, help="the basis folder to write (new)")
    parser.add_argument("--name", default="basis", help="file-name stem of the lists (basis)")
    parser.add_argument("--tile", type=int, default=0, help="tile size, 0 for whole photos (0)")
    parser.add_argument("--stride", type=int, default=256, help="tile stride, a multiple of 8 (256)")
    args = parser.parse_args()
    if not args.photos.is_dir():
        print(f"{args.photos}: not a folder; give a folder of lossless photos", file=sys.stderr)
        return 2
    if args.out.exists() and any(args.out.iterdir()):
        print(f"{args.out}: exists and is not empty; give a new folder", file=sys.stderr)
        return 2
    photos = sorted(p for p in args.photos.rglob("*") if p.is_file() and is_image_file(p))
    lines: dict[str, list[str]] = {q: [] for q in QUALITIES}
    for photo in photos:
        if photo.suffix.lower() in (".jpg", ".jpeg"):
            print(f"{photo}: JPEG, not lossless; left out", file=sys.stderr)
            continue
        try:
            rgb = read_image(photo)
        except ImageError as exc:
            print(f"{photo}: {exc.reason}; left out", file=sys.stderr)
            continue
        name = photo.relative_to(args.photos).as_posix()
        for suffix, tile in tiles(rgb, args.tile, args.stride):
            for quality in QUALITIES:
                try:
                    lines[quality].append(f"{name}{suffix}\t{blockiness(reencode(tile, quality))!r}")
                except BlockinessUndefined:
                    pass
    if len(lines["png"]) < 2:
        print(f"{args.photos}: fewer than two usable lossless photos", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for quality in QUALITIES:
        path = args.out / f"{args.name}{SUFFIXES[quality]}.txt"
        path.write_text("\n".join(lines[quality]) + "\n", encoding="utf-8")
    (args.out / "README.md").write_text(
        f"Blockiness basis built by scripts/build_blockiness_basis.py from {len(photos)} photos in "
        f"{args.photos}"
        + (f", {args.tile}px tiles at stride {args.stride}" if args.tile else "")
        + ", kept lossless and re-encoded with cv2.imencode as JPEG quality 95/85/75/50.\n",
        encoding="utf-8",
    )
    medians = {q: round(float(np.median([float(x.split("\t")[1]) for x in v])), 3) for q, v in lines.items()}
    print(f"{args.out}: {len(lines['png'])} images per quality, medians {medians}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
