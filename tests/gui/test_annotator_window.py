"""The window a new user meets: one place for each message, Ctrl+Q, F11, an uncut start screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from hggt_desktop.core.layout import find_labels_dir, lock_path
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.main_window import MainWindow
from tests.gui.annotator_setup import make_images, open_window, type_keys


def test_the_finished_set_message_is_shown_once_and_not_on_the_next_set(qtbot, tmp_path: Path) -> None:
    """Regression: "Every version has a label" stayed (status bar) on the next, half-labelled
    set, and every message appeared twice (under the images and in the status bar)."""
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    type_keys(qtbot, window, "pspn")
    assert "Every version has a label" in window.view.notice.text()
    assert window.statusBar().currentMessage() == ""  # not a second copy of it
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    type_keys(qtbot, window, "p")
    assert session.index == 1 and not session.can_advance()
    assert "Every version has a label" not in window.view.notice.text()
    assert "Every version has a label" not in window.statusBar().currentMessage()


def test_ctrl_q_quits_from_the_work_page(qtbot, tmp_path: Path) -> None:
    """Regression: Ctrl+Q did nothing in the annotator."""
    images = make_images(tmp_path)
    window, _ = open_window(qtbot, images)
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    # Quitting closed the session as the close button does: the lock is released.
    assert not lock_path(find_labels_dir(images), "T").exists()


def test_f11_toggles_full_screen_and_hides_the_bars(qtbot, tmp_path: Path) -> None:
    window, _ = open_window(qtbot, make_images(tmp_path))
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window.view, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen, timeout=2000)
    assert window.menuBar().isHidden() and window.statusBar().isHidden()
    window.full_screen_action.trigger()  # the menu bar is hidden: the key works on the window
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)
    assert window.menuBar().isVisible()


def test_the_start_screen_sentence_is_not_cut_off(qtbot) -> None:
    """Regression: the first sentence ended at "...and type" on the start screen."""
    window = MainWindow(keymap=KeyMap(), break_interval_min=0)
    qtbot.addWidget(window)
    window.resize(1366, 700)
    window.show()
    qtbot.waitExposed(window)
    sentence = window.start_screen.sentence
    assert sentence.text().endswith("type your annotator id.")
    assert sentence.height() >= sentence.heightForWidth(sentence.width())


def test_a_second_copy_says_so_once(qtbot, tmp_path: Path) -> None:
    """Regression: a second copy on the same labels showed the refusal twice."""
    images = make_images(tmp_path)
    open_window(qtbot, images)
    settings = QSettings(str(tmp_path / "second.ini"), QSettings.Format.IniFormat)
    second = MainWindow(keymap=KeyMap(), break_interval_min=0, settings=settings)
    qtbot.addWidget(second)
    second.show()
    second.start_screen.folder_edit.setText(str(images))
    second.start_screen.annotator_edit.setText("T")
    qtbot.keyClick(second.start_screen.annotator_edit, Qt.Key.Key_Return)
    assert (
        "are already open" in second.start_screen.error.text()
        or "annotator 'T'" in second.start_screen.error.text()
    )
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes == []


def test_x_flags_the_set_with_a_reason_and_again_unflags_it(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    type_keys(qtbot, window, "pspn")
    stem = session.progress.stem
    qtbot.keyClick(window.view, Qt.Key.Key_X)
    menu = window.view.flag_menu
    assert menu is not None and [a.text().split()[-1] for a in menu.actions()][0] == "misaligned"
    menu.actions()[0].trigger()
    record = session.model.store.record(session.index)
    assert record.flag == "misaligned" and len(record.pending_labels) == 4
    assert not (find_labels_dir(images) / "T" / f"{stem}.json").exists()
    assert session.can_advance() and session.done_count() == 1
    qtbot.keyClick(window.view, Qt.Key.Key_X)  # flagged: X takes the flag back
    assert record.flag == "" and (find_labels_dir(images) / "T" / f"{stem}.json").exists()


def test_b_latches_the_original_and_l_flickers_each_use_counted_in_the_record(qtbot, tmp_path: Path) -> None:
    window, session = open_window(qtbot, make_images(tmp_path))
    panel = window.view.grid.panels()[1]  # version A, selected first
    record = session.model.store.record(session.index)
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert panel.is_swapped()  # latched: stays after the key is let go
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert not panel.is_swapped()
    assert record.aid_uses == {"ab_toggle": 1} and record.swap_count == 1
    qtbot.keyClick(window.view, Qt.Key.Key_L)
    seen = set()
    qtbot.waitUntil(lambda: seen.add(panel.is_swapped()) or seen == {True, False}, timeout=3000)
    qtbot.keyClick(window.view, Qt.Key.Key_L)
    assert not session.aids.is_flickering() and not panel.is_swapped()
    assert record.aid_uses == {"ab_toggle": 1, "flicker": 1}
    assert record.swap_count == 1  # flicker frames are not swaps
