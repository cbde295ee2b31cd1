"""One image on screen, drawn through the shared view transform in device pixels.

Why device pixels: at 125-175% display scaling Qt maps a logical pixel to a fractional number
of screen pixels, so an image drawn at "100%" in logical units is resampled. The panel asks the
painter where its device pixels are, puts the image origin on a whole device pixel, and draws
with the painter scaled by 1/devicePixelRatio, so at zoom 1 each image pixel lands on exactly one
screen pixel (checked by tests/gui/test_viewer_exact.py at 100-200% scaling). Above 1:1 the
pixels are nearest-neighbour squares; below it the panel blits a smooth copy scaled once per
zoom (see ``display_image.py``), never resampling while it paints.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from hggt_desktop.gui.viewer.caption import Caption, paint_header, paint_strip
from hggt_desktop.gui.viewer.display_image import DisplayImage
from hggt_desktop.gui.viewer.palette import (
    BROKEN_COLOR,
    CAPTION_COLOR,
    CHROME_COLOR,
    SELECTED_COLOR,
    SURROUND_COLOR,
)
from hggt_desktop.gui.viewer.split import (
    GRAB_DISTANCE,
    Split,
    clamp_position,
    divider_device_x,
    paint_divider,
)
from hggt_desktop.gui.viewer.transform import ViewTransform

FRAME = 3  # logical pixels around the image area, coloured when the panel is selected
# Width of the caption strip beside the image (1:1 layouts; screen_layout.Chrome.caption).
CAPTION_BESIDE = 80
WHEEL_NOTCH = 120  # angleDelta units per wheel notch


class ImagePanel(QWidget):
    """An image (or its swap image, or a "cannot show" message) under a caption and a badge."""

    clicked = Signal()
    divider_dragged = Signal(float)  # the split view's divider, as a share of the image area's width

    def __init__(self, transform: ViewTransform, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._transform = transform
        self._image: DisplayImage | None = None
        self._swap_image: DisplayImage | None = None
        self._swap_source: np.ndarray | DisplayImage | None = None
        # Smooth copies made while painting (a cache miss): a prefetched set should need none.
        self.paint_rescales = 0
        self._broken_reason: str | None = None
        self._caption = ""
        self._badge: str | None = None
        self._badge_color = QColor(CAPTION_COLOR)
        self._selected = False
        self._caption_beside = False
        self._press_pos: QPointF | None = None
        self._last_pos = QPointF()
        self._dragging = False
        self._wheel_rest = 0
        self._split: Split | None = None
        self._dragging_divider = False
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(48, 48)
        key = id(self)
        self.destroyed.connect(lambda *_: transform.forget_viewport(key))
        transform.changed.connect(self.update)

    # --- content -------------------------------------------------------------------------

    def set_image(self, image: np.ndarray | DisplayImage | None, broken_reason: str | None = None) -> None:
        """Show an RGB array or a prepared image; ``None`` with a reason shows "cannot show"."""
        self._image = _displayable(image)
        self._broken_reason = broken_reason if image is None else None
        if self._image is not None and self._transform.image_size().isEmpty():
            self._transform.set_image_size(self._image.width(), self._image.height())
        self.update()

    def set_swap_image(self, image: np.ndarray | DisplayImage | None) -> None:
        """While not ``None``, draw this image instead of the panel's own at the same view."""
        if image is None:
            self._swap_image, self._swap_source = None, None
        elif image is not self._swap_source:
            # The same image is swapped in at every key press: convert it only once.
            self._swap_image, self._swap_source = _displayable(image), image
        self.update()

    def set_split(self, split: Split | None) -> None:
        """Show ``split.left`` left of a divider and the panel's own image right of it; None: whole."""
        self._split = split
        # The cursor shows where the divider can be grabbed before a button is pressed.
        self.setMouseTracking(split is not None)
        if split is None and not self._dragging_divider:
            self.unsetCursor()
        self.update()

    def is_split(self) -> bool:
        """Whether the split (wipe) view is drawn in this panel."""
        return self._split is not None

    def divider_x(self) -> float | None:
        """The divider's x in logical pixels of the panel (None when not split)."""
        if self._split is None:
            return None
        area = self.image_area()
        return area.left() + clamp_position(self._split.position) * area.width()

    def set_caption(self, text: str) -> None:
        """The panel's name above the image, e.g. "Original" or a neutral letter."""
        self._caption = text
        self.update()

    def set_badge(self, text: str | None, color: QColor | None = None) -> None:
        """A coloured tag at the right of the caption bar (e.g. the label given); None hides it."""
        self._badge = text
        self._badge_color = QColor(color) if color is not None else QColor(CAPTION_COLOR)
        self.update()

    def set_selected(self, selected: bool) -> None:
        """Draw (or remove) a clearly visible frame around the panel."""
        self._selected = selected
        self.update()

    def set_caption_beside(self, beside: bool) -> None:
        """Caption and badge in a strip left of the image (1:1 grids) instead of a bar above it."""
        if beside != self._caption_beside:
            self._caption_beside = beside
            self._report_viewport()
            self.update()

    def is_selected(self) -> bool:
        """Whether the selection frame is drawn."""
        return self._selected

    def is_swapped(self) -> bool:
        """Whether the swap image is being shown instead of the panel's own."""
        return self._swap_image is not None

    def image_area(self) -> QRect:
        """The part of the panel (logical pixels) where the image is drawn."""
        left = FRAME + (CAPTION_BESIDE if self._caption_beside else 0)
        top = FRAME + (0 if self._caption_beside else self._header_height())
        return QRect(left, top, max(self.width() - left - FRAME, 1), max(self.height() - top - FRAME, 1))

    def image_area_device_size(self) -> QSizeF:
        """The image area in device pixels: what the shared transform works in."""
        area, ratio = self.image_area(), self.devicePixelRatioF()
        return QSizeF(area.width() * ratio, area.height() * ratio)

    def chrome_size(self) -> QSize:
        """The part of the panel that is not image area: frame and caption bar."""
        if self._caption_beside:
            return QSize(2 * FRAME + CAPTION_BESIDE, 2 * FRAME)
        return QSize(2 * FRAME, 2 * FRAME + self._header_height())

    def sizeHint(self) -> QSize:
        """A square panel a comfortable size for a 512-pixel patch on a laptop."""
        return QSize(360, 360 + self._header_height())

    def _header_height(self) -> int:
        return self.fontMetrics().height() + 8

    # --- geometry reports for the shared fit ---------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Tell the shared transform the new image-area size (fit mode refits)."""
        super().resizeEvent(event)
        self._report_viewport()

    def showEvent(self, event: QShowEvent) -> None:
        """A shown panel takes part in the shared fit."""
        super().showEvent(event)
        self._report_viewport()

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden panel (e.g. in two-panel mode) no longer limits the shared fit."""
        super().hideEvent(event)
        self._transform.forget_viewport(id(self))

    def changeEvent(self, event: QEvent) -> None:
        """Moving to a screen with another scaling changes the device size."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self._report_viewport()

    def _report_viewport(self) -> None:
        if not self.isHidden():
            self._transform.report_viewport(id(self), self.image_area_device_size())

    # --- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Start a click, a drag of the images, or a drag of the split view's divider."""
        if event.button() == Qt.MouseButton.LeftButton and self._near_divider(event.position()):
            self._dragging_divider = True
            self._press_pos = None
        elif event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position()
            self._last_pos = event.position()
            self._dragging = False
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Drag pans every panel (the transform is shared), or moves the divider it grabbed."""
        if self._dragging_divider:
            area = self.image_area()
            self.divider_dragged.emit(clamp_position((event.position().x() - area.left()) / area.width()))
            return
        if self._press_pos is None:
            if self._split is not None:
                if self._near_divider(event.position()):
                    self.setCursor(Qt.CursorShape.SplitHCursor)
                else:
                    self.unsetCursor()
            return
        pos = event.position()
        if not self._dragging:
            moved = (pos - self._press_pos).manhattanLength()
            if moved < QApplication.startDragDistance():
                return
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self._transform.pan_by((pos - self._last_pos) * self.devicePixelRatioF())
        self._last_pos = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A press and release without a drag is a click (selects the panel in the apps)."""
        if event.button() == Qt.MouseButton.LeftButton and self._dragging_divider:
            self._dragging_divider = False
            if self._split is None:
                self.unsetCursor()
            return
        if event.button() != Qt.MouseButton.LeftButton or self._press_pos is None:
            return
        was_drag = self._dragging
        self._press_pos, self._dragging = None, False
        self.unsetCursor()
        if not was_drag:
            self.clicked.emit()

    def _near_divider(self, pos: QPointF) -> bool:
        divider = self.divider_x()
        return (
            divider is not None
            and self.image_area().contains(pos.toPoint())
            and abs(pos.x() - divider) <= GRAB_DISTANCE
        )

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click fits the whole image again."""
        self._press_pos = None  # the release that follows is not a second click
        self._transform.fit()
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """The wheel zooms about the cursor, one zoom level per notch."""
        self._wheel_rest += event.angleDelta().y()
        steps = int(self._wheel_rest / WHEEL_NOTCH)
        self._wheel_rest -= steps * WHEEL_NOTCH
        if steps:
            ratio = self.devicePixelRatioF()
            pos = (event.position() - QPointF(self.image_area().topLeft())) * ratio
            self._transform.step_zoom_about(pos, steps, self.image_area_device_size())
        event.accept()

    # --- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """Frame, caption bar, then the image (or message) clipped to the image area."""
        painter = QPainter(self)
        frame_color = SELECTED_COLOR if self._selected else CHROME_COLOR
        painter.fillRect(self.rect(), frame_color)
        area = self.image_area()
        if self._caption_beside:
            strip = QRect(FRAME, FRAME, CAPTION_BESIDE, area.height())
            painter.fillRect(strip, CHROME_COLOR)
            paint_strip(painter, strip, self._caption_now())
        else:
            header = QRect(FRAME, FRAME, area.width(), area.top() - FRAME)
            painter.fillRect(header, CHROME_COLOR)
            paint_header(painter, header, self._caption_now())
        painter.fillRect(area, SURROUND_COLOR)
        painter.setClipRect(area)
        image = self._swap_image if self._swap_image is not None else self._image
        if image is not None and self._split is not None and self._swap_image is None:
            self._paint_split(painter, self._split, image, area)
        elif image is not None:
            self._paint_image(painter, image, area)
        elif self._broken_reason is not None:
            self._paint_broken(painter, area)
        painter.end()

    def _caption_now(self) -> Caption:
        """The caption for what the image area shows now: own image, swapped, or split."""
        notes: tuple[str, ...]
        if self._swap_image is not None:
            header, notes = f"{self._caption}  (swapped)", ("swapped",)
        elif self._split is not None:
            header, notes = self._split.caption(), self._split.caption_lines()
        else:
            header, notes = self._caption, ()
        return Caption(self._caption, header, notes, self._badge, self._badge_color, self._selected)

    def _paint_broken(self, painter: QPainter, area: QRect) -> None:
        painter.fillRect(area, BROKEN_COLOR)
        painter.setPen(CAPTION_COLOR)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area.adjusted(12, 12, -12, -12), flags, f"cannot show: {self._broken_reason}")

    def _paint_split(self, painter: QPainter, split: Split, image: DisplayImage, area: QRect) -> None:
        """The original left of the divider, ``image`` right of it, both through the one transform."""
        ratio = self.devicePixelRatioF()
        area_device = _device_rect(area, ratio)
        x = divider_device_x(area_device, split.position, painter.deviceTransform().dx())
        left = QRectF(area_device.left(), area_device.top(), x - area_device.left(), area_device.height())
        right = QRectF(x, area_device.top(), area_device.right() - x, area_device.height())
        for half, drawn in ((left, split.left), (right, image)):
            if half.width() <= 0:
                continue
            painter.save()
            self._paint_image(painter, drawn, area, half)
            painter.restore()
        painter.save()
        painter.setTransform(QTransform.fromScale(1 / ratio, 1 / ratio))
        painter.setClipping(False)  # the divider's notches sit in the frame, outside the image area
        paint_divider(painter, x, area_device, ratio, FRAME * ratio)
        painter.restore()

    def _paint_image(
        self, painter: QPainter, image: DisplayImage, area: QRect, clip_device: QRectF | None = None
    ) -> None:
        """``image`` through the shared transform; only inside ``clip_device`` (device pixels) if given."""
        ratio = self.devicePixelRatioF()
        device = painter.deviceTransform()  # logical -> device, including this widget's offset
        area_device = _device_rect(area, ratio)
        origin = area_device.topLeft() + self._transform.map_from_image(QPointF(0, 0), area_device.size())
        # Put image pixel (0, 0) on a whole device pixel of the window, not of the widget:
        # at 125% a widget itself may start at a fractional device position.
        x = math.floor(device.dx() + origin.x() + 0.5) - device.dx()
        y = math.floor(device.dy() + origin.y() + 0.5) - device.dy()
        zoom = self._transform.zoom
        painter.setTransform(QTransform.fromScale(1 / ratio, 1 / ratio))  # now in device pixels
        if clip_device is not None:
            painter.setClipRect(clip_device, Qt.ClipOperation.IntersectClip)
        if zoom < 1:
            # Smooth below 1:1, from a copy scaled once (by the prefetcher when it could).
            scaled = image.cached(zoom)
            if scaled is None:
                self.paint_rescales += 1
                scaled = image.scaled(zoom)
            painter.drawImage(QPointF(x, y), scaled)
            return
        width, height = image.width(), image.height()
        # Draw only the visible image pixels: huge target rectangles at high zoom overflow the
        # raster engine's fixed-point maths and cost time for nothing.
        left = max(math.floor((area_device.left() - x) / zoom), 0)
        top = max(math.floor((area_device.top() - y) / zoom), 0)
        right = min(math.ceil((area_device.right() - x) / zoom), width)
        bottom = min(math.ceil((area_device.bottom() - y) / zoom), height)
        if right <= left or bottom <= top:
            return
        target = QRectF(x + left * zoom, y + top * zoom, (right - left) * zoom, (bottom - top) * zoom)
        # Nearest-neighbour at and above 1:1: every image pixel stays a sharp square.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, image.image, QRectF(left, top, right - left, bottom - top))


def _device_rect(area: QRect, ratio: float) -> QRectF:
    return QRectF(area.x() * ratio, area.y() * ratio, area.width() * ratio, area.height() * ratio)


def _displayable(image: np.ndarray | DisplayImage | None) -> DisplayImage | None:
    if image is None or isinstance(image, DisplayImage):
        return image
    return DisplayImage.from_array(image)
