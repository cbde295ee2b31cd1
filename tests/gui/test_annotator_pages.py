"""The pages around the work: start screen memory, break reminder, demo copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hggt_desktop.gui.annotate.break_reminder import BreakReminder, BreakSchedule
from hggt_desktop.gui.annotate.demo import demo_images_source, prepare_demo
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.main_window import MainWindow
from tests.gui.annotator_setup import make_images


def test_break_is_due_after_each_interval_of_active_work_and_dismiss_restarts_it() -> None:
    schedule = BreakSchedule(interval_s=1800)
    assert not schedule.due(1799)
    assert schedule.due(1800)
    schedule.dismiss(1900)
    assert not schedule.due(3600) and schedule.due(3700)
    assert not BreakSchedule(0).due(10_000), "interval 0 turns the reminder off"


def test_break_reminder_shows_without_taking_the_keyboard(qtbot) -> None:
    seconds = [0.0]
    reminder = BreakReminder(lambda: seconds[0], interval_min=30)
    qtbot.addWidget(reminder)
    reminder.check()
    assert reminder.isHidden()
    seconds[0] = 31 * 60
    reminder.check()
    assert not reminder.isHidden() and not reminder.isModal()


def test_start_screen_opens_work_and_remembers_folder_and_id(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    window = MainWindow(keymap=KeyMap(), break_interval_min=0)
    qtbot.addWidget(window)
    window.start_screen.folder_edit.setText(str(images))
    window.start_screen.annotator_edit.setText("Z")
    qtbot.keyClick(window.start_screen.annotator_edit, Qt.Key.Key_Return)
    assert window.session is not None and window.session.workspace.annotator == "Z"
    window.close()
    again = MainWindow(keymap=KeyMap(), break_interval_min=0)
    qtbot.addWidget(again)
    assert again.start_screen.folder_edit.text() == str(images)
    assert again.start_screen.annotator_edit.text() == "Z"


def test_demo_copy_has_images_but_no_labels(tmp_path: Path) -> None:
    if not (demo_images_source() / "original").is_dir():
        pytest.skip("resources/demo is not in this checkout")
    images = prepare_demo(tmp_path)
    assert (images / "original").is_dir()
    assert not (tmp_path / "labels").exists()


def test_instructions_name_the_keys_the_annotator_remapped(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    keymap = KeyMap({"positive": ["J"], "negative": ["L"], "one_to_one": ["Z"]})
    window = MainWindow(keymap=keymap, break_interval_min=0)
    qtbot.addWidget(window)
    assert window.open_path(images, "ann1", instructions=True)
    text = window.stack.currentWidget().text.text()
    assert "<b>J</b>" in text and "<b>L</b>" in text and "<b>Z</b>" in text
    assert "<b>S</b>" in text  # Similar keeps its default key
    assert "<b>P</b>" not in text and "<b>N</b>" not in text and "<b>0 / O</b>" not in text
