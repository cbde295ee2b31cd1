# ruff: noqa: E402  (the BLAS thread count must be set before numpy is imported)
"""Benchmark: agreement on a released-size dataset (20,193 sets x 3 annotators x 4 versions).

Writes 60,579 HGGT label files into a temporary folder (no images: the sets are described
directly), then times, separately:

1. reading the label files with core.dataset.read_annotator_labels (target < 10 s);
2. the whole agreement summary with a 1000-resample bootstrap, as ``hggt-data agreement``
   computes it after reading (target < 2 s);

and compares against a baseline in the same run: Krippendorff's alpha by a plain per-item
Python loop, and a bootstrap that recomputes every coefficient from resampled rows.

Run: ``python bench/bench_agreement.py [--sets 20193] [--resamples 1000] [--keep DIR]``
"""

from __future__ import annotations

import os

# As hggt-data agreement does (hggt_desktop/cli/agreement.py): one BLAS thread, set before numpy loads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from hggt_desktop.core.agreement import coefficients
from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.dataset import Dataset, read_annotator_labels
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, to_json_text
from hggt_desktop.core.rating_table import rating_table
from hggt_desktop.core.sets import ImageSet, ScanResult

VERSIONS = ("01", "02", "03", "04")
RATERS = ("A", "B", "C")
BY_RANK = (Label.NEGATIVE, Label.SIMILAR, Label.POSITIVE)


def write_labels(root: Path, n_sets: int, seed: int = 0) -> tuple[Path, list[str]]:
    """The released layout's labels folder with plausible labels (truth plus rater noise)."""
    rng = np.random.default_rng(seed)
    labels_dir = root / "Train" / "labels" / f"0-{n_sets}"
    truth = rng.choice(3, size=(n_sets, len(VERSIONS)), p=[0.25, 0.35, 0.40])
    stems = [f"{i // 20:04d}-{(i % 20) * 64}-{(i % 7) * 64}" for i in range(n_sets)]
    start = datetime(2022, 8, 5, 9, 0, 0)
    for r, rater in enumerate(RATERS):
        folder = labels_dir / rater
        folder.mkdir(parents=True)
        noise = rng.random((n_sets, len(VERSIONS))) < 0.35
        ranks = np.where(noise, rng.integers(0, 3, size=truth.shape), truth)
        seconds = rng.gamma(4.0, 10.0, size=n_sets).astype(int) + 5
        for s, stem in enumerate(stems):
            when = start + timedelta(seconds=int(s * 45 + r))
            labels = {v: BY_RANK[ranks[s, k]] for k, v in enumerate(VERSIONS)}
            time_cost = TimeCost(when, when + timedelta(seconds=int(seconds[s])), int(seconds[s]))
            # Plain writes: the benchmark times reading, and 60k fsyncs would only slow set-up.
            (folder / f"{stem}.json").write_text(
                to_json_text(make_label_file(stem, labels, time_cost)), encoding="utf-8"
            )
    return labels_dir, stems


def naive_alpha(ratings: np.ndarray) -> float:
    """Krippendorff's nominal alpha, one item and one pair of ratings at a time."""
    o = [[0.0] * 3 for _ in range(3)]
    for item in ratings.reshape(-1, ratings.shape[-1]).tolist():
        given = [x for x in item if x >= 0]
        m = len(given)
        if m < 2:
            continue
        for i, a in enumerate(given):
            for j, b in enumerate(given):
                if i != j:
                    o[a][b] += 1.0 / (m - 1)
    n_c = [sum(row) for row in o]
    n = sum(n_c)
    observed = sum(o[a][b] for a in range(3) for b in range(3) if a != b)
    expected = sum(n_c[a] * n_c[b] for a in range(3) for b in range(3) if a != b)
    return 1.0 - (n - 1) * observed / expected


def naive_bootstrap(ratings: np.ndarray, resamples: int, seed: int) -> float:
    """Seconds per resample when each resample re-indexes the rows and recomputes."""
    rng = np.random.default_rng(seed)
    n_sets = ratings.shape[0]
    began = time.perf_counter()
    for _ in range(resamples):
        rows = ratings[rng.integers(0, n_sets, n_sets)].reshape(-1, ratings.shape[-1])
        coefficients(rows)
    return (time.perf_counter() - began) / resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=20193)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="write the labels here and keep them")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="hggt-bench-"))
    try:
        began = time.perf_counter()
        labels_dir, stems = write_labels(root, args.sets)
        print(f"wrote {args.sets * len(RATERS)} label files in {time.perf_counter() - began:.1f} s")

        began = time.perf_counter()
        labels: dict[str, dict] = {}
        problems = []
        for rater in RATERS:
            files, found = read_annotator_labels(labels_dir, rater)
            problems += found
            for stem, label_file in files.items():
                labels.setdefault(stem, {})[rater] = label_file
        read_s = time.perf_counter() - began
        print(f"read {sum(len(x) for x in labels.values())} label files: {read_s:.2f} s (target < 10 s)")

        images_dir = root / "Train" / "images" / f"0-{args.sets}"
        sets = tuple(
            ImageSet(stem, images_dir / "original" / f"{stem}.png",
                     tuple((v, images_dir / v / f"{stem}_{v}.png") for v in VERSIONS))
            for stem in sorted(stems)
        )  # fmt: skip
        dataset = Dataset(images_dir, labels_dir, ScanResult(images_dir, sets, VERSIONS), RATERS, labels)

        began = time.perf_counter()
        table = rating_table(dataset)
        table_s = time.perf_counter() - began
        began = time.perf_counter()
        summary = summarize_agreement(dataset, resamples=args.resamples, seed=0, table=table)
        summary_s = time.perf_counter() - began
        print(
            f"agreement after reading: {table_s + summary_s:.2f} s (target < 2 s): "
            f"arrays {table_s:.2f} s + coefficients, breakdowns, per-annotator and "
            f"{args.resamples}-resample bootstrap {summary_s:.2f} s"
        )

        began = time.perf_counter()
        alpha = naive_alpha(table.ratings)
        naive_s = time.perf_counter() - began
        fast = summary.krippendorff_alpha_nominal
        print(f"baseline alpha by per-item Python loop: {naive_s:.2f} s (alpha {alpha:.6f} vs {fast:.6f})")
        per_resample = naive_bootstrap(table.ratings, 5, seed=0)
        print(
            f"baseline bootstrap re-indexing rows: {per_resample * args.resamples:.1f} s for "
            f"{args.resamples} resamples (overall coefficients only)"
        )
        print(
            f"alpha {fast:.3f} {summary.confidence_intervals.overall['krippendorff_alpha_nominal']}, "
            f"Fleiss {summary.fleiss_kappa:.3f}, AC1 {summary.gwet_ac1:.3f}, problems {len(problems)}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
