"""The annotator's controls in one widget: progress, break reminder, messages and buttons.

The patch grid places this widget in the spare cell of a 1:1 grid (beside the images) or under
the panels, so nothing is ever drawn over the pixels being judged; the buttons wrap into as
many rows as the room needs, so none falls off a 1366x768 screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hggt_desktop.core.labels import Label
from hggt_desktop.gui.annotate.actions import ACTIONS_BY_NAME, BUTTON_ROW
from hggt_desktop.gui.annotate.keymap import KeyMap


class ControlsPanel(QWidget):
    """Widgets the view owns, laid out top to bottom; buttons trigger actions by name."""

    def __init__(
        self,
        top: list[QWidget],
        notice: QLabel,
        keymap: KeyMap,
        trigger: Callable[[str], None],
        label_colors: dict[Label, QColor],
        extra: list[QPushButton],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for widget in top:
            layout.addWidget(widget)
        layout.addWidget(notice)
        self._grid = QGridLayout()
        self._grid.setContentsMargins(8, 4, 8, 6)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(4)
        layout.addLayout(self._grid)
        layout.addStretch(1)
        self._ordered: list[QPushButton] = []
        for name in BUTTON_ROW:
            if name is None:
                continue
            action = ACTIONS_BY_NAME[name]
            key = keymap.describe(name).split(" / ")[0]
            button = QPushButton(f"{action.title}  ({key})" if key else action.title)
            # Buttons never take the keyboard focus: Space must swap, not press a button.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, name=name: trigger(name))
            if name in ("positive", "similar", "negative"):
                color = label_colors[Label(action.title)].name()
                button.setStyleSheet(f"QPushButton {{ border-left: 6px solid {color}; padding: 4px 10px; }}")
            self.buttons[name] = button
            self._ordered.append(button)
        for button in extra:
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self._ordered.append(button)
        self._columns = 0
        self.set_columns(6)

    def set_columns(self, columns: int) -> None:
        """Put the buttons in rows of ``columns`` (fewer in a grid cell, more under the grid)."""
        if columns == self._columns:
            return
        self._columns = columns
        for button in self._ordered:
            self._grid.removeWidget(button)
        for index, button in enumerate(self._ordered):
            row, column = divmod(index, columns)
            self._grid.addWidget(button, row, column)

    def fit_columns(self, width: int) -> None:
        """As many buttons a row as ``width`` logical pixels hold (at least two)."""
        widest = max(button.sizeHint().width() for button in self._ordered) + self._grid.horizontalSpacing()
        self.set_columns(max(2, min(len(self._ordered), (width - 16) // max(widest, 1))))
