"""``hggt-data export-labels PATH --out FILE.csv``: every label, one row per set and version."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from hggt_desktop.cli.dataset_args import add_dataset_arguments, open_dataset
from hggt_desktop.core.output_file import OutputKind, OutputRefused, check_output_path, read_head


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace --out even if it is not an earlier labels CSV"
    )


def labels_csv_text(dataset) -> str:  # type: ignore[no-untyped-def]
    """Columns ``set,version,<annotator...>,effective,votes``; empty cells where unlabelled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    annotators = list(dataset.annotators)
    writer.writerow(["set", "version", *annotators, "effective", "votes"])
    for image_set in dataset.sets:
        files = dataset.files_for(image_set.stem)
        effective = dataset.effective(image_set.stem)
        for version in image_set.version_ids:
            cells = [files[a].label_map[version].value if a in files else "" for a in annotators]
            eff = effective.get(version)
            writer.writerow(
                [image_set.stem, version, *cells, eff.label.value if eff else "", eff.votes if eff else ""]
            )
    return buffer.getvalue()


def is_labels_csv(path: Path) -> bool:
    """True when ``path`` is an earlier labels CSV (its header row), which an export may replace."""
    return read_head(path, 64).startswith(b"set,version,")


LABELS_CSV = OutputKind("an HGGT labels CSV", "labels.csv", is_labels_csv)


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic

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
