"""Agreement coefficients against published worked examples and independent implementations."""

from __future__ import annotations

import itertools

import krippendorff
import numpy as np
import pytest

from hggt_desktop.core.agreement import (
    category_counts,
    coefficients,
    coefficients_of_counts,
    cohen_kappa,
    pair_contingency,
)
from hggt_desktop.core.bootstrap import bootstrap_intervals

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, counts per diagnosis
# (depression, personality disorder, schizophrenia, neurosis, other).
FLEISS_1971 = [
    (0, 0, 0, 6, 0), (0, 3, 0, 0, 3), (0, 1, 4, 0, 1), (0, 0, 0, 0, 6), (0, 3, 0, 3, 0),
    (2, 0, 4, 0, 0), (0, 0, 4, 0, 2), (2, 0, 3, 1, 0), (2, 0, 0, 4, 0), (0, 0, 0, 0, 6),
    (1, 0, 0, 5, 0), (1, 1, 0, 4, 0), (0, 3, 3, 0, 0), (1, 0, 0, 5, 0), (0, 2, 0, 3, 1),
    (0, 0, 5, 0, 1), (3, 0, 0, 1, 2), (5, 1, 0, 0, 0), (0, 2, 0, 4, 0), (1, 0, 2, 0, 3),
    (0, 0, 0, 0, 6), (0, 1, 0, 5, 0), (0, 2, 0, 1, 3), (2, 0, 0, 4, 0), (1, 0, 0, 4, 1),
    (0, 5, 0, 1, 0), (4, 0, 0, 0, 2), (0, 2, 0, 4, 0), (1, 0, 5, 0, 0), (0, 0, 0, 0, 6),
]  # fmt: skip

# Krippendorff, "Computing Krippendorff's alpha-reliability" (2011): 4 coders x 12 units,
# values 1..5, None = missing. Nominal alpha = 0.743.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _ratings_from_coders(rows: list[list[int | None]]) -> np.ndarray:
    """Units x coders, ranks from 0, -1 for missing."""
    return np.array([[-1 if x is None else x - 1 for x in row] for row in rows]).T


def test_fleiss_1971_worked_example_gives_0430() -> None:
    table = np.array(FLEISS_1971)
    assert table.shape == (30, 5) and (table.sum(axis=1) == 6).all()
    kappa = coefficients_of_counts(table)["fleiss_kappa"]
    assert kappa == pytest.approx(0.4302, abs=5e-5)
    assert round(kappa, 3) == 0.430


def test_krippendorff_reliability_data_example_gives_0743() -> None:
    ratings = _ratings_from_coders(KRIPPENDORFF_EXAMPLE)
    alpha = coefficients(ratings, categories=5)["krippendorff_alpha_nominal"]
    assert round(alpha, 3) == 0.743


def _library_alpha(ratings: np.ndarray, level: str) -> float:
    data = ratings.T.astype(float)
    data[data < 0] = np.nan
    return float(krippendorff.alpha(data, level_of_measurement=level, value_domain=[0, 1, 2]))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_alpha_equals_krippendorff_library_with_missing_ratings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, size=(300, 1))
    noisy = np.where(rng.random((300, 4)) < 0.6, truth, rng.integers(0, 3, size=(300, 4)))
    noisy[rng.random(noisy.shape) < 0.25] = -1  # some raters skip some items
    found = coefficients(noisy)
    assert found["krippendorff_alpha_nominal"] == pytest.approx(_library_alpha(noisy, "nominal"), abs=1e-9)
    assert found["krippendorff_alpha_ordinal"] == pytest.approx(_library_alpha(noisy, "ordinal"), abs=1e-9)


def _cohen_straightforward(a: list[int], b: list[int]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in range(3))
    return (observed - expected) / (1 - expected)


