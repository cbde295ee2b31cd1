"""Handing decoded images to Qt: numpy RGB arrays in, QImages that own their pixels out.

Images are decoded once by the core (``hggt_desktop.core.images``) and only wrapped here, so
the screen shows exactly the pixels the labels refer to (one decode path, EXIF applied once).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


class ImageFormatError(ValueError):
    """An array cannot be shown: it is not an HxWx3 uint8 RGB image."""


def to_qimage(image: np.ndarray) -> QImage:
    """Copy an HxWx3 uint8 RGB array into a QImage that owns its data."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ImageFormatError(
            f"expected an HxWx3 uint8 RGB array, got shape {image.shape} dtype {image.dtype}; "
            "decode images with hggt_desktop.core.images.read_image"
        )
    height, width = image.shape[:2]
    array = np.ascontiguousarray(image)
    # A QImage made on a numpy buffer does not own it; copy() detaches it from the array.
    wrapped = QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return wrapped.copy()


def from_qimage(qimage: QImage) -> np.ndarray:
    """Read a QImage's pixels back as an HxWx3 uint8 RGB array (for tests and screenshots)."""
    rgb = qimage.convertToFormat(QImage.Format.Format_RGB888)
    height, width = rgb.height(), rgb.width()
    rows = np.frombuffer(rgb.constBits(), np.uint8).reshape(height, rgb.bytesPerLine())
    return rows[:, : 3 * width].reshape(height, width, 3).copy()
