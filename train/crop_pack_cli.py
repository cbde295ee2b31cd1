"""``hggt-train pack-crops``: decode a folder or kept list once into a pack of HR crops."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from hggt_desktop.cli.command import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, HelpFormatter


def _part(text: str) -> tuple[int, int]:
    try:
        index, count = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give I/N, e.g. 0/4") from None
    if count < 1 or not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be 0..N-1, e.g. 0/4")
    return index, count


def _at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{text}: give {low} or more")
        return value

    return parse


_positive = _at_least(1)


def add_pack_crops(sub: argparse._SubParsersAction) -> None:
    text = "pack random HR crops of a folder or kept list, for 'hggt-train classical PACK'"
    p = sub.add_parser(
        "pack-crops",
        help=text,
        formatter_class=HelpFormatter,
        description=f"{text}. Each photo is decoded once; its crops go into numbered shards of "
        "uint8 arrays that training reads by memory map, so small files and large decodes no "
        "longer starve the GPU. Unreadable or too small files are skipped and listed. An "
        "interrupted run keeps its finished shards: run the same command again to finish the "
        "pack (training refuses an unfinished one).",
    )
    p.add_argument("source", type=Path, help="folder of HR photos, or a kept list (one path per line)")
    p.add_argument("--out", type=Path, required=True, help="pack folder (new, or an unfinished pack)")
    p.add_argument(
        "--crop-size",
        type=_positive,
        default=256,
        help="side of the packed crops; at least the training crop (128 classical, 192 EDSR/RCAN) "
        "so training still draws random sub-crops (default: 256)",
    )
    p.add_argument("--crops-per-photo", type=_positive, default=1, help="random crops per photo (default: 1)")
    p.add_argument(
        "--photos-per-shard", type=_positive, default=256, help="photos per shard file (default: 256)"
    )
    p.add_argument(
        "--shard",
        type=_part,
        default=(0, 1),
        metavar="I/N",
        help="pack only shards c with c %% N == I (run N of these, e.g. on N machines sharing the "
        "folder; the last to finish completes the pack) (default: 0/1, all)",
    )
    p.add_argument("--workers", type=_at_least(0), default=2, help="decoding processes (default: 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the crop positions (default: 0)")


def run_pack_crops(args: argparse.Namespace) -> int:
    from hggt_desktop.core.atomic import AtomicWriteError
    from train.classical_data import PhotoSourceError
    from train.crop_pack import CropPackError, pack_crops

    try:
        progress = pack_crops(
            args.source,
            args.out,
            crop_size=args.crop_size,
            crops_per_photo=args.crops_per_photo,
            photos_per_shard=args.photos_per_shard,
            part=args.shard,
            workers=args.workers,
            seed=args.seed,
        )
    except (PhotoSourceError, CropPackError, AtomicWriteError) as exc:
        print(f"hggt-train pack-crops: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(
            f"hggt-train pack-crops: interrupted; the finished shards in {args.out} are kept: run the "
            "same command again to finish the pack",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not progress.complete:
        print(
            f"{progress.written} shards packed; {progress.done} of {progress.shards} done: run the "
            f"other --shard parts to complete {args.out}"
        )
        return EXIT_OK
    for line in progress.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    shards = f"{progress.shards} shard{'s' if progress.shards != 1 else ''}"
    print(f"pack complete: {shards} in {args.out}; files skipped: {len(progress.skipped)}")
    return EXIT_OK
