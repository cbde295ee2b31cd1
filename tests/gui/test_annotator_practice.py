"""Practice: known answers with feedback, and its labels never reach the real labels folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.gui.annotate.practice import load_practice
from hggt_desktop.resources import resource_path
from tests.gui.annotator_setup import ANNOTATOR, make_images, open_window, type_keys


def _all_files(folder: Path) -> set[Path]:
    return (
        {Path(root) / name for root, _, names in os.walk(folder) for name in names}
        if folder.exists()
        else set()
    )


def test_practice_gives_feedback_and_writes_nothing_into_the_real_labels(qtbot, tmp_path: Path) -> None:
    if not (resource_path("practice") / "answers.json").is_file():
        pytest.skip("resources/practice is not in this checkout")
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    real_labels = find_labels_dir(images)
    before = _all_files(real_labels)
    window.show_instructions()
    page = window.stack.currentWidget()
    assert page.practice_button.isEnabled()
    qtbot.mouseClick(page.practice_button, Qt.MouseButton.LeftButton)
    practice = window.practice_session
    assert practice is not None and window.stack.currentWidget() is not window.view
    practice_view = window.stack.currentWidget()
    feedback = []
    practice.feedback.connect(feedback.append)
    for _ in range(practice.count):
        for key in "psns":
            qtbot.keyClick(practice_view, {"p": Qt.Key.Key_P, "s": Qt.Key.Key_S, "n": Qt.Key.Key_N}[key])
        qtbot.keyClick(practice_view, Qt.Key.Key_Right)
    assert len(feedback) == practice.count and "as expected" in feedback[0]
    practice_labels = practice.workspace.labels_dir
    assert len(list((practice_labels / ANNOTATOR).glob("*.json"))) == practice.count
    assert not practice_labels.is_relative_to(real_labels.parent)
    assert _all_files(real_labels) == before, "practice wrote into the real labels folder"
    practice_view.practice_finished.emit()
    assert window.stack.currentWidget() is window.view and window.practice_session is None
    type_keys(qtbot, window, "p")
    assert session.label_at(0) is not None


def test_practice_material_reads_answers_and_reasons() -> None:
    material = load_practice("x")
    if material is None:
        pytest.skip("resources/practice is not in this checkout")
    stem, answers = next(iter(material.answers.items()))
    assert set(answers) <= {"01", "02", "03", "04"} and answers
    assert material.reasons[stem]
    assert str(material.workspace.labels_dir).startswith(material.temp_dir.name)


def test_missing_practice_is_tolerated(tmp_path: Path) -> None:
    assert load_practice("x", root=tmp_path / "nothing") is None
