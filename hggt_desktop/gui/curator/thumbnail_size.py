"""How large the curator's panels must be: each image at 1:1, or at least 256 device pixels.

The set under review sits beside the queue, where cells sharing the room made the patches
~195 px: too small to judge halos or false texture. The set view gives its grid at least the
size returned here (a scrollbar appears where the window is smaller), so each image is shown
at 1:1 when the patch is at most :data:`THUMBNAIL` pixels, else at least that large.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize

from hggt_desktop.gui.viewer.arrangement import SPACING, arrange_cells

THUMBNAIL = 256  # device pixels of a patch's longer side, at the least


def thumbnail_zoom(image: QSize, target: int = THUMBNAIL) -> float:
    """Zoom that shows the patch at 1:1, or shrunk only so far that its longer side is ``target``."""
    longest = max(image.width(), image.height(), 1)
    return min(1.0, target / longest)


def minimum_grid_size(count: int, width: int, image: QSize, chrome: QSize, ratio: float) -> QSize:
    """The minimum size of a grid ``width`` wide whose equal cells all hold the image at
    :func:`thumbnail_zoom`: one panel's width, and the height the panels need at that width.

    ``chrome`` is a panel's frame and caption bar, in logical pixels; ``ratio`` the device
    pixel ratio. A grid narrower than one panel is measured at one panel's width.
    """
    if image.isEmpty() or count < 1:
        return QSize(0, 0)
    zoom = thumbnail_zoom(image)
    need_w = math.ceil(zoom * image.width() / ratio) + chrome.width()
    need_h = math.ceil(zoom * image.height() / ratio) + chrome.height()
    width = max(width, need_w)
    aspect = image.width() / image.height()

    def fits(height: int) -> bool:
        cells = arrange_cells(count, width, height, aspect, chrome=chrome)
        return all(c.width() >= need_w and c.height() >= need_h for c in cells)

    # One panel a row always fits at ``high``; the largest-image arrangement only does better.
    low, high = need_h, count * (need_h + SPACING)
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return QSize(need_w, low)
