"""The list of keys, drawn over the images; any key or click hides it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hggt_desktop.gui.annotate.actions import ACTIONS
from hggt_desktop.gui.annotate.keymap import KeyMap


def keys_html(keymap: KeyMap) -> str:
    """The key table as HTML (also used in docs and the instructions page)."""
    rows = []
    selects = [a for a in ACTIONS if a.name.startswith("select_")]
    first, last = keymap.describe(selects[0].name), keymap.describe(selects[-1].name)
    rows.append(f"<tr><td><b>{first} .. {last}</b></td><td>Select version A .. I</td></tr>")
    # Pairs of actions said on one row, so the list still fits a 768-pixel-high screen.
    paired = {"split_left": ("split_right", "Split view: move the divider left / right")}
    for action in ACTIONS:
        if action.name.startswith("select_") or action.name in {pair for pair, _ in paired.values()}:
            continue
        if action.name in paired:
            other, description = paired[action.name]
            keys = " / ".join(k for k in (keymap.describe(action.name), keymap.describe(other)) if k)
            rows.append(f"<tr><td><b>{keys or '(no key)'}</b></td><td>{description}</td></tr>")
            continue
        keys = keymap.describe(action.name) or "(no key)"
        rows.append(f"<tr><td><b>{keys}</b></td><td>{action.description}</td></tr>")
    rows.append(
        "<tr><td><b>Wheel / drag</b></td><td>Zoom about the cursor / pan (all panels together)</td></tr>"
    )
    rows.append("<tr><td><b>Click</b></td><td>Select a version</td></tr>")
    return (
        "<h2>Keys</h2><table cellspacing='0' cellpadding='4'>"
        + "".join(rows)
        + "</table><p>Keys can be changed in keys.json (Help &gt; Open the keys file folder).</p>"
        "<p><i>Press any key to close.</i></p>"
    )


class HelpOverlay(QWidget):
    """A dimmed layer over its parent with the key table in the middle."""

    def __init__(self, keymap: KeyMap, parent: QWidget) -> None:
        super().__init__(parent)
        self._label = QLabel(keys_html(keymap))
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.setStyleSheet(
            "QLabel { background: #f4f4f4; color: #202020; padding: 16px; border-radius: 6px; }"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self._label, 0, Qt.AlignmentFlag.AlignCenter)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
            self.raise_()
            self.show()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 150))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