def _gwet_straightforward(rows: list[list[int]]) -> float:
    """Gwet (2014) AC1 for several raters, missing ratings as -1, written out item by item."""
    q = 3
    pa_terms, pi = [], [0.0] * q
    rated_items = 0
    for row in rows:
        given = [x for x in row if x >= 0]
        if not given:
            continue
        rated_items += 1
        for k in range(q):
            pi[k] += given.count(k) / len(given)
        if len(given) >= 2:
            r = len(given)
            pa_terms.append(sum(given.count(k) * (given.count(k) - 1) for k in range(q)) / (r * (r - 1)))
    pa = sum(pa_terms) / len(pa_terms)
    pi = [p / rated_items for p in pi]
    pe = sum(p * (1 - p) for p in pi) / (q - 1)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("seed", [0, 5])
def test_cohen_kappa_equals_straightforward_implementation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, 200)
    b = np.where(rng.random(200) < 0.5, a, rng.integers(0, 3, 200))
    found = float(cohen_kappa(pair_contingency(a, b)))
    assert found == pytest.approx(_cohen_straightforward(a.tolist(), b.tolist()), abs=1e-9)


@pytest.mark.parametrize("raters,missing", [(2, 0.0), (3, 0.0), (4, 0.3)])
def test_gwet_ac1_equals_straightforward_implementation(raters: int, missing: float) -> None:
    rng = np.random.default_rng(raters)
    ratings = rng.integers(0, 3, size=(150, raters))
    ratings[:, 1:] = np.where(rng.random((150, raters - 1)) < 0.5, ratings[:, :1], ratings[:, 1:])
    ratings[rng.random(ratings.shape) < missing] = -1
    assert coefficients(ratings)["gwet_ac1"] == pytest.approx(
        _gwet_straightforward(ratings.tolist()), abs=1e-9
    )


def test_percent_unanimous_and_all_different_count_items() -> None:
    ratings = np.array([[2, 2, 2], [2, 1, 0], [0, 0, 1], [1, 1, 1]])
    found = coefficients(ratings)
    assert found["percent_unanimous"] == pytest.approx(50.0)
    assert found["percent_all_different"] == pytest.approx(25.0)


def test_fleiss_uses_only_items_with_the_common_rater_count() -> None:
    full = np.array([[2, 2, 2], [2, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0]])
    with_partial = np.vstack([full, [[2, 0, -1]]])  # one item rated by two raters only
    assert coefficients(with_partial)["fleiss_kappa"] == pytest.approx(coefficients(full)["fleiss_kappa"])


def test_perfect_agreement_without_variation_is_undefined_not_a_crash() -> None:
    found = coefficients(np.ones((10, 3), dtype=int))
    assert np.isnan(found["krippendorff_alpha_nominal"]) and found["percent_unanimous"] == 100.0


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    per_set = rng.random((200, 2))

    def mean_ratio(summed: np.ndarray) -> dict[str, np.ndarray]:
        return {"ratio": summed[:, 0] / summed[:, 1]}

    first = bootstrap_intervals(per_set, mean_ratio, resamples=500, seed=3)["ratio"]
    again = bootstrap_intervals(per_set, mean_ratio, resamples=500, seed=3)["ratio"]
    estimate = per_set[:, 0].sum() / per_set[:, 1].sum()
    assert np.array_equal(first, again)
    assert first[0] < estimate < first[1]


def test_category_counts_ignore_missing() -> None:
    counts = category_counts(np.array([[0, 2, -1], [-1, -1, -1]]))
    assert counts.tolist() == [[1, 0, 1], [0, 0, 0]]


def test_pairwise_kappa_is_symmetric() -> None:
    rng = np.random.default_rng(9)
    r = rng.integers(0, 3, size=(50, 3))
    for a, b in itertools.combinations(range(3), 2):
        assert float(cohen_kappa(pair_contingency(r[:, a], r[:, b]))) == pytest.approx(
            float(cohen_kappa(pair_contingency(r[:, b], r[:, a])))
        )
