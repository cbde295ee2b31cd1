"""The effective label: the published three-rater rule exactly, and the documented general rule."""

import itertools
from collections import Counter

import pytest

from hggt_desktop.core.consensus import (
    ADJUDICATOR,
    Subset,
    effective_label,
    effective_labels,
    in_subset,
)
from hggt_desktop.core.labels import Label, make_label_file

P, S, N = Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE


def published_rule(a: Label, b: Label, c: Label) -> tuple[Label, int]:
    """hggt-format.md, written out case by case."""
    if a == b == c:
        return a, 3
    if a == b or a == c:
        return a, 2
    if b == c:
        return b, 2
    return S, 1


@pytest.mark.parametrize("combo", list(itertools.product([P, S, N], repeat=3)))
def test_three_raters_truth_table(combo: tuple[Label, Label, Label]) -> None:
    assert effective_label(list(combo)) == published_rule(*combo)


def test_truth_table_has_27_rows_and_expected_distribution() -> None:
    results = Counter(effective_label(list(c)) for c in itertools.product([P, S, N], repeat=3))
    assert sum(results.values()) == 27
    assert results[(S, 1)] == 6  # the six orderings of P, S, N
    assert results[(P, 3)] == results[(N, 3)] == results[(S, 3)] == 1
    assert results[(P, 2)] == results[(N, 2)] == results[(S, 2)] == 6


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([P], (P, 1)),
        ([P, N], (S, 0)),
        ([P, S], (S, 1)),
        ([N, N], (N, 2)),
        ([P, P, N, N], (S, 0)),
        ([P, P, S, N], (P, 2)),
        ([P, S, S, N, N], (S, 2)),
    ],
)
def test_other_numbers_of_raters_follow_the_documented_rule(labels: list[Label], expected: tuple) -> None:
    assert effective_label(labels) == expected


def test_no_labels_is_an_error() -> None:
    with pytest.raises(ValueError):
        effective_label([])


def test_effective_labels_per_version_and_weight() -> None:
    files = {
        "A": make_label_file("s", {"01": P, "02": P, "03": N}),
        "B": make_label_file("s", {"01": P, "02": S, "03": S}),
        "C": make_label_file("s", {"01": N, "02": N, "03": P}),
    }
    result = effective_labels(files)
    assert result["01"].label is P and result["01"].votes == 2
    assert result["01"].weight == pytest.approx(2 / 3)
    assert result["02"].label is S and result["02"].votes == 1
    assert result["03"].label is S and result["03"].votes == 1


def test_adjudication_overrides_the_vote_with_full_weight() -> None:
    files = {
        "A": make_label_file("s", {"01": P}),
        "B": make_label_file("s", {"01": N}),
        "C": make_label_file("s", {"01": S}),
        ADJUDICATOR: make_label_file("s", {"01": N}),
    }
    result = effective_labels(files)["01"]
    assert (result.label, result.votes, result.raters, result.adjudicated) == (N, 3, 3, True)
    assert result.weight == 1.0


@pytest.mark.parametrize(
    ("labels", "ori", "pos", "posneg"),
    [
        ([S, S, S, S], True, False, False),
        ([S, P, S, S], True, True, True),
        ([S, N, S, N], True, False, True),
        ([P, N, P, N], True, True, True),
    ],
)
def test_subsets(labels: list[Label], ori: bool, pos: bool, posneg: bool) -> None:
    assert in_subset(labels, Subset.ORI) is ori
    assert in_subset(labels, Subset.POS) is pos
    assert in_subset(labels, Subset.POSNEG) is posneg
