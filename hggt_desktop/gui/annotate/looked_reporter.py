"""Tells the annotation model which part of each version's patch is on screen, and at what zoom.

The model (``hggt_desktop/annotation/looked_area.py``) owns the accounting of where the
annotator looked at 1:1; the screen only reports rectangles. A panel's visible part follows
from the shared transform: the image coordinates under its image area's corners. Reports go
out whenever that can change: the transform (pan, zoom, fit), a panel resized, shown or
hidden (window size, two-panel mode), the selection or the split view's divider moved, and
once a new set is on screen. In split (wipe) view the selected version's panel shows the
original left of the divider, so only the part right of it is reported for that version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, QPointF

from hggt_desktop.core.coverage import VisibleRect
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.viewer.grid import PatchGrid
from hggt_desktop.gui.viewer.panel import ImagePanel
from hggt_desktop.gui.viewer.split import clamp_position
from hggt_desktop.gui.viewer.transform import ViewTransform

_GEOMETRY_EVENTS = (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide)


def visible_image_rect(transform: ViewTransform, panel: ImagePanel) -> VisibleRect:
    """The part of the image (image pixels, unclipped) inside ``panel``'s image area."""
    size = panel.image_area_device_size()
    top_left = transform.map_to_image(QPointF(0.0, 0.0), size)
    bottom_right = transform.map_to_image(QPointF(size.width(), size.height()), size)
    return VisibleRect(top_left.x(), top_left.y(), bottom_right.x(), bottom_right.y())


def right_of_divider(rect: VisibleRect, position: float) -> VisibleRect | None:
    """The part of ``rect`` right of a divider at ``position`` (share of the width); None if empty."""
    left = rect.left + clamp_position(position) * (rect.right - rect.left)
    return VisibleRect(left, rect.top, rect.right, rect.bottom) if left < rect.right else None


class LookedAreaReporter(QObject):
    """Reports the version panels' visible parts to the session; holds off while a set is laid out."""

    def __init__(
        self,
        session: AnnotationSession,
        grid: PatchGrid,
        transform: ViewTransform,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._grid = grid
        self._transform = transform
        self._holds = 0  # nested holds: a set shown may apply a layout, which fits
        transform.changed.connect(self.report)
        session.selection_changed.connect(self.report)  # the split view follows the selection
        session.aids.split_changed.connect(self.report)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No reports while the screen changes in steps, then one report of the result.

        Between the steps the panels and the view do not match: a new set's panels with the
        last set's view, or Fit's larger panels still at 1:1. A report then would count
        cells that were never painted at 1:1.
        """
        self._holds += 1
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds:
                for panel in self._grid.panels():
                    panel.installEventFilter(self)  # a second install of the same filter is a no-op
                self.report()

    def report(self) -> None:
        """Send every shown version panel's visible part and the zoom to the session."""
        if self._holds or self._session.index < 0:
            return
        visible: dict[int, VisibleRect] = {}
        for index, panel in enumerate(self._grid.panels()):
            if index == 0 or panel.isHidden():
                continue  # the original is no version; a hidden panel shows nothing
            part = self.version_part(index - 1, visible_image_rect(self._transform, panel))
            if part is not None:
                visible[index - 1] = part
        self._session.note_view(self._transform.zoom, visible)

    def version_part(self, position: int, rect: VisibleRect) -> VisibleRect | None:
        """What of ``rect`` shows version ``position``: all of it, or in split view its side only."""
        aids = self._session.aids
        if aids.split and position == self._session.selected:
            return right_of_divider(rect, aids.split_position)
        return rect

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A panel's size or visibility changed: what it shows changed."""
        if event.type() in _GEOMETRY_EVENTS:
            self.report()
        return False
