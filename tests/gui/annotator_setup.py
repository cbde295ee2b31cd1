"""Shared setup for the annotator tests: a tiny dataset, a session and a window built from it."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt

from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.main_window import MainWindow
from tests.datagen import make_dataset

# Settings (start screen, time today) go to a test location, not the person's own config.
QStandardPaths.setTestModeEnabled(True)

ANNOTATOR = "T"
KEY = {
    "1": Qt.Key.Key_1,
    "2": Qt.Key.Key_2,
    "3": Qt.Key.Key_3,
    "4": Qt.Key.Key_4,
    "p": Qt.Key.Key_P,
    "s": Qt.Key.Key_S,
    "n": Qt.Key.Key_N,
}


def make_images(root: Path, n_sets: int = 3) -> Path:
    """An images folder with no labels by annotator T."""
    return make_dataset(root, n_sets=n_sets, annotators=(), size=24)


def open_window(qtbot, images: Path, annotator: str = ANNOTATOR) -> tuple[MainWindow, AnnotationSession]:
    """Model first (the session), then the window built from it."""
    session = AnnotationSession(open_workspace(images, annotator), prefetch=False)
    window = MainWindow(keymap=KeyMap(), break_interval_min=0)
    qtbot.addWidget(window)
    assert window.attach_session(session)
    window.resize(900, 600)
    window.show()
    return window, session


def type_keys(qtbot, window: MainWindow, keys: str) -> None:
    """Press keys as a person would (each is a real key event through the window)."""
    for key in keys:
        qtbot.keyClick(window.view, KEY[key])


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
