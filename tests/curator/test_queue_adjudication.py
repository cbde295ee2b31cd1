"""The disagreement queue's order and filters, adjudication and its undo, on generated datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hggt_desktop.core.adjudication import (
    AdjudicationError,
    adjudication_path,
    adjudication_record_path,
    read_decisions,
    undo_adjudication,
    write_adjudication,
)
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.disagreement import (
    ALL_DIFFERENT,
    OPPOSED,
    SPLIT,
    disagreement_queue,
    normalise_pattern,
)
from hggt_desktop.core.labels import Label, read_label_file
from hggt_desktop.core.rating_table import rating_table
from tests.datagen import make_dataset

P, S, N = Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE

# set index -> version -> labels of A, B, C
SCRIPT = {
    0: {"01": (P, P, P), "02": (S, S, S)},  # agreed
    1: {"01": (P, S, N)},  # all different
    2: {"01": (P, P, S)},  # two against one
    3: {"01": (P, P, N), "02": (P, S, N)},  # Positive against Negative
    4: {"01": (N, N, P), "02": (N, N, P)},  # Positive against Negative on two versions
    5: {"02": (S, S, N)},  # two against one, on version 02
}


def scripted(stem: str, annotator: str, version: str) -> Label:
    index = int(stem[:4])
    labels = SCRIPT.get(index, {}).get(version)
    return labels["ABC".index(annotator)] if labels else Label.SIMILAR


@pytest.fixture
def dataset_root(tmp_path: Path) -> Path:
    make_dataset(tmp_path, n_sets=6, size=8, versions=("01", "02"), label=scripted)
    return tmp_path


def _stem(i: int) -> str:
    return f"{i:04d}-{16 * i}-{8 * i}"


def test_queue_is_ordered_by_severity(dataset_root: Path) -> None:
    table = rating_table(load_dataset(dataset_root))
    queue = disagreement_queue(table)
    assert [e.stem for e in queue] == [_stem(4), _stem(3), _stem(2), _stem(5), _stem(1)]
    assert [e.severity for e in queue] == [OPPOSED, OPPOSED, SPLIT, SPLIT, ALL_DIFFERENT]
    assert queue[0].worst_versions == ("01", "02")
    assert dict(queue[1].patterns) == {"01": "PPN", "02": "PSN"}


def test_queue_filters_by_version_annotator_and_pattern(dataset_root: Path) -> None:
    table = rating_table(load_dataset(dataset_root))
    assert [e.stem for e in disagreement_queue(table, versions=["02"])] == [_stem(4), _stem(5), _stem(3)]
    # A dissents only where there is no majority (sets 1 and 3, P-S-N); C is the odd one out elsewhere.
    assert {e.stem for e in disagreement_queue(table, annotator="A")} == {_stem(1), _stem(3)}
    assert {e.stem for e in disagreement_queue(table, annotator="C")} == {
        _stem(1),
        _stem(2),
        _stem(3),
        _stem(4),
        _stem(5),
    }
    assert [e.stem for e in disagreement_queue(table, pattern="npp")] == [_stem(3)]
    assert [e.stem for e in disagreement_queue(table, pattern="PSN")] == [_stem(3), _stem(1)]
    assert disagreement_queue(table, annotator="nobody") == []
    assert normalise_pattern("n p, p") == "PPN"


def test_adjudication_writes_a_valid_file_that_changes_the_effective_label(dataset_root: Path) -> None:
    dataset = load_dataset(dataset_root)
    stem = _stem(3)
    assert dataset.effective(stem)["01"].label is P
    path = write_adjudication(dataset.labels_dir, stem, {"01": N, "02": S}, "halo on the roof", ("01", "02"))
    assert read_label_file(path).label_map == {"01": N, "02": S}
    reloaded = load_dataset(dataset_root)
    effective = reloaded.effective(stem)
    assert effective["01"].label is N and effective["01"].adjudicated
    assert reloaded.raters == ("A", "B", "C")  # the adjudicator is not a rater
    assert read_decisions(dataset.labels_dir, stem)[-1].reason == "halo on the roof"
    table = rating_table(reloaded)
    assert [e.stem for e in disagreement_queue(table, include_adjudicated=False)][:1] == [_stem(4)]


def test_undo_restores_exactly_the_previous_state(dataset_root: Path) -> None:
    labels = load_dataset(dataset_root).labels_dir
    stem = _stem(4)
    write_adjudication(labels, stem, {"01": P, "02": P}, "first look", ("01", "02"))
    first_text = adjudication_path(labels, stem).read_text(encoding="utf-8")
    write_adjudication(labels, stem, {"01": S, "02": P}, "second look", ("01", "02"))
    assert undo_adjudication(labels, stem).reason == "second look"
    assert adjudication_path(labels, stem).read_text(encoding="utf-8") == first_text
    assert undo_adjudication(labels, stem).reason == "first look"
    assert not adjudication_path(labels, stem).exists()
    assert not adjudication_record_path(labels, stem).exists()
    assert undo_adjudication(labels, stem) is None
    assert load_dataset(dataset_root).effective(stem)["01"].label is N


def test_adjudication_refuses_incomplete_or_unexplained_decisions(dataset_root: Path) -> None:
    labels = load_dataset(dataset_root).labels_dir
    with pytest.raises(AdjudicationError, match="02"):
        write_adjudication(labels, _stem(1), {"01": P}, "why", ("01", "02"))
    with pytest.raises(AdjudicationError, match="reason"):
        write_adjudication(labels, _stem(1), {"01": P, "02": S}, "  ", ("01", "02"))
    assert not adjudication_path(labels, _stem(1)).exists()


def test_corrupt_adjudication_record_is_reported_not_a_crash(dataset_root: Path) -> None:
    labels = load_dataset(dataset_root).labels_dir
    record = adjudication_record_path(labels, _stem(1))
    record.parent.mkdir(parents=True)
    record.write_text("{not json", encoding="utf-8")
    with pytest.raises(AdjudicationError, match="delete it"):
        undo_adjudication(labels, _stem(1))


def test_summary_counts_bad_input_and_partial_sets(tmp_path: Path) -> None:
    from hggt_desktop.core.agreement_summary import summarize_agreement

    make_dataset(tmp_path, n_sets=8, size=8)
    (tmp_path / "labels" / "A" / f"{_stem(2)}.json").write_text('{"Picture_1": 3}', encoding="utf-8")
    (tmp_path / "labels" / "B" / f"{_stem(3)}.json").unlink()
    (tmp_path / "labels" / "C" / "9999-0-0.json").write_text("{}", encoding="utf-8")
    summary = summarize_agreement(load_dataset(tmp_path), resamples=50).to_json()
    assert summary["problems"]["count"] == 2
    assert summary["counts"]["sets_partially_rated"] == 2
    assert summary["problems"]["unlabelled_by"] == {"A": 1, "B": 1, "C": 0}
    assert summary["counts"]["items_left_out_of_fleiss"] == 8
    json.dumps(summary, allow_nan=False)  # strictly valid JSON
