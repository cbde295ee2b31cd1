"""Dealing mixes the teams: every pair of raters shares sets, loads stay even (issue 22)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from hggt_desktop.tools.assignment import DEGRADED, EARLY_CATCH, HIDDEN_REFERENCE, assign_sets, plan_packages

RATERS = list("ABCDEF")


def pair_counts(assigned: dict[str, list[str]]) -> tuple[Counter, dict[str, list[str]]]:
    by_set: dict[str, list[str]] = {}
    for rater, stems in assigned.items():
        for stem in stems:
            by_set.setdefault(stem, []).append(rater)
    pairs = Counter(pair for raters in by_set.values() for pair in itertools.combinations(sorted(raters), 2))
    return pairs, by_set


@pytest.mark.parametrize("n_sets", [10, 11, 40, 240])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_six_raters_overlap_three_every_pair_shares_sets(n_sets: int, seed: int) -> None:
    stems = [f"{i:04d}" for i in range(n_sets)]
    assigned = assign_sets(stems, RATERS, 3, random.Random(seed))
    pairs, by_set = pair_counts(assigned)
    assert sorted(by_set) == stems and all(len(set(r)) == len(r) == 3 for r in by_set.values())
    loads = [len(s) for s in assigned.values()]
    assert max(loads) - min(loads) <= 1
    assert set(pairs) == set(itertools.combinations(RATERS, 2))  # no two fixed teams
    if n_sets >= 40:  # as evenly as the numbers allow: 3 * n_sets / 15 pairs each
        assert max(pairs.values()) - min(pairs.values()) <= 2


def test_every_rater_meets_a_catch_trial_among_the_first_sets() -> None:
    versions = {f"{i:04d}": ("01", "02", "03", "04") for i in range(240)}
    plans = plan_packages(versions, RATERS, 3, per_annotator=1000, seed=4, catch_rate=0.1, repeat_rate=0.05)
    for plan in plans:
        first = next(i for i, item in enumerate(plan.items) if item.kind in (HIDDEN_REFERENCE, DEGRADED))
        assert first < EARLY_CATCH, plan.annotator
