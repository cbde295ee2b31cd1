"""``hggt-data pack DATASET_DIR OUT.h5`` writes the HDF5 training pack; ``--check OUT.h5`` validates one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH", help="DATASET_DIR OUT.h5, or OUT.h5 with --check"
    )
    parser.add_argument("--check", action="store_true", help="validate a pack instead of writing one")
    parser.add_argument(
        "--subset", choices=("ori", "pos", "posneg"), default="posneg", help="training subset"
    )
    parser.add_argument(
        "--encoding", choices=("raw", "png"), default="raw", help="raw uint8 (fast) or PNG bytes"
    )
    parser.add_argument(
        "--split", type=float, default=0.0, metavar="VAL_FRACTION", help="validation fraction"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the validation split")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace OUT.h5 even if it is not an earlier pack"
    )
    parser.add_argument("--quick", action="store_true", help="with --check: do not hash every image")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from hggt_desktop.core.images import ImageError
    from hggt_desktop.core.layout import LayoutError
    from hggt_desktop.core.sets import SetLayoutError
    from hggt_desktop.pack.format import PackError

    try:
        if args.check:
            if len(args.paths) != 1:
                print("hggt-data pack --check: give exactly one pack file", file=sys.stderr)
                return 2
            return _check(args.paths[0], args)
        if len(args.paths) != 2:
            print("hggt-data pack: give DATASET_DIR and OUT.h5", file=sys.stderr)
            return 2
        return _write(args.paths[0], args.paths[1], args)
    except KeyboardInterrupt:
        if args.check:
            raise
        print(
            f"hggt-data pack: interrupted; {args.paths[1]} was not written (or left as it was)",
            file=sys.stderr,
        )
        return 130
    except PackError as exc:
        print(f"hggt-data pack: {exc}", file=sys.stderr)
        return 1 if args.check else 2
    except (LayoutError, SetLayoutError, ImageError) as exc:
        print(f"hggt-data pack: {exc}", file=sys.stderr)
        return 2


def _check(path: Path, args: argparse.Namespace) -> int:
    from hggt_desktop.pack.checker import check_pack
    from hggt_desktop.pack.reader import read_meta

    problems = check_pack(path, verify_pixels=not args.quick)
    meta = read_meta(path)
    if args.json:
        print(json.dumps({"path": str(path), "sets": len(meta.names), "problems": problems}, indent=2))
    else:
        for problem in problems:
            print(problem)
        verdict = "OK" if not problems else f"{len(problems)} problem(s)"
        print(
            f"{path}: {len(meta.names)} sets, versions {', '.join(meta.versions)}, {meta.encoding}: {verdict}"
        )
    return 1 if problems else 0


def _write(dataset: Path, out: Path, args: argparse.Namespace) -> int:
    from hggt_desktop.pack.writer import write_pack

    def progress(done: int, total: int) -> None:
        if not args.json and (done == total or done % 100 == 0):
            print(f"\r{done}/{total} sets", end="\n" if done == total else "", file=sys.stderr, flush=True)

    summary = write_pack(
        dataset,
        out,
        args.subset,
        args.encoding,
        args.split,
        args.seed,
        progress,
        " ".join(["hggt-data", *sys.argv[1:]]),
        overwrite=args.overwrite,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(summary.path),
                    "sets": summary.sets,
                    "train": summary.train,
                    "val": summary.val,
                    "versions": list(summary.versions),
                    "bytes": summary.bytes,
                    "excluded": summary.excluded,
                    "warnings": summary.warnings,
                    "problems": summary.problems,
                },
                indent=2,
            )
        )
    else:
        print(
            f"{summary.path}: {summary.sets} sets ({summary.train} train, {summary.val} val), {summary.bytes / 1e6:.1f} MB"
        )
        print(f"excluded {len(summary.excluded)} set(s) not in subset {summary.subset} or incomplete")
        for warning in summary.warnings:
            print(f"warning: {warning}")
    for problem in summary.problems:
        print(f"problem: {problem}", file=sys.stderr)
    if summary.problems:
        print(
            "hggt-data pack: the pack was written without what is listed above; fix it "
            "('hggt-data check' lists it) and pack again",
            file=sys.stderr,
        )
        return 1
    return 0
