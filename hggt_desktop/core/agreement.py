"""Inter-rater agreement coefficients for the ordinal three-level HGGT scale (pure numpy).

The unit rated (an *item*) is one version of one set. Ratings are ranks, Negative 0 < Similar 1 <
Positive 2 (:attr:`hggt_desktop.core.labels.Label.rank`); a missing rating is -1.

Every count-based coefficient is a function of a few sums over items (:func:`item_statistics`),
so the bootstrap can resample *sets* by weighting each set's sums and never loop in Python:
the point estimate is the same function applied to the unweighted sums.

Choices where the textbooks differ:

- Krippendorff's alpha uses every item with at least two ratings (missing ratings allowed).
- Fleiss' kappa needs the same number of raters per item: it uses only the items rated by the
  *common* number of raters (the most frequent count, at least 2) and drops the rest; how many
  were dropped is reported beside it.
- Gwet's AC1 is Gwet's multi-rater form with missing ratings (2014, ch. 4): observed agreement
  over items with two or more ratings, chance agreement from every rated item.
- "All different" means all three labels appear on the item (1-1-1 with three raters); it is
  counted over items with at least three ratings.
"""

from __future__ import annotations

import numpy as np

CATEGORIES = 3  # Negative, Similar, Positive

COEFFICIENTS = (
    "krippendorff_alpha_nominal",
    "krippendorff_alpha_ordinal",
    "fleiss_kappa",
    "gwet_ac1",
    "percent_unanimous",
    "percent_all_different",
)


class _Layout:
    """Column positions of the per-item statistics for ``k`` categories."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.o = slice(0, k * k)  # Krippendorff coincidence matrix, row-major k x k
        self.fleiss_n, self.fleiss_sq = k * k, k * k + 1
        self.fleiss_tot = slice(k * k + 2, k * k + 2 + k)
        base = k * k + 2 + k
        self.ac1_n2, self.ac1_pa, self.ac1_n1 = base, base + 1, base + 2
        self.ac1_pi = slice(base + 3, base + 3 + k)
        base += 3 + k
        self.unanimous, self.n3, self.all_different = base, base + 1, base + 2
        self.size = base + 3


def statistic_count(k: int = CATEGORIES) -> int:
    """Length of the statistics vector of one item for ``k`` categories."""
    return _Layout(k).size


def category_counts(ratings: np.ndarray, categories: int = CATEGORIES) -> np.ndarray:
    """Per-item label counts ``(..., categories)`` from ratings ``(..., raters)``, -1 = missing."""
    ratings = np.asarray(ratings)
    return np.stack([(ratings == c).sum(axis=-1) for c in range(categories)], axis=-1)


def common_rater_count(counts: np.ndarray) -> int:
    """The most frequent number of ratings per item among items with at least two (0 if none)."""
    m = np.asarray(counts).reshape(-1, counts.shape[-1]).sum(axis=1)
    m = m[m >= 2]
    if m.size == 0:
        return 0
    values, freq = np.unique(m, return_counts=True)
    return int(values[np.argmax(freq)])


def item_statistics(counts: np.ndarray, fleiss_raters: int) -> np.ndarray:
    """Additive statistics ``(..., statistic_count(k))`` of items with label counts ``(..., k)``.

    Summing them over any collection of items (with any weights) and passing the sum to
    :func:`coefficients_from_statistics` gives that collection's coefficients.
    """
    n = np.asarray(counts, dtype=np.float64)
    k = n.shape[-1]
    lay = _Layout(k)
    m = n.sum(axis=-1)
    out = np.zeros((*n.shape[:-1], lay.size))
    pairable = m >= 2
    safe_m1 = np.where(pairable, m - 1, 1.0)
    # Coincidences: each ordered pair of ratings within an item, weighted 1/(m-1).
    o = n[..., :, None] * n[..., None, :] - np.eye(k) * n[..., :, None]
    o = o / safe_m1[..., None, None] * pairable[..., None, None]
    out[..., lay.o] = o.reshape(*n.shape[:-1], k * k)
    # Fleiss needs two or more raters per item: with fleiss_raters 0 (nothing rated twice) no
    # item counts, instead of every unrated one.
    fleiss = (m == fleiss_raters) & pairable
    out[..., lay.fleiss_n] = fleiss
    out[..., lay.fleiss_sq] = (n**2).sum(axis=-1) * fleiss
    out[..., lay.fleiss_tot] = n * fleiss[..., None]
    out[..., lay.ac1_n2] = pairable
    out[..., lay.ac1_pa] = (n * (n - 1)).sum(axis=-1) / (m * safe_m1).clip(min=1) * pairable
    rated = m >= 1
    out[..., lay.ac1_n1] = rated
    out[..., lay.ac1_pi] = n / np.where(rated, m, 1.0)[..., None] * rated[..., None]
    out[..., lay.unanimous] = pairable & (n.max(axis=-1) == m)
    three = m >= 3
    out[..., lay.n3] = three
    out[..., lay.all_different] = three & (n > 0).all(axis=-1)
    return out


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _ordinal_distance(marginals: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric ``(..., k, k)`` from category marginals ``(..., k)``."""
    k = marginals.shape[-1]
    cum = np.cumsum(marginals, axis=-1)
    lo = np.minimum.outer(np.arange(k), np.arange(k))
    hi = np.maximum.outer(np.arange(k), np.arange(k))
    # Sum of n_g for g from lo to hi inclusive, minus half of the two ends.
    between = cum[..., hi] - np.where(lo > 0, cum[..., np.maximum(lo - 1, 0)], 0.0)
    ends = (marginals[..., :, None] + marginals[..., None, :]) / 2
    return (between - ends) ** 2


