"""The viewer's colours: a neutral grey surround, quiet chrome, one accent for the selection.

ITU-R BT.500 and ITU-T P.910 ask for a neutral (D65 grey) background behind images under
judgement, darker than the images themselves, and no saturated colour near them; the accent is
only on the frame and the caption bar, never in the image area.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

SURROUND_COLOR = QColor(64, 64, 64)  # neutral grey around the image inside a panel
CHROME_COLOR = QColor(38, 38, 38)  # caption bar, frame and gaps between panels
CAPTION_COLOR = QColor(225, 225, 225)
SELECTED_COLOR = QColor(255, 196, 0)  # amber: visible on grey chrome, unlike any label colour
BROKEN_COLOR = QColor(72, 40, 40)


def contrasting_text(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    luma = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF()
    return QColor(0, 0, 0) if luma > 0.5 else QColor(255, 255, 255)
