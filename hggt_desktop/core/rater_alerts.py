"""Per-rater alerts: which figure names an unreliable rater, against what, on how much evidence.

Qt-free rules over the agreement figures (``core/agreement_figures.py``) and the rating table.
Each alert names the figure, the rater's value, the reference it is held against (the other
raters' range and what chance would give) and how much evidence there is. The thresholds live
in :class:`AlertThresholds`; their defaults were chosen with ``bench/bench_rater_alerts.py``
(simulated raters, docs/curator.md "Rater alerts"): every bad kind is flagged by 20 of its sets
in nearly every seed while raters 80% accurate are flagged in under 5% of rater-runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hggt_desktop.core.agreement_figures import AnnotatorFigures, CatchTally, RaterAlert
from hggt_desktop.core.rating_table import RatingTable, others_majority


@dataclass(frozen=True)
class AlertThresholds:
    """When a rule fires; see docs/curator.md for how each default was chosen."""

    min_items: int = 24  # items compared with the others' majority before agreement is judged
    agreement_gap: float = 15.0  # points: the interval's top below the peers' median by this much
    near_chance: float = 15.0  # points: ... and the value within this much of chance agreement
    kappa_chance: float = 0.10  # mean kappa at or below this is "about chance" (0)
    kappa_peers: float = 0.20  # ... while the other raters' median is above this
    min_ratings: int = 20  # labels given before straight-lining is judged
    dominant_share: float = 0.80  # one label given this often
    dominant_over_peers: float = 0.25  # ... and this much more often than the peers' median share
    position_spread: float = 1.20  # mean label rank differs this much between screen positions
    min_position_items: int = 40  # 10 labels per screen position at 4 versions
    min_trials: int = 3  # catch trials of one kind before they are judged
    careful_rate: float = 0.80  # how often a careful rater answers a catch trial as expected
    repeat_rate: float = 0.60  # how often a careful rater gives a repeated version the same label
    min_repeat_versions: int = 8
    evidence_level: float = 0.01  # a binomial tail below this is evidence against the rater
    fast_fraction: float = 0.35  # median seconds per set below this share of the peers' median
    min_timed_sets: int = 5


DEFAULT_THRESHOLDS = AlertThresholds()
_RESAMPLES = 400  # set-bootstrap resamples of a rater's agreement interval (seeded: reproducible)


@dataclass(frozen=True)
class AgreementEvidence:
    """A rater's agreement with the others' majority: value, set-bootstrap interval, chance."""

    percent: float
    low: float
    high: float
    chance: float
    items: int


def agreement_evidence(table: RatingTable, r: int, seed: int = 0) -> AgreementEvidence | None:
    """Agreement of rater ``r`` with the majority of the others, with a 95% interval over sets."""
    if len(table.raters) < 2:
        return None
    sets, versions = table.ratings.shape[:2]
    flat = table.ratings.reshape(sets * versions, len(table.raters))
    mine = flat[:, r]
    majority = others_majority(flat, r)
    compared = (mine >= 0) & (majority >= 0)
    if not compared.any():
        return None
    agree = (compared & (mine == majority)).reshape(sets, versions).sum(axis=1)
    counted = compared.reshape(sets, versions).sum(axis=1)
    picks = np.random.default_rng(seed).integers(0, sets, (_RESAMPLES, sets))
    totals = counted[picks].sum(axis=1)
    rates = 100.0 * agree[picks].sum(axis=1) / np.maximum(totals, 1)
    low, high = np.percentile(rates[totals > 0], [2.5, 97.5])
    shares_mine = np.bincount(mine[compared], minlength=3) / compared.sum()
    shares_majority = np.bincount(majority[compared], minlength=3) / compared.sum()
    return AgreementEvidence(
        percent=float(100.0 * agree.sum() / counted.sum()),
        low=float(low),
        high=float(high),
        chance=float(100.0 * (shares_mine * shares_majority).sum()),
        items=int(counted.sum()),
    )


def binomial_tail(successes: int, trials: int, rate: float) -> float:
    """P(X <= successes) for X ~ Binomial(trials, rate): how surprising so few successes are."""
    return sum(math.comb(trials, k) * rate**k * (1.0 - rate) ** (trials - k) for k in range(successes + 1))


def catch_verdict(as_expected: int, trials: int, t: AlertThresholds = DEFAULT_THRESHOLDS) -> str:
    """ "pass", "fail" or "too few trials to judge" for one kind of catch trial."""
    if trials < t.min_trials:
        return "too few trials to judge"
    return "fail" if binomial_tail(as_expected, trials, t.careful_rate) < t.evidence_level else "pass"


def catch_cell(tally: CatchTally | None) -> str:
    """One kind of catch trial in a table cell: "4/5 pass", "+1 flagged" when some were flagged."""
    if tally is None or not (tally.trials or tally.flagged):
        return "n/a"
    flagged = f" +{tally.flagged} flagged" if tally.flagged else ""  # "can't judge": not answered
    if not tally.trials:
        return f"none answered{flagged}"
    verdict = catch_verdict(tally.as_expected, tally.trials)
    shown = "too few" if verdict.startswith("too few") else verdict
    return f"{tally.as_expected}/{tally.trials} {shown}{flagged}"


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def _range(values: list[float], digits: int = 1, suffix: str = "") -> str:
    if not values:
        return "no other rater to compare with"
    return f"other raters {min(values):.{digits}f}{suffix}-{max(values):.{digits}f}{suffix}"


def rater_alerts(
    table: RatingTable, figures: dict[str, AnnotatorFigures], t: AlertThresholds = DEFAULT_THRESHOLDS
) -> dict[str, tuple[RaterAlert, ...]]:
    """Rater -> the alerts on that rater (empty when nothing stands out)."""
    evidence = {rater: agreement_evidence(table, r) for r, rater in enumerate(table.raters)}
    result: dict[str, tuple[RaterAlert, ...]] = {}
    for rater, mine in figures.items():
        peers = {other: f for other, f in figures.items() if other != rater}
        found = [
            _low_agreement(
                mine, evidence.get(rater), [e for o, e in evidence.items() if o != rater and e], t
            ),
            _low_kappa(mine, peers, evidence.get(rater), t),
            _straight_lining(mine, peers, t),
            _position_bias(mine, peers, t),
            *_catch(mine, t),
            _repeats(mine, t),
            _too_fast(mine, peers, t),
        ]
        result[rater] = tuple(alert for alert in found if alert is not None)
    return result


def _low_agreement(
    mine: AnnotatorFigures, ev: AgreementEvidence | None, peers: list[AgreementEvidence], t: AlertThresholds
) -> RaterAlert | None:
    if ev is None or ev.items < t.min_items or not peers:
        return None
    peer_median = float(np.median([p.percent for p in peers]))
    if ev.high >= peer_median - t.agreement_gap or ev.percent > ev.chance + t.near_chance:
        return None
    return RaterAlert(
        "low_agreement",
        "% agree with majority of others",
        round(ev.percent, 1),
        f"{_range([p.percent for p in peers], 0, '%')}; chance would give {ev.chance:.0f}%",
        f"95% interval {ev.low:.0f}-{ev.high:.0f}% over {ev.items} items",
        f"agrees with the others' majority {ev.percent:.0f}% of the time, about what chance gives "
        f"({ev.chance:.0f}%), against {peer_median:.0f}% for the other raters",
    )


def _low_kappa(
    mine: AnnotatorFigures,
    peers: dict[str, AnnotatorFigures],
    ev: AgreementEvidence | None,
    t: AlertThresholds,
) -> RaterAlert | None:
    value = mine.mean_cohen_kappa_with_others
    others = [k for f in peers.values() if (k := f.mean_cohen_kappa_with_others) is not None]
    if value is None or ev is None or ev.items < t.min_items or not others:
        return None
    if value > t.kappa_chance or float(np.median(others)) <= t.kappa_peers:
        return None
    return RaterAlert(
        "low_kappa",
        "mean κ with others",
        round(value, 3),
        f"{_range(others, 2)}; chance gives about 0",
        f"{ev.items} items shared with other raters",
        f"mean Cohen's kappa with the others is {value:.2f}, about chance (0)",
    )


def _straight_lining(
    mine: AnnotatorFigures, peers: dict[str, AnnotatorFigures], t: AlertThresholds
) -> RaterAlert | None:
    share = mine.straight_lining.share_most_frequent
    if share is None or mine.ratings < t.min_ratings:
        return None
    others = [s for f in peers.values() if (s := f.straight_lining.share_most_frequent) is not None]
    baseline = float(np.median(others)) if others else 1.0 / 3.0
    if share < t.dominant_share or share < baseline + t.dominant_over_peers:
        return None
    label = mine.straight_lining.most_frequent
    one_label = mine.straight_lining.share_sets_one_label or 0.0
    return RaterAlert(
        "straight_lining",
        "most frequent label share",
        round(share, 3),
        f"{_range([100 * s for s in others], 0, '%')}; uniform would give 33%",
        f"{mine.ratings} labels; {100 * one_label:.0f}% of sets one label throughout, "
        f"longest run {mine.straight_lining.longest_run}",
        f"gives {label} {100 * share:.0f}% of the time (straight-lining)",
    )


def _position_bias(
    mine: AnnotatorFigures, peers: dict[str, AnnotatorFigures], t: AlertThresholds
) -> RaterAlert | None:
    bias = mine.position_bias
    if bias is None or bias.items < t.min_position_items or bias.mean_rank_spread < t.position_spread:
        return None
    others = [f.position_bias.mean_rank_spread for f in peers.values() if f.position_bias is not None]
    return RaterAlert(
        "position_bias",
        "position spread",
        round(bias.mean_rank_spread, 2),
        f"{_range(others, 2)}; a rater who looks at the images gives about 0",
        f"{bias.items} labels with their screen position",
        f"labels depend on where a version sits on screen (mean label differs by "
        f"{bias.mean_rank_spread:.2f} between positions)",
    )


_CATCH_NAMES = {"hidden_reference": ("the original shown as a version", "Similar"),
                "degraded": ("a damaged copy", "Negative")}  # fmt: skip


def _catch(mine: AnnotatorFigures, t: AlertThresholds) -> list[RaterAlert | None]:
    if mine.trials is None:
        return []
    alerts: list[RaterAlert | None] = []
    for kind, tally in (
        ("hidden_reference", mine.trials.hidden_reference),
        ("degraded", mine.trials.degraded),
    ):
        if catch_verdict(tally.as_expected, tally.trials, t) != "fail":
            continue
        shown, expected = _CATCH_NAMES[kind]
        alerts.append(
            RaterAlert(
                f"catch_{kind}",
                f"{kind.replace('_', ' ')} trials as expected",
                float(tally.as_expected),
                f"a careful rater answers {expected} about {100 * t.careful_rate:.0f}% of the time; "
                "chance gives 33%",
                f"{tally.as_expected} of {tally.trials} trials; answers "
                + ", ".join(f"{n} {label}" for label, n in tally.answers.items() if n),
                f"answered {expected} to {shown} in {tally.as_expected} of {tally.trials} trials",
            )
        )
    return alerts


def _repeats(mine: AnnotatorFigures, t: AlertThresholds) -> RaterAlert | None:
    if mine.trials is None:
        return None
    repeat = mine.trials.repeat
    if repeat.versions_compared < t.min_repeat_versions:
        return None
    if binomial_tail(repeat.same_label, repeat.versions_compared, t.repeat_rate) >= t.evidence_level:
        return None
    return RaterAlert(
        "repeat_consistency",
        "repeated sets: same label again",
        round(100.0 * repeat.same_label / repeat.versions_compared, 1),
        f"a careful rater repeats about {100 * t.repeat_rate:.0f}%; chance gives 33%",
        f"{repeat.same_label} of {repeat.versions_compared} versions in {repeat.trials} repeated sets",
        f"labels a set differently when it comes back ({repeat.same_label} of "
        f"{repeat.versions_compared} versions the same)",
    )


def _too_fast(
    mine: AnnotatorFigures, peers: dict[str, AnnotatorFigures], t: AlertThresholds
) -> RaterAlert | None:
    seconds = mine.seconds_per_set
    others = [m for f in peers.values() if (m := f.seconds_per_set.median) is not None]
    if seconds.median is None or seconds.sets_timed < t.min_timed_sets or not others:
        return None
    peer_median = float(np.median(others))
    if seconds.median >= t.fast_fraction * peer_median:
        return None
    return RaterAlert(
        "too_fast",
        "median s / set",
        round(seconds.median, 1),
        f"{_range(others, 0, ' s')}",
        f"{seconds.sets_timed} timed sets",
        f"takes {seconds.median:.0f} s per set against {peer_median:.0f} s for the other raters "
        "(too fast to compare five images)",
    )
