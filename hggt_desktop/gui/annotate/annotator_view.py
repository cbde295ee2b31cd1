"""The annotator's screen: the images, their letters and labels, and the label buttons.

It holds no state: everything it shows comes from the :class:`AnnotationSession`, and every
button, key and menu entry triggers an action of the one action table (``actions.py``).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from hggt_desktop.annotation.model import SWAP_ALL, SWAP_NONE, SWAP_SELECTED
from hggt_desktop.annotation.screen_layout import CONTROLS_CELL, ScreenLayout
from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.core.palette import LABEL_COLOURS
from hggt_desktop.core.record import FLAG_REASONS
from hggt_desktop.gui.annotate.actions import trigger
from hggt_desktop.gui.annotate.break_reminder import BreakReminder
from hggt_desktop.gui.annotate.comparison import SPLIT_ENDED, SPLIT_STARTED
from hggt_desktop.gui.annotate.controls_panel import ControlsPanel
from hggt_desktop.gui.annotate.help_overlay import HelpOverlay
from hggt_desktop.gui.annotate.key_dispatcher import KeyDispatcher
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.looked_reporter import LookedAreaReporter
from hggt_desktop.gui.annotate.progress_bar import ProgressStrip
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.viewer.display_image import DisplayImage
from hggt_desktop.gui.viewer.grid import GridPlan, PatchGrid
from hggt_desktop.gui.viewer.split import Split
from hggt_desktop.gui.viewer.transform import FIT, ONE_TO_ONE, ViewTransform
from hggt_desktop.gui.window_placement import layout_for

# The one label palette (core.palette); the label word is always written as well.
LABEL_COLORS = {label: QColor(colour) for label, colour in LABEL_COLOURS.items()}


class AnnotatorView(QWidget):
    """The grid of panels with progress above and buttons below, driven by one session."""

    practice_finished = Signal()
    layout_chosen = Signal(object)  # the ScreenLayout the rule chose for a new patch size

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
        self._layout_for: tuple[int, int, int] | None = None
        self.screen_layout: ScreenLayout | None = None
        self._plan: GridPlan | None = None
        self.flag_menu: QMenu | None = None
        self.session = session
        self.keymap = keymap
        self.transform = ViewTransform(self)
        self.grid = PatchGrid(self.transform)
        self.progress_strip = ProgressStrip(session)
        self.break_reminder = BreakReminder(session.active_seconds, break_interval_min if not practice else 0)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("padding: 2px 8px;")

        top: list[QWidget] = []
        extra: list[QPushButton] = []
        if practice:
            banner = QLabel("PRACTICE: these sets have known answers; nothing here goes into your labels.")
            banner.setWordWrap(True)
            banner.setStyleSheet("background: #dbe9f6; color: #0b3a5d; padding: 4px 8px; font-weight: bold;")
            top.append(banner)
            finish = QPushButton("Finish practice and start the real work")
            finish.clicked.connect(self.practice_finished)
            extra.append(finish)
        self.controls = ControlsPanel(
            [*top, self.progress_strip, self.break_reminder],
            self.notice,
            keymap,
            self.trigger,
            LABEL_COLORS,
            extra,
        )
        self.buttons = self.controls.buttons
        self.grid.set_controls(self.controls, self.controls.fit_columns)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.grid, 1)

        self.help_overlay = HelpOverlay(keymap, self)
        self.dispatcher = KeyDispatcher(self, keymap, self.trigger, self._dismiss_help)
        self.grid.panel_clicked.connect(self._on_panel_clicked)
        self.grid.divider_dragged.connect(lambda _index, position: session.aids.set_split_position(position))
        self.transform.changed.connect(self._on_transform_changed)
        # Where the annotator looks at 1:1 goes into the record (the model does the accounting).
        self.looked_reporter = LookedAreaReporter(session, self.grid, self.transform, self)
        session.set_shown.connect(self._on_set_shown)
        session.labels_changed.connect(self._on_labels_changed)
        session.selection_changed.connect(self._on_selection_changed)
        session.swap_changed.connect(self._on_swap_changed)
        session.two_panel_changed.connect(self._on_two_panel_changed)
        session.aids.split_changed.connect(self._on_split_changed)
        session.message.connect(self._on_message)
        session.feedback.connect(self._on_feedback)
        session.save_failed.connect(self._on_save_failed)
        session.saved.connect(lambda: self._on_message("Saved again: every label is on disk."))
        if session.index >= 0:
            self._on_set_shown(session.index)

    # --- actions (buttons, keys and menus all come here) ---------------------------------

    def trigger(self, name: str, pressed: bool = True) -> None:
        """Perform action ``name`` (see :data:`ACTIONS_BY_NAME`); ``pressed`` False lets a held key go."""
        trigger(self, name, pressed)

    def fit(self) -> None:
        # Fit shares the whole room between the panels: the 1:1 grid would keep them small.
        with self.looked_reporter.held():  # the larger panels are not painted at 1:1
            self.grid.set_plan(None)
            self.transform.fit()

    def one_to_one(self) -> None:
        with self.looked_reporter.held():
            self.grid.set_plan(self._plan)
            self.transform.one_to_one()

    def choose_flag(self) -> None:
        """Unflag a flagged set; otherwise offer the reasons (a menu: keys 1-4 or a click)."""
        if self.session.is_flagged():
            self.session.flag("")
            return
        menu = QMenu(self)
        for number, reason in enumerate(FLAG_REASONS, start=1):
            action = menu.addAction(f"&{number}  {reason}")
            action.triggered.connect(lambda _checked=False, reason=reason: self._on_flag_reason(reason))
        self.flag_menu = menu
        button = self.buttons["flag"]
        menu.popup(button.mapToGlobal(button.rect().topLeft()))

    def _on_flag_reason(self, reason: str) -> None:
        if reason == "other":
            text, ok = QInputDialog.getText(self, "Can't judge", "What is wrong with this set?")
            if not ok or not text.strip():
                return
            reason = f"other: {text.strip()}"
        self.session.flag(reason)

    def toggle_help(self) -> None:
        self.help_overlay.toggle()

    def _dismiss_help(self) -> bool:
        """Any key closes the list of keys (and does nothing else)."""
        if not self.help_overlay.isVisible():
            return False
        self.help_overlay.hide()
        return True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.help_overlay.isVisible():
            self.help_overlay.setGeometry(self.rect())

    # --- session signals -----------------------------------------------------------------

    def _on_set_shown(self, index: int) -> None:
        with self.looked_reporter.held():  # report the new set once it is laid out
            self._show_set()

    def _show_set(self) -> None:
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
        if original is not None and self._layout_for != (original.width(), original.height(), count):
            self._apply_rule((original.width(), original.height()), count)
        if session.two_panel or self.grid.is_two_panel():
            self.grid.set_two_panel(session.two_panel and count > 0, max(session.selected, 0) + 1)
        self._on_labels_changed()
        self._on_selection_changed(session.selected)
        self._show_split()
        if self.notice.text():
            self.notice.setText("")

    def _apply_rule(self, patch: tuple[int, int], versions: int) -> None:
        """1:1 unless the screen cannot show it: the rule's grid, zoom and two-panel mode."""
        self._layout_for = (*patch, versions)
        self.apply_layout(layout_for(self.screen(), patch, versions), patch)

    def apply_layout(self, layout: ScreenLayout, patch: tuple[int, int]) -> None:
        """Show the rule's arrangement, zoom and two-panel mode (``patch``: w, h device px)."""
        versions = self.session.version_count
        self.screen_layout = layout
        if layout.one_to_one:
            in_cell = layout.controls == CONTROLS_CELL
            self._plan = GridPlan(layout.columns, layout.rows, patch, in_cell)
            self.one_to_one()
        else:
            self._plan = None
            self.fit()
        if layout.two_panel != self.session.two_panel and versions > 1:
            self.session.set_two_panel(layout.two_panel)
        self.layout_chosen.emit(layout)

    def _display_image(self, folder: str) -> DisplayImage | None:
        return self.session.display_image(folder)

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
        if self.session.aids.split:
            self._show_split()

    def _on_swap_changed(self, mode: str) -> None:
        original = self._display_image(ORIGINAL_FOLDER)
        for index, panel in enumerate(self.grid.panels()[1:], start=0):
            swap = mode == SWAP_ALL or (mode == SWAP_SELECTED and index == self.session.selected)
            panel.set_swap_image(original if swap and mode != SWAP_NONE else None)

    def _on_split_changed(self, change: str) -> None:
        self._show_split()
        if change == SPLIT_STARTED:
            keys = " and ".join(k for k in map(self.keymap.describe, ("split_left", "split_right")) if k)
            leave = self.keymap.describe("split_view") or "the Split button"
            self._on_message(
                "Split view: the original left of the divider, the selected version right of it. Drag "
                f"the divider{f' or press {keys}' if keys else ''} to move it; {leave} to leave."
            )
        elif change == SPLIT_ENDED:
            self._on_message("")

    def _show_split(self) -> None:
        """The selected version's panel split (the original left of the divider), every other whole."""
        session = self.session
        original = self._display_image(ORIGINAL_FOLDER) if session.aids.split else None
        for position, panel in enumerate(self.grid.panels()[1:]):
            if original is not None and position == session.selected:
                split = Split(original, session.aids.split_position, "Original", session.letter(position))
                panel.set_split(split)
            else:
                panel.set_split(None)
        self.buttons["split_view"].setDown(session.aids.split)

    def _on_two_panel_changed(self, enabled: bool) -> None:
        self.grid.set_two_panel(enabled, max(self.session.selected, 0) + 1)
        self.buttons["two_panel"].setDown(enabled)

    def _on_transform_changed(self) -> None:
        transform = self.transform
        # The prefetch worker scales the next sets for the zoom shown, so a switch only blits.
        self.session.set_display_zoom(transform.zoom)
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

    def show_notice(self, text: str) -> None:
        """A message for the annotator under the images, until the next set (e.g. about their keys)."""
        self._on_feedback(text)

    def _on_feedback(self, text: str) -> None:
        self.notice.setStyleSheet("padding: 4px 8px; background: #dbe9f6; color: #0b3a5d;")
        self.notice.setText(text)

    def _on_save_failed(self, text: str) -> None:
        self.notice.setStyleSheet("padding: 2px 8px; background: #f8d7da; color: #58151c; font-weight: bold;")
        self.notice.setText(text)
