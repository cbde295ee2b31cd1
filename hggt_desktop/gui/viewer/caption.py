"""A panel's caption: its name, the label badge and accent notes, above or beside the image.

Two places for it: a bar above the image (layouts that share the room) or a narrow strip left
of it (1:1 grids, where every row of the cell is image). The notes say what the image area
shows when it is not simply the panel's own image ("swapped", or the split view's two sides).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter

from hggt_desktop.gui.viewer.palette import CAPTION_COLOR, SELECTED_COLOR, contrasting_text

_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft


@dataclass(frozen=True)
class Caption:
    """What a caption says: ``header`` in the bar; ``name`` then ``notes`` in the strip."""

    name: str
    header: str
    notes: tuple[str, ...]
    badge: str | None
    badge_color: QColor
    selected: bool


def paint_header(painter: QPainter, header: QRect, caption: Caption) -> None:
    """The caption bar above the image: the header text left, the badge right."""
    _bold(painter)
    text_rect = header.adjusted(6, 0, -6, 0)
    badge_width = 0
    if caption.badge:
        badge_width = painter.fontMetrics().horizontalAdvance(caption.badge) + 14
        badge = QRect(header.right() - badge_width - 3, header.top() + 3, badge_width, header.height() - 6)
        _paint_badge(painter, badge, caption.badge, caption.badge_color)
    painter.setPen(SELECTED_COLOR if caption.selected else CAPTION_COLOR)
    elided = painter.fontMetrics().elidedText(
        caption.header, Qt.TextElideMode.ElideRight, text_rect.width() - badge_width
    )
    painter.drawText(text_rect, _LEFT, elided)


def paint_strip(painter: QPainter, strip: QRect, caption: Caption) -> None:
    """The strip left of the image: the name, the badge under it, then the notes."""
    _bold(painter)
    metrics = painter.fontMetrics()
    line = metrics.height() + 8
    text_rect = QRect(strip.left() + 4, strip.top() + 2, strip.width() - 8, line)
    painter.setPen(SELECTED_COLOR if caption.selected else CAPTION_COLOR)
    painter.drawText(
        text_rect, _LEFT, metrics.elidedText(caption.name, Qt.TextElideMode.ElideRight, text_rect.width())
    )
    if caption.badge:
        badge = text_rect.translated(0, line).adjusted(0, 2, 0, -2)
        _paint_badge(painter, badge, caption.badge, caption.badge_color)
    painter.setPen(SELECTED_COLOR)
    for row, note in enumerate(caption.notes, start=2):
        elided = metrics.elidedText(note, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect.translated(0, row * line), _LEFT, elided)


def _bold(painter: QPainter) -> None:
    font = painter.font()
    font.setBold(True)
    painter.setFont(font)


def _paint_badge(painter: QPainter, rect: QRect, text: str, color: QColor) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(contrasting_text(color))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
