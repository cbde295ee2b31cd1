# ruff: noqa: E402  (the BLAS thread count must be set before numpy is imported)
"""Simulated raters through the real packaging, labelling and merge: when is a bad rater flagged?

For each seed, a dataset of tiny images is packaged with ``hggt-data package``'s own code
(6 raters, overlap 3, catch rate 0.1, repeat rate 0.05, 120 sets per rater); five good raters
(80% accurate, 25-60 s per set) and one bad rater of each kind label their packages as the
annotator app would write them (label files, records with the real screen order), and
``merge`` brings them back. Then, for growing prefixes of every rater's work, the agreement
summary and its alerts are computed exactly as ``hggt-data agreement`` does. It prints, per bad
kind, after how many of its sets it is flagged, and how often good raters are flagged.

    python bench/bench_rater_alerts.py [--seeds 10] [--sets-per-rater 120]

The baseline in the same run is the rule set without the alerts module's evidence rules: the
figures alone (no flag ever), i.e. what a curator saw before issue 22.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.images import write_image
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, write_label_file
from hggt_desktop.core.layout import PROJECT_DIR, records_dir
from hggt_desktop.core.package_files import read_key
from hggt_desktop.core.record import SetRecord, record_path, write_record
from hggt_desktop.core.screen_order import screen_order
from hggt_desktop.core.sets import find_sets
from hggt_desktop.tools.assignment import SET, plan_packages
from hggt_desktop.tools.merging import merge_packages
from hggt_desktop.tools.packages import write_packages

VERSIONS = ("01", "02", "03", "04")
LABELS = (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE)
TRUTH_SHARES = (0.35, 0.35, 0.30)
ACCURACY = 0.8
KINDS = ("random", "always_similar", "screen_pattern", "too_fast")
PREFIXES = (5, 10, 15, 20, 40, 120)
RATERS = ("G1", "G2", "G3", "G4", "G5", "X")  # X is the bad one
PATTERN = (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.SIMILAR)  # by screen position


def make_images(root: Path, n_sets: int, rng: np.random.Generator) -> Path:
    images = root / "images"
    for i in range(n_sets):
        stem = f"{i:04d}-0-0"
        for folder in ("original", *VERSIONS):
            name = f"{stem}.png" if folder == "original" else f"{stem}_{folder}.png"
            (images / folder).mkdir(parents=True, exist_ok=True)
            write_image(images / folder / name, rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
    return images


def answer(kind: str, truth: Label, position: int, rng: random.Random) -> Label:
    """The label a rater of ``kind`` gives a version whose right answer is ``truth``."""
    careful = kind in ("good", "too_fast")
    if careful:
        return truth if rng.random() < ACCURACY else rng.choice([x for x in LABELS if x is not truth])
    if kind == "random":
        return rng.choice(LABELS)
    if kind == "always_similar":
        return Label.SIMILAR
    return PATTERN[position % len(PATTERN)]


def label_packages(out: Path, truth: dict[str, dict[str, Label]], bad_kind: str, seed: int) -> None:
    """Every rater labels every item of its packages, as the app writes labels and records."""
    key = read_key(out / ".curator" / "key.json")
    for folder, entry in key.packages.items():
        kind = bad_kind if entry.annotator == "X" else "good"
        rng = random.Random(f"{seed}-{folder}-{kind}")
        manifest_dir = out / folder
        labels_dir = next(manifest_dir.glob("labels*"))
        package_seed = _package_seed(manifest_dir)
        clock = datetime(2025, 1, 1, 9, 0, 0)
        for stem, item in sorted(entry.items.items()):
            slots = tuple(f"{i:02d}" for i in range(1, len(item.slots) + 1))
            order = screen_order(slots, entry.annotator, stem, package_seed)
            labels: dict[str, Label] = {}
            for slot, real in zip(slots, item.slots, strict=True):
                if slot == item.catch_slot:
                    right = Label(item.expected or "Similar")
                else:
                    right = truth[item.source][real]
                labels[slot] = answer(kind, right, order.index(slot), rng)
            seconds = rng.uniform(2, 5) if kind == "too_fast" else rng.uniform(25, 60)
            end = clock + timedelta(seconds=seconds)
            write_label_file(
                labels_dir / entry.annotator / f"{stem}.json",
                make_label_file(stem, labels, TimeCost(clock, end, round(seconds))),
            )
            write_record(
                record_path(labels_dir, entry.annotator, stem),
                SetRecord(stem, entry.annotator, list(order), clock, end, seconds, complete=True),
            )
            clock = end + timedelta(seconds=rng.uniform(1, 4))


def _package_seed(package_dir: Path) -> int:
    from hggt_desktop.core.package_files import read_manifest

    return read_manifest(package_dir / "package.json").seed or 0


def prefix_labels(merged: Path, target: Path, out: Path, n: int) -> None:
    """Copy each rater's labels, records and trial answers for its first ``n`` real sets."""
    key = read_key(out / ".curator" / "key.json")
    for folder, entry in key.packages.items():
        real = 0
        for stem, item in sorted(entry.items.items()):
            if item.kind == SET:
                real += 1
                if real > n:
                    break
                for source in (
                    merged / entry.annotator / f"{item.source}.json",
                    records_dir(merged, entry.annotator) / f"{item.source}.json",
                ):
                    if source.is_file():
                        _copy(source, target / source.relative_to(merged))
            else:
                trial = merged / PROJECT_DIR / "trials" / entry.annotator / f"{folder}-{stem}.json"
                if trial.is_file():
                    _copy(trial, target / trial.relative_to(merged))


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def run_seed(seed: int, sets_per_rater: int, work: Path) -> dict[str, dict[int, set[str]]]:
    """Kind -> prefix -> the raters flagged (any alert)."""
    rng = np.random.default_rng(seed)
    n_sets = sets_per_rater * len(RATERS) // 3
    root = work / f"seed{seed}"
    images = make_images(root, n_sets, rng)
    truth = {
        f"{i:04d}-0-0": {v: LABELS[rng.choice(3, p=TRUTH_SHARES)] for v in VERSIONS} for i in range(n_sets)
    }
    versions = {stem: VERSIONS for stem in truth}
    plans = plan_packages(
        versions, RATERS, 3, per_annotator=10_000, seed=seed, catch_rate=0.1, repeat_rate=0.05
    )
    out = root / "packages"
    write_packages(plans, find_sets(images).by_stem(), images, out, seed, show_progress=False)
    flagged: dict[str, dict[int, set[str]]] = {}
    for kind in KINDS:
        for labels in out.glob("*/labels*"):
            shutil.rmtree(labels)
            labels.mkdir()
        label_packages(out, truth, kind, seed)
        merged = root / "labels"
        if merged.exists():
            shutil.rmtree(merged)
        merge_packages(sorted(p for p in out.iterdir() if not p.name.startswith(".")), images)
        flagged[kind] = {}
        for n in PREFIXES:
            view = root / f"labels-{kind}-{n}"
            prefix_labels(merged, view, out, n)
            summary = summarize_agreement(load_dataset(images, view), resamples=0)
            flagged[kind][n] = {r for r, f in summary.per_annotator.items() if f.alerts}
            for rater, figures in summary.per_annotator.items():
                for alert in figures.alerts:
                    if rater == "X" and n == PREFIXES[-1]:
                        rules[kind].setdefault(alert.rule, set()).add("X")
                    elif rater != "X":
                        false_rules.setdefault(n, {}).setdefault(alert.rule, 0)
                        false_rules[n][alert.rule] += 1
            shutil.rmtree(view)
    return flagged


