"""Everything ``hggt-data agreement`` prints: overall, per version, per pair and per rater.

The result is an :class:`~hggt_desktop.core.agreement_figures.AgreementSummary` (its shape and
JSON spelling live there). NaN (undefined, e.g. every label the same) becomes ``None``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from hggt_desktop.core.agreement import (
    COEFFICIENTS,
    category_counts,
    coefficients_from_statistics,
    cohen_kappa,
    common_rater_count,
    item_counts_used,
    item_statistics,
    pair_contingency,
    percent_agreement,
    statistic_count,
)
from hggt_desktop.core.agreement_figures import AgreementSummary, LabelDistribution
from hggt_desktop.core.agreement_notice import labels_notice
from hggt_desktop.core.annotator_stats import annotator_statistics, read_record_figures
from hggt_desktop.core.assignments import AssignmentsError, assignments_path, read_assignments
from hggt_desktop.core.bootstrap import bootstrap_intervals
from hggt_desktop.core.dataset import Dataset
from hggt_desktop.core.rater_alerts import rater_alerts
from hggt_desktop.core.rating_table import LABELS_BY_RANK, RatingTable, rating_table
from hggt_desktop.core.sets import Problem
from hggt_desktop.core.trial_answers import trial_answers

PROBLEMS_LISTED = 50


def _number(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


class _Stats:
    """Per-set statistics for overall, per-version and per-pair coefficients, side by side."""

    def __init__(self, table: RatingTable) -> None:
        counts = category_counts(table.ratings)  # (sets, versions, 3)
        self.f = statistic_count()
        self.fleiss_all = common_rater_count(counts)
        self.fleiss_version = [common_rater_count(counts[:, v]) for v in range(len(table.versions))]
        overall = item_statistics(counts, self.fleiss_all).sum(axis=1)  # (sets, f)
        per_version = np.stack(
            [item_statistics(counts[:, v], m) for v, m in enumerate(self.fleiss_version)], axis=1
        )  # (sets, versions, f)
        pairs = [pair_contingency(table.ratings[:, :, a], table.ratings[:, :, b]) for a, b in table.pairs]
        per_pair = np.stack(pairs, axis=1) if pairs else np.zeros((len(table.stems), 0, 3, 3))
        self.n_versions, self.n_pairs = len(table.versions), len(table.pairs)
        self.matrix = np.concatenate(
            [
                overall,
                per_version.reshape(len(table.stems), -1),
                per_pair.reshape(len(table.stems), -1),
            ],
            axis=1,
        )

    def evaluate(self, summed: np.ndarray) -> dict[str, np.ndarray]:
        """Coefficients ``(b, ...)`` from summed statistics ``(b, features)``."""
        f, v = self.f, self.n_versions
        out: dict[str, np.ndarray] = {}
        for name, value in coefficients_from_statistics(summed[:, :f], self.fleiss_all).items():
            out[f"overall/{name}"] = value
        per_version = summed[:, f : f + v * f].reshape(-1, v, f)
        for i, m in enumerate(self.fleiss_version):
            for name, value in coefficients_from_statistics(per_version[:, i], m).items():
                out[f"version{i}/{name}"] = value
        if self.n_pairs:
            tables = summed[:, f + v * f :].reshape(-1, self.n_pairs, 3, 3)
            out["pairs/cohen_kappa"] = cohen_kappa(tables)
            out["pairs/percent_agreement"] = percent_agreement(tables)
        return out


def _distribution(ranks: np.ndarray) -> dict[str, int]:
    return {LABELS_BY_RANK[c].value: int((ranks == c).sum()) for c in range(3)}


def label_distribution(table: RatingTable) -> LabelDistribution:
    """Label counts per version (per rater and effective) and per rater."""
    per_version = {}
    for v, version in enumerate(table.versions):
        row = {rater: _distribution(table.ratings[:, v, r]) for r, rater in enumerate(table.raters)}
        row["effective"] = _distribution(table.effective[:, v])
        per_version[version] = row
    return LabelDistribution(
        per_version=per_version,
        per_annotator={rater: _distribution(table.ratings[:, :, r]) for r, rater in enumerate(table.raters)},
        effective=_distribution(table.effective),
    )


DEFAULT_RESAMPLES = 1000  # the CLI, the report and the curator's Agreement tab all use these
DEFAULT_SEED = 0


def summarize_agreement(
    dataset: Dataset,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    table: RatingTable | None = None,
) -> AgreementSummary:
    """Overall coefficients, every breakdown, intervals and counts."""
    table = table if table is not None else rating_table(dataset)
    stats = _Stats(table)
    point = {k: np.asarray(v)[0] for k, v in stats.evaluate(stats.matrix.sum(axis=0)[None]).items()}
    intervals = bootstrap_intervals(stats.matrix, stats.evaluate, resamples, seed) if resamples else {}

    def ci(key: str, index: int | None = None) -> list[float | None] | None:
        if key not in intervals:
            return None
        bounds = intervals[key] if index is None else intervals[key][index]
        return [_number(bounds[0]), _number(bounds[1])]

    overall_used = item_counts_used(stats.matrix[:, : stats.f].sum(axis=0))
    result: dict[str, Any] = {name: _number(point[f"overall/{name}"]) for name in COEFFICIENTS}
    by_rater: np.ndarray = np.asarray(
        (table.ratings >= 0).any(axis=1)
    )  # (sets, raters): rater labelled the set
    rated_sets: np.ndarray = np.asarray(by_rater.any(axis=1))
    result["counts"] = {
        "sets": len(table.stems),
        "sets_rated": int(rated_sets.sum()),
        "sets_partially_rated": int((rated_sets & ~by_rater.all(axis=1)).sum()),
        "sets_flagged": int(table.flagged().any(axis=1).sum()),
        "raters": list(table.raters),
        "versions": list(table.versions),
        "fleiss_raters": stats.fleiss_all,
        "items_left_out_of_fleiss": overall_used["items_pairable"] - overall_used["items_fleiss"],
        **overall_used,
    }
    result["per_version"] = {}
    for i, version in enumerate(table.versions):
        row: dict[str, Any] = {name: _number(point[f"version{i}/{name}"]) for name in COEFFICIENTS}
        row["items"] = int(((table.ratings[:, i] >= 0).sum(axis=1) >= 2).sum())
        result["per_version"][version] = row
    result["per_pair"] = {}
    for p, name in enumerate(table.pair_names()):
        a, b = table.pairs[p]
        both = ((table.ratings[:, :, a] >= 0) & (table.ratings[:, :, b] >= 0)).sum()
        result["per_pair"][name] = {
            "cohen_kappa": _number(point["pairs/cohen_kappa"][p]),
            "percent_agreement": _number(point["pairs/percent_agreement"][p]),
            "items": int(both),
        }
    positions, looked, record_problems = read_record_figures(dataset.labels_dir, table)
    try:
        assigned = read_assignments(dataset.labels_dir)
    except AssignmentsError as exc:
        assigned = None
        record_problems.append(
            Problem(assignments_path(dataset.labels_dir), f"{exc}; missing counts every set")
        )
    result["per_annotator"] = annotator_statistics(table, positions, assigned, looked)
    trials, trial_problems = trial_answers(dataset.labels_dir, table)
    for rater, row in result["per_annotator"].items():
        row["trials"] = trials.get(rater)
    result["confidence_intervals"] = {
        "level": 0.95,
        "resamples": resamples,
        "seed": seed,
        "unit": "set",
        "overall": {name: ci(f"overall/{name}") for name in COEFFICIENTS},
        "per_version": {
            version: {name: ci(f"version{i}/{name}") for name in COEFFICIENTS}
            for i, version in enumerate(table.versions)
        },
        "per_pair": {
            name: {
                "cohen_kappa": ci("pairs/cohen_kappa", p),
                "percent_agreement": ci("pairs/percent_agreement", p),
            }
            for p, name in enumerate(table.pair_names())
        },
    }
    result["label_distribution"] = dataclasses.asdict(label_distribution(table))
    problems = [*dataset.problems, *record_problems, *trial_problems]
    result["problems"] = {
        "count": len(problems),
        "unlabelled_by": {a: len(stems) for a, stems in dataset.unlabelled_by().items()},
        "listed": [str(p) for p in problems[:PROBLEMS_LISTED]],
    }
    # Why nothing could be measured (no labels, one annotator ...), None when it could.
    result["notice"] = labels_notice(dataset, table)
    summary = AgreementSummary.from_json(result)
    alerts = rater_alerts(table, summary.per_annotator)
    per_annotator = {
        rater: dataclasses.replace(figures, alerts=alerts.get(rater, ()))
        for rater, figures in summary.per_annotator.items()
    }
    return dataclasses.replace(summary, per_annotator=per_annotator, excluded_raters=dict(dataset.excluded))
