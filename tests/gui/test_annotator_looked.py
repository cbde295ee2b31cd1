"""Where the annotator looked at 1:1, end to end: a 512 px set in a real window, panned, left."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.record import read_record, record_path
from hggt_desktop.gui.viewer.grid import GridPlan
from tests.datagen import make_dataset
from tests.gui.annotator_setup import ANNOTATOR, open_window, type_keys


def test_a_512_px_set_panned_at_one_to_one_records_what_was_on_screen(qtbot, tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=2, annotators=(), size=512)
    window, session = open_window(qtbot, images)  # 900 x 600: each panel shows part of the patch
    qtbot.waitExposed(window)
    view = window.view
    session.set_two_panel(False)  # the rule may have chosen two panels on the small test screen
    view.one_to_one()
    stem = session.progress.stem
    record = session.model.store.record(session.index)
    versions = list(session.progress.order)
    before = {v: record.looked_1to1.share(v) for v in versions}
    assert 0 < before[versions[0]] < 1  # the centre of the patch, at 1:1

    panel = view.grid.panels()[1]
    start = panel.rect().center()
    qtbot.mousePress(panel, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):  # drag right and down: the top-left of the patch comes into view
        qtbot.mouseMove(panel, start + QPoint(20 * step, 20 * step))
    qtbot.mouseRelease(panel, Qt.MouseButton.LeftButton, pos=start + QPoint(200, 200))
    after = {v: record.looked_1to1.share(v) for v in versions}
    assert all(after[v] > before[v] for v in versions)  # the pan added cells, kept the old ones
    assert len(set(after.values())) == 1  # every version panel showed the same part

    view.fit()  # the whole patch, resampled below 1:1 ...
    assert view.transform.zoom < 1
    assert {v: record.looked_1to1.share(v) for v in versions} == after  # ... adds nothing

    type_keys(qtbot, window, "pspn")  # a label for each version
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the next set: the record of this one is written
    assert session.progress.stem != stem
    saved = read_record(record_path(find_labels_dir(images), ANNOTATOR, stem))
    assert saved.looked_1to1 is not None
    assert {v: saved.looked_1to1.share(v) for v in versions} == after
    assert saved.looked_share() == after[versions[0]]


def test_fit_from_a_one_to_one_grid_adds_no_cells_it_never_painted_at_one_to_one(
    qtbot, tmp_path: Path
) -> None:
    """Regression: Fit first enlarged the panels, still at 1:1, then zoomed out; a report between
    the two steps counted cells that were never on screen at 1:1."""
    images = make_dataset(tmp_path, n_sets=1, annotators=(), size=512)
    window, session = open_window(qtbot, images)
    window.resize(1400, 900)
    qtbot.waitExposed(window)
    view = window.view
    session.set_two_panel(False)
    view._plan = GridPlan(columns=3, rows=2, image=(192, 192), controls_in_cell=True)  # small cells
    view.one_to_one()
    assert view.grid.plan_in_use()
    record = session.model.store.record(session.index)
    versions = list(session.progress.order)
    before = {v: record.looked_1to1.share(v) for v in versions}
    assert 0 < before[versions[0]] < 0.5  # a 192 px window onto the 512 px patch
    view.fit()
    assert {v: record.looked_1to1.share(v) for v in versions} == before


def test_in_split_view_only_the_versions_side_of_the_divider_counts(qtbot, tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=1, annotators=(), size=512)
    window, session = open_window(qtbot, images)
    qtbot.waitExposed(window)
    view = window.view
    session.set_two_panel(False)
    view.one_to_one()
    record = session.model.store.record(session.index)
    versions = list(session.progress.order)
    selected = versions[session.selected]
    before = {v: record.looked_1to1.share(v) for v in versions}
    session.aids.toggle_split()
    session.aids.set_split_position(1.0)  # the divider at the right edge: only the original shows
    other = view.grid.panels()[2 if session.selected == 0 else 1]
    start = other.rect().center()
    qtbot.mousePress(other, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(other, start + QPoint(20 * step, 20 * step))
    qtbot.mouseRelease(other, Qt.MouseButton.LeftButton, pos=start + QPoint(200, 200))
    after = {v: record.looked_1to1.share(v) for v in versions}
    assert after[selected] == before[selected]  # behind the original the whole time
    assert all(after[v] > before[v] for v in versions if v != selected)
    session.aids.set_split_position(0.0)  # the whole panel shows the version again
    assert record.looked_1to1.share(selected) > after[selected]
