"""Datasets a curator trips over: no labels, one annotator, invalid files, a missing version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.datagen import make_dataset


def no_labels(root: Path) -> Path:
    """An images folder and no labels folder at all (the 'review' crash)."""
    make_dataset(root, n_sets=3, size=8, annotators=())
    return root


def only_adjudicated(root: Path) -> Path:
    """Only the curator's decisions: the adjudicator is never a rater."""
    make_dataset(root, n_sets=3, size=8, annotators=("adjudicated",))
    return root


def one_annotator(root: Path) -> Path:
    make_dataset(root, n_sets=4, size=8, annotators=("A",))
    return root


def zero_valid_files(root: Path) -> Path:
    """Two annotator folders whose every file is broken JSON."""
    make_dataset(root, n_sets=3, size=8, annotators=("A", "B"))
    for path in (root / "labels").rglob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    return root


def empty_annotator_folders(root: Path) -> Path:
    make_dataset(root, n_sets=3, size=8, annotators=())
    for name in ("A", "B"):
        (root / "labels" / name).mkdir(parents=True)
    return root


def missing_version(root: Path) -> Path:
    """Set 0001 lacks version 03, so every annotator's file for it no longer matches."""
    make_dataset(root, n_sets=4, size=8)
    (root / "images" / "03" / "0001-16-8_03.png").unlink()
    return root


def invalid_and_partial(root: Path) -> Path:
    """Broken files, a label for a set that is not there, sets labelled by some annotators only."""
    make_dataset(root, n_sets=6, size=8)
    labels = root / "labels"
    (labels / "A" / "0000-0-0.json").write_text("garbage", encoding="utf-8")
    (labels / "B" / "0001-16-8.json").write_text('{"x": 1}', encoding="utf-8")
    (labels / "C" / "9999-0-0.json").write_text('{"x": 1}', encoding="utf-8")
    (labels / "C" / "0002-32-16.json").unlink()
    (labels / "C" / "0003-48-24.json").unlink()
    return root


def nine_versions(root: Path) -> Path:
    make_dataset(root, n_sets=3, size=8, versions=[f"{i:02d}" for i in range(1, 10)])
    return root


def two_versions(root: Path) -> Path:
    make_dataset(root, n_sets=3, size=8, versions=("01", "02"))
    return root


BAD: dict[str, Callable[[Path], Path]] = {
    "no_labels": no_labels,
    "only_adjudicated": only_adjudicated,
    "one_annotator": one_annotator,
    "zero_valid_files": zero_valid_files,
    "empty_annotator_folders": empty_annotator_folders,
    "missing_version": missing_version,
    "invalid_and_partial": invalid_and_partial,
    "nine_versions": nine_versions,
    "two_versions": two_versions,
}
