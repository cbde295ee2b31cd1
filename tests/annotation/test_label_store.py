"""When a label is saved, and what the label file and the record hold (no GUI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hggt_desktop.annotation.label_store as label_store
from hggt_desktop.annotation.label_store import LabelStore, SaveError
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.version import __version__
from tests.annotation.helpers import ANNOTATOR, label_file, make_images, open_model, read_record_doc


def test_an_incomplete_set_lives_in_the_record_and_a_complete_one_in_the_label_file(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    assert model.give_label(Label.POSITIVE) and model.give_label(Label.NEGATIVE)
    assert not label_file(images, stem).exists(), "a null label would make the HGGT file invalid"
    record = read_record_doc(images, stem)
    assert record["pending_labels"] == {
        model.version_at(0): "Positive",
        model.version_at(1): "Negative",
    }
    assert record["complete"] is False
    model.give_label(Label.SIMILAR)
    model.give_label(Label.SIMILAR)
    doc = json.loads(label_file(images, stem).read_text(encoding="utf-8"))
    assert doc[f"Picture_{int(model.version_at(0)) + 1}"]["Label"] == "Positive"
    record = read_record_doc(images, stem)
    assert record["complete"] is True and record["pending_labels"] == {}
    assert record["label_changes"] == 4
    model.close()


def test_the_record_holds_what_was_shown(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    model.set_screen_scale(1.25)
    model.set_swap("selected")
    model.set_swap("none")
    model.note_zoom(2.0)
    model.give_label(Label.POSITIVE)
    record = read_record_doc(images, stem)
    assert record["screen_order"] == list(model.progress.order)
    assert record["app_version"] == __version__ and record["screen_scale"] == 1.25
    assert record["swap_count"] == 1 and record["max_zoom"] == 2.0
    assert record["first_shown"] == "2026-03-01 09:00:00"
    assert sorted(record["image_sha256"]) == sorted(
        f"{folder}/{path.name}"
        for folder, path in [
            ("original", model.progress.image_set.original),
            *model.progress.image_set.versions,
        ]
    )
    model.close()


def test_record_is_a_pure_getter(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    store = LabelStore(open_workspace(images, ANNOTATOR))
    store.load()
    record = store.record(0)
    before = (list(record.screen_order), record.app_version, record.screen_scale)
    store.screen_scale = 2.0
    assert store.record(0) is record
    assert (list(record.screen_order), record.app_version, record.screen_scale) == before
    assert not find_labels_dir(images).exists(), "asking for a record writes nothing"


def test_undo_on_a_finished_set_removes_the_file_and_keeps_the_rest_in_the_record(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        model.give_label(label)
    assert label_file(images, stem).exists()
    assert model.undo()
    assert not label_file(images, stem).exists(), "the file must not claim a retracted label"
    assert len(read_record_doc(images, stem)["pending_labels"]) == 3
    model.close()


def test_a_failed_save_raises_and_leaves_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        model.give_label(label)
    before = label_file(images, stem).read_bytes()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(label_file(images, stem)))

    monkeypatch.setattr(label_store, "write_label_file", refuse)
    model.select(0)
    assert not model.give_label(Label.NEGATIVE)
    assert "Could not save" in (model.save_error or "")
    assert model.unsaved_sets() == {0}
    assert label_file(images, stem).read_bytes() == before
    assert not model.next_set(), "the screen does not move on while a label is not on disk"
    with pytest.raises(SaveError):
        model.store.save(0)
    monkeypatch.undo()
    assert model.retry_saves() and model.unsaved_sets() == set()
    model.close()


def test_an_invalid_label_file_is_kept_aside_when_replaced(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    folder = find_labels_dir(images) / ANNOTATOR
    folder.mkdir(parents=True)
    stem = "0000-0-0"
    (folder / f"{stem}.json").write_text('{"Picture_1": {"Name": "../x.png"}}', encoding="utf-8")
    model = open_model(images)
    assert model.progress.stem == stem and model.progress.invalid_reason
    for _ in range(4):
        model.give_label(Label.SIMILAR)
    kept = find_labels_dir(images) / ".hggt" / "invalid" / ANNOTATOR / f"{stem}.json"
    assert "../x.png" in kept.read_text(encoding="utf-8")
    model.close()
