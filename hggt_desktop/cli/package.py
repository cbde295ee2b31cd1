"""``hggt-data package``: work packages for annotators, each set to ``--overlap`` annotators."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sets_dir", type=Path, help="images folder (or dataset root) with the sets")
    parser.add_argument("out_dir", type=Path, help="new folder for the packages")
    parser.add_argument("--annotators", required=True, help="comma-separated annotator ids, e.g. A,B,C")
    parser.add_argument("--per-annotator", type=int, default=1000, help="most sets in one package (1000)")
    parser.add_argument("--overlap", type=int, default=3, help="annotators per set (3)")
    parser.add_argument(
        "--seed", type=int, help="seed of the shuffle and trials (random if omitted, then printed)"
    )
    parser.add_argument(
        "--catch-rate",
        type=float,
        default=0.0,
        help="catch trials per real set (hidden reference / degraded)",
    )
    parser.add_argument("--repeat-rate", type=float, default=0.0, help="repeated sets per real set")
    parser.add_argument(
        "--replace",
        metavar="RATER",
        help="package only the sets RATER labelled, for annotators who have not labelled them "
        "(to replace an excluded rater; use with --overlap 1)",
    )


def run(args: argparse.Namespace) -> int:
    import random

    from hggt_desktop.core.labels import is_plain_file_name
    from hggt_desktop.core.layout import LayoutError, resolve_images_dir
    from hggt_desktop.core.sets import SetLayoutError, find_sets
    from hggt_desktop.tools.assignment import plan_packages
    from hggt_desktop.tools.packages import PackageError, write_packages

    annotators = [a.strip() for a in args.annotators.split(",") if a.strip()]
    bad = [a for a in annotators if not is_plain_file_name(a) or a.startswith((".", "_"))]
    if bad or len(set(annotators)) != len(annotators):
        print(
            f"hggt-data package: annotator ids must be distinct plain names; check {bad or annotators}",
            file=sys.stderr,
        )
        return 2
    if not annotators:
        print("hggt-data package: --annotators is empty; give ids such as A,B,C", file=sys.stderr)
        return 2
    if not 1 <= args.overlap <= len(annotators):
        print(
            f"hggt-data package: --overlap must be 1..{len(annotators)} (the number of annotators)",
            file=sys.stderr,
        )
        return 2
    if args.per_annotator < 1 or not (0 <= args.catch_rate <= 1 and 0 <= args.repeat_rate <= 1):
        print(
            "hggt-data package: --per-annotator must be >= 1 and the rates between 0 and 1", file=sys.stderr
        )
        return 2
    try:
        images_dir = resolve_images_dir(args.sets_dir)
        # Decode every image: a truncated file must not be sent to the annotators.
        scan = find_sets(images_dir, verify_images=True)
    except (LayoutError, SetLayoutError) as exc:
        print(f"hggt-data package: {exc}", file=sys.stderr)
        return 2
    if scan.problems:
        for problem in scan.problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(
            "hggt-data package: fix these first ('hggt-data check' lists them); nothing was written",
            file=sys.stderr,
        )
        return 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    sets = scan.by_stem()
    taken = None
    if args.replace is not None:
        taken = _labelled_sets(images_dir, args.replace, annotators)
        if isinstance(taken, str):
            print(f"hggt-data package: --replace {args.replace}: {taken}", file=sys.stderr)
            return 2
        sets = {stem: s for stem, s in sets.items() if stem in taken}
    plans = plan_packages(
        {stem: s.version_ids for stem, s in sets.items()},
        annotators,
        args.overlap,
        args.per_annotator,
        seed,
        args.catch_rate,
        args.repeat_rate,
        taken,
    )
    fresh = not args.out_dir.exists()
    try:
        key = write_packages(plans, sets, images_dir, args.out_dir, seed)
    except KeyboardInterrupt:
        _remove_unfinished(args.out_dir, fresh)
        print(
            f"hggt-data package: interrupted; the unfinished {args.out_dir} was removed, run again",
            file=sys.stderr,
        )
        return 130
    except PackageError as exc:
        print(f"hggt-data package: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        _remove_unfinished(args.out_dir, fresh)
        where = exc.filename or args.out_dir
        print(
            f"hggt-data package: cannot write {where} ({exc.strerror or exc}); give a new folder in a "
            "writable place as OUT_DIR",
            file=sys.stderr,
        )
        return 2
    items = sum(len(p.items) for p in plans)
    print(
        f"seed {seed}: {len(sets)} sets x {args.overlap} -> {len(plans)} packages ({items} items) in {args.out_dir}"
    )
    print(f"answer key (keep it from the annotators): {key}")
    return 0


def _remove_unfinished(out_dir: Path, fresh: bool) -> None:
    """Remove packages this run began but did not finish, so none is sent out half-written."""
    import shutil

    # Only a folder this run created: anything that was there before is the user's.
    if fresh and out_dir.is_dir():
        shutil.rmtree(out_dir, ignore_errors=True)


def _labelled_sets(images_dir: Path, rater: str, annotators: list[str]) -> dict[str, set[str]] | str:
    """Set -> raters who labelled it, for every set ``rater`` labelled; or why that cannot be done."""
    from hggt_desktop.core.dataset import load_dataset, read_annotator_labels
    from hggt_desktop.core.layout import find_labels_dir

    if rater in annotators:
        return "the rater being replaced cannot be one of --annotators"
    labels_dir = find_labels_dir(images_dir)
    if not (labels_dir / rater).is_dir():
        return f"{labels_dir / rater}: no such rater folder"
    dataset = load_dataset(images_dir)
    theirs, _ = read_annotator_labels(labels_dir, rater)
    if not theirs:
        return f"{labels_dir / rater}: holds no valid label file; nothing to replace"
    return {stem: {rater, *dataset.files_for(stem)} for stem in theirs if stem in dataset.scan.by_stem()}
