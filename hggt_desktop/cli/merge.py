"""``hggt-data merge``: bring returned packages' labels back into a dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_SHOWN = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packages", nargs="+", type=Path, help="returned package folders (each has package.json)"
    )
    parser.add_argument(
        "--into",
        required=True,
        type=Path,
        help="the dataset (images folder or dataset root); a folder that does not exist is created "
        "with a copy of the packaged sets' images",
    )
    parser.add_argument(
        "--key", type=Path, help="answer key (default: .curator/key.json beside the packages)"
    )
    parser.add_argument(
        "--prefer-newer",
        action="store_true",
        help="replace an existing different label when the returned one has a later Time_cost End",
    )


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.layout import LayoutError
    from hggt_desktop.core.sets import SetLayoutError
    from hggt_desktop.tools.merging import MergeError, create_dataset, merge_packages

    packages: list[Path] = []
    for package in args.packages:
        if any(package.resolve() == seen.resolve() for seen in packages):
            print(f"note: {package} was given twice; merged once", file=sys.stderr)
            continue
        packages.append(package)
    if args.key is not None and not args.key.is_file():
        print(
            f"hggt-data merge: --key {args.key}: no such file; give OUT_DIR/.curator/key.json "
            "written by 'hggt-data package'",
            file=sys.stderr,
        )
        return 2
    if not args.into.exists():
        try:
            source, count = create_dataset(args.into, packages, args.key)
        except (MergeError, SetLayoutError) as exc:
            print(f"hggt-data merge: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(
                f"hggt-data merge: cannot create {args.into} ({exc}); give a writable folder", file=sys.stderr
            )
            return 2
        print(f"created {args.into} with the images of {count} sets from {source}")
    try:
        report = merge_packages(packages, args.into, args.key, args.prefer_newer)
    except (LayoutError, SetLayoutError) as exc:
        print(f"hggt-data merge: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"hggt-data merge: {exc}; labels merged so far are kept, rerun to finish", file=sys.stderr)
        return 2
    for kind, lines in (
        ("refused", report.refused),
        ("conflict", report.conflicts),
        ("problem", report.problems),
    ):
        for line in lines:
            print(f"{kind}: {line}", file=sys.stderr)
    if not report.packages:
        print("hggt-data merge: no package could be read; nothing was merged", file=sys.stderr)
        return 2
    if report.changed:
        print(
            f"merged: {report.added} new labels, {report.replaced} replaced, {report.unchanged} already there, "
            f"{report.trials} trial answers, {report.records} records"
        )
    elif report.unchanged:
        print(f"nothing changed: all {report.unchanged} labels were already merged")
    else:
        print("nothing changed: the packages hold no labels yet")
    for annotator in sorted({*report.catch_correct, *report.catch_flagged}):
        kinds = report.catch_correct.get(annotator, {})
        print(f"catch trials {annotator}: {_catch_line(kinds, report.catch_flagged.get(annotator, {}))}")
    if report.missing:
        print(f"{len(report.missing)} sets still lack labels:")
        for stem, annotators in sorted(report.missing.items())[:_SHOWN]:
            print(f"  {stem}: {', '.join(sorted(annotators))}")
        if len(report.missing) > _SHOWN:
            print(f"  ... and {len(report.missing) - _SHOWN} more")
    else:
        print("every packaged set has all its annotators' labels")
    if report.flagged:
        print(f'{len(report.flagged)} sets flagged "can\'t judge" (no label file, kept in the records):')
        for stem, flags in sorted(report.flagged.items())[:_SHOWN]:
            print(f"  {stem}: {'; '.join(sorted(flags))}")
        if len(report.flagged) > _SHOWN:
            print(f"  ... and {len(report.flagged) - _SHOWN} more")
    return 1 if report.refused or report.conflicts or report.problems else 0


def _catch_line(kinds: dict[str, list[int]], flagged: dict[str, int]) -> str:
    """Each kind apart: an always-Similar rater passes every hidden reference and fails every degraded."""
    from hggt_desktop.core.rater_alerts import catch_verdict

    parts = []
    for kind, expected in (("hidden_reference", "Similar"), ("degraded", "Negative")):
        correct, total = kinds.get(kind, [0, 0])
        if total:
            verdict = catch_verdict(correct, total)
            parts.append(f"{kind.replace('_', ' ')} {correct}/{total} answered {expected} ({verdict})")
        if flagged.get(kind):
            # "Can't judge" is no answer: it is neither as expected nor counted against the rater.
            parts.append(f'{kind.replace("_", " ")} {flagged[kind]} flagged "can\'t judge" (not answered)')
    return "; ".join(parts) or "none answered"
