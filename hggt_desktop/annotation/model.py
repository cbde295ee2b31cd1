"""One annotator labelling one workspace, without a screen (Qt-free).

The model owns what the annotator's screen shows and every rule about changing it: which set
and version are selected, labels and undo, when a set may be left, saving before the screen
moves on, the lock that keeps a second copy from writing the same labels, and where the
annotator looked at 1:1. It reports what changed through :class:`AnnotationEvents`; the Qt
session turns those into signals, a headless test or script simply reads the model.

It is built in parts, each a module: ``state.py`` (the set and selection, opening, saving),
``labelling.py`` (labels, flags, undo), ``viewing.py`` (swaps, aids, two-panel mode, zoom,
coverage, time) and this one (moving between sets). Positions are on-screen positions of
versions (0 = the first version panel, letter A); ``version_at`` maps them back to version
folders, which is all the files ever see.
"""

from __future__ import annotations

from hggt_desktop.annotation.events import (
    RETRY_INTERVAL_S,
    SWAP_ALL,
    SWAP_NONE,
    SWAP_SELECTED,
    AnnotationEvents,
    local_now,
)
from hggt_desktop.annotation.labelling import Labelling
from hggt_desktop.annotation.viewing import Viewing

__all__ = [
    "RETRY_INTERVAL_S",
    "SWAP_ALL",
    "SWAP_NONE",
    "SWAP_SELECTED",
    "AnnotationEvents",
    "AnnotationModel",
    "local_now",
]


class AnnotationModel(Labelling, Viewing):
    """One annotator labelling one workspace (or a practice copy with known ``answers``)."""

    def prefetch_around(self) -> None:
        """Start loading the sets around the one shown (the owner calls it once it is painted)."""
        if self.index >= 0 and not self._closed:
            self.prefetcher.around(self.index)

    def next_set(self) -> bool:
        """Move on, only when every version has a label (or the set is broken)."""
        self.note_input()
        if not self.can_advance():
            self.events.message(f"Give every version a label first ({self.missing_count()} left).")
            return False
        if self.index + 1 >= self.count:
            nxt = self.store.first_unfinished()
            if nxt is None:
                done = "Practice finished: start the real work" if self.answers is not None else "Thank you!"
                self.events.message(f"All {self.count} sets are labelled. {done}")
                return False
            moved = self.go_to(nxt)
            if moved:
                self.events.message("That was the last set; this is the first one not finished.")
            return moved
        return self.go_to(self.index + 1)

    def previous_set(self) -> bool:
        self.note_input()
        return self.go_to(self.index - 1) if self.index > 0 else False

    def next_unlabelled(self) -> bool:
        """Jump to the next set that is not done, after the current one."""
        self.note_input()
        nxt = self.store.first_unfinished((self.index + 1) % self.count)
        if nxt is None:
            self.events.message(f"All {self.count} sets are labelled.")
            return False
        return self.go_to(nxt)
