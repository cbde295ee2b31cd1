"""The agreement summary as frozen dataclasses: what ``hggt-data agreement --json`` prints.

One owner for the summary's shape: :func:`hggt_desktop.core.agreement_summary.summarize_agreement`
builds an :class:`AgreementSummary`, the CLI, the report and the curator read its attributes,
and :meth:`AgreementSummary.to_json` / :meth:`AgreementSummary.from_json` are the only places
that know the JSON key spelling. The field order of each class is the key order of the JSON.
Undefined coefficients (every label the same ...) are ``None``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

Interval = tuple[float | None, float | None]


@dataclass(frozen=True)
class Coefficients:
    """The agreement coefficients of one group of items (all, one version)."""

    krippendorff_alpha_nominal: float | None
    krippendorff_alpha_ordinal: float | None
    fleiss_kappa: float | None
    gwet_ac1: float | None
    percent_unanimous: float | None
    percent_all_different: float | None

    def value(self, name: str) -> float | None:
        """The coefficient called ``name`` (one of core.agreement.COEFFICIENTS)."""
        return getattr(self, name)


@dataclass(frozen=True, kw_only=True)
class VersionAgreement(Coefficients):
    """The coefficients of one version's items, and how many items were rated twice or more."""

    items: int


@dataclass(frozen=True)
class PairAgreement:
    cohen_kappa: float | None
    percent_agreement: float | None
    items: int


@dataclass(frozen=True)
class Counts:
    sets: int
    sets_rated: int
    sets_partially_rated: int
    sets_flagged: int  # flagged "can't judge" by at least one rater (that rater's vote is absent)
    raters: tuple[str, ...]
    versions: tuple[str, ...]
    fleiss_raters: int
    items_left_out_of_fleiss: int
    items_rated: int
    items_pairable: int
    items_fleiss: int
    items_three_or_more: int


@dataclass(frozen=True)
class SecondsPerSet:
    median: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    sets_timed: int


@dataclass(frozen=True)
class StraightLining:
    most_frequent: str | None
    share_most_frequent: float | None
    share_sets_one_label: float | None
    longest_run: int


@dataclass(frozen=True)
class PositionRow:
    """Labels given at one on-screen position (0 is the first shown)."""

    position: int
    items: int
    mean_rank: float | None
    Negative: int  # the label names are the JSON keys
    Similar: int
    Positive: int


@dataclass(frozen=True)
class PositionBias:
    items: int
    by_position: tuple[PositionRow, ...]
    mean_rank_spread: float


@dataclass(frozen=True)
class CatchTally:
    """Answers on one kind of catch trial (hidden reference: expect Similar; degraded: Negative)."""

    trials: int
    as_expected: int
    answers: dict[str, int]
    flagged: int  # flagged "can't judge": not answered, so in neither count above
    percent_as_expected: float | None


@dataclass(frozen=True)
class RepeatTally:
    trials: int
    versions_compared: int
    same_label: int
    percent_same_label: float | None


@dataclass(frozen=True)
class TrialAnswers:
    hidden_reference: CatchTally
    degraded: CatchTally
    repeat: RepeatTally


@dataclass(frozen=True)
class LookedAtOneToOne:
    """How much of the patches a rater had on screen at 1:1 or closer (the records' coverage)."""

    mean_percent: float | None  # None: none of the rater's records keeps it ("not recorded")
    sets: int  # the sets it rests on

    def describe(self) -> str:
        """The table cell: "37% (12 sets)", "0% (5 sets)" or "not recorded"."""
        if self.mean_percent is None:
            return "not recorded"
        return f"{self.mean_percent:.0f}% ({self.sets} set{'s' if self.sets != 1 else ''})"


def describe_looked(looked: LookedAtOneToOne | None) -> str:
    """The "looked at 1:1" cell of a rater (summaries without the figure: "not recorded")."""
    return "not recorded" if looked is None else looked.describe()


@dataclass(frozen=True)
class RaterAlert:
    """One flag on a rater, with what it rests on (core/rater_alerts.py decides; all is shown)."""

    rule: str  # "low_agreement", "straight_lining", "position_bias", "catch_degraded" ...
    figure: str  # the figure's name as the tables call it
    value: float
    reference: str  # the other raters' range, and what chance gives
    evidence: str  # how much it rests on: items, interval, trials
    message: str  # one sentence for the banner


@dataclass(frozen=True)
class AnnotatorFigures:
    """What a curator screens one rater with."""

    sets_labelled: int
    sets_missing: int
    sets_flagged: int  # "can't judge": no label, excluded from the figures, not missing
    ratings: int
    labels: dict[str, int]
    agreement_with_majority_of_others: float | None
    items_with_majority_of_others: int
    mean_cohen_kappa_with_others: float | None
    seconds_per_set: SecondsPerSet
    straight_lining: StraightLining
    position_bias: PositionBias | None
    trials: TrialAnswers | None
    alerts: tuple[RaterAlert, ...] = ()
    # Mean share of the patches seen at 1:1 (None in summaries written before it existed).
    looked_1to1: LookedAtOneToOne | None = None


