"""``hggt-data screen SOURCE OUT``: DiverSeg's screening of a photo source, resumable, in shards or on Ray."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from screening.counters import add_counter_arguments

PROG = "hggt-data screen"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", type=Path, help="a folder of images, a file list (.txt), a .tar shard or a folder of shards"
    )
    parser.add_argument("out", type=Path, help="folder for manifest.jsonl, kept.txt and summary.json")
    add_counter_arguments(parser)
    parser.add_argument("--threshold", type=int, help="keep images with R >= this (default: the way's own)")
    parser.add_argument(
        "--min-side", type=int, default=128, help="drop images whose shorter side is below this (128)"
    )
    parser.add_argument("--max-blockiness", type=float, help="drop images whose B(x) is above this (off)")
    parser.add_argument(
        "--min-quality",
        type=float,
        default=0.9,
        help="keep nothing when the source's Q(X) is below this (0: off; default: 0.9)",
    )
    parser.add_argument("--basis", type=Path, help="Q(X) basis folder (default: the shipped DF2K lists)")
    parser.add_argument(
        "--workers", type=int, default=min(4, os.cpu_count() or 1), help="local worker processes"
    )
    parser.add_argument(
        "--shard", help="INDEX/COUNT: screen only this part of the source (job arrays), e.g. 0/4"
    )
    parser.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run on Ray: start a local instance, or join ADDRESS (needs pip install hggt-desktop[cluster])",
    )


class EtaLine:
    """Progress for logs (no terminal): a line every ``every_s`` seconds with the rate and time left."""

    def __init__(self, total: int, every_s: float = 30.0) -> None:
        self.total, self.every_s = total, every_s
        self.done = self.skipped = 0
        self.first = True
        self.start = self.last = time.monotonic()

    def __call__(self, n: int) -> None:
        if self.first:  # the first call counts the images a previous run finished
            self.first, self.skipped = False, n
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every_s and self.done < self.total:
            self.last = now
            rate = (self.done - self.skipped) / max(now - self.start, 1e-9)
            left = (self.total - self.done) / rate if rate > 0 else float("inf")
            eta = f"{left / 60:.0f} min" if left >= 120 else f"{left:.0f} s"
            print(f"{PROG}: {self.done}/{self.total} images, {rate:.1f}/s, about {eta} left", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from hggt_desktop.core.jsonl_manifest import ManifestError
    from hggt_desktop.tools.blockiness_quality import QualityError, load_basis
    from hggt_desktop.tools.progress import progress_counter
    from screening.counters import CounterError, counter_spec
    from screening.image_check import KeepRule
    from screening.job import ScreenPlan, ScreenSettingsError, checked_lines, run_screen
    from screening.regions import RegionCountError
    from screening.sam_onnx import SamModelError
    from screening.sources import in_shard, parse_shard, source_images

    try:
        spec = counter_spec(args)
        # Opened once here so that a bad model file is named before any worker starts.
        spec.open()
        shard = parse_shard(args.shard) if args.shard else None
        load_basis(args.basis)
        refs = source_images(args.source)
    except (CounterError, ValueError, QualityError, SamModelError, RegionCountError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(
            f"{PROG}: {args.out} is a file; give a folder for the manifest and the kept list", file=sys.stderr
        )
        return 2
    if shard is not None:
        refs = [ref for ref in refs if in_shard(ref, *shard)]
    if not refs:
        print(
            f"{PROG}: no images in {args.source}" + (f" for shard {args.shard}" if shard else ""),
            file=sys.stderr,
        )
        return 2
    rule = KeepRule(
        objects=args.threshold if args.threshold is not None else spec.default_threshold(),
        min_side=args.min_side,
        max_blockiness=args.max_blockiness,
    )
    plan = ScreenPlan(args.out, rule, spec, args.min_quality, shard, args.basis)
    if args.ray is not None:
        try:
            from screening.ray_job import ray_lines
        except ImportError as exc:
            print(f"{PROG}: --ray needs Ray: pip install 'hggt-desktop[cluster]' ({exc})", file=sys.stderr)
            return 2

        def lines(todo):
            return ray_lines(todo, spec, rule, args.ray, args.workers)
    else:

        def lines(todo):
            return checked_lines(todo, spec, rule, args.workers)

    terminal = sys.stderr.isatty()
    with progress_counter(len(refs), "screen") if terminal else nullcontext(EtaLine(len(refs))) as advance:
        try:
            summary = run_screen(refs, plan, lines, advance)
        except (ManifestError, ScreenSettingsError) as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2
    return report(summary, plan)


def report(summary, plan) -> int:
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(summary.reasons.items()))
    print(f"{summary.images} images ({summary.skipped} already screened): {reasons}")
    if summary.quality is not None:
        print(f"source quality Q = {summary.quality:.3f}")
    if summary.quality_note:
        print(f"source quality Q: {summary.quality_note}")
    print(f"{summary.kept} kept: {plan.out / plan.file_name('kept', '.txt')}")
    if summary.manifest_write_error:
        print(f"{PROG}: {summary.manifest_write_error}", file=sys.stderr)
        return 1
    return 1 if summary.source_rejected else 0