rules: dict[str, dict[str, set[str]]] = {kind: {} for kind in KINDS}
false_rules: dict[int, dict[str, int]] = {}  # prefix -> rule -> good raters it flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sets-per-rater", type=int, default=120)
    parser.add_argument("--keep", type=Path, help="keep the generated data here")
    args = parser.parse_args()
    # Thousands of tiny files per seed: in memory when the machine has /dev/shm.
    scratch = "/dev/shm" if Path("/dev/shm").is_dir() else None
    work = args.keep or Path(tempfile.mkdtemp(prefix="hggt-rater-alerts-", dir=scratch))
    began = time.perf_counter()
    results = []
    try:
        for seed in range(args.seeds):
            results.append(run_seed(seed, args.sets_per_rater, work))
            print(f"seed {seed} done ({time.perf_counter() - began:.0f} s)", file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report(results)


def report(results: list[dict[str, dict[int, set[str]]]]) -> None:
    seeds = len(results)
    print(
        f"{seeds} seeds; 6 raters (5 good, {ACCURACY:.0%} accurate, and X), overlap 3, catch 0.1, repeat 0.05"
    )
    print("baseline (figures only, before issue 22): no rater is ever flagged")
    print()
    print(f"{'bad kind':16s} " + " ".join(f"{n:>5d}" for n in PREFIXES) + "   first flagged (median sets)")
    for kind in KINDS:
        hits = [sum("X" in r[kind][n] for r in results) for n in PREFIXES]
        firsts = [next((n for n in PREFIXES if "X" in r[kind][n]), None) for r in results]
        known = [f for f in firsts if f is not None]
        median = f"{int(np.median(known))}" if known else "never"
        print(f"{kind:16s} " + " ".join(f"{h:>2d}/{seeds:<2d}" for h in hits) + f"   {median}")
    print()
    good_runs = {n: 0 for n in PREFIXES}
    good_flags = {n: 0 for n in PREFIXES}
    for r in results:
        for kind in KINDS:
            for n in PREFIXES:
                good = [x for x in RATERS if x != "X"]
                good_runs[n] += len(good)
                good_flags[n] += sum(x in r[kind][n] for x in good)
    print("good raters flagged (false alerts), share of rater-runs:")
    print("  " + "  ".join(f"{n} sets: {100 * good_flags[n] / good_runs[n]:.1f}%" for n in PREFIXES))
    for n in PREFIXES:
        if false_rules.get(n):
            print(
                f"  at {n} sets: "
                + ", ".join(f"{rule} {count}" for rule, count in sorted(false_rules[n].items()))
            )
    print()
    print("rules that fired on X at 120 sets:")
    for kind in KINDS:
        print(f"  {kind:16s} " + ", ".join(sorted(rules[kind])))


if __name__ == "__main__":
    main()
