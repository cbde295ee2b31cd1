"""``hggt-data check PATH``: validate an images folder and its labels."""

from __future__ import annotations

import argparse
import json

from hggt_desktop.cli.dataset_args import add_dataset_arguments, open_dataset


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="read only file names and PNG headers, do not decode images"
    )


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.images import png_info

    dataset = open_dataset("check", args, verify_images=not args.quick)
    if dataset is None:
        return 2
    warnings = []
    if not args.quick:
        for image_set in dataset.sets:
            for path in image_set.paths():
                info = png_info(path)
                if info is not None and info.has_icc_profile:
                    warnings.append(f"{path}: has an ICC profile, which is ignored (values read as sRGB)")
    labelled = {a: sum(1 for files in dataset.labels.values() if a in files) for a in dataset.annotators}
    # Flagged "can't judge": no label file by design, so neither labelled nor unlabelled.
    flagged = {a: sum(1 for by in dataset.flags.values() if a in by) for a in dataset.annotators}
    summary = {
        "images_dir": str(dataset.images_dir),
        "labels_dir": str(dataset.labels_dir),
        "sets": len(dataset.sets),
        "versions": list(dataset.scan.version_folders),
        "annotators": {
            a: {"labelled": n, "unlabelled": len(dataset.sets) - n - flagged[a], "flagged": flagged[a]}
            for a, n in labelled.items()
        },
        "problems": [{"path": str(p.path), "reason": p.reason} for p in dataset.problems],
        "warnings": warnings,
    }
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(summary)
    return 1 if dataset.problems else 0


def _print_summary(summary: dict) -> None:
    print(f"images:     {summary['images_dir']}")
    print(f"labels:     {summary['labels_dir']}")
    print(f"sets:       {summary['sets']}  (versions {', '.join(summary['versions']) or 'none'})")
    if summary["annotators"]:
        for name, counts in summary["annotators"].items():
            flags = f', {counts["flagged"]} flagged "can\'t judge"' if counts["flagged"] else ""
            print(
                f"annotator {name}: {counts['labelled']} labelled, {counts['unlabelled']} unlabelled{flags}"
            )
    else:
        print("annotators: none yet")
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    problems = summary["problems"]
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print(f"  {problem['path']}: {problem['reason']}")
    else:
        print("\nno problems found")
