"""Below 1:1 the panels draw smooth copies made once, by the prefetcher when it can.

A set switch in fit mode must only blit ready images: scaling five 512x512 images while
painting took longer than a frame (issue 3, benchmark).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.labels import Label
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.main_window import MainWindow
from hggt_desktop.gui.viewer.display_image import SCALED_KEPT, DisplayImage
from hggt_desktop.gui.viewer.panel import ImagePanel
from hggt_desktop.gui.viewer.qimage import from_qimage
from hggt_desktop.gui.viewer.transform import FIT, ViewTransform
from tests.datagen import make_dataset
from tests.gui.annotator_setup import ANNOTATOR  # also keeps settings out of the user's config
from tests.gui.test_viewer_exact import find_exact

SIZE = 256  # larger than the panels of a window 420 pixels high: fit zooms below 1


def _checkerboard(size: int) -> np.ndarray:
    board = (np.indices((size, size)).sum(axis=0) % 2 * 255).astype(np.uint8)
    return np.repeat(board[:, :, None], 3, axis=2)


def test_below_one_to_one_the_panel_is_smooth_and_keeps_few_copies(qtbot: QtBot) -> None:
    transform = ViewTransform()
    transform.set_image_size(128, 128)
    panel = ImagePanel(transform)
    qtbot.addWidget(panel)
    panel.resize(200, 200)
    image = DisplayImage.from_array(_checkerboard(128))
    panel.set_image(image)
    panel.show()
    qtbot.waitExposed(panel)
    for zoom in (0.75, 0.5, 0.75, 0.3):
        area_size = panel.image_area_device_size()
        middle_of_area = transform.map_from_image(transform.center, area_size)
        transform.zoom_about(middle_of_area, zoom / transform.zoom, area_size)
        assert transform.zoom == pytest.approx(zoom)
        screen = from_qimage(panel.grab().toImage())
        area = panel.image_area()
        middle = screen[
            area.center().y() - 10 : area.center().y() + 10, area.center().x() - 10 : area.center().x() + 10
        ]
        # A 1-pixel checkerboard drawn smaller is grey, not black and white squares.
        assert 80 < middle.mean() < 175 and np.ptp(middle) < 128, f"not smooth at zoom {zoom}"
        assert image.scaled_count() <= SCALED_KEPT
    assert panel.paint_rescales == 3  # 0.75 again came from the cache (the last two are kept)


def _open(qtbot: QtBot, tmp_path: Path, prefetch: bool) -> tuple[MainWindow, AnnotationSession]:
    images = make_dataset(tmp_path, n_sets=3, annotators=(), size=SIZE)
    session = AnnotationSession(open_workspace(images, ANNOTATOR), prefetch=prefetch)
    window = MainWindow(keymap=KeyMap(), break_interval_min=0)
    qtbot.addWidget(window)
    assert window.attach_session(session)
    window.resize(600, 420)
    window.show()
    qtbot.waitExposed(window)
    # The rule opens 1:1 (two panels on this small offscreen screen): ask for fit, all panels.
    window.view.trigger("fit")
    if session.two_panel:
        window.view.trigger("two_panel")
    return window, session


def _prepared(session: AnnotationSession, index: int, zoom: float) -> bool:
    loaded = session.model.prefetcher.ready(index)
    if loaded is None or len(loaded.display) != len(loaded.images):
        return False
    return all(image.cached(zoom) is not None for image in loaded.display.values())


def _switch(window: MainWindow, session: AnnotationSession) -> tuple[int, list[ImagePanel]]:
    """Label the set, go to the next one and paint it; how many smooth copies painting made."""
    for _ in range(session.version_count):
        session.give_label(Label.SIMILAR)
    panels = window.view.grid.panels()
    before = sum(panel.paint_rescales for panel in panels)
    assert session.next_set()
    for panel in panels:
        panel.grab()  # paints it, as the screen would
    return sum(panel.paint_rescales for panel in panels) - before, panels


@pytest.mark.slow
@pytest.mark.parametrize("prefetch", [True, False])
def test_fit_mode_switch_after_prefetch_only_blits(qtbot: QtBot, tmp_path: Path, prefetch: bool) -> None:
    window, session = _open(qtbot, tmp_path, prefetch)
    transform = window.view.transform
    assert transform.mode == FIT and transform.zoom < 1
    if prefetch:
        qtbot.waitUntil(lambda: _prepared(session, 1, transform.zoom), timeout=5000)
    rescales, panels = _switch(window, session)
    if not prefetch:
        assert rescales == len(panels)  # the control: without a prefetch, paint has to scale
        return
    assert rescales == 0
    # What is on screen is the prefetched smooth copy, pixel for pixel.
    copy = session.loaded.display["original"].cached(transform.zoom)
    assert find_exact(from_qimage(panels[0].grab().toImage()), from_qimage(copy)) is not None


@pytest.mark.slow
def test_a_new_fit_zoom_rescales_the_prefetched_sets_in_the_worker(qtbot: QtBot, tmp_path: Path) -> None:
    window, session = _open(qtbot, tmp_path, prefetch=True)
    transform = window.view.transform
    first_zoom = transform.zoom
    qtbot.waitUntil(lambda: _prepared(session, 1, first_zoom), timeout=5000)
    window.resize(window.width(), 600)  # a taller window: a larger fit zoom, still below 1
    qtbot.waitUntil(lambda: first_zoom < transform.zoom < 1, timeout=2000)
    qtbot.waitUntil(lambda: _prepared(session, 1, transform.zoom), timeout=5000)
    rescales, _ = _switch(window, session)
    assert rescales == 0
    assert all(image.scaled_count() <= SCALED_KEPT for image in session.loaded.display.values())
