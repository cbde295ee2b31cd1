"""Where the annotator looked at 1:1: the accounting behind the record's ``looked_1to1`` (Qt-free).

The screen only reports rectangles: for each version panel it shows, the part of the patch
inside the panel (patch pixels) and the zoom (device pixels per patch pixel). This account
keeps the latest report and, whenever what is on screen changes (a pan, a zoom, another
version in two-panel mode, a swap ending), adds the cells then visible to the set's record.
Which versions count is the model's rule (:meth:`AnnotationState.versions_on_screen`): the
one beside the original in two-panel mode, never a panel showing the original swapped in.

Split (wipe) view: a panel showing part version, part original reports only the version's
side of the divider as its rectangle; nothing here changes for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from hggt_desktop.core.coverage import VisibleRect, counts_as_one_to_one
from hggt_desktop.core.record import SetRecord


class LookedArea:
    """The latest view the screen reported, marked into the record of the set on screen."""

    def __init__(self) -> None:
        self.zoom = 0.0
        self.visible: dict[int, VisibleRect] = {}

    def clear(self) -> None:
        """A new set: nothing of it is known to be on screen until the screen reports."""
        self.zoom = 0.0
        self.visible = {}

    def report(self, zoom: float, visible: Mapping[int, VisibleRect]) -> None:
        """The screen now shows these parts (position -> rectangle) at ``zoom``."""
        self.zoom = zoom
        self.visible = dict(visible)

    def mark(
        self, record: SetRecord, order: Sequence[str], size: tuple[int, int], positions: Iterable[int]
    ) -> bool:
        """Add what ``positions`` show now to the record; True when a cell was new.

        ``order`` maps positions to version folders; ``size`` is the patch (width, height).
        Below 1:1 nothing counts, and a record that does not keep coverage stays as it is.
        """
        coverage = record.looked_1to1
        if coverage is None or not counts_as_one_to_one(self.zoom):
            return False
        news = False
        for position in positions:
            rect = self.visible.get(position)
            if rect is not None and 0 <= position < len(order):
                news = coverage.mark(order[position], rect, *size) or news
        return news