@dataclass(frozen=True)
class Intervals:
    """95% bootstrap intervals over sets (None where not computed or undefined)."""

    level: float
    resamples: int
    seed: int
    unit: str
    overall: dict[str, Interval | None]
    per_version: dict[str, dict[str, Interval | None]]
    per_pair: dict[str, dict[str, Interval | None]]


@dataclass(frozen=True)
class LabelDistribution:
    """Label counts per version (per rater and ``"effective"``), per rater, and effective."""

    per_version: dict[str, dict[str, dict[str, int]]]
    per_annotator: dict[str, dict[str, int]]
    effective: dict[str, int]


@dataclass(frozen=True)
class ProblemCounts:
    count: int
    unlabelled_by: dict[str, int]
    listed: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AgreementSummary(Coefficients):
    """Everything ``hggt-data agreement`` reports; the overall coefficients are its own fields."""

    counts: Counts
    per_version: dict[str, VersionAgreement]
    per_pair: dict[str, PairAgreement]
    per_annotator: dict[str, AnnotatorFigures]
    confidence_intervals: Intervals
    label_distribution: LabelDistribution
    problems: ProblemCounts
    notice: str | None  # why nothing could be measured (no labels, one rater ...)
    excluded_raters: dict[str, str] = dataclasses.field(default_factory=dict)  # rater -> reason

    @property
    def overall(self) -> Coefficients:
        return Coefficients(*(getattr(self, f.name) for f in dataclasses.fields(Coefficients)))

    def alpha_rows(self) -> list[tuple[str, float | None, Interval | None]]:
        """Ordinal alpha overall and per version, with its interval: the rows of the alpha chart."""
        name = "krippendorff_alpha_ordinal"
        ci = self.confidence_intervals
        rows = [("overall", self.krippendorff_alpha_ordinal, ci.overall.get(name))]
        rows += [
            (f"version {v}", row.krippendorff_alpha_ordinal, ci.per_version.get(v, {}).get(name))
            for v, row in self.per_version.items()
        ]
        return rows

    def with_label_distribution(self, distribution: LabelDistribution) -> AgreementSummary:
        return dataclasses.replace(self, label_distribution=distribution)

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict (tuples become lists when dumped)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> AgreementSummary:
        """The summary of a dict written by :meth:`to_json` (after a JSON round trip)."""
        return cls(
            **_coefficients(doc),
            counts=_build(Counts, doc["counts"], raters=tuple, versions=tuple),
            per_version={v: VersionAgreement(**row) for v, row in doc["per_version"].items()},
            per_pair={p: PairAgreement(**row) for p, row in doc["per_pair"].items()},
            per_annotator={r: _annotator(row) for r, row in doc["per_annotator"].items()},
            confidence_intervals=_intervals(doc["confidence_intervals"]),
            label_distribution=LabelDistribution(**doc["label_distribution"]),
            problems=_build(ProblemCounts, doc["problems"], listed=tuple),
            notice=doc["notice"],
            excluded_raters=dict(doc.get("excluded_raters", {})),
        )


def _coefficients(doc: dict[str, Any]) -> dict[str, Any]:
    return {f.name: doc[f.name] for f in dataclasses.fields(Coefficients)}


def _build(cls: type, doc: dict[str, Any], **convert: Any) -> Any:
    return cls(**{key: convert[key](value) if key in convert else value for key, value in doc.items()})


def _interval(bounds: Any) -> Interval | None:
    return None if bounds is None else (bounds[0], bounds[1])


def _intervals(doc: dict[str, Any]) -> Intervals:
    def each(group: dict[str, Any]) -> dict[str, Interval | None]:
        return {name: _interval(bounds) for name, bounds in group.items()}

    return Intervals(
        level=doc["level"],
        resamples=doc["resamples"],
        seed=doc["seed"],
        unit=doc["unit"],
        overall=each(doc["overall"]),
        per_version={v: each(group) for v, group in doc["per_version"].items()},
        per_pair={p: each(group) for p, group in doc["per_pair"].items()},
    )


def _annotator(doc: dict[str, Any]) -> AnnotatorFigures:
    bias, trials = doc["position_bias"], doc["trials"]
    return _build(
        AnnotatorFigures,
        doc,
        seconds_per_set=lambda d: SecondsPerSet(**d),
        straight_lining=lambda d: StraightLining(**d),
        position_bias=lambda d: (
            None
            if bias is None
            else PositionBias(
                d["items"], tuple(PositionRow(**row) for row in d["by_position"]), d["mean_rank_spread"]
            )
        ),
        trials=lambda d: (
            None
            if trials is None
            else TrialAnswers(
                CatchTally(**d["hidden_reference"]), CatchTally(**d["degraded"]), RepeatTally(**d["repeat"])
            )
        ),
        alerts=lambda d: tuple(RaterAlert(**alert) for alert in d),
        looked_1to1=lambda d: None if d is None else LookedAtOneToOne(**d),
    )
