"""``hggt-data agreement PATH [--json]``: how far the annotators agree, overall and per version."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING

from hggt_desktop.cli.dataset_args import add_dataset_arguments, open_dataset

if TYPE_CHECKING:
    from hggt_desktop.core.agreement_figures import AgreementSummary, Interval
    from hggt_desktop.core.dataset import Dataset

_NAMES = {
    "krippendorff_alpha_nominal": "Krippendorff alpha (nominal)",
    "krippendorff_alpha_ordinal": "Krippendorff alpha (ordinal)",
    "fleiss_kappa": "Fleiss kappa",
    "gwet_ac1": "Gwet AC1",
    "percent_unanimous": "% unanimous",
    "percent_all_different": "% all different",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="resamples of sets for 95%% intervals (0: none)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")


def _fmt(value: float | None, interval: Interval | None = None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.1f}" if percent else f"{value:.3f}"
    if interval and interval[0] is not None and interval[1] is not None:
        lo, hi = interval
        text += f" [{lo:.1f}, {hi:.1f}]" if percent else f" [{lo:.3f}, {hi:.3f}]"
    return text


def _print_table(summary: AgreementSummary) -> None:
    from hggt_desktop.core.agreement_notice import flagged_sets_line, missing_files_line

    counts = summary.counts
    print(
        f"{counts.sets} sets, {counts.items_pairable} items (version of a set) rated by two or more "
        f"of {len(counts.raters)} rater{'s' if len(counts.raters) != 1 else ''} "
        f"({', '.join(counts.raters)})"
    )
    missing = missing_files_line(summary.problems.unlabelled_by, counts.sets)
    if missing:
        print(missing)
    flagged = flagged_sets_line(
        counts.sets_flagged, {name: f.sets_flagged for name, f in summary.per_annotator.items()}
    )
    if flagged:
        print(flagged)
    if summary.notice:
        print(f"Note: {summary.notice}")
    for rater, reason in summary.excluded_raters.items():
        print(
            f"Left out: {rater} (excluded by the curator: {reason}; 'hggt-data exclude --undo' counts them again)"
        )
    if counts.items_pairable:
        _print_coefficients(summary)
    _print_pairs_and_annotators(summary)


def _print_coefficients(summary: AgreementSummary) -> None:
    counts, ci = summary.counts, summary.confidence_intervals
    if ci.resamples:
        print(f"95% intervals: bootstrap over sets, {ci.resamples} resamples, seed {ci.seed}")
    versions = list(summary.per_version)
    header = f"{'':30s} {'overall':>24s}" + "".join(f" {v:>8s}" for v in versions)
    print()
    print(header)
    for key, name in _NAMES.items():
        percent = key.startswith("percent")
        row = f"{name:30s} {_fmt(summary.value(key), ci.overall.get(key), percent):>24s}"
        row += "".join(f" {_fmt(summary.per_version[v].value(key), None, percent):>8s}" for v in versions)
        print(row)
    if any(summary.value(key) is None for key in _NAMES):
        print("(n/a: undefined here, e.g. every rating has the same label, so chance agreement is 100%)")
    if counts.items_left_out_of_fleiss:
        print(
            f"(Fleiss kappa uses the {counts.items_fleiss} items rated by exactly {counts.fleiss_raters}; "
            f"{counts.items_left_out_of_fleiss} others are left out)"
        )


def _print_pairs_and_annotators(summary: AgreementSummary) -> None:
    ci = summary.confidence_intervals
    if summary.per_pair and summary.counts.items_pairable:
        print()
        print(f"{'pair':12s} {'Cohen kappa':>26s} {'% agree':>9s} {'items':>7s}")
        for pair, row in summary.per_pair.items():
            interval = ci.per_pair.get(pair, {}).get("cohen_kappa")
            print(
                f"{pair:12s} {_fmt(row.cohen_kappa, interval):>26s} "
                f"{_fmt(row.percent_agreement, None, True):>9s} {row.items:>7d}"
            )
    print()
    print(
        f"{'annotator':12s} {'sets':>6s} {'P/S/N %':>14s} {'% w/ others':>12s} {'kappa':>7s} {'median s':>9s} {'IQR s':>6s}"
    )
    for name, figures in summary.per_annotator.items():
        total = max(figures.ratings, 1)
        shares = "/".join(
            f"{100 * figures.labels[k] / total:.0f}" for k in ("Positive", "Similar", "Negative")
        )
        seconds = figures.seconds_per_set
        print(
            f"{name:12s} {figures.sets_labelled:>6d} {shares:>14s} "
            f"{_fmt(figures.agreement_with_majority_of_others, None, True):>12s} "
            f"{_fmt(figures.mean_cohen_kappa_with_others):>7s} "
            f"{_fmt(seconds.median, None, True):>9s} {_fmt(seconds.iqr, None, True):>6s}"
        )
    _print_screening(summary)
    problems = summary.problems
    if problems.count:
        print()
        print(f"{problems.count} problems (files skipped):")
        for line in problems.listed:
            print(f"  {line}")


def _print_screening(summary: AgreementSummary) -> None:
    """One-label share, position spread, catch trials, repeats, looked at 1:1 and the alerts per rater."""
    from hggt_desktop.core.agreement_figures import describe_looked
    from hggt_desktop.core.rater_alerts import catch_cell

    if not summary.per_annotator:
        return
    print()
    print(
        f"{'annotator':12s} {'one-label %':>11s} {'pos spread':>10s} {'hidden ref':>12s} "
        f"{'degraded':>12s} {'repeats same':>12s} {'looked at 1:1':>16s}  alerts"
    )
    for name, figures in summary.per_annotator.items():
        one_label = figures.straight_lining.share_sets_one_label
        bias = figures.position_bias
        trials = figures.trials
        repeat = trials.repeat if trials else None
        repeats = (
            f"{repeat.same_label}/{repeat.versions_compared}"
            if repeat and repeat.versions_compared
            else "n/a"
        )
        print(
            f"{name:12s} {_fmt(None if one_label is None else 100 * one_label, None, True):>11s} "
            f"{'n/a' if bias is None else f'{bias.mean_rank_spread:.2f}':>10s} "
            f"{catch_cell(trials.hidden_reference if trials else None):>12s} "
            f"{catch_cell(trials.degraded if trials else None):>12s} {repeats:>12s} "
            f"{describe_looked(figures.looked_1to1):>16s}  "
            f"{', '.join(alert.rule for alert in figures.alerts) or '-'}"
        )
    flagged = [(name, alert) for name, f in summary.per_annotator.items() for alert in f.alerts]
    if flagged:
        print()
        print(f"{len(flagged)} alert{'s' if len(flagged) != 1 else ''} (docs/curator.md, 'Rater alerts'):")
        for name, alert in flagged:
            print(f"  {name}: {alert.message}")
            print(f"      {alert.figure} {alert.value:g}; {alert.reference}; evidence: {alert.evidence}")


def limit_blas_threads() -> None:
    """Use one BLAS thread for the bootstrap's matrix products, if numpy is not loaded yet.

    The products are small (0.1 s on one core); with several threads on a busy machine the
    threads wait on each other and the same work took 1-7 s in the benchmark.
    """
    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")


def run(args: argparse.Namespace) -> int:
    limit_blas_threads()
    from hggt_desktop.core.agreement_summary import summarize_agreement

    if args.bootstrap < 0:
        print("hggt-data agreement: --bootstrap must be 0 or more", file=sys.stderr)
        return 2
    dataset = open_rated_dataset("agreement", args)
    if dataset is None:
        return 2
    summary = summarize_agreement(dataset, resamples=args.bootstrap, seed=args.seed)
    if args.json:
        print(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
    else:
        _print_table(summary)
    # 1: files were skipped, or nothing could be measured (one annotator, no overlap ...).
    return 1 if summary.problems.count or summary.notice else 0


def open_rated_dataset(command: str, args: argparse.Namespace) -> Dataset | None:
    """Open the dataset for a command that compares raters; None (exit 2) when it has none."""
    dataset = open_dataset(command, args)
    if dataset is None or dataset.raters:
        return dataset
    print(f"hggt-data {command}: {_no_raters_notice(dataset)}", file=sys.stderr)
    return None


def _no_raters_notice(dataset: Dataset) -> str:
    """Why there is nothing to compare (no labels folder, only 'adjudicated', ...)."""
    from hggt_desktop.core.agreement_notice import labels_notice
    from hggt_desktop.core.rating_table import rating_table

    return labels_notice(dataset, rating_table(dataset)) or "no annotators' labels"
