"""Images ready to draw: 32-bit pixels plus smooth-scaled copies for the zooms below 1:1.

Why: smooth-scaling five 512x512 images while painting takes longer than a frame (16 ms), so
a set switch in fit mode was slow. A :class:`DisplayImage` keeps the scaled copy for the zoom
on screen, and the annotator's prefetcher makes it in its worker thread (``QImage`` may be
used outside the GUI thread, ``QPixmap`` may not), so switching sets only blits ready pixels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from hggt_desktop.gui.viewer.qimage import to_qimage

# Scaled copies kept per image: the zoom on screen and the one before it (a resize or a wheel
# notch and back), so memory stays bounded however much the person zooms.
SCALED_KEPT = 2


def scaled_size(width: int, height: int, zoom: float) -> QSize:
    """The device-pixel size of a ``width`` x ``height`` image drawn at ``zoom``."""
    return QSize(max(round(width * zoom), 1), max(round(height * zoom), 1))


class DisplayImage:
    """One decoded image as drawn: RGB32 pixels and its smooth copies for zooms below 1."""

    def __init__(self, image: QImage) -> None:
        # RGB888 is converted on every draw; RGB32 is blitted as is, which keeps paints fast.
        self.image = image.convertToFormat(QImage.Format.Format_RGB32)
        self._scaled: OrderedDict[tuple[int, int], QImage] = OrderedDict()
        self._lock = threading.Lock()  # the worker thread and the painter share the cache

    @classmethod
    def from_array(cls, array: np.ndarray) -> DisplayImage:
        """Wrap an HxWx3 uint8 RGB array (safe in a worker thread)."""
        return cls(to_qimage(array))

    def width(self) -> int:
        return self.image.width()

    def height(self) -> int:
        return self.image.height()

    def cached(self, zoom: float) -> QImage | None:
        """The smooth copy for ``zoom`` if it was made already, else None."""
        key = self._key(zoom)
        with self._lock:
            found = self._scaled.get(key)
            if found is not None:
                self._scaled.move_to_end(key)
            return found

    def scaled(self, zoom: float) -> QImage:
        """The smooth copy for ``zoom`` (< 1), made now if needed (safe in a worker thread)."""
        found = self.cached(zoom)
        if found is not None:
            return found
        size = scaled_size(self.width(), self.height(), zoom)
        # Area-averaging, not bilinear: below half size bilinear sampling skips pixels.
        made = self.image.scaled(
            size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        with self._lock:
            self._scaled[self._key(zoom)] = made
            while len(self._scaled) > SCALED_KEPT:
                self._scaled.popitem(last=False)
        return made

    def scaled_count(self) -> int:
        """How many smooth copies are held (tests check memory stays bounded)."""
        with self._lock:
            return len(self._scaled)

    def _key(self, zoom: float) -> tuple[int, int]:
        size = scaled_size(self.width(), self.height(), zoom)
        return size.width(), size.height()


def prepare_images(
    images: dict[str, np.ndarray | None], display: dict[str, DisplayImage], zoom: float
) -> None:
    """Fill ``display`` with a draw-ready image per array, scaled for ``zoom`` when below 1.

    Runs in the prefetcher's worker thread; existing entries are reused, so calling it again
    after a zoom change only adds the new scaled copies.
    """
    for name, array in images.items():
        if array is None:
            continue
        image = display.get(name)
        if image is None:
            image = DisplayImage.from_array(array)
            display[name] = image
        if zoom < 1:
            image.scaled(zoom)


class DisplayPreparer:
    """What a prefetch worker calls: draw-ready images for the zoom on screen now."""

    def __init__(self) -> None:
        # Set by the GUI thread, read by the worker: a plain float, never a Qt object.
        self.zoom = 1.0

    def __call__(self, images: dict[str, np.ndarray | None], display: dict[str, DisplayImage]) -> None:
        prepare_images(images, display, self.zoom)
