"""``hggt-data export-labels PATH --out FILE.csv``: every label, one row per set and version."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hggt_desktop.cli.dataset_args import add_dataset_arguments, open_dataset
from hggt_desktop.core.labels_csv import LABELS_CSV
from hggt_desktop.core.output_file import OutputRefused, check_output_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace --out even if it is not an earlier labels CSV"
    )


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic
    from hggt_desktop.core.labels_csv import labels_csv_text

    try:
        check_output_path(args.out, LABELS_CSV, args.overwrite)
    except OutputRefused as exc:
        print(f"hggt-data export-labels: --out {exc}", file=sys.stderr)
        return 2
    dataset = open_dataset("export-labels", args)
    if dataset is None:
        return 2
    try:
        write_text_atomic(args.out, labels_csv_text(dataset))
    except AtomicWriteError as exc:
        print(f"hggt-data export-labels: {exc} Give a writable --out file", file=sys.stderr)
        return 2
    rows = sum(len(s.version_ids) for s in dataset.sets)
    print(
        f"wrote {rows} rows for {len(dataset.sets)} sets and {len(dataset.annotators)} annotators to {args.out}"
    )
    for problem in dataset.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    return 1 if dataset.problems else 0