def krippendorff_alpha(o: np.ndarray, level: str) -> np.ndarray:
    """Alpha from coincidence matrices ``(..., k, k)``; ``level`` is 'nominal' or 'ordinal'."""
    k = o.shape[-1]
    marginals = o.sum(axis=-1)
    total = marginals.sum(axis=-1)
    if level == "nominal":
        delta = np.broadcast_to(1.0 - np.eye(k), o.shape)
    elif level == "ordinal":
        delta = _ordinal_distance(marginals)
    else:
        raise ValueError(f"level must be 'nominal' or 'ordinal', not {level!r}")
    observed = (o * delta).sum(axis=(-2, -1))
    expected = (marginals[..., :, None] * marginals[..., None, :] * delta).sum(axis=(-2, -1))
    return 1.0 - _divide((total - 1) * observed, expected)


def coefficients_from_statistics(
    stats: np.ndarray, fleiss_raters: int, categories: int = CATEGORIES
) -> dict[str, np.ndarray]:
    """Every count-based coefficient from summed statistics ``(..., statistic_count(k))``.

    Values that are undefined (no items, no variation) are NaN.
    """
    s = np.asarray(stats, dtype=np.float64)
    k, lay = categories, _Layout(categories)
    o = s[..., lay.o].reshape(*s.shape[:-1], k, k)
    result = {
        "krippendorff_alpha_nominal": krippendorff_alpha(o, "nominal"),
        "krippendorff_alpha_ordinal": krippendorff_alpha(o, "ordinal"),
    }
    n_items, m = s[..., lay.fleiss_n], float(fleiss_raters)
    p_bar = _divide(s[..., lay.fleiss_sq] - n_items * m, n_items * m * (m - 1))
    p_j = _divide(s[..., lay.fleiss_tot], (n_items * m)[..., None])
    p_e = (p_j**2).sum(axis=-1)
    result["fleiss_kappa"] = _divide(p_bar - p_e, 1.0 - p_e)
    pa = _divide(s[..., lay.ac1_pa], s[..., lay.ac1_n2])
    pi = _divide(s[..., lay.ac1_pi], s[..., lay.ac1_n1][..., None])
    pe = (pi * (1.0 - pi)).sum(axis=-1) / (k - 1)
    result["gwet_ac1"] = _divide(pa - pe, 1.0 - pe)
    result["percent_unanimous"] = 100.0 * _divide(s[..., lay.unanimous], s[..., lay.ac1_n2])
    result["percent_all_different"] = 100.0 * _divide(s[..., lay.all_different], s[..., lay.n3])
    return result


def item_counts_used(stats: np.ndarray, categories: int = CATEGORIES) -> dict[str, int]:
    """How many items each coefficient used, from summed statistics of one collection."""
    lay = _Layout(categories)
    return {
        "items_rated": int(round(stats[lay.ac1_n1])),
        "items_pairable": int(round(stats[lay.ac1_n2])),
        "items_fleiss": int(round(stats[lay.fleiss_n])),
        "items_three_or_more": int(round(stats[lay.n3])),
    }


def pair_contingency(first: np.ndarray, second: np.ndarray, categories: int = CATEGORIES) -> np.ndarray:
    """k x k counts ``(..., k, k)`` of two raters' ratings ``(..., items)``, both rated only."""
    first, second = np.asarray(first), np.asarray(second)
    both = (first >= 0) & (second >= 0)
    table = np.zeros((*first.shape[:-1], categories, categories))
    for a in range(categories):
        for b in range(categories):
            table[..., a, b] = ((first == a) & (second == b) & both).sum(axis=-1)
    return table


def cohen_kappa(table: np.ndarray) -> np.ndarray:
    """Cohen's kappa from contingency tables ``(..., k, k)``."""
    total = table.sum(axis=(-2, -1))
    observed = _divide(np.trace(table, axis1=-2, axis2=-1), total)
    rows = _divide(table.sum(axis=-1), total[..., None])
    cols = _divide(table.sum(axis=-2), total[..., None])
    expected = (rows * cols).sum(axis=-1)
    return _divide(observed - expected, 1.0 - expected)


def percent_agreement(table: np.ndarray) -> np.ndarray:
    """Share (in %) of items on the diagonal of contingency tables ``(..., k, k)``."""
    return 100.0 * _divide(np.trace(table, axis1=-2, axis2=-1), table.sum(axis=(-2, -1)))


def coefficients(ratings: np.ndarray, categories: int = CATEGORIES) -> dict[str, float]:
    """Every count-based coefficient of a ratings matrix ``(items, raters)`` (-1 = missing)."""
    return coefficients_of_counts(category_counts(ratings, categories))


def coefficients_of_counts(counts: np.ndarray) -> dict[str, float]:
    """Every count-based coefficient of label counts ``(items, k)`` (Fleiss' table layout)."""
    counts = np.asarray(counts)
    fleiss_raters = common_rater_count(counts)
    stats = item_statistics(counts, fleiss_raters).sum(axis=0)
    found = coefficients_from_statistics(stats, fleiss_raters, counts.shape[-1])
    return {key: float(value) for key, value in found.items()}
