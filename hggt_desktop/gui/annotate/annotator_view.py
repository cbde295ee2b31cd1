"""The annotator's screen: the images, their letters and labels, and the label buttons.

It holds no state: everything it shows comes from the :class:`AnnotationSession`, and every
button calls a session method. Keys are handled by :class:`KeyDispatcher`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hggt_desktop.core.labels import ORIGINAL_FOLDER, Label
from hggt_desktop.core.palette import LABEL_COLOURS
from hggt_desktop.gui.annotate.break_reminder import BreakReminder
from hggt_desktop.gui.annotate.help_overlay import HelpOverlay
from hggt_desktop.gui.annotate.key_dispatcher import KeyDispatcher
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.progress_bar import ProgressStrip
from hggt_desktop.gui.annotate.session import SWAP_ALL, SWAP_NONE, SWAP_SELECTED, AnnotationSession
from hggt_desktop.gui.viewer.display_image import DisplayImage, DisplayPreparer
from hggt_desktop.gui.viewer.grid import PatchGrid
from hggt_desktop.gui.viewer.transform import FIT, ONE_TO_ONE, ViewTransform

# The one label palette (core.palette); the label word is always written as well.
LABEL_COLORS = {label: QColor(colour) for label, colour in LABEL_COLOURS.items()}
# After a zoom change, wait this long (a resize or a wheel spin settles) before rescaling the
# prefetched sets for the new zoom.
REPREPARE_DELAY_MS = 250


class AnnotatorView(QWidget):
    """The grid of panels with progress above and buttons below, driven by one session."""

    practice_finished = Signal()

    def __init__(
        self,
        session: AnnotationSession,
        keymap: KeyMap,
        *,
        practice: bool = False,
        break_interval_min: float = 30.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.keymap = keymap
        self.transform = ViewTransform(self)
        self.grid = PatchGrid(self.transform)
        self.progress_strip = ProgressStrip(session)
        self.break_reminder = BreakReminder(session.active_seconds, break_interval_min if not practice else 0)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("padding: 2px 8px;")
        self.buttons: dict[str, QPushButton] = {}
        # The prefetch worker scales the next sets for the zoom shown, so a switch only blits.
        self._preparer = DisplayPreparer()
        preparer = self._preparer
        session.prefetcher.prepare = lambda loaded: preparer(loaded.images, loaded.display)
        self._reprepare = QTimer(self)
        self._reprepare.setSingleShot(True)
        self._reprepare.setInterval(REPREPARE_DELAY_MS)
        self._reprepare.timeout.connect(session.prefetcher.prepare_again)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        if practice:
            banner = QLabel("PRACTICE: these sets have known answers; nothing here goes into your labels.")
            banner.setStyleSheet("background: #dbe9f6; color: #0b3a5d; padding: 4px 8px; font-weight: bold;")
            layout.addWidget(banner)
        layout.addWidget(self.progress_strip)
        layout.addWidget(self.break_reminder)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.notice)
        layout.addLayout(self._button_row(practice))

        self.help_overlay = HelpOverlay(keymap, self)
        self.dispatcher = KeyDispatcher(self)
        self.grid.panel_clicked.connect(self._on_panel_clicked)
        self.transform.changed.connect(self._on_transform_changed)
        session.set_shown.connect(self._on_set_shown)
        session.labels_changed.connect(self._on_labels_changed)
        session.selection_changed.connect(self._on_selection_changed)
        session.swap_changed.connect(self._on_swap_changed)
        session.two_panel_changed.connect(self._on_two_panel_changed)
        session.message.connect(self._on_message)
        session.feedback.connect(self._on_feedback)
        session.save_failed.connect(self._on_save_failed)
        session.saved.connect(lambda: self._on_message("Saved again: every label is on disk."))
        if session.index >= 0:
            self._on_set_shown(session.index)

    def _button_row(self, practice: bool) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(8, 4, 8, 6)
        specs = [
            ("previous_set", "◀ Previous", self.session.previous_set),
            ("positive", "Positive", lambda: self.session.give_label(Label.POSITIVE)),
            ("similar", "Similar", lambda: self.session.give_label(Label.SIMILAR)),
            ("negative", "Negative", lambda: self.session.give_label(Label.NEGATIVE)),
            ("next_set", "Next ▶", self.session.next_set),
            ("next_unlabelled", "Next unlabelled", self.session.next_unlabelled),
            ("fit", "Fit", self.transform.fit),
            ("one_to_one", "1:1", self.transform.one_to_one),
            ("two_panel", "Two panels", lambda: self.session.set_two_panel(not self.session.two_panel)),
            ("help", "Keys", self.help_overlay_toggle),
        ]
        for name, text, slot in specs:
            button = QPushButton(f"{text}  ({self.keymap.describe(name).split(' / ')[0]})")
            # Buttons never take the keyboard focus: Space must swap, not press a button.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            if name in ("positive", "similar", "negative"):
                color = LABEL_COLORS[Label(name.capitalize())].name()
                button.setStyleSheet(f"QPushButton {{ border-left: 6px solid {color}; padding: 4px 10px; }}")
            self.buttons[name] = button
            row.addWidget(button)
            if name in ("previous_set", "negative", "next_unlabelled"):
                row.addSpacing(16)
        if practice:
            finish = QPushButton("Finish practice and start the real work")
            finish.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            finish.clicked.connect(self.practice_finished)
            row.addSpacing(16)
            row.addWidget(finish)
        row.addStretch(1)
        return row

    def help_overlay_toggle(self) -> None:
        self.help_overlay.toggle()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.help_overlay.isVisible():
            self.help_overlay.setGeometry(self.rect())

    # --- session signals -----------------------------------------------------------------

    def _on_set_shown(self, index: int) -> None:
        session = self.session
        # The window may have moved to a screen with another scaling: the record says which.
        session.set_screen_scale(self.devicePixelRatioF())
        count = session.version_count
        panels = self.grid.set_panel_count(count + 1)
        reason = session.broken_reason()
        original = self._display_image(ORIGINAL_FOLDER)
        if original is not None:
            self.transform.set_image_size(original.width(), original.height())
        panels[0].set_image(original, None if original is not None else (reason or "not loaded"))
        panels[0].set_caption("Original")
        panels[0].set_badge(None)
        for position in range(count):
            version = session.version_at(position)
            image = self._display_image(version) if reason is None else None
            panel = panels[position + 1]
            panel.set_image(image, None if image is not None else (reason or "not loaded"))
            panel.set_caption(session.letter(position))
            panel.set_swap_image(None)
        if session.two_panel or self.grid.is_two_panel():
            self.grid.set_two_panel(session.two_panel and count > 0, max(session.selected, 0) + 1)
        self._on_labels_changed()
        self._on_selection_changed(session.selected)
        if self.notice.text():
            self.notice.setText("")

    def _display_image(self, folder: str) -> DisplayImage | None:
        """The draw-ready image of ``folder`` in the current set (kept with the set)."""
        loaded = self.session.loaded
        array = loaded.images.get(folder) if loaded else None
        if loaded is None or array is None:
            return None
        image = loaded.display.get(folder)
        if image is None:  # not prefetched (the first set, a jump): convert it now, once
            image = DisplayImage.from_array(array)
            loaded.display[folder] = image
        return image

    def _on_labels_changed(self) -> None:
        panels = self.grid.panels()
        for position in range(self.session.version_count):
            label = self.session.label_at(position)
            panels[position + 1].set_badge(
                label.value if label else None, LABEL_COLORS.get(label) if label else None
            )
        self.buttons["next_set"].setEnabled(self.session.can_advance())

    def _on_selection_changed(self, position: int) -> None:
        panels = self.grid.panels()
        for index, panel in enumerate(panels):
            panel.set_selected(index == position + 1 and position >= 0)
        if self.session.two_panel and position >= 0:
            self.grid.set_two_panel(True, position + 1)
        if self.session.swap_mode == SWAP_SELECTED:
            self._on_swap_changed(SWAP_SELECTED)

    def _on_swap_changed(self, mode: str) -> None:
        original = self._display_image(ORIGINAL_FOLDER)
        for index, panel in enumerate(self.grid.panels()[1:], start=0):
            swap = mode == SWAP_ALL or (mode == SWAP_SELECTED and index == self.session.selected)
            panel.set_swap_image(original if swap and mode != SWAP_NONE else None)

    def _on_two_panel_changed(self, enabled: bool) -> None:
        self.grid.set_two_panel(enabled, max(self.session.selected, 0) + 1)
        self.buttons["two_panel"].setDown(enabled)

    def _on_transform_changed(self) -> None:
        transform = self.transform
        self.session.note_zoom(transform.zoom)
        if transform.zoom != self._preparer.zoom:
            self._preparer.zoom = transform.zoom
            if transform.zoom < 1:
                self._reprepare.start()
        if transform.mode == ONE_TO_ONE:
            text = "1:1"
        elif transform.mode == FIT:
            text = f"Fit {transform.zoom_percent():.0f}%"
        else:
            text = f"Zoom {transform.zoom_percent():.0f}%"
        self.progress_strip.set_mode_text(text)

    def _on_panel_clicked(self, index: int) -> None:
        if index >= 1:
            self.session.select(index - 1)

    def _on_message(self, text: str) -> None:
        if self.session.save_error is not None:
            return  # a pending failed save stays in view until it is saved
        self.notice.setStyleSheet("padding: 2px 8px;")
        self.notice.setText(text)

    def _on_feedback(self, text: str) -> None:
        self.notice.setStyleSheet("padding: 4px 8px; background: #dbe9f6; color: #0b3a5d;")
        self.notice.setText(text)

    def _on_save_failed(self, text: str) -> None:
        self.notice.setStyleSheet("padding: 2px 8px; background: #f8d7da; color: #58151c; font-weight: bold;")
        self.notice.setText(text)
