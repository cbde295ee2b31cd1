"""The disagreement queue: contested sets, worst first, with the curator's filters.

Severity of one version (item), over the raters' labels:

- 3 **Positive against Negative**: both extremes given and no Similar (P-P-N, P-N-N, P-N).
- 2 **two against one**: a split that involves Similar (P-P-S, S-S-N, N-N-S, P-S ...).
- 1 **all different**: every label given (P-S-N), the effective label is Similar with one vote.
- 0 unanimous, or fewer than two ratings.

A set's severity is its worst version's. Within a severity, sets with more versions at that
severity come first, then sets with more contested versions, then by name.

Sets a rater flagged "can't judge" (core/flags.py) carry who flagged them and why; the curator
asks for them even where the remaining raters agree (``include_flagged``), after the contested.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from hggt_desktop.core.rating_table import RatingTable, pattern_letters, strict_majority

OPPOSED, SPLIT, ALL_DIFFERENT, AGREED = 3, 2, 1, 0
SEVERITY_NAMES = {
    OPPOSED: "Positive against Negative",
    SPLIT: "two against one",
    ALL_DIFFERENT: "all different",
    AGREED: "agreed",
}


@dataclass(frozen=True)
class QueueEntry:
    """One contested set as the queue shows it."""

    stem: str
    severity: int
    worst_versions: tuple[str, ...]  # versions at the set's severity
    contested: tuple[str, ...]  # every version with severity > 0
    patterns: tuple[tuple[str, str], ...]  # version -> labels as letters ("PPN")
    adjudicated: bool
    flags: tuple[tuple[str, str], ...] = ()  # (rater, reason) of each "can't judge" flag

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES[self.severity]


def item_severity(counts: np.ndarray) -> np.ndarray:
    """Severity per item from label counts ``(..., 3)`` (Negative, Similar, Positive)."""
    counts = np.asarray(counts)
    neg, sim, pos = counts[..., 0] > 0, counts[..., 1] > 0, counts[..., 2] > 0
    m = counts.sum(axis=-1)
    unanimous = counts.max(axis=-1) == m
    severity = np.where(pos & neg & ~sim, OPPOSED, np.where(pos & neg & sim, ALL_DIFFERENT, SPLIT))
    return np.where((m < 2) | unanimous, AGREED, severity).astype(np.int8)


def normalise_pattern(pattern: str) -> str:
    """A label pattern typed by a person ("npp", "P P N") in the queue's spelling ("PPN")."""
    letters = [c for c in pattern.upper() if c in "PSN"]
    return "".join(sorted(letters, key="PSN".index))


def disagreement_queue(
    table: RatingTable,
    versions: Collection[str] | None = None,
    annotator: str | None = None,
    pattern: str | None = None,
    include_adjudicated: bool = True,
    min_severity: int = ALL_DIFFERENT,
    include_flagged: bool = False,
    flagged_only: bool = False,
) -> list[QueueEntry]:
    """Contested sets, worst first, keeping only what the filters ask for.

    ``versions`` restricts which versions count; ``annotator`` keeps sets where that rater
    dissents from the strict majority on a counted version (or where there is no majority);
    ``pattern`` keeps sets where a counted version's labels are exactly that multiset (order
    and case do not matter). ``include_flagged`` adds the sets flagged "can't judge" that are
    not contested (with ``annotator``: the ones that rater flagged); ``flagged_only`` keeps
    only flagged sets.
    """
    counts = table.counts()
    severity = item_severity(counts)  # (sets, versions)
    considered = np.ones(len(table.versions), dtype=bool)
    if versions is not None:
        considered = np.isin(np.array(table.versions, dtype=object), list(versions))
    severity = np.where(considered[None, :], severity, AGREED)
    keep = severity.max(axis=1) >= max(min_severity, ALL_DIFFERENT)
    flagged = table.flagged()  # (sets, raters)
    if annotator is not None:
        if annotator not in table.raters:
            return []
        r = table.raters.index(annotator)
        mine = table.ratings[:, :, r]
        # The rater dissents from the majority, or there is no majority to agree with.
        majority = strict_majority(table.ratings)
        dissents = (mine >= 0) & (mine != majority)
        keep &= (dissents & (severity > AGREED)).any(axis=1)
        flagged = flagged[:, [r]]
    if include_flagged or flagged_only:
        keep |= flagged.any(axis=1)
    if flagged_only:
        keep &= flagged.any(axis=1)
    if not include_adjudicated:
        keep &= ~table.adjudicated.any(axis=1)
    # A pattern without any P, S or N letter filters nothing (it would match unlabelled versions).
    wanted = (normalise_pattern(pattern) or None) if pattern else None

    entries: list[QueueEntry] = []
    for s in np.flatnonzero(keep):
        patterns = tuple(
            (version, pattern_letters(table.ratings[s, v]))
            for v, version in enumerate(table.versions)
            if considered[v]
        )
        if wanted is not None and all(p != wanted for _, p in patterns):
            continue
        worst = int(severity[s].max())
        entries.append(
            QueueEntry(
                stem=table.stems[s],
                severity=worst,
                worst_versions=tuple(
                    v for i, v in enumerate(table.versions) if worst > AGREED and severity[s, i] == worst
                ),
                contested=tuple(v for i, v in enumerate(table.versions) if severity[s, i] > AGREED),
                patterns=patterns,
                adjudicated=bool(table.adjudicated[s].any()),
                flags=tuple(sorted(table.flags.get(table.stems[s], {}).items())),
            )
        )
    entries.sort(key=lambda e: (-e.severity, -len(e.worst_versions), -len(e.contested), e.stem))
    return entries
