"""``hggt-data diversity PHOTOS``: object diversity R(x) per image (DiverSeg's second filter)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from screening.counters import add_counter_arguments

PROG = "hggt-data diversity"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="an image, or a folder searched recursively for images")
    add_counter_arguments(parser)
    parser.add_argument("--threshold", type=int, help="flag images below this R (default: the way's own)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="images at once")


def find_images(path: Path) -> list[Path]:
    from hggt_desktop.core.images import is_image_file

    if path.is_dir():
        return sorted(
            p for p in path.rglob("*") if p.is_file() and is_image_file(p) and ".hggt" not in p.parts
        )
    return [path] if path.is_file() else []


def run(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from hggt_desktop.core.images import ImageError, read_image
    from hggt_desktop.tools.progress import progress
    from screening.counters import CounterError, counter_spec
    from screening.regions import RegionCountError
    from screening.sam_onnx import SamModelError

    try:
        spec = counter_spec(args)
        count = spec.open()
    except (CounterError, SamModelError, RegionCountError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    threshold = args.threshold if args.threshold is not None else spec.default_threshold()
    paths = find_images(args.path)
    if not paths:
        print(f"{PROG}: no images at {args.path}; give an image or a folder of images", file=sys.stderr)
        return 2

    def score(path: Path) -> dict:
        try:
            return {"path": str(path), "objects": count(read_image(path))}
        except ImageError as exc:
            return {"path": str(path), "objects": None, "undefined": exc.reason}

    # OpenCV and ONNX Runtime release the GIL, so threads share one loaded model.
    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        images = list(progress(pool.map(score, paths), total=len(paths), desc="diversity"))
    for image in images:
        image["below"] = image["objects"] is not None and image["objects"] < threshold
    if args.json:
        print(json.dumps({"counter": spec.describe(), "threshold": threshold, "images": images}, indent=1))
    else:
        for image in images:
            value = "undefined" if image["objects"] is None else str(image["objects"])
            note = (
                "  below" if image["below"] else f"  ({image['undefined']})" if "undefined" in image else ""
            )
            print(f"{value:>9}  {image['path']}{note}")
        below = sum(i["below"] for i in images)
        print(
            f"{len(images)} images, {below} below {threshold} ({spec.describe()}; DiverSeg keeps R >= threshold)"
        )
    return 1 if any(i["objects"] is None for i in images) else 0
