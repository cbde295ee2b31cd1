"""The split (wipe) view of one panel: the original left of a divider, the version right of it.

Both halves are drawn through the panel's one shared transform, so the same image point sits
at the same screen place on either side of the divider and in every other panel, and at 1:1
each half is pixel-exact. The divider is kept as a share of the image area's width (not as an
image coordinate) so it stays on screen however far the person zooms or pans. Its device
position is rounded to a whole pixel of the window, as the image origin is, so the boundary
never falls inside a pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from hggt_desktop.gui.viewer.display_image import DisplayImage
from hggt_desktop.gui.viewer.palette import CAPTION_COLOR, SELECTED_COLOR

# How near the divider (logical pixels) a press grabs it instead of panning the images.
GRAB_DISTANCE = 8
# The divider line's width in logical pixels; at 1:1 it covers this many columns of the version.
LINE_WIDTH = 1
# The notches in the frame: light, so they show on the amber selection frame and the grey chrome.
DIVIDER_NOTCH_COLOR = CAPTION_COLOR


@dataclass(frozen=True)
class Split:
    """What a split panel shows: ``left`` (the original) left of the divider at ``position``.

    ``position`` is the divider's place as a share (0..1) of the image area's width;
    ``left_caption`` and ``right_caption`` name the two sides in the panel's caption.
    """

    left: DisplayImage
    position: float
    left_caption: str
    right_caption: str

    def caption(self) -> str:
        """One line saying which side is which (the caption bar above the image)."""
        return f"◀ {self.left_caption}  |  {self.right_caption} ▶"

    def caption_lines(self) -> tuple[str, str]:
        """Two short lines for the narrow caption strip beside the image."""
        return f"◀ {self.left_caption}", f"{self.right_caption} ▶"


def clamp_position(position: float) -> float:
    """A divider position kept inside the image area (0 = left edge, 1 = right edge)."""
    return min(max(position, 0.0), 1.0)


def divider_device_x(area_device: QRectF, position: float, window_dx: float) -> float:
    """The divider's x in the widget's device pixels, on a whole device pixel of the window.

    ``window_dx`` is the widget's own device offset in the window (fractional at 125%).
    """
    x = area_device.left() + clamp_position(position) * area_device.width()
    return math.floor(window_dx + x + 0.5) - window_dx


def paint_divider(painter: QPainter, x: float, area_device: QRectF, ratio: float, frame: float) -> None:
    """The divider line from ``x`` (device pixels; the painter draws in device pixels).

    It runs on through the panel's frame (``frame`` device pixels above and below the image
    area), with a notch there, so where the divider is can be seen without looking at the image.
    """
    width = max(1, round(LINE_WIDTH * ratio))
    painter.fillRect(QRectF(x, area_device.top(), width, area_device.height()), SELECTED_COLOR)
    notch = 3 * width
    for top in (area_device.top() - frame, area_device.bottom()):
        painter.fillRect(QRectF(x - notch, top, 2 * notch + width, frame), DIVIDER_NOTCH_COLOR)
