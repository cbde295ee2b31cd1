"""``hggt-data report PATH --out report.html``: one self-contained page a curator would rather look at."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hggt_desktop.cli.dataset_args import add_dataset_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="HTML file to write")
    parser.add_argument("--csv", type=Path, help="also write every label to this CSV")
    parser.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="resamples for 95%% intervals"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace --out/--csv even if they are not an earlier report/labels CSV",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument(
        "--worst", type=int, default=12, metavar="N", help="disagreements shown as thumbnails"
    )


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.cli.agreement import limit_blas_threads, open_rated_dataset

    limit_blas_threads()
    from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic
    from hggt_desktop.core.labels_csv import LABELS_CSV, labels_csv_text
    from hggt_desktop.core.output_file import OutputRefused, check_output_path
    from hggt_desktop.report.document import REPORT_HTML, write_report

    if args.bootstrap < 0 or args.worst < 0:
        print("hggt-data report: --bootstrap and --worst must be 0 or more", file=sys.stderr)
        return 2
    try:
        check_output_path(args.out, REPORT_HTML, args.overwrite)
        if args.csv:
            check_output_path(args.csv, LABELS_CSV, args.overwrite)
    except OutputRefused as exc:
        option = "--out" if exc.path == args.out else "--csv"
        print(f"hggt-data report: {option} {exc}", file=sys.stderr)
        return 2
    dataset = open_rated_dataset("report", args)
    if dataset is None:
        return 2
    try:
        summary = write_report(dataset, args.out, args.bootstrap, args.seed, args.worst)
        if args.csv:
            write_text_atomic(args.csv, labels_csv_text(dataset))
    except AtomicWriteError as exc:
        print(f"hggt-data report: {exc}", file=sys.stderr)
        return 2
    raters = len(dataset.raters)
    print(f"wrote {args.out} ({len(dataset.sets)} sets, {raters} annotator{'s' if raters != 1 else ''})")
    if args.csv:
        print(f"wrote {args.csv}")
    count = summary.problems.count
    if summary.notice:
        print(f"Note: {summary.notice}", file=sys.stderr)
    if count:
        print(f"{count} problems (files skipped); they are listed in the report", file=sys.stderr)
    return 1 if count or summary.notice else 0
