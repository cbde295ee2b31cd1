"""A dataset's labels as arrays: what agreement, the queue and the report compute on.

``ratings[s, v, r]`` is rater ``r``'s rank (Negative 0, Similar 1, Positive 2) for version ``v``
of set ``s``, or -1 when missing (a set labelled by some annotators only, or a set without that
version). The adjudicator is not a rater: its decisions show in the effective labels only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from hggt_desktop.core.consensus import ADJUDICATOR, effective_label
from hggt_desktop.core.dataset import Dataset
from hggt_desktop.core.labels import Label

MISSING = -1
LABELS_BY_RANK = (Label.NEGATIVE, Label.SIMILAR, Label.POSITIVE)
LETTERS_BY_RANK = ("N", "S", "P")


@dataclass(frozen=True)
class RatingTable:
    """Every rater's ranks, the effective labels and the time per set, as numpy arrays."""

    stems: tuple[str, ...]
    versions: tuple[str, ...]
    raters: tuple[str, ...]
    ratings: np.ndarray  # (sets, versions, raters) int8, -1 missing
    seconds: np.ndarray  # (sets, raters) float, Time_cost Total; NaN when absent
    starts: np.ndarray  # (sets, raters) float, Time_cost Start as a POSIX time; NaN when absent
    effective: np.ndarray  # (sets, versions) int8 effective rank, -1 where nobody labelled
    votes: np.ndarray  # (sets, versions) int16 vote count of the effective label
    adjudicated: np.ndarray  # (sets, versions) bool
    # Sets flagged "can't judge" (core/flags.py): stem -> rater -> reason. Those raters have no
    # ratings on the set (-1), so everything above is over the remaining raters already.
    flags: dict[str, dict[str, str]] = field(default_factory=dict)

    def flagged(self) -> np.ndarray:
        """``(sets, raters)`` bool: the rater flagged the set "can't judge"."""
        out = np.zeros((len(self.stems), len(self.raters)), dtype=bool)
        rater_index = {r: i for i, r in enumerate(self.raters)}
        for s, stem in enumerate(self.stems):
            for rater in self.flags.get(stem, {}):
                if rater in rater_index:
                    out[s, rater_index[rater]] = True
        return out

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """Index pairs of raters, in order (A-B, A-C, B-C ...)."""
        n = len(self.raters)
        return tuple((a, b) for a in range(n) for b in range(a + 1, n))

    def pair_names(self) -> tuple[str, ...]:
        return tuple(f"{self.raters[a]}-{self.raters[b]}" for a, b in self.pairs)

    def counts(self) -> np.ndarray:
        """Label counts per item ``(sets, versions, 3)`` over the raters."""
        return np.stack([(self.ratings == c).sum(axis=-1) for c in range(3)], axis=-1)


def rating_table(dataset: Dataset) -> RatingTable:
    """Arrays of ``dataset``'s labels; invalid files are already in ``dataset.problems``."""
    stems = tuple(s.stem for s in dataset.sets)
    versions = tuple(sorted({v for s in dataset.sets for v in s.version_ids}))
    raters = tuple(dataset.raters)
    version_index = {v: i for i, v in enumerate(versions)}
    rank = {label: label.rank for label in Label}
    ratings = np.full((len(stems), len(versions), len(raters)), MISSING, dtype=np.int8)
    seconds = np.full((len(stems), len(raters)), np.nan)
    starts = np.full((len(stems), len(raters)), np.nan)
    adjudicated_sets: list[int] = []
    for s, stem in enumerate(stems):
        files = dataset.labels.get(stem, {})
        if ADJUDICATOR in files:
            adjudicated_sets.append(s)
        for r, rater in enumerate(raters):
            label_file = files.get(rater)
            if label_file is None:
                continue
            for version, label in label_file.labels:
                ratings[s, version_index[version], r] = rank[label]
            if label_file.time_cost is not None:
                seconds[s, r] = label_file.time_cost.total
                starts[s, r] = label_file.time_cost.start.timestamp()
    effective, votes = _effective_from_counts(ratings)
    adjudicated = np.zeros(effective.shape, dtype=bool)
    for s in adjudicated_sets:
        # Adjudicated sets take the consensus module's own answer, override included.
        for version, found in dataset.effective(stems[s]).items():
            v = version_index[version]
            effective[s, v], votes[s, v] = found.label.rank, found.votes
            adjudicated[s, v] = found.adjudicated
    flags = {stem: dict(by_rater) for stem, by_rater in dataset.flags.items()}
    return RatingTable(
        stems, versions, raters, ratings, seconds, starts, effective, votes, adjudicated, flags
    )


@cache
def _effective_lookup(raters: int) -> tuple[np.ndarray, np.ndarray]:
    """Effective rank and votes for every count tuple (nN, nS, nP), from core.consensus."""
    size = raters + 1
    ranks = np.full(size**3, MISSING, dtype=np.int8)
    votes = np.zeros(size**3, dtype=np.int16)
    for n_neg in range(size):
        for n_sim in range(size - n_neg):
            for n_pos in range(size - n_neg - n_sim):
                labels = [Label.NEGATIVE] * n_neg + [Label.SIMILAR] * n_sim + [Label.POSITIVE] * n_pos
                if not labels:
                    continue
                label, count = effective_label(labels)
                code = (n_neg * size + n_sim) * size + n_pos
                ranks[code], votes[code] = label.rank, count
    return ranks, votes


def _effective_from_counts(ratings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Effective rank and votes per item, by looking up core.consensus's rule per count tuple."""
    raters = ratings.shape[-1]
    size = raters + 1
    counts = np.stack([(ratings == c).sum(axis=-1) for c in range(3)], axis=-1).astype(np.int64)
    codes = (counts[..., 0] * size + counts[..., 1]) * size + counts[..., 2]
    ranks, votes = _effective_lookup(raters)
    return ranks[codes].copy(), votes[codes].copy()


def strict_majority(ratings: np.ndarray) -> np.ndarray:
    """Per item ``(..., raters)``, the rank with more than half the votes, else -1.

    The label comes from core.consensus's rule; it counts only when it has more than half of
    the votes (two of two, two of three ...).
    """
    ranks, votes = _effective_from_counts(ratings)
    rated = (ratings >= 0).sum(axis=-1)
    return np.where((rated >= 1) & (2 * votes > rated), ranks, MISSING).astype(np.int8)


def others_majority(ratings: np.ndarray, rater: int) -> np.ndarray:
    """Per item, the rank the *other* raters agree on by strict majority, else -1."""
    return strict_majority(np.delete(ratings, rater, axis=-1))


def pattern_letters(ranks: np.ndarray) -> str:
    """The labels of one item as letters in P, S, N order ("PPN"), missing ratings left out."""
    letters = sorted((LETTERS_BY_RANK[r] for r in ranks if r >= 0), key="PSN".index)
    return "".join(letters)
