"""The curator's panels: each patch at 1:1 or at least 256 px, captions whole, a click opens 1:1.

Regression: beside the queue the panels were ~195 px, too small to judge halos or false
texture, and the adjudicated badge cut the annotators' labels off ("A P B ...").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from hggt_desktop.core.images import read_image
from hggt_desktop.gui.curator.session import CuratorSession
from hggt_desktop.gui.curator.set_view import caption_fits
from hggt_desktop.gui.curator.thumbnail_size import THUMBNAIL
from hggt_desktop.gui.curator.window import CuratorWindow
from hggt_desktop.gui.viewer.qimage import from_qimage
from hggt_desktop.resources import resource_path
from tests.datagen import make_dataset

FOUR = ("01", "02", "03", "04")
NINE = tuple(f"{i:02d}" for i in range(1, 10))


def _window(qtbot, root: Path, size: int, versions: tuple[str, ...]) -> CuratorWindow:  # type: ignore[no-untyped-def]
    make_dataset(root, n_sets=3, size=size, versions=versions)
    window = CuratorWindow(CuratorSession())
    qtbot.addWidget(window)
    window.show()  # the default size: 1500 x 900
    assert window.open_dataset(root) and window.session.current
    qtbot.wait(50)
    return window


@pytest.mark.parametrize(
    ("size", "versions", "scrolls"),
    [(512, FOUR, False), (256, FOUR, False), (128, FOUR, False), (512, NINE, True)],
)
def test_each_patch_is_shown_at_1_to_1_or_at_least_256_px(qtbot, tmp_path: Path, size: int, versions: tuple[str, ...], scrolls: bool) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    window = _window(qtbot, tmp_path, size, versions)
    view = window.set_view
    shown = view.transform.zoom * size  # device pixels of the patch's side on screen
    assert shown >= min(size, THUMBNAIL)
    if size <= THUMBNAIL:
        assert view.transform.zoom >= 1.0  # 1:1 (or a whole-number enlargement of a tiny patch)
    for panel in view.grid.panels():
        area = panel.image_area_device_size()
        assert area.width() >= shown and area.height() >= shown
    # Five panels fit beside the queue at the default size; ten scroll rather than shrink.
    assert (view.scroll.verticalScrollBar().maximum() > 0) == scrolls
    assert view.scroll.horizontalScrollBar().maximum() == 0
    # Nine versions' labels are elided in the queue, never pushing a column out of view.
    assert window.queue_view.horizontalScrollBar().maximum() == 0


def test_captions_and_badges_are_not_cut_off_at_the_default_size(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, tmp_path, 512, FOUR)
    view = window.set_view
    captions = view.captions()
    assert len(captions) == 4
    for panel, (caption, badge) in zip(view.grid.panels()[1:], captions, strict=True):
        assert caption_fits(panel, caption, badge), (caption, badge, panel.width())
    # The queue: every column in view, none narrower than its contents.
    queue, model = window.queue_view, window.model
    last = model.columnCount() - 1
    assert queue.columnViewportPosition(last) + queue.columnWidth(last) <= queue.viewport().width()
    for column in range(model.columnCount()):
        assert queue.columnWidth(column) >= queue.sizeHintForColumn(column)


def test_the_queue_needs_no_scrollbar_on_the_demo_sets(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Real stems ("astronaut-240-64") and four worst versions: every column still in view."""
    window = CuratorWindow(CuratorSession())
    qtbot.addWidget(window)
    window.show()
    assert window.open_dataset(resource_path("demo"))
    qtbot.wait(50)
    assert window.queue_view.horizontalScrollBar().maximum() == 0
    assert window.set_view.transform.zoom == 1.0  # the demo's 256 px patches at 1:1


def test_a_click_opens_that_version_at_1_to_1(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, tmp_path, 512, FOUR)
    view = window.set_view
    stem = window.session.current
    image_set = window.session.sets[stem]
    qtbot.mouseClick(view.grid.panels()[3], Qt.MouseButton.LeftButton)
    shown = view.one_to_one_view
    assert shown is not None and shown.isVisible()
    assert f"version {image_set.version_ids[2]}" in shown.caption.text()
    grabbed = from_qimage(shown.image_label.grab().toImage())
    expected = read_image(image_set.version_path(image_set.version_ids[2]))
    np.testing.assert_array_equal(grabbed[..., :3], expected)  # pixel for pixel, at 1:1
    qtbot.mouseClick(view.grid.panels()[0], Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(
        from_qimage(shown.image_label.grab().toImage())[..., :3], read_image(image_set.original)
    )
