"""``hggt-data blockiness``: JPEG blockiness B(x) per image and the dataset quality Q(X)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="an image, or a folder searched recursively for images")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--threshold",
        type=float,
        default=10.0,
        help="flag images whose B is above this (10: about JPEG quality 95 on 2K photos)",
    )
    parser.add_argument(
        "--basis",
        type=Path,
        help="basis folder (default: the DiverSeg authors' DF2K lists in resources/blockiness/df2k/)",
    )
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="images read at once"
    )


def run(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from hggt_desktop.core.images import IMAGE_SUFFIXES, ImageError, is_image_file, read_image
    from hggt_desktop.tools.blockiness import BlockinessUndefined, blockiness
    from hggt_desktop.tools.blockiness_quality import QualityError, dataset_quality, load_basis
    from hggt_desktop.tools.progress import progress

    if args.basis is not None and not args.basis.exists():
        print(
            f"hggt-data blockiness: --basis {args.basis}: no such folder; give a basis folder written by "
            "scripts/build_blockiness_basis.py, or leave --basis out for the shipped DF2K one",
            file=sys.stderr,
        )
        return 2
    try:
        # A bad --basis is bad input: say so before scoring every image.
        basis = load_basis(args.basis)
    except QualityError as exc:
        print(f"hggt-data blockiness: --basis {exc}", file=sys.stderr)
        return 2
    if args.path.is_dir():
        paths = sorted(
            p for p in args.path.rglob("*") if p.is_file() and is_image_file(p) and ".hggt" not in p.parts
        )
    elif args.path.is_file():
        if not is_image_file(args.path):
            print(
                f"hggt-data blockiness: {args.path}: is not an image file (expected one of "
                f"{', '.join(IMAGE_SUFFIXES)}); give an image, or a folder searched for images",
                file=sys.stderr,
            )
            return 2
        paths = [args.path]
    else:
        print(f"hggt-data blockiness: {args.path} does not exist", file=sys.stderr)
        return 2
    if not paths:
        print(f"hggt-data blockiness: no images in {args.path}", file=sys.stderr)
        return 2

    def score(path: Path) -> dict:
        try:
            return {"path": str(path), "blockiness": blockiness(read_image(path))}
        except (ImageError, BlockinessUndefined) as exc:
            reason = exc.reason if isinstance(exc, ImageError) else str(exc)
            return {"path": str(path), "blockiness": None, "undefined": reason}

    with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
        images = list(progress(pool.map(score, paths), total=len(paths), desc="blockiness"))
    for image in images:
        image["flagged"] = image["blockiness"] is not None and image["blockiness"] > args.threshold
    quality, quality_note = None, None
    try:
        quality = dataset_quality([i["blockiness"] for i in images if i["blockiness"] is not None], basis)
    except QualityError as exc:
        quality_note = str(exc)
    flagged = [i for i in images if i["flagged"]]
    undefined = [i for i in images if i["blockiness"] is None]
    if args.json:
        doc = {"images": images, "dataset_quality": quality, "threshold": args.threshold}
        if quality_note:
            doc["dataset_quality_undefined"] = quality_note
        print(json.dumps(doc, indent=1, ensure_ascii=False))
    else:
        for image in images:
            value = "   undefined" if image["blockiness"] is None else f"{image['blockiness']:12.3f}"
            note = (
                "  FLAGGED"
                if image["flagged"]
                else f"  ({image['undefined']})"
                if "undefined" in image
                else ""
            )
            print(f"{value}  {image['path']}{note}")
        print(
            f"{len(images)} images, {len(flagged)} above {args.threshold:g}, {len(undefined)} without a score"
        )
        if quality is not None:
            print(
                f"dataset quality Q = {quality:.3f} (estimated JPEG quality; DiverSeg keeps sources with Q >= 0.9)"
            )
        elif len(images) == 1:  # Q describes a collection; one image has only its B
            print(f"dataset quality Q: not computed for a single image ({args.path}); give a folder")
        else:
            print(f"dataset quality Q: undefined ({quality_note})")
    return 1 if flagged or undefined else 0
