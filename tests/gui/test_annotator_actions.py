"""One action table: buttons, keys and menus trigger the same actions; keys.json names keep working."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.gui.annotate.actions import ACTION_NAMES, ACTIONS_BY_NAME
from hggt_desktop.gui.annotate.key_dispatcher import KeyDispatcher
from hggt_desktop.gui.annotate.keymap import KeyMap, normalise_key
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.application import APPLICATION, ORGANISATION, make_application
from hggt_desktop.gui.main_window import MainWindow
from tests.gui.annotator_setup import make_images, open_window

# Every action name an annotator may have written in keys.json since keys could be remapped.
NAMES_IN_USE = (
    *(f"select_{k}" for k in range(1, 10)),
    "positive", "similar", "negative", "swap", "swap_all", "next_set", "previous_set",
    "next_unlabelled", "undo", "fit", "one_to_one", "two_panel", "two_panel_step", "help",
    "ab_toggle", "flicker", "flag", "split_view", "split_left", "split_right",
)  # fmt: skip


def test_every_action_name_in_annotators_keys_files_still_exists(tmp_path: Path) -> None:
    assert set(NAMES_IN_USE) <= set(ACTION_NAMES)
    keys = tmp_path / "keys.json"
    remapped = {name: [f"Ctrl+F{number}"] for number, name in enumerate(NAMES_IN_USE, start=1)}
    keys.write_text(json.dumps(remapped), encoding="utf-8")
    assert KeyMap.from_file(keys).problems == []


def test_a_button_a_key_and_the_view_menu_trigger_the_same_action(qtbot, tmp_path: Path) -> None:
    window, session = open_window(qtbot, make_images(tmp_path))
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entry = next(a for a in menu.actions() if a.text().startswith(ACTIONS_BY_NAME["two_panel"].title))
    entry.trigger()
    assert session.two_panel
    qtbot.keyClick(window.view, Qt.Key.Key_T)
    assert not session.two_panel
    qtbot.mouseClick(window.view.buttons["two_panel"], Qt.MouseButton.LeftButton)
    assert session.two_panel
    assert window.view.buttons["positive"].text().startswith("Positive  (P)")


def test_the_key_dispatcher_needs_only_a_key_map_and_a_trigger(qtbot) -> None:
    scope = QWidget()
    typing = QLineEdit(scope)
    QVBoxLayout(scope).addWidget(typing)
    qtbot.addWidget(scope)
    calls: list[tuple[str, bool]] = []
    KeyDispatcher(scope, KeyMap({"positive": ["J"]}), lambda name, pressed: calls.append((name, pressed)))
    scope.show()
    qtbot.keyClick(scope, Qt.Key.Key_J)
    qtbot.keyClick(scope, Qt.Key.Key_P)  # no longer the positive key
    qtbot.keyPress(scope, Qt.Key.Key_Space)
    qtbot.keyRelease(scope, Qt.Key.Key_Space)
    qtbot.keyClick(typing, Qt.Key.Key_J)  # typing in a text field is not an action
    assert calls == [("positive", True), ("swap", True), ("swap", False)]


def test_every_app_gets_the_organisation_name_settings_need(qtbot, monkeypatch, tmp_path: Path) -> None:
    from hggt_desktop.gui.curator import window as curator_window

    QCoreApplication.setOrganizationName("")
    QCoreApplication.setApplicationName("")
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    monkeypatch.setattr(curator_window.CuratorWindow, "show", lambda self: None)
    monkeypatch.setattr(curator_window, "close_on_signals", lambda window: None)  # pytest's own
    assert curator_window.run_review(tmp_path) == 0
    assert QCoreApplication.organizationName() == ORGANISATION
    assert QCoreApplication.applicationName() == APPLICATION
    assert make_application() is QApplication.instance()


def test_a_remapped_key_that_is_now_a_new_default_is_reported_once() -> None:
    """B became the A/B toggle's default: an annotator who had put Positive on B keeps it, told once."""
    keymap = KeyMap({"positive": ["B"]})
    assert keymap.first_key("positive") == "B"
    assert len(keymap.problems) == 1 and "'ab_toggle'" in keymap.problems[0]
    defaults = [normalise_key(key) for action in ACTIONS_BY_NAME.values() for key in action.keys]
    assert len(defaults) == len(set(defaults))  # the defaults themselves clash with nothing


def test_two_actions_given_one_key_in_the_keys_file_is_reported() -> None:
    keymap = KeyMap({"positive": ["J"], "negative": ["J"]})
    assert keymap.first_key("positive") == "J"
    assert len(keymap.problems) == 1 and "'negative'" in keymap.problems[0] and keymap.clashes == []


def test_a_keys_file_key_now_the_split_views_default_stays_theirs_and_is_said_once(
    qtbot, tmp_path: Path
) -> None:
    """W became the split view's default; an annotator had Positive on W in keys.json."""
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"positive": ["W"], "negative": ["Q"]}), encoding="utf-8")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    images = make_images(tmp_path)

    def open_with_keys() -> tuple[MainWindow, AnnotationSession]:
        window = MainWindow(keymap=KeyMap.from_file(keys), break_interval_min=0, settings=settings)
        qtbot.addWidget(window)
        session = AnnotationSession(open_workspace(images, "T"), prefetch=False)
        assert window.attach_session(session)
        window.show()
        return window, session

    window, session = open_with_keys()
    notice = window.view.notice.text()
    assert "keys.json" in notice and "'split_view'" in notice and "'W'" in notice
    assert window.statusBar().currentMessage() == notice  # the same one line in both places
    qtbot.keyClick(window.view, Qt.Key.Key_W)
    assert session.label_at(0) is not None and not session.aids.split  # W still gives their label
    assert window.view.buttons["split_view"].text() == "Split"  # no key offered that does not do it
    assert window.view.buttons["positive"].text() == "Positive  (W)"
    window.close()
    window, session = open_with_keys()  # the next start: not said again
    assert "split_view" not in window.view.notice.text()
    assert "split_view" not in window.statusBar().currentMessage()
