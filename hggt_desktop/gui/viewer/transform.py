"""The synchronised view: one zoom and one centre shared by every image panel on the screen.

All quantities are in DEVICE pixels (physical screen pixels), never in Qt's logical pixels:
``zoom == 1`` means one image pixel on exactly one screen pixel, whatever the display scaling
(Windows 125-175%), which is what "true 1:1" must mean for judging image quality.

The mapping from image coordinates ``p`` to a viewport of device size ``s`` is
``device = (p - center) * zoom + s / 2``; every panel uses the same ``center`` and ``zoom``, so
the same image point sits at the same place in every panel.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

from PySide6.QtCore import QObject, QPointF, QSizeF, Signal

MIN_ZOOM = 1 / 64
MAX_ZOOM = 64.0

# Above 1:1 only whole-number zooms: nearest-neighbour at 1.5x would draw image pixels
# alternately one and two screen pixels wide, which distorts the fine texture being judged.
ZOOM_LEVELS: tuple[float, ...] = (
    *(2.0 ** (k / 4) for k in range(-24, 0)),
    1.0,
    2.0,
    3.0,
    4.0,
    5.0,
    6.0,
    8.0,
    10.0,
    12.0,
    16.0,
    20.0,
    24.0,
    32.0,
    48.0,
    64.0,
)

FIT = "fit"
ONE_TO_ONE = "one_to_one"
FREE = "free"


def fit_zoom(image_size: QSizeF, viewport: QSizeF) -> float:
    """Largest zoom that shows the whole image; whole numbers only when enlarging."""
    if image_size.isEmpty() or viewport.isEmpty():
        return 1.0
    zoom = min(viewport.width() / image_size.width(), viewport.height() / image_size.height())
    # Enlarging by a whole factor keeps every image pixel the same size on screen.
    return float(math.floor(zoom)) if zoom >= 1 else max(zoom, MIN_ZOOM)


def next_zoom_level(zoom: float, steps: int) -> float:
    """The zoom ``steps`` wheel notches in (positive) or out (negative) from ``zoom``."""
    for _ in range(abs(steps)):
        if steps > 0:
            larger = [level for level in ZOOM_LEVELS if level > zoom * (1 + 1e-9)]
            zoom = larger[0] if larger else MAX_ZOOM
        else:
            smaller = [level for level in ZOOM_LEVELS if level < zoom * (1 - 1e-9)]
            zoom = smaller[-1] if smaller else MIN_ZOOM
    return zoom


class ViewTransform(QObject):
    """The zoom, centre and mode shared by all panels; panels repaint when ``changed`` fires."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._mode = FIT
        self._zoom = 1.0
        self._center = QPointF(0.0, 0.0)
        self._image_size = QSizeF(0.0, 0.0)
        self._viewports: dict[Hashable, QSizeF] = {}

    @property
    def mode(self) -> str:
        """``"fit"`` (refits on resize), ``"one_to_one"`` or ``"free"``."""
        return self._mode

    @property
    def zoom(self) -> float:
        """Device pixels per image pixel."""
        return self._zoom

    @property
    def center(self) -> QPointF:
        """The image coordinate shown at the centre of every panel."""
        return QPointF(self._center)

    def image_size(self) -> QSizeF:
        """The size of the images being viewed (0x0 before the first set)."""
        return QSizeF(self._image_size)

    def set_image_size(self, width: int, height: int) -> None:
        """Tell the view the image size; a new size refits (fit) or recentres (other modes)."""
        size = QSizeF(float(width), float(height))
        if size == self._image_size:
            return
        self._image_size = size
        if self._mode == FIT:
            self._apply_fit()
        else:
            self._center = QPointF(width / 2, height / 2)
        self.changed.emit()

    def report_viewport(self, key: Hashable, size_device: QSizeF) -> None:
        """Record the device size of one panel's image area; fit mode refits to the smallest."""
        if self._viewports.get(key) == size_device:
            return
        self._viewports[key] = QSizeF(size_device)
        self._refit_if_fitting()

    def forget_viewport(self, key: Hashable) -> None:
        """Drop a hidden or deleted panel from the fit computation."""
        if self._viewports.pop(key, None) is not None:
            self._refit_if_fitting()

    def viewport_size(self) -> QSizeF:
        """The area every visible panel can show: the smallest reported width and height."""
        if not self._viewports:
            return QSizeF(0.0, 0.0)
        sizes = self._viewports.values()
        return QSizeF(min(s.width() for s in sizes), min(s.height() for s in sizes))

    def fit(self) -> None:
        """Show the whole image in every panel, and keep doing so when panels are resized."""
        self._mode = FIT
        self._apply_fit()
        self.changed.emit()

    def one_to_one(self) -> None:
        """Exactly one device pixel per image pixel, keeping the point at the centre."""
        self._mode = ONE_TO_ONE
        self._zoom = 1.0
        self.changed.emit()

    def zoom_about(self, panel_pos_device: QPointF, factor: float, panel_size_device: QSizeF) -> None:
        """Multiply the zoom by ``factor`` keeping the image point under the cursor fixed."""
        anchor = self.map_to_image(panel_pos_device, panel_size_device)
        self._set_zoom_about(anchor, panel_pos_device, panel_size_device, self._zoom * factor)

    def step_zoom_about(self, panel_pos_device: QPointF, steps: int, panel_size_device: QSizeF) -> None:
        """Move ``steps`` zoom levels in or out about the cursor (the mouse wheel)."""
        anchor = self.map_to_image(panel_pos_device, panel_size_device)
        target = next_zoom_level(self._zoom, steps)
        self._set_zoom_about(anchor, panel_pos_device, panel_size_device, target)

    def zoom_step(self, steps: int) -> None:
        """Move ``steps`` zoom levels in or out about the panels' centre (keyboard zoom)."""
        self._zoom = next_zoom_level(self._zoom, steps)
        self._mode = ONE_TO_ONE if self._zoom == 1.0 else FREE
        self.changed.emit()

    def pan_by(self, delta_device: QPointF) -> None:
        """Move the image by ``delta_device`` screen pixels (a drag); leaves fit mode."""
        if self._mode == FIT:
            self._mode = FREE
        self._center = self._clamped(self._center - delta_device / self._zoom)
        self.changed.emit()

    def zoom_percent(self) -> float:
        """The zoom as a percentage; 100 is true 1:1 in device pixels."""
        return self._zoom * 100.0

    def map_to_image(self, panel_pos_device: QPointF, panel_size_device: QSizeF) -> QPointF:
        """The image coordinate under a device position in a viewport of the given size."""
        half = QPointF(panel_size_device.width() / 2, panel_size_device.height() / 2)
        return self._center + (panel_pos_device - half) / self._zoom

    def map_from_image(self, image_pos: QPointF, panel_size_device: QSizeF) -> QPointF:
        """The device position of an image coordinate in a viewport of the given size."""
        half = QPointF(panel_size_device.width() / 2, panel_size_device.height() / 2)
        return (image_pos - self._center) * self._zoom + half

    def _set_zoom_about(self, anchor: QPointF, pos: QPointF, size: QSizeF, zoom: float) -> None:
        self._zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self._mode = ONE_TO_ONE if self._zoom == 1.0 else FREE
        half = QPointF(size.width() / 2, size.height() / 2)
        self._center = self._clamped(anchor - (pos - half) / self._zoom)
        self.changed.emit()

    def _clamped(self, center: QPointF) -> QPointF:
        # Keep the centre on the image so a fling cannot lose the image off screen.
        width, height = self._image_size.width(), self._image_size.height()
        return QPointF(min(max(center.x(), 0.0), width), min(max(center.y(), 0.0), height))

    def _apply_fit(self) -> None:
        self._zoom = fit_zoom(self._image_size, self.viewport_size())
        self._center = QPointF(self._image_size.width() / 2, self._image_size.height() / 2)

    def _refit_if_fitting(self) -> None:
        if self._mode == FIT:
            self._apply_fit()
            self.changed.emit()
