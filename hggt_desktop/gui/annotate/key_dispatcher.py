"""Keys to actions for one widget's window, including held keys (show the original).

Installed on the application so a key works wherever the focus is inside the window (Tab
would otherwise move the focus, Space would press a button). It knows only the key map and a
``trigger(name, pressed)`` callable: what an action does lives in the action table. Held
actions trigger on press and on release; auto-repeat is ignored so a held key never gives a
label twice.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QTextEdit, QWidget

from hggt_desktop.gui.annotate.actions import HOLD_ACTIONS
from hggt_desktop.gui.annotate.keymap import KeyMap

_TYPING_WIDGETS = (QLineEdit, QTextEdit)
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta)
_WINDOW_EVENTS = (QEvent.Type.WindowDeactivate, QEvent.Type.ApplicationDeactivate)


class KeyDispatcher(QObject):
    """Turns key presses in ``scope``'s window into ``trigger(action, pressed)`` calls."""

    def __init__(
        self,
        scope: QWidget,
        keymap: KeyMap,
        trigger: Callable[[str, bool], None],
        dismiss: Callable[[], bool] = lambda: False,
    ) -> None:
        """``dismiss`` is asked first on every key: True when it closed something (the key list)."""
        super().__init__(scope)
        self._scope = scope
        self._keymap = keymap
        self._trigger = trigger
        self._dismiss = dismiss
        self._held: tuple[int, str] | None = None  # (key, hold action) while a held key is down
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        scope.destroyed.connect(self._on_scope_destroyed)

    def _on_scope_destroyed(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _applies_to(self, obj: QObject) -> bool:
        scope = self._scope
        if not isinstance(obj, QWidget) or not scope.isVisible():
            return False
        if isinstance(obj, _TYPING_WIDGETS):
            return False
        return obj.window() is scope.window()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _WINDOW_EVENTS or kind == QEvent.Type.FocusOut and obj is self._scope.window():
            self._release_held()
            return False
        if kind == QEvent.Type.ShortcutOverride and self._applies_to(obj):
            # Claim the key before any QAction shortcut of the window sees it.
            if self._keymap.action_for(event) is not None:  # type: ignore[arg-type]
                event.accept()
                return True
            return False
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or not self._applies_to(obj):
            return False
        assert isinstance(event, QKeyEvent)
        if kind == QEvent.Type.KeyRelease:
            if self._held is not None and event.key() == self._held[0] and not event.isAutoRepeat():
                self._release_held()
                return True
            return self._keymap.action_for(event) is not None
        if event.key() not in _MODIFIER_KEYS and self._dismiss():
            return True  # any key closes the list of keys
        action = self._keymap.action_for(event)
        if action is None:
            return False
        if event.isAutoRepeat():
            return True  # a held key acts once
        if action in HOLD_ACTIONS:
            self._release_held()
            self._held = (event.key(), action)
        self._trigger(action, True)
        return True

    def _release_held(self) -> None:
        if self._held is not None:
            _, action = self._held
            self._held = None
            self._trigger(action, False)
