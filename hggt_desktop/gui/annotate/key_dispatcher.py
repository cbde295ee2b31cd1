"""Keys to session actions for one annotator view, including held keys (swap).

Installed on the application so a key works wherever the focus is inside the view's window
(Tab would otherwise move the focus, Space would press a button). Held actions act on press
and release; auto-repeat is ignored so a held key never gives a label twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QTextEdit, QWidget

from hggt_desktop.annotation.model import SWAP_ALL, SWAP_NONE, SWAP_SELECTED
from hggt_desktop.core.labels import Label

if TYPE_CHECKING:
    from hggt_desktop.gui.annotate.annotator_view import AnnotatorView

_TYPING_WIDGETS = (QLineEdit, QTextEdit)
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta)
_WINDOW_EVENTS = (QEvent.Type.WindowDeactivate, QEvent.Type.ApplicationDeactivate)


class KeyDispatcher(QObject):
    """Turns key presses in the view's window into calls on the view's session."""

    def __init__(self, view: AnnotatorView) -> None:
        super().__init__(view)
        self._view = view
        self._swap_key: int | None = None
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        view.destroyed.connect(self._on_view_destroyed)

    def _on_view_destroyed(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _applies_to(self, obj: QObject) -> bool:
        view = self._view
        if not isinstance(obj, QWidget) or not view.isVisible():
            return False
        if isinstance(obj, _TYPING_WIDGETS):
            return False
        return obj.window() is view.window()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _WINDOW_EVENTS or kind == QEvent.Type.FocusOut and obj is self._view.window():
            self._release_swap()
            return False
        if kind == QEvent.Type.ShortcutOverride and self._applies_to(obj):
            # Claim the key before any QAction shortcut of the window sees it.
            if self._view.keymap.action_for(event) is not None:  # type: ignore[arg-type]
                event.accept()
                return True
            return False
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or not self._applies_to(obj):
            return False
        assert isinstance(event, QKeyEvent)
        if kind == QEvent.Type.KeyRelease:
            if self._swap_key is not None and event.key() == self._swap_key and not event.isAutoRepeat():
                self._release_swap()
                return True
            return self._view.keymap.action_for(event) is not None
        if self._view.help_overlay.isVisible() and event.key() not in _MODIFIER_KEYS:
            self._view.help_overlay.hide()  # any key closes the list of keys
            return True
        action = self._view.keymap.action_for(event)
        if action is None:
            return False
        if event.isAutoRepeat():
            return True  # a held key acts once
        self.run(action, event.key())
        return True

    def _release_swap(self) -> None:
        if self._swap_key is not None:
            self._swap_key = None
            self._view.session.set_swap(SWAP_NONE)

    def run(self, action: str, key: int = 0) -> None:
        """Perform ``action`` (a :data:`keymap.ACTIONS` name) on the session or the view."""
        view, session = self._view, self._view.session
        if action.startswith("select_"):
            session.select(int(action.rsplit("_", 1)[1]) - 1)
        elif action in ("positive", "similar", "negative"):
            session.give_label(Label(action.capitalize()))
        elif action in ("swap", "swap_all"):
            self._swap_key = key if key else Qt.Key.Key_Space
            session.set_swap(SWAP_ALL if action == "swap_all" else SWAP_SELECTED)
        elif action == "next_set":
            session.next_set()
        elif action == "previous_set":
            session.previous_set()
        elif action == "next_unlabelled":
            session.next_unlabelled()
        elif action == "undo":
            session.undo()
        elif action == "fit":
            view.transform.fit()
        elif action == "one_to_one":
            view.transform.one_to_one()
        elif action == "two_panel":
            session.set_two_panel(not session.two_panel)
        elif action == "two_panel_step":
            session.step_two_panel(1)
        elif action == "help":
            view.help_overlay_toggle()
        session.note_input()
