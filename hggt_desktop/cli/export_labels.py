"""``hggt-data export-labels PATH --out FILE.csv``: every label, one row per set and version."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hggt_desktop.cli.dataset_args import add_dataset_arguments, open_dataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")


def _out_problem(out: Path) -> str | None:
    """Why --out cannot be written; an existing file is replaced only if it is an earlier export."""
    if out.is_dir():
        return f"--out {out}: is a folder; give a file name such as {out / 'labels.csv'}"
    if out.is_file():
        from hggt_desktop.core.labels_csv import is_labels_csv

        if not is_labels_csv(out):
            return f"--out {out}: exists and is not a labels CSV; not overwritten. Give another file name"
        return None
    existing = next((a for a in out.absolute().parents if a.exists()), None)
    if existing is not None and not existing.is_dir():
        return f"--out {out}: {existing} is a file, not a folder; give another path"
    return None


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic
    from hggt_desktop.core.labels_csv import labels_csv_text

    problem = _out_problem(args.out)
    if problem:
        print(f"hggt-data export-labels: {problem}", file=sys.stderr)
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
