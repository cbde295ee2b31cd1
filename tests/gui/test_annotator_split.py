"""The split (wipe) view on the real window: keys, a mouse drag, exact pixels, the shared view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import read_record, record_path
from hggt_desktop.gui.annotate.help_overlay import keys_html
from hggt_desktop.gui.main_window import MainWindow
from hggt_desktop.gui.viewer.panel import ImagePanel
from hggt_desktop.gui.viewer.qimage import from_qimage
from hggt_desktop.gui.viewer.split import LINE_WIDTH
from hggt_desktop.gui.viewer.transform import ONE_TO_ONE
from tests.datagen import make_dataset
from tests.gui.annotator_setup import open_window

SIZE = 64


def _open(qtbot, tmp_path: Path) -> tuple[MainWindow, object]:
    window, session = open_window(qtbot, make_dataset(tmp_path, n_sets=2, annotators=(), size=SIZE))
    window.resize(1000, 700)
    qtbot.wait(10)
    window.view.one_to_one()
    return window, session


def _area_pixels(panel: ImagePanel) -> np.ndarray:
    """The panel's image area as shown, in device pixels."""
    shot = from_qimage(panel.grab().toImage())
    area, ratio = panel.image_area(), panel.devicePixelRatioF()
    top, left = round(area.top() * ratio), round(area.left() * ratio)
    return shot[top : top + round(area.height() * ratio), left : left + round(area.width() * ratio)]


def _image_origin(panel: ImagePanel, window: MainWindow) -> tuple[int, int]:
    """Where image pixel (0, 0) is in the panel's image area (device pixels), from the transform."""
    transform = window.view.transform
    origin = transform.map_from_image(QPointF(0, 0), panel.image_area_device_size())
    return round(origin.y()), round(origin.x())


def _divider_column(panel: ImagePanel) -> int:
    """The divider's first device column in the image area."""
    divider = panel.divider_x()
    assert divider is not None
    return round((divider - panel.image_area().left()) * panel.devicePixelRatioF())


def _assert_exact_split(window: MainWindow, session, panel: ImagePanel) -> int:
    """Left of the divider the original, right of it the version, pixel for pixel; returns the split column."""
    original = session.loaded.images[ORIGINAL_FOLDER]
    version = session.loaded.images[session.version_at(session.selected)]
    assert not np.array_equal(original, version)
    shown = _area_pixels(panel)
    top, left = _image_origin(panel, window)
    cut = _divider_column(panel) - left  # image column where the version starts
    assert 0 < cut < SIZE - 2, "the divider must cross the image for this check to mean anything"
    line = max(1, round(LINE_WIDTH * panel.devicePixelRatioF()))
    # The part of the image inside the image area (a pan may push some of it out).
    rows = slice(max(-top, 0), min(SIZE, shown.shape[0] - top))
    first, last = max(-left, 0), min(SIZE, shown.shape[1] - left)
    assert first < cut and cut + line < last and rows.stop - rows.start > SIZE // 2

    def screen(columns: slice) -> np.ndarray:
        return shown[rows.start + top : rows.stop + top, columns.start + left : columns.stop + left]

    assert np.array_equal(screen(slice(first, cut)), original[rows, first:cut])
    assert np.array_equal(screen(slice(cut + line, last)), version[rows, cut + line : last])
    return cut


def test_w_splits_the_selected_version_each_use_counted_and_leaving_restores(qtbot, tmp_path: Path) -> None:
    window, session = _open(qtbot, tmp_path)
    view = window.view
    panels = view.grid.panels()
    record = session.model.store.record(session.index)
    whole = _area_pixels(panels[1])
    qtbot.keyClick(view, Qt.Key.Key_W)
    assert panels[1].is_split() and not any(p.is_split() for p in panels[2:])
    assert view.transform.mode == ONE_TO_ONE
    assert "original left of the divider" in view.notice.text()
    _assert_exact_split(window, session, panels[1])
    qtbot.keyClick(view, Qt.Key.Key_2)  # the split follows the selection
    assert panels[2].is_split() and not panels[1].is_split()
    qtbot.keyClick(view, Qt.Key.Key_W)
    assert not any(p.is_split() for p in panels)
    assert np.array_equal(_area_pixels(panels[1]), whole)  # the previous view, as it was
    qtbot.keyClick(view, Qt.Key.Key_W)
    qtbot.keyClick(view, Qt.Key.Key_W)
    assert record.aid_uses == {"split": 2}
    assert record.swap_count == 0  # a split is not a swap


def test_the_split_works_in_two_panel_mode_and_leaving_keeps_two_panels(qtbot, tmp_path: Path) -> None:
    window, session = _open(qtbot, tmp_path)
    view = window.view
    qtbot.keyClick(view, Qt.Key.Key_T)
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # version B beside the original
    qtbot.keyClick(view, Qt.Key.Key_W)
    panel = view.grid.panels()[2]
    assert view.grid.is_two_panel() and panel.isVisible() and panel.is_split()
    _assert_exact_split(window, session, panel)
    qtbot.keyClick(view, Qt.Key.Key_W)
    assert view.grid.is_two_panel() and session.two_panel and not panel.is_split()
    assert view.grid.two_panel_version() == 2


