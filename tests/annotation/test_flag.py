"""Flagging a set "can't judge": a record-only mark; the labels are kept and come back."""

from __future__ import annotations

from pathlib import Path

from hggt_desktop.core.labels import Label, read_label_file
from tests.annotation.helpers import label_file, make_images, open_model, read_record_doc

LABELS = (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE)


def _label_all(model) -> None:  # type: ignore[no-untyped-def]
    for label in LABELS:
        model.give_label(label)


def test_flagging_a_labelled_set_moves_its_labels_into_the_record_and_unflag_restores_them(
    tmp_path: Path,
) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    _label_all(model)
    before = read_label_file(label_file(images, stem)).labels
    assert model.flag("misaligned")
    # No HGGT file (the format has no "can't judge"), the labels kept in the record.
    assert not label_file(images, stem).exists()
    doc = read_record_doc(images, stem)
    assert doc["flag"] == "misaligned" and len(doc["pending_labels"]) == len(LABELS)
    assert model.done_count() == 1 and model.can_advance()
    assert model.flag("")
    assert read_label_file(label_file(images, stem)).labels == before
    assert read_record_doc(images, stem)["flag"] == ""
    model.close()


def test_undo_takes_a_flag_back(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    _label_all(model)
    model.flag("other: the crops are of different scenes")
    assert model.undo()
    assert label_file(images, stem).exists() and read_record_doc(images, stem)["flag"] == ""
    assert model.undo()  # then the last label, as before
    assert not label_file(images, stem).exists()
    model.close()


def test_a_flagged_set_counts_as_done_after_a_restart_and_keeps_its_labels(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    model.give_label(Label.NEGATIVE)  # half labelled, then flagged
    model.flag("broken image")
    model.close()
    again = open_model(images)
    assert again.done_count() == 1
    assert again.progress.stem != stem  # opens at the first set not done
    assert again.go_to(0)
    assert again.progress.flagged and list(again.progress.labels.values()) == [Label.NEGATIVE]
    again.close()


def test_undo_of_a_relabel_restores_the_earlier_label(tmp_path: Path) -> None:
    """Regression: undo asserted its entry was not a str, and a Label is a StrEnum (crash on relabel undo)."""
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    _label_all(model)
    before = read_label_file(label_file(images, stem)).labels
    model.select(0)
    model.give_label(Label.NEGATIVE if model.label_at(0) != Label.NEGATIVE else Label.SIMILAR)
    assert read_label_file(label_file(images, stem)).labels != before
    assert model.undo()
    assert read_label_file(label_file(images, stem)).labels == before
    model.close()
