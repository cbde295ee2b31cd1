"""The patch grid: layouts for 2 to 10 panels, one shared transform, two-panel mode, clicks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from pytestqt.qtbot import QtBot

from hggt_desktop.gui.viewer.arrangement import arrange_cells
from hggt_desktop.gui.viewer.grid import PatchGrid
from hggt_desktop.gui.viewer.qimage import from_qimage
from hggt_desktop.gui.viewer.transform import ViewTransform
from tests.gui.test_viewer_exact import find_exact


def _assert_tiled(rects: list[QRect], bounds: QRect) -> None:
    for rect in rects:
        assert rect.width() > 0 and rect.height() > 0
        assert bounds.contains(rect)
    for first, second in itertools.combinations(rects, 2):
        assert not first.intersects(second), (first, second)


def _grid(qtbot: QtBot, count: int, size: QSize | None = None) -> tuple[PatchGrid, ViewTransform]:
    transform = ViewTransform()
    transform.set_image_size(64, 48)
    grid = PatchGrid(transform)
    qtbot.addWidget(grid)
    grid.resize(size if size is not None else QSize(1000, 640))
    for index, panel in enumerate(grid.set_panel_count(count)):
        panel.set_image(np.full((48, 64, 3), 20 * index, np.uint8))
    grid.show()
    qtbot.waitExposed(grid)
    return grid, transform


@pytest.mark.parametrize("count", [2, 5, 10])
@pytest.mark.parametrize("size", [QSize(1000, 640), QSize(500, 900)])
def test_panels_do_not_overlap_and_have_a_size(qtbot: QtBot, count: int, size: QSize) -> None:
    grid, _ = _grid(qtbot, count, size)
    panels = grid.panels()
    assert len(panels) == count
    assert all(panel.isVisible() for panel in panels)
    _assert_tiled([panel.geometry() for panel in panels], grid.rect())


def test_five_panels_put_the_original_apart_beside_a_two_by_two(qtbot: QtBot) -> None:
    grid, _ = _grid(qtbot, 5, QSize(1200, 600))
    original, *versions = (panel.geometry() for panel in grid.panels())
    assert all(original.right() < version.left() for version in versions)
    assert len({version.left() for version in versions}) == 2
    assert len({version.top() for version in versions}) == 2


@pytest.mark.parametrize("count", range(1, 11))
def test_every_count_tiles_tall_and_wide_areas(count: int) -> None:
    for width, height in ((1600, 1000), (700, 1200), (300, 200)):
        _assert_tiled(arrange_cells(count, width, height, aspect=4 / 3), QRect(0, 0, width, height))


def test_arrange_refuses_more_than_nine_versions() -> None:
    with pytest.raises(ValueError, match="1 to 10 panels"):
        arrange_cells(11, 800, 600)


def test_all_panels_follow_one_transform(qtbot: QtBot) -> None:
    grid, transform = _grid(qtbot, 5)
    panels = grid.panels()
    size = panels[2].image_area_device_size()
    transform.one_to_one()
    transform.zoom_about(QPointF(10, 10), 3.0, size)
    transform.pan_by(QPointF(-5, 2))
    centers = []
    for panel in panels:
        area = panel.image_area_device_size()
        centers.append(transform.map_to_image(QPointF(area.width() / 2, area.height() / 2), area))
    assert all(center == transform.center for center in centers)
    # Every panel shows its own image through that transform: the same spot, each panel's pixels.
    for index, panel in enumerate(panels):
        screen = from_qimage(panel.grab().toImage())
        assert find_exact(screen, np.full((3, 3, 3), 20 * index, np.uint8)) is not None


def test_fit_uses_the_space_of_the_panels_shown(qtbot: QtBot) -> None:
    grid, transform = _grid(qtbot, 10)
    assert transform.mode == "fit"
    many = transform.zoom
    grid.set_two_panel(True, version_index=3)
    shown = [panel for panel in grid.panels() if panel.isVisible()]
    assert shown == [grid.panels()[0], grid.panels()[3]]
    _assert_tiled([panel.geometry() for panel in shown], grid.rect())
    assert transform.zoom > many  # two large panels fit the image larger than ten small ones
    grid.set_two_panel(False)
    assert all(panel.isVisible() for panel in grid.panels())
    assert transform.zoom == many


def test_two_panel_refuses_the_original_or_a_missing_version(qtbot: QtBot) -> None:
    grid, _ = _grid(qtbot, 3)
    with pytest.raises(ValueError, match="no version panel 3"):
        grid.set_two_panel(True, version_index=3)
    with pytest.raises(ValueError, match="no version panel 0"):
        grid.set_two_panel(True, version_index=0)


def test_click_reports_the_panel_index(qtbot: QtBot) -> None:
    grid, _ = _grid(qtbot, 5)
    panel = grid.panels()[3]
    with qtbot.waitSignal(grid.panel_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(panel, Qt.MouseButton.LeftButton, pos=QPoint(40, 60))
    assert blocker.args == [3]


def test_fewer_panels_reuse_the_first_ones(qtbot: QtBot) -> None:
    grid, _ = _grid(qtbot, 10)
    first = grid.panels()[:3]
    assert grid.set_panel_count(3) == first
    _assert_tiled([panel.geometry() for panel in grid.panels()], grid.rect())


def test_layout_follows_the_image_shape(qtbot: QtBot) -> None:
    grid, transform = _grid(qtbot, 2, QSize(800, 800))
    transform.set_image_size(400, 100)  # wide: one above the other
    first, second = (panel.geometry() for panel in grid.panels())
    assert first.bottom() < second.top()
    transform.set_image_size(100, 400)  # tall: side by side
    first, second = (panel.geometry() for panel in grid.panels())
    assert first.right() < second.left()
