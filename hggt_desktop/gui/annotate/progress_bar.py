"""The strip above the images: where the annotator is, how much is done, time worked."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from hggt_desktop.gui.annotate.session import AnnotationSession


def format_duration(seconds: float) -> str:
    """``h:mm:ss`` for a number of seconds."""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


class ProgressStrip(QWidget):
    """Set number, sets done of the package, and active time today."""

    def __init__(self, session: AnnotationSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._position = QLabel()
        self._bar = QProgressBar()
        self._bar.setTextVisible(True)
        self._bar.setMaximumHeight(16)
        self._time = QLabel()
        self._time.setToolTip("Active time today: idle (30 s without input) and unfocused time excluded")
        self._mode = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(self._position)
        layout.addWidget(self._bar, 1)
        layout.addWidget(self._mode)
        layout.addWidget(self._time)
        for label in (self._position, self._time, self._mode):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        session.progress_changed.connect(self._on_progress_changed)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._on_tick)
        self._clock.start()
        self._on_progress_changed()

    def _on_progress_changed(self) -> None:
        session = self._session
        if session.index < 0:
            return
        done = session.done_count()
        self._position.setText(f"Set {session.index + 1} of {session.count}  ·  {session.progress.stem}")
        self._bar.setRange(0, session.count)
        self._bar.setValue(done)
        self._bar.setFormat(f"{done} of {session.count} sets done")
        self._on_tick()

    def _on_tick(self) -> None:
        seconds = self._session.seconds_today()
        idle = self._session.is_idle()
        self._time.setText(f"Today {format_duration(seconds)}" + ("  (paused)" if idle else ""))

    def set_mode_text(self, text: str) -> None:
        """Zoom and view mode, e.g. ``"1:1"`` or ``"Fit 75%"``."""
        self._mode.setText(text)
