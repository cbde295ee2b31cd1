"""``hggt-data exclude PATH RATER --reason TEXT`` (or ``--undo``): leave a rater out, reversibly."""

from __future__ import annotations

import argparse
import sys

from hggt_desktop.cli.dataset_args import add_dataset_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("rater", help="the annotator whose labels consensus, packs and agreement leave out")
    parser.add_argument("--reason", default="", help="why (kept beside the exclusion; required to exclude)")
    parser.add_argument("--undo", action="store_true", help="count the rater again")


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.exclusions import ExclusionError, exclude_rater, exclusions_path, include_rater
    from hggt_desktop.core.layout import LayoutError, find_labels_dir, resolve_images_dir

    try:
        labels_dir = args.labels or find_labels_dir(resolve_images_dir(args.path))
        if args.undo:
            include_rater(labels_dir, args.rater)
            print(f"{args.rater} counts again (recorded in {exclusions_path(labels_dir)})")
        else:
            exclude_rater(labels_dir, args.rater, args.reason)
            print(
                f"{args.rater} is left out of consensus, packs and agreement; their labels stay in "
                f"{labels_dir / args.rater} (recorded in {exclusions_path(labels_dir)})"
            )
    except (ExclusionError, LayoutError) as exc:
        print(f"hggt-data exclude: {exc}", file=sys.stderr)
        return 2
    return 0
