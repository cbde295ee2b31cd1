"""The latched comparison aids: A/B toggle, flicker and the split (wipe) view.

Peer tools give volunteers these beside hold-to-swap. They are one comparison at a time
(starting one ends the others), so the screen always says plainly what is shown where; each
start is counted in the set's record (``aid_uses``) and a new set starts with none of them.
The swap they drive lives in the model (what every panel shows); the flicker's timer and the
split view's divider live here, as they only matter while a screen shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from hggt_desktop.annotation.model import SWAP_NONE, SWAP_SELECTED, AnnotationModel

# Flicker: original and version alternate at 2 Hz (each shown 500 ms), slow enough to see
# which is which, fast enough that a change in texture "moves".
FLICKER_INTERVAL_MS = 500
# One press of the split view's divider keys moves it this share of the panel's width.
SPLIT_STEP = 0.05


# What ``split_changed`` says happened.
SPLIT_STARTED = "started"
SPLIT_MOVED = "moved"
SPLIT_ENDED = "ended"


class ComparisonAids(QObject):
    """A/B, flicker and split view over one model; ``split_changed`` says each split change."""

    split_changed = Signal(str)  # SPLIT_STARTED, SPLIT_MOVED or SPLIT_ENDED

    def __init__(self, model: AnnotationModel, message: Callable[[str], None], parent: QObject) -> None:
        super().__init__(parent)
        self._model = model
        self._message = message
        self._flicker = QTimer(self)
        self._flicker.setInterval(FLICKER_INTERVAL_MS)
        self._flicker.timeout.connect(self._on_flicker)
        self._split = False
        self._split_position = 0.5  # kept from set to set: the person put it where they look

    def reset(self) -> None:
        """A new set is shown: unswapped (the model reset the swap) and whole."""
        self._flicker.stop()
        self._split = False

    # --- A/B and flicker -------------------------------------------------------------------

    def toggle_ab(self) -> None:
        """Latched A/B: show the original in place of the selected version until pressed again."""
        self.stop_flicker()
        self._end_split()
        if self._model.swap_mode == SWAP_NONE:
            self._model.set_swap(SWAP_SELECTED)
            self._model.note_aid("ab_toggle")
        else:
            self._model.set_swap(SWAP_NONE)

    def toggle_flicker(self) -> None:
        """Alternate the selected version and the original every ``FLICKER_INTERVAL_MS``, or stop."""
        if self._flicker.isActive():
            self.stop_flicker()
            return
        self._model.note_input()
        self._end_split()
        self._model.note_aid("flicker")
        self._flicker.start()

    def is_flickering(self) -> bool:
        return self._flicker.isActive()

    def stop_flicker(self) -> None:
        if self._flicker.isActive():
            self._flicker.stop()
            self._model.set_swap(SWAP_NONE, count=False)

    def _on_flicker(self) -> None:
        flipped = SWAP_NONE if self._model.swap_mode != SWAP_NONE else SWAP_SELECTED
        self._model.set_swap(flipped, count=False)

    # --- the split (wipe) view -------------------------------------------------------------

    @property
    def split(self) -> bool:
        """Whether the selected version's panel shows the original left of a divider."""
        return self._split

    @property
    def split_position(self) -> float:
        """The divider, as a share (0..1) of the panel's width."""
        return self._split_position

    def toggle_split(self) -> None:
        """Split (wipe) view of the selected version, or back to the whole version."""
        model = self._model
        model.note_input()
        if self._split:
            self._end_split()
            return
        if model.broken_reason() is not None or model.version_count == 0:
            self._message("The split view needs the original and a version: this set has none to show.")
            return
        self.stop_flicker()
        if model.swap_mode != SWAP_NONE:
            model.set_swap(SWAP_NONE, count=False)
        if model.selected < 0:
            model.select(0)
        model.note_aid("split")
        self._split = True
        self.split_changed.emit(SPLIT_STARTED)

    def move_split(self, step: float) -> None:
        """Move the divider by ``step`` (a share of the width; negative: left), in the split view."""
        if self._split:
            self.set_split_position(self._split_position + step)

    def set_split_position(self, position: float) -> None:
        """Put the divider at ``position`` (0 = left edge, 1 = right edge of the panel)."""
        self._model.note_input()
        position = min(max(position, 0.0), 1.0)
        if position != self._split_position:
            self._split_position = position
            if self._split:
                self.split_changed.emit(SPLIT_MOVED)

    def _end_split(self) -> None:
        if self._split:
            self._split = False
            self.split_changed.emit(SPLIT_ENDED)
