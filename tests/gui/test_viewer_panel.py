"""One image panel driven like a user would: swap, broken images, click, drag, wheel, fit."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hggt_desktop.gui.viewer.panel import ImagePanel
from hggt_desktop.gui.viewer.qimage import ImageFormatError, from_qimage, to_qimage
from hggt_desktop.gui.viewer.transform import FIT, ViewTransform
from tests.gui.test_viewer_exact import find_exact


def _noise(seed: int, height: int = 48, width: int = 40) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def _shown_panel(
    qtbot: QtBot, image: np.ndarray, width: int = 220, height: int = 200
) -> tuple[ImagePanel, ViewTransform]:
    transform = ViewTransform()
    transform.set_image_size(image.shape[1], image.shape[0])
    panel = ImagePanel(transform)
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.set_image(image)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, transform


def _screen(panel: ImagePanel) -> np.ndarray:
    return from_qimage(panel.grab().toImage())


def test_to_qimage_owns_a_copy_of_the_pixels(qapp: object) -> None:
    image = _noise(0)
    qimage = to_qimage(image)
    image[:] = 0  # the caller reuses its buffer
    assert not np.array_equal(from_qimage(qimage), image)
    assert np.array_equal(from_qimage(qimage), _noise(0))
    with pytest.raises(ImageFormatError, match="HxWx3 uint8"):
        to_qimage(np.zeros((4, 4), np.uint8))


def test_swap_shows_the_swap_pixels_then_the_image_again(qtbot: QtBot) -> None:
    version, original = _noise(1), _noise(2)
    panel, transform = _shown_panel(qtbot, version)
    transform.one_to_one()
    assert find_exact(_screen(panel), version) is not None
    panel.set_swap_image(original)
    screen = _screen(panel)
    assert find_exact(screen, original) is not None
    assert find_exact(screen, version) is None
    panel.set_swap_image(None)
    screen = _screen(panel)
    assert find_exact(screen, version) is not None
    assert find_exact(screen, original) is None


def test_swap_keeps_the_zoom_and_position(qtbot: QtBot) -> None:
    version, original = _noise(3), _noise(4)
    panel, transform = _shown_panel(qtbot, version)
    transform.one_to_one()
    transform.pan_by(QPointF(9, 4))
    at_version = find_exact(_screen(panel), version)
    panel.set_swap_image(original)
    assert find_exact(_screen(panel), original) == at_version


def test_broken_panel_says_why_and_draws(qtbot: QtBot) -> None:
    panel, _ = _shown_panel(qtbot, _noise(5))
    panel.set_image(None, "B/0001.png is not a PNG file")
    screen = _screen(panel)
    area = panel.image_area()
    ratio = panel.devicePixelRatioF()
    inside = screen[
        int(area.top() * ratio) : int(area.bottom() * ratio),
        int(area.left() * ratio) : int(area.right() * ratio),
    ]
    assert find_exact(screen, _noise(5)) is None
    assert len(np.unique(inside.reshape(-1, 3), axis=0)) > 2  # a message is drawn, not just a fill


def test_click_without_drag_emits_clicked(qtbot: QtBot) -> None:
    panel, transform = _shown_panel(qtbot, _noise(6))
    center_before = transform.center
    with qtbot.waitSignal(panel.clicked, timeout=1000):
        qtbot.mouseClick(panel, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert transform.center == center_before


def test_drag_pans_the_shared_view_without_a_click(qtbot: QtBot) -> None:
    panel, transform = _shown_panel(qtbot, _noise(7, 200, 200))
    transform.one_to_one()
    clicks: list[bool] = []
    panel.clicked.connect(lambda: clicks.append(True))
    qtbot.mousePress(panel, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(panel, QPoint(120, 100))
    qtbot.mouseMove(panel, QPoint(140, 90))
    qtbot.mouseRelease(panel, Qt.MouseButton.LeftButton, pos=QPoint(140, 90))
    ratio = panel.devicePixelRatioF()
    assert transform.center == QPointF(100 - 40 * ratio, 100 + 10 * ratio)
    assert clicks == []


def test_wheel_zooms_about_the_cursor_and_double_click_fits(qtbot: QtBot) -> None:
    panel, transform = _shown_panel(qtbot, _noise(8, 200, 200))
    transform.one_to_one()
    area = panel.image_area()
    cursor = QPointF(area.left() + 30, area.top() + 40)
    ratio = panel.devicePixelRatioF()
    size = panel.image_area_device_size()
    under = transform.map_to_image((cursor - QPointF(area.topLeft())) * ratio, size)
    wheel = QWheelEvent(
        cursor,
        QPointF(panel.mapToGlobal(cursor)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(panel, wheel)
    assert transform.zoom == 2.0
    assert transform.map_to_image((cursor - QPointF(area.topLeft())) * ratio, size) == under
    qtbot.mouseDClick(panel, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    assert transform.mode == FIT


def test_fit_follows_a_panel_resize(qtbot: QtBot) -> None:
    panel, transform = _shown_panel(qtbot, _noise(9, 300, 400), width=220, height=200)
    transform.fit()
    before = transform.zoom
    assert before == pytest.approx(panel.image_area_device_size().width() / 400)
    panel.resize(330, 320)
    qtbot.waitUntil(lambda: transform.zoom != before, timeout=1000)
    size = panel.image_area_device_size()
    assert transform.zoom == pytest.approx(min(size.width() / 400, size.height() / 300))
    assert transform.mode == FIT


def _image_area_pixels(panel: ImagePanel) -> np.ndarray:
    area, ratio = panel.image_area(), panel.devicePixelRatioF()
    screen = _screen(panel)
    top, left = int(np.ceil(area.top() * ratio)), int(np.ceil(area.left() * ratio))
    bottom, right = int(area.bottom() * ratio), int(area.right() * ratio)
    return screen[top:bottom, left:right].reshape(-1, 3)


def test_nearest_neighbour_when_enlarged_smooth_when_reduced(qtbot: QtBot) -> None:
    checker = (np.indices((64, 64)).sum(axis=0) % 2 * 255).astype(np.uint8)
    checker = np.repeat(checker[:, :, None], 3, axis=2)
    panel, transform = _shown_panel(qtbot, checker, width=140, height=140)
    transform.one_to_one()
    transform.zoom_step(1)  # 2x: every screen pixel is black, white or the grey surround
    colours = {tuple(c) for c in np.unique(_image_area_pixels(panel), axis=0)}
    assert colours <= {(0, 0, 0), (255, 255, 255), (64, 64, 64)}
    transform.fit()
    # A panel smaller than the image: fit reduces it below 1:1.
    panel.resize(70, 80)
    qtbot.waitUntil(lambda: transform.zoom < 1, timeout=1000)
    colours = {tuple(c) for c in np.unique(_image_area_pixels(panel), axis=0)}
    assert any(0 < c[0] < 255 and c[0] != 64 for c in colours)  # filtered: greys between
