"""The effective label of a version and the HGGT training subsets: the one place the rule lives.

The HGGT rule, for three raters: the most common label wins with its vote count (2 or 3); when
all three differ the effective label is Similar with count 1.

The same rule, stated for any number of raters (docs/decisions/0002-consensus-any-raters.md):
the label with the most votes wins with its count; when several labels share the most votes,
the effective label is Similar with the number of Similar votes (which may be 0, e.g. one
Positive against one Negative). With three raters this reproduces the published rule exactly:
the only tie is one vote each, which gives Similar with 1.

An adjudicated label (the curator's decision, stored as one more annotator folder named
:data:`ADJUDICATOR`) overrides the vote and counts as unanimous.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hggt_desktop.core.labels import Label, LabelFile

ADJUDICATOR = "adjudicated"
HGGT_RATERS = 3


@dataclass(frozen=True)
class Effective:
    """The effective label of one version with its vote count out of ``raters``."""

    label: Label
    votes: int
    raters: int
    adjudicated: bool = False

    @property
    def weight(self) -> float:
        """Confidence weight of the training loss: votes / raters (count / 3 in HGGT)."""
        return self.votes / self.raters if self.raters else 0.0


def effective_label(labels: Sequence[Label]) -> tuple[Label, int]:
    """The effective label and its vote count for one version's labels (at least one)."""
    if not labels:
        raise ValueError("effective_label needs at least one label")
    counts = Counter(labels)
    best = max(counts.values())
    winners = [label for label, count in counts.items() if count == best]
    if len(winners) == 1:
        return winners[0], best
    return Label.SIMILAR, counts.get(Label.SIMILAR, 0)


def effective_labels(files: Mapping[str, LabelFile]) -> dict[str, Effective]:
    """Version -> effective label for one set, from each annotator's file (adjudication wins).

    A version appears when at least one rater labelled it. Raters are the non-adjudicator
    annotators that have a file for this set.
    """
    adjudication = files.get(ADJUDICATOR)
    raters = {name: f for name, f in files.items() if name != ADJUDICATOR}
    by_version: dict[str, list[Label]] = {}
    for label_file in raters.values():
        for version, label in label_file.labels:
            by_version.setdefault(version, []).append(label)
    result: dict[str, Effective] = {}
    for version in sorted(by_version):
        label, votes = effective_label(by_version[version])
        result[version] = Effective(label, votes, len(by_version[version]))
    if adjudication is not None:
        for version, label in adjudication.labels:
            raters_here = max(len(by_version.get(version, ())), 1)
            result[version] = Effective(label, raters_here, raters_here, adjudicated=True)
    return dict(sorted(result.items()))


class Subset(StrEnum):
    """The training subsets of the HGGT experiments."""

    ORI = "ori"
    POS = "pos"
    POSNEG = "posneg"


def in_subset(effective: Iterable[Label], subset: Subset) -> bool:
    """Whether a set with these effective labels belongs to ``subset``.

    Ori: every set. Pos: at least one Positive. Pos+Neg: every set except those whose labels are
    all Similar (a set with Negatives but no Positive stays; its pixel target is the original).
    """
    labels = list(effective)
    if subset is Subset.ORI:
        return True
    if subset is Subset.POS:
        return Label.POSITIVE in labels
    return any(label is not Label.SIMILAR for label in labels)


def positive_count(effective: Iterable[Label]) -> int:
    """Number of effective Positives (Test-100 sets have at least two)."""
    return sum(1 for label in effective if label is Label.POSITIVE)
