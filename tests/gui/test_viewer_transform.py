"""The shared view transform: zoom about the cursor, pan, fit, 1:1, with exact numbers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QSizeF

from hggt_desktop.gui.viewer.transform import FIT, FREE, ONE_TO_ONE, ViewTransform, fit_zoom, next_zoom_level


@pytest.fixture
def transform(qapp: object) -> ViewTransform:
    """A 100x80 image shown at 1:1, centred, in a 200x100 device-pixel viewport."""
    view = ViewTransform()
    view.set_image_size(100, 80)
    view.report_viewport("panel", QSizeF(200, 100))
    view.one_to_one()
    return view


def test_zoom_about_keeps_the_point_under_the_cursor(transform: ViewTransform) -> None:
    cursor, size = QPointF(150, 25), QSizeF(200, 100)
    before = transform.map_to_image(cursor, size)
    assert before == QPointF(100, 15)  # 50 + (150-100)/1, 40 + (25-50)/1
    transform.zoom_about(cursor, 2.0, size)
    assert transform.zoom == 2.0
    assert transform.center == QPointF(75, 27.5)  # 100 - 50/2, 15 + 25/2
    assert transform.map_to_image(cursor, size) == before
    assert transform.mode == FREE


def test_zoom_out_and_back_returns_to_one_to_one_mode(transform: ViewTransform) -> None:
    size = QSizeF(200, 100)
    transform.zoom_about(QPointF(30, 70), 0.5, size)
    transform.zoom_about(QPointF(30, 70), 2.0, size)
    assert transform.zoom == 1.0
    assert transform.mode == ONE_TO_ONE
    assert transform.zoom_percent() == 100.0


def test_wheel_steps_land_on_whole_zooms_above_one(transform: ViewTransform) -> None:
    size = QSizeF(200, 100)
    transform.step_zoom_about(QPointF(100, 50), 1, size)
    assert transform.zoom == 2.0
    transform.step_zoom_about(QPointF(100, 50), 2, size)
    assert transform.zoom == 4.0
    assert next_zoom_level(1.0, -4) == pytest.approx(0.5)
    assert next_zoom_level(0.75, 1) == pytest.approx(2 ** (-1 / 4))  # from a fit zoom between levels


def test_pan_moves_the_image_by_device_pixels(transform: ViewTransform) -> None:
    transform.zoom_about(QPointF(100, 50), 2.0, QSizeF(200, 100))  # about the centre: (50, 40)
    transform.pan_by(QPointF(10, -6))
    # Dragging right by 10 device px at zoom 2 shows what was 5 image px to the left.
    assert transform.center == QPointF(45, 43)


def test_pan_stops_at_the_image_edge(transform: ViewTransform) -> None:
    transform.pan_by(QPointF(-10_000, 10_000))
    assert transform.center == QPointF(100, 0)


def test_fit_follows_the_smallest_panel_and_its_resizes(qapp: object) -> None:
    view = ViewTransform()
    view.set_image_size(400, 300)
    view.report_viewport("a", QSizeF(200, 300))
    view.report_viewport("b", QSizeF(320, 120))
    assert view.mode == FIT
    assert view.zoom == pytest.approx(0.4)  # limited by b's height: 120 / 300
    assert view.center == QPointF(200, 150)
    view.report_viewport("b", QSizeF(320, 600))
    assert view.zoom == pytest.approx(0.5)  # now a's width: 200 / 400
    view.forget_viewport("a")
    assert view.zoom == pytest.approx(0.8)  # b alone: 320 / 400


def test_fit_enlarges_only_by_whole_factors(qapp: object) -> None:
    assert fit_zoom(QSizeF(64, 64), QSizeF(500, 450)) == 7.0
    assert fit_zoom(QSizeF(512, 512), QSizeF(500, 450)) == pytest.approx(450 / 512)


def test_one_to_one_survives_resizes_and_fit_comes_back(transform: ViewTransform) -> None:
    transform.report_viewport("panel", QSizeF(900, 700))
    assert transform.zoom == 1.0
    transform.fit()
    assert transform.zoom == 8.0  # min(900 / 100, 700 / 80) = 8.75, enlarged by whole factors


def test_keyboard_zoom_steps_keep_the_centre(transform: ViewTransform) -> None:
    transform.pan_by(QPointF(8, 4))
    center = transform.center
    transform.zoom_step(2)
    assert (transform.zoom, transform.center, transform.mode) == (3.0, center, FREE)
    transform.zoom_step(-2)
    assert (transform.zoom, transform.mode) == (1.0, ONE_TO_ONE)
