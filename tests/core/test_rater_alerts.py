"""Each alert rule on constructed cases at and around its threshold (issue 22)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hggt_desktop.core.agreement_figures import (
    AnnotatorFigures,
    CatchTally,
    PositionBias,
    RepeatTally,
    SecondsPerSet,
    StraightLining,
    TrialAnswers,
)
from hggt_desktop.core.rater_alerts import (
    DEFAULT_THRESHOLDS as T,
)
from hggt_desktop.core.rater_alerts import (
    agreement_evidence,
    binomial_tail,
    catch_verdict,
    rater_alerts,
)
from hggt_desktop.core.rating_table import RatingTable


def figures(**changes: object) -> AnnotatorFigures:
    """An unremarkable rater: 40 sets, mixed labels, 40 s a set, no records, no trials."""
    base = AnnotatorFigures(
        sets_labelled=40,
        sets_missing=0,
        sets_flagged=0,
        ratings=160,
        labels={"Negative": 50, "Similar": 55, "Positive": 55},
        agreement_with_majority_of_others=70.0,
        items_with_majority_of_others=120,
        mean_cohen_kappa_with_others=0.4,
        seconds_per_set=SecondsPerSet(40.0, 30.0, 50.0, 20.0, 40),
        straight_lining=StraightLining("Similar", 0.36, 0.0, 4),
        position_bias=None,
        trials=None,
    )
    return dataclasses.replace(base, **changes)


def empty_table(raters: tuple[str, ...]) -> RatingTable:
    shape = (1, 1, len(raters))
    return RatingTable(
        ("s",), ("01",), raters, np.full(shape, -1, np.int8), np.full((1, len(raters)), np.nan),
        np.full((1, len(raters)), np.nan), np.full((1, 1), -1, np.int8), np.zeros((1, 1), np.int16),
        np.zeros((1, 1), bool),
    )  # fmt: skip


def alerts_of(rater: AnnotatorFigures, peers: int = 3) -> set[str]:
    everyone = {"X": rater, **{f"P{i}": figures() for i in range(peers)}}
    table = empty_table(tuple(everyone))
    return {alert.rule for alert in rater_alerts(table, everyone)["X"]}


def test_an_unremarkable_rater_has_no_alert() -> None:
    assert alerts_of(figures()) == set()


@pytest.mark.parametrize(("share", "flagged"), [(0.79, False), (0.80, True), (1.0, True)])
def test_straight_lining_at_its_threshold(share: float, flagged: bool) -> None:
    rater = figures(straight_lining=StraightLining("Similar", share, 0.5, 30))
    assert ("straight_lining" in alerts_of(rater)) is flagged


def test_straight_lining_needs_enough_labels() -> None:
    rater = figures(ratings=T.min_ratings - 1, straight_lining=StraightLining("Similar", 1.0, 1.0, 19))
    assert "straight_lining" not in alerts_of(rater)


@pytest.mark.parametrize(
    ("spread", "items", "flagged"), [(1.19, 80, False), (1.20, 80, True), (2.0, 39, False)]
)
def test_position_bias_at_its_threshold(spread: float, items: int, flagged: bool) -> None:
    rater = figures(position_bias=PositionBias(items, (), spread))
    assert ("position_bias" in alerts_of(rater)) is flagged


@pytest.mark.parametrize(("median", "flagged"), [(13.9, True), (14.1, False)])
def test_too_fast_against_the_peers(median: float, flagged: bool) -> None:
    # The peers take 40 s: the line is 0.35 * 40 = 14 s.
    rater = figures(seconds_per_set=SecondsPerSet(median, median, median, 0.0, 40))
    assert ("too_fast" in alerts_of(rater)) is flagged


def tally(as_expected: int, trials: int) -> CatchTally:
    return CatchTally(trials, as_expected, {}, 0, 100.0 * as_expected / trials if trials else None)


def trials(hidden: CatchTally, degraded: CatchTally, repeat: RepeatTally | None = None) -> TrialAnswers:
    return TrialAnswers(hidden, degraded, repeat or RepeatTally(0, 0, 0, None))


def test_catch_trials_are_judged_per_kind() -> None:
    # The always-Similar rater: every hidden reference right, every degraded copy wrong.
    rater = figures(trials=trials(tally(4, 4), tally(0, 4)))
    assert alerts_of(rater) == {"catch_degraded"}


def test_catch_too_few_trials_to_judge() -> None:
    assert catch_verdict(0, T.min_trials - 1) == "too few trials to judge"
    assert "catch_degraded" not in alerts_of(figures(trials=trials(tally(0, 0), tally(0, 2))))


@pytest.mark.parametrize(
    ("right", "trials_", "verdict"), [(0, 3, "fail"), (1, 3, "pass"), (1, 6, "fail"), (2, 6, "pass")]
)
def test_catch_pass_rule_around_its_threshold(right: int, trials_: int, verdict: str) -> None:
    # A careful rater (80%) gets so few right less than 1% of the time: 0/3 and 1/6 fail, 1/3 and 2/6 pass.
    assert catch_verdict(right, trials_) == verdict
    assert (binomial_tail(right, trials_, T.careful_rate) < T.evidence_level) is (verdict == "fail")


@pytest.mark.parametrize(("same", "compared", "flagged"), [(2, 12, True), (4, 12, False), (1, 7, False)])
def test_repeat_consistency_around_its_threshold(same: int, compared: int, flagged: bool) -> None:
    repeat = RepeatTally(compared // 4, compared, same, 100.0 * same / compared)
    rater = figures(trials=trials(tally(0, 0), tally(0, 0), repeat))
    assert ("repeat_consistency" in alerts_of(rater)) is flagged


def table_with(x_ranks: np.ndarray, peer_ranks: np.ndarray) -> RatingTable:
    """Sets x 4 versions; X plus three peers who all give ``peer_ranks``."""
    ratings = np.stack([x_ranks, peer_ranks, peer_ranks, peer_ranks], axis=-1).astype(np.int8)
    n = ratings.shape[0]
    return RatingTable(
        tuple(f"{i:04d}" for i in range(n)), ("01", "02", "03", "04"), ("X", "P0", "P1", "P2"), ratings,
        np.full((n, 4), 40.0), np.full((n, 4), np.nan), peer_ranks.astype(np.int8),
        np.full((n, 4), 3, np.int16), np.zeros((n, 4), bool),
    )  # fmt: skip


def test_low_agreement_needs_a_gap_to_the_peers_and_a_value_near_chance() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, (30, 4))
    random_x = rng.integers(0, 3, (30, 4))
    table = table_with(random_x, truth)
    peers = {name: figures(agreement_with_majority_of_others=100.0) for name in ("P0", "P1", "P2")}
    found = rater_alerts(table, {"X": figures(), **peers})["X"]
    low = next(alert for alert in found if alert.rule == "low_agreement")
    evidence = agreement_evidence(table, 0)
    assert evidence is not None and evidence.items == 120 and evidence.high < 60
    assert "chance would give" in low.reference and "95% interval" in low.evidence
    # The same rater agreeing with the peers on everything: no alert.
    table = table_with(truth, truth)
    assert "low_agreement" not in {a.rule for a in rater_alerts(table, {"X": figures(), **peers})["X"]}


def test_low_agreement_waits_for_enough_items() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, (5, 4))  # 20 items, below the minimum of 24
    table = table_with(rng.integers(0, 3, (5, 4)), truth)
    peers = {name: figures() for name in ("P0", "P1", "P2")}
    assert "low_agreement" not in {a.rule for a in rater_alerts(table, {"X": figures(), **peers})["X"]}
