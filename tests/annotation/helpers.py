"""Shared setup for the headless annotation tests: a tiny dataset and a model opened on it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from hggt_desktop.annotation.model import AnnotationModel
from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import record_path
from tests.datagen import make_dataset

ANNOTATOR = "T"


def make_images(root: Path, n_sets: int = 3) -> Path:
    """An images folder with no labels by annotator T."""
    return make_dataset(root, n_sets=n_sets, annotators=(), size=16)


def open_model(images: Path, **kwargs: object) -> AnnotationModel:
    """A started model for annotator T, without prefetch threads, at a fixed wall clock."""
    kwargs.setdefault("prefetch", False)
    kwargs.setdefault("wall_clock", lambda: datetime(2026, 3, 1, 9, 0, 0))
    model = AnnotationModel(open_workspace(images, ANNOTATOR), **kwargs)  # type: ignore[arg-type]
    model.start()
    return model


def label_file(images: Path, stem: str) -> Path:
    return find_labels_dir(images) / ANNOTATOR / f"{stem}.json"


def read_record_doc(images: Path, stem: str) -> dict:
    return json.loads(record_path(find_labels_dir(images), ANNOTATOR, stem).read_text(encoding="utf-8"))