def test_dragging_the_divider_and_its_keys_move_it_and_the_pixels_stay_exact(qtbot, tmp_path: Path) -> None:
    window, session = _open(qtbot, tmp_path)
    view = window.view
    panel = view.grid.panels()[1]
    qtbot.keyClick(view, Qt.Key.Key_W)
    before = _assert_exact_split(window, session, panel)
    center_before = view.transform.center
    divider = panel.divider_x()
    assert divider is not None
    y = panel.image_area().center().y()
    qtbot.mousePress(panel, Qt.MouseButton.LeftButton, pos=QPoint(round(divider), y))
    qtbot.mouseMove(panel, QPoint(round(divider) - 10, y))
    qtbot.mouseMove(panel, QPoint(round(divider) - 20, y))
    qtbot.mouseRelease(panel, Qt.MouseButton.LeftButton, pos=QPoint(round(divider) - 20, y))
    dragged = _assert_exact_split(window, session, panel)
    assert dragged == before - round(20 * panel.devicePixelRatioF())
    assert view.transform.center == center_before  # grabbing the divider does not pan
    assert session.index == 0 and session.selected == 0  # nor click another panel
    position = session.aids.split_position
    qtbot.keyClick(view, Qt.Key.Key_Period)
    qtbot.keyClick(view, Qt.Key.Key_Period)
    qtbot.keyClick(view, Qt.Key.Key_Comma)
    assert session.aids.split_position > position
    assert _assert_exact_split(window, session, panel) > dragged
    assert session.model.store.record(session.index).aid_uses == {"split": 1}  # moving is not a new use


def test_zoom_and_pan_stay_shared_with_the_other_panels_in_the_split(qtbot, tmp_path: Path) -> None:
    window, session = _open(qtbot, tmp_path)
    view = window.view
    original_panel, panel = view.grid.panels()[:2]
    qtbot.keyClick(view, Qt.Key.Key_W)
    # Pan by dragging the split panel away from its divider: every panel follows.
    area = panel.image_area()
    start = QPoint(area.left() + 4, area.top() + 4)
    qtbot.mousePress(panel, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(panel, start + QPoint(6, 5))
    qtbot.mouseMove(panel, start + QPoint(11, 7))
    qtbot.mouseRelease(panel, Qt.MouseButton.LeftButton, pos=start + QPoint(11, 7))
    assert panel.is_split() and view.transform.center != QPointF(SIZE / 2, SIZE / 2)
    _assert_exact_split(window, session, panel)
    # Zoom 2x about the centre: the left half is the original panel's own pixels at that zoom.
    size = panel.image_area_device_size()
    view.transform.zoom_about(QPointF(size.width() / 2, size.height() / 2), 2.0, size)
    qtbot.wait(10)
    split, original = _area_pixels(panel), _area_pixels(original_panel)
    assert split.shape == original.shape  # the cells are alike, so the same columns match
    cut = _divider_column(panel)
    assert cut > 0 and np.array_equal(split[:, :cut], original[:, :cut])
    qtbot.keyClick(view, Qt.Key.Key_W)
    line = max(1, round(LINE_WIDTH * panel.devicePixelRatioF()))
    assert np.array_equal(_area_pixels(panel)[:, cut + line :], split[:, cut + line :])


def test_one_comparison_at_a_time_and_a_new_set_starts_whole(qtbot, tmp_path: Path) -> None:
    window, session = _open(qtbot, tmp_path)
    view = window.view
    panel = view.grid.panels()[1]
    qtbot.keyClick(view, Qt.Key.Key_B)  # latched A/B, then the split ends it
    qtbot.keyClick(view, Qt.Key.Key_W)
    assert panel.is_split() and not panel.is_swapped()
    qtbot.keyClick(view, Qt.Key.Key_L)  # flicker ends the split
    assert session.aids.is_flickering() and not panel.is_split()
    qtbot.keyClick(view, Qt.Key.Key_W)
    assert not session.aids.is_flickering() and panel.is_split()
    qtbot.keyPress(view, Qt.Key.Key_Space)  # held: the whole original, then the split again
    assert panel.is_swapped()
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert panel.is_split() and not panel.is_swapped()
    assert session.model.store.record(0).aid_uses == {"ab_toggle": 1, "split": 2, "flicker": 1}
    stem = session.progress.stem
    session.go_to(1)
    assert not session.aids.split and not any(p.is_split() for p in view.grid.panels())
    on_disk = read_record(record_path(find_labels_dir(session.workspace.images_dir), "T", stem))
    assert on_disk.aid_uses == {"ab_toggle": 1, "split": 2, "flicker": 1}
    assert not view.buttons["split_view"].isDown()


def test_the_key_list_and_the_buttons_name_the_split_view_and_its_keys(qtbot, tmp_path: Path) -> None:
    window, _ = _open(qtbot, tmp_path)
    listed = keys_html(window.keymap)
    assert "<b>W</b></td><td>Split (wipe) view" in listed
    assert "<b>, / .</b></td><td>Split view: move the divider left / right" in listed
    assert window.view.buttons["split_view"].text() == "Split  (W)"
    qtbot.keyClick(window.view, Qt.Key.Key_F1)
    assert window.view.help_overlay.isVisible()
