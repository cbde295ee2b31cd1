"""A break reminder: a quiet banner after every interval of active work, never a modal dialog.

ITU-R BT.500 asks for breaks about every 30 minutes in long judging sessions; a dialog that
steals the keyboard in the middle of a set would cost a label, so this is a dismissable strip.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

DEFAULT_INTERVAL_MIN = 30.0


class BreakSchedule:
    """When the next reminder is due, from active seconds (pure; the widget polls it)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._since = 0.0

    def due(self, active_seconds: float) -> bool:
        return self.interval_s > 0 and active_seconds - self._since >= self.interval_s

    def dismiss(self, active_seconds: float) -> None:
        self._since = active_seconds


class BreakReminder(QWidget):
    """Shows itself when a break is due; Dismiss (or working on) hides it until the next one."""

    dismissed = Signal()

    def __init__(
        self,
        active_seconds: Callable[[], float],
        interval_min: float = DEFAULT_INTERVAL_MIN,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._active_seconds = active_seconds
        self.schedule = BreakSchedule(interval_min * 60.0)
        self._text = QLabel()
        button = QPushButton("Dismiss")
        button.clicked.connect(self._on_dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self._text, 1)
        layout.addWidget(button)
        self.setStyleSheet("background: #fff3cd; color: #4d3b00;")
        self.setAutoFillBackground(True)
        self.hide()
        self._poll = QTimer(self)
        self._poll.setInterval(5000)
        self._poll.timeout.connect(self.check)
        self._poll.start()

    def check(self) -> None:
        """Show the banner when a break is due."""
        seconds = self._active_seconds()
        if not self.isVisible() and self.schedule.due(seconds):
            minutes = max(1, round(self.schedule.interval_s / 60))
            self._text.setText(
                f"You have worked {minutes} minutes: time for a short break. Look away from the "
                "screen for a few minutes; your work is saved."
            )
            self.show()

    def _on_dismiss(self) -> None:
        self.schedule.dismiss(self._active_seconds())
        self.hide()
        self.dismissed.emit()
