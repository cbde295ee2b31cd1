"""Temporary files left by saves that did not finish: recovered, removed or reported (hole 10)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import hggt_desktop.core.atomic as atomic
from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.cli.data import main as data_main
from hggt_desktop.core.labels import Label, make_label_file, to_json_text
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import record_path
from tests.annotation.helpers import ANNOTATOR, label_file, make_images, open_model, read_record_doc
from tests.datagen import make_dataset
from tests.tools.test_packages import expected_labels, label_packages, labels_tree


def _temp(target: Path, text: str, tag: str, age_s: float = 0.0) -> Path:
    """A temporary file as a save names it, ``age_s`` older than its target."""
    path = target.with_name(f".{target.name}.{tag:_<8}.tmp")
    path.write_text(text, encoding="utf-8")
    if age_s and target.exists():
        stamp = target.stat().st_mtime - age_s
        os.utime(path, (stamp, stamp))
    return path


def _labelled(tmp_path: Path) -> tuple[Path, str, str]:
    """A dataset whose first set is labelled; the set's stem and its label file's text."""
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    for label in (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE):
        model.give_label(label)
    model.close()
    return images, stem, label_file(images, stem).read_text(encoding="utf-8")


def _all_negative(stem: str) -> str:
    labels = dict.fromkeys(("01", "02", "03", "04"), Label.NEGATIVE)
    return to_json_text(make_label_file(stem, labels, None))


def test_hole10_leftover_temp_files_are_removed_or_recovered_on_open(tmp_path: Path) -> None:
    images, stem, text = _labelled(tmp_path)
    target = label_file(images, stem)
    identical = _temp(target, text, "same")
    older = _temp(target, _all_negative(stem), "older", age_s=60)
    torn = _temp(target, text[: len(text) // 2], "torn")
    record = record_path(find_labels_dir(images), ANNOTATOR, stem)
    torn_record = _temp(record, "{", "torn")
    newer = _temp(target, _all_negative(stem), "newer")
    os.utime(newer, (target.stat().st_mtime + 5, target.stat().st_mtime + 5))

    model = open_model(images)
    assert not any(p.exists() for p in (identical, older, torn, torn_record, newer))
    assert json.loads(target.read_text(encoding="utf-8"))["Picture_2"]["Label"] == "Negative", (
        "a whole save newer than its target is the newest save: recovered"
    )
    assert set(model.store.sets[0].labels.values()) == {Label.NEGATIVE}
    model.close()


def test_hole10_a_missing_target_gets_its_save_back_and_two_different_ones_are_reported(
    tmp_path: Path,
) -> None:
    images, stem, text = _labelled(tmp_path)
    target = label_file(images, stem)
    target.unlink()
    kept = _temp(target, text, "kept")
    other_stem = "0001-16-8"
    other = label_file(images, other_stem)
    first = _temp(other, _all_negative(other_stem), "first")
    second = _temp(other, _all_negative(other_stem).replace("Negative", "Similar"), "second")

    model = AnnotationModel(open_workspace(images, ANNOTATOR), prefetch=False)
    problems = model.start()
    assert target.read_text(encoding="utf-8") == text and not kept.exists()
    assert any("recovered" in p and str(target) in p for p in problems)
    assert first.exists() and second.exists() and not other.exists(), "ambiguous: a person decides"
    message = next(p for p in problems if str(other) in p)
    assert first.name in message and second.name in message and "renaming" in message
    model.close()


def test_hole10_a_copy_kept_by_a_failed_rename_goes_once_a_later_save_succeeds(
    tmp_path: Path, monkeypatch
) -> None:
    images = make_images(tmp_path)
    model = open_model(images)
    stem = model.progress.stem
    real = atomic._replace_with_retry

    def busy(src: str, dst: Path) -> None:
        raise PermissionError(13, "The process cannot access the file", str(dst))

    monkeypatch.setattr(atomic, "_replace_with_retry", busy)
    assert not model.give_label(Label.POSITIVE)
    folder = record_path(find_labels_dir(images), ANNOTATOR, stem).parent
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")], "kept: it may be the newest"
    monkeypatch.setattr(atomic, "_replace_with_retry", real)
    assert model.retry_saves()
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
    assert read_record_doc(images, stem)["pending_labels"]
    model.close()


def test_hole10_a_merge_leaves_temp_files_of_returned_packages_out(tmp_path: Path, capsys) -> None:
    images = make_dataset(tmp_path / "data", n_sets=6, annotators=(), size=8)
    out = tmp_path / "packages"
    assert data_main(["package", str(images), str(out), "--annotators", "A,B", "--overlap", "2"]) == 0
    label_packages(out)
    for labelled in out.glob("*/labels*/*/*.json"):
        _temp(labelled, labelled.read_text(encoding="utf-8").replace("Positive", "Negative"), "left")
    for record in out.glob("*/labels*/.hggt/records/*/*.json"):
        _temp(record, record.read_text(encoding="utf-8"), "left")
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    assert data_main(["merge", *packages, "--into", str(images)]) == 0
    labels = images.parent / "labels"
    assert [p for p in labels.rglob("*") if p.name.endswith(".tmp")] == []
    assert labels_tree(labels) == expected_labels(out), "the merged labels are the saved ones"
