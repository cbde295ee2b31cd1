"""``hggt-data select``: HGGT patch selection, and the curator's review of its lowest scores.

hggt-data select ENHANCED_DIR OUT_DIR [--seed N] [--crop 512] [--step 288] [--png-compression 0-9] ...
hggt-data select --review OUT_DIR [--lowest 50] [--drop STEM ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hggt_desktop.tools.selection_job import SelectionReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="ENHANCED_DIR OUT_DIR, or OUT_DIR with --review")
    parser.add_argument(
        "--seed",
        type=int,
        help="seed of Python's random (reproduces the published script run after random.seed(N))",
    )
    parser.add_argument("--crop", type=int, default=512, help="crop size in pixels (512)")
    parser.add_argument("--step", type=int, default=288, help="grid step in pixels (288)")
    parser.add_argument("--contrast", type=float, default=30.0, help="luma standard deviation threshold (30)")
    parser.add_argument("--frequency", type=float, default=30.0, help="Laplacian variance threshold (30)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="threads doing the work (all cores)"
    )
    parser.add_argument(
        "--png-compression",
        type=int,
        choices=range(10),
        metavar="0-9",
        help="zlib level of the crops' PNGs, 0 (stored: fastest, ~1.8x larger) to 9 (smallest, slow); "
        "default: Huffman-only coding, the size of level 1 in less than half its time",
    )
    parser.add_argument("--review", action="store_true", help="list the lowest-scoring sets of OUT_DIR")
    parser.add_argument("--lowest", type=int, default=50, help="how many sets --review lists (50)")
    parser.add_argument(
        "--drop", nargs="+", metavar="STEM", help="with --review: move these sets to OUT_DIR/.dropped/"
    )


def run(args: argparse.Namespace) -> int:
    if args.review:
        if len(args.paths) != 1:
            print(
                "hggt-data select --review: give exactly one folder (the selection's OUT_DIR)",
                file=sys.stderr,
            )
            return 2
        if args.lowest < 1:
            print("hggt-data select --review: --lowest must be at least 1", file=sys.stderr)
            return 2
        return _review(args.paths[0], args.lowest, args.drop)
    if len(args.paths) != 2:
        print("hggt-data select: give ENHANCED_DIR and OUT_DIR", file=sys.stderr)
        return 2
    if args.crop < 8 or args.step < 1 or args.workers < 1:
        print("hggt-data select: --crop must be at least 8, --step and --workers at least 1", file=sys.stderr)
        return 2
    return _select(args)


def _select(args: argparse.Namespace) -> int:
    import random

    from hggt_desktop.core.sets import SetLayoutError
    from hggt_desktop.tools.selection import SelectionParams
    from hggt_desktop.tools.selection_job import INFO_FILE, SelectionError, run_selection

    enhanced_dir, out_dir = args.paths
    problem = _out_dir_problem(enhanced_dir, out_dir)
    if problem:
        print(f"hggt-data select: {problem}", file=sys.stderr)
        return 2
    # Without --seed the run is still reproducible: the seed drawn here is printed and stored.
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    params = SelectionParams(args.crop, args.step, args.contrast, args.frequency)
    try:
        report = run_selection(enhanced_dir, out_dir, params, seed, args.workers, True, args.png_compression)
    except (SetLayoutError, SelectionError) as exc:
        print(f"hggt-data select: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"hggt-data select: interrupted; {out_dir} is unfinished (no {INFO_FILE} yet): "
            "run the same command again to finish it",
            file=sys.stderr,
        )
        return 130
    except OSError as exc:  # AtomicWriteError included: the output folder cannot be written
        print(
            f"hggt-data select: cannot write into {out_dir} ({exc}); give a writable OUT_DIR, "
            "then run the same command again to finish",
            file=sys.stderr,
        )
        return 2
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    resumed = f" ({report.resumed} already done by an earlier run)" if report.resumed else ""
    print(f"seed {report.seed}: {report.images} images{resumed}, {report.kept} crops in {out_dir}")
    if report.images and not report.kept:
        print(f"hggt-data select: {why_nothing_was_kept(report, args)}", file=sys.stderr)
        return 1
    return 1 if report.problems else 0


def why_nothing_was_kept(report: SelectionReport, args: argparse.Namespace) -> str:
    """The reasons a selection kept no crop, and what to try instead."""
    reasons = []
    if report.no_room:
        shown = ", ".join(report.no_room[:4]) + (", ..." if len(report.no_room) > 4 else "")
        reasons.append(
            f"{len(report.no_room)} of {report.images} images have no room for a {args.crop}x{args.crop} "
            f"crop on the grid, which starts up to 32 px in ({shown})"
        )
    if report.candidates:
        reasons.append(
            f"all {report.candidates} crops that fit failed the texture test (luma standard "
            f"deviation >= {args.contrast:g} and Laplacian variance >= {args.frequency:g} in "
            "every version)"
        )
    step = max(1, args.crop * 9 // 16)  # the published step is 9/16 of the crop
    return (
        "kept no crop: "
        + "; ".join(reasons)
        + f". For small photos try a smaller crop, e.g. --crop {max(8, args.crop // 2)} --step "
        f"{max(1, step // 2)} (the HGGT crop is 512); for flat photos lower --contrast and --frequency"
    )


def _out_dir_problem(enhanced_dir: Path, out_dir: Path) -> str | None:
    """Why ``out_dir`` cannot take the crops; a folder of other files is never mixed with them."""
    if not enhanced_dir.is_dir():
        state = "is a file" if enhanced_dir.exists() else "does not exist"
        return f"{enhanced_dir}: {state}; give the folder of full-size enhanced images as ENHANCED_DIR"
    if out_dir.exists() and not out_dir.is_dir():
        return f"{out_dir}: is a file; give a new folder as OUT_DIR"
    if enhanced_dir.is_dir() and out_dir.resolve().is_relative_to(enhanced_dir.resolve()):
        return f"{out_dir}: is inside ENHANCED_DIR {enhanced_dir}; give a folder outside it as OUT_DIR"
    resumable = (out_dir / ".hggt" / "select" / "state.json").is_file()
    if out_dir.is_dir() and not resumable and any(out_dir.iterdir()):
        return (
            f"{out_dir}: already holds files that are not from 'hggt-data select'; "
            "give a new or empty folder as OUT_DIR"
        )
    return None


def _review(out_dir: Path, lowest: int, drop: list[str] | None) -> int:
    from hggt_desktop.core.sets import SetLayoutError
    from hggt_desktop.tools.review import ReviewError, drop_sets, lowest_scores, original_path

    try:
        if drop:
            moved = drop_sets(out_dir, drop)
            print(f"moved {len(moved)} sets to {out_dir / '.dropped'}")
            return 0
        ranked = lowest_scores(out_dir, lowest)
    except (ReviewError, SetLayoutError) as exc:
        print(f"hggt-data select --review: {exc}", file=sys.stderr)
        return 2
    print("score     set (lowest first; drop with --review OUT_DIR --drop STEM ...)")
    for item in ranked:
        print(f"{item.score:8.4f}  {item.stem}  {original_path(out_dir, item.stem)}")
    return 0
