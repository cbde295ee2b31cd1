"""The curator window on a generated dataset: queue order, filters, adjudication through the UI."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hggt_desktop.core.adjudication import adjudication_path
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.labels import Label, read_label_file
from hggt_desktop.gui.curator.session import CuratorSession
from hggt_desktop.gui.curator.window import CuratorWindow
from tests.curator.test_queue_adjudication import _stem, scripted
from tests.datagen import make_dataset


@pytest.fixture
def window(qtbot, tmp_path: Path) -> CuratorWindow:  # type: ignore[no-untyped-def]
    make_dataset(tmp_path, n_sets=6, size=16, versions=("01", "02"), label=scripted)
    window = CuratorWindow(CuratorSession())
    qtbot.addWidget(window)
    window.show()
    assert window.open_dataset(tmp_path)
    return window


def _rows(window: CuratorWindow) -> list[str]:
    model = window.model
    return [model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())]


def test_queue_rows_are_in_severity_order(window: CuratorWindow) -> None:
    assert _rows(window) == [_stem(4), _stem(3), _stem(2), _stem(5), _stem(1)]
    model = window.model
    assert model.data(model.index(0, 1), Qt.ItemDataRole.DisplayRole) == "P against N"
    assert "Positive against Negative" in model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    assert window.session.current == _stem(4)  # the worst set opens first
    panels = window.set_view.grid.panels()
    assert len(panels) == 3 and all(p.is_selected() for p in panels[1:])


def test_filters_narrow_the_queue(window: CuratorWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.version_filter.setCurrentText("02")
    assert _rows(window) == [_stem(4), _stem(5), _stem(3)]
    window.version_filter.setCurrentText("all")
    window.pattern_filter.setText("npp")
    window.pattern_filter.editingFinished.emit()
    assert _rows(window) == [_stem(3)]


def test_adjudicating_through_the_ui_writes_the_file_and_undo_removes_it(window: CuratorWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    window.queue_view.selectRow(1)
    assert window.session.current == _stem(3)
    panel = window.adjudication
    panel.choose("01", Label.NEGATIVE)
    panel.choose("02", Label.SIMILAR)
    panel.reason.setText("halo around the antenna")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    path = adjudication_path(tmp_path / "labels", _stem(3))
    assert read_label_file(path).label_map == {"01": Label.NEGATIVE, "02": Label.SIMILAR}
    assert load_dataset(tmp_path).effective(_stem(3))["01"].label is Label.NEGATIVE
    assert (
        window.model.data(window.model.index(window.model.row_of(_stem(3)), 4), Qt.ItemDataRole.DisplayRole)
        == "yes"
    )
    badge_owner = window.set_view.grid.panels()[1]
    assert badge_owner._badge.startswith("Negative · curator")
    assert panel.undo_button.isEnabled()
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert not path.exists()
    assert window.session.effective_of(_stem(3))["01"].label is Label.POSITIVE


def test_incomplete_decision_is_refused_with_a_message(window: CuratorWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    panel = window.adjudication
    panel.reason.setText("")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "reason" in window.statusBar().currentMessage()
    assert not adjudication_path(tmp_path / "labels", window.session.current or "").exists()


def test_a_folder_that_is_not_a_dataset_is_reported(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = CuratorWindow(CuratorSession())
    qtbot.addWidget(window)
    assert not window.open_dataset(tmp_path)
    assert "images folder" in window.statusBar().currentMessage()


def test_contested_sets_go_out_as_packages_and_exports_write_files(
    window: CuratorWindow, tmp_path: Path
) -> None:
    session = window.session
    session.adjudicate(_stem(4), {"01": Label.NEGATIVE, "02": Label.NEGATIVE}, "clear halo")
    assert _stem(4) not in session.contested_stems() and len(session.contested_stems()) == 4
    key = session.write_contested_package(tmp_path / "out", ["D", "E"], seed=3)
    assert key.is_file()
    packaged = sorted((tmp_path / "out").glob("D*/images*/original/*"))
    assert len(packaged) == 4
    session.write_labels_csv(tmp_path / "labels.csv")
    rows = (tmp_path / "labels.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "set,version,A,B,C,adjudicated,effective,votes" and len(rows) == 13


def test_agreement_intervals_are_the_clis_computed_in_the_background(window: CuratorWindow, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    """Regression: the Agreement tab used 300 resamples against the CLI's 1000, without saying so."""
    from hggt_desktop.core.agreement_summary import summarize_agreement

    session = window.session
    qtbot.waitUntil(lambda: not session.intervals_pending(), timeout=20000)
    cli = summarize_agreement(load_dataset(tmp_path))  # what `hggt-data agreement` prints
    assert session.summary is not None
    ours = session.summary.confidence_intervals
    assert (ours.resamples, ours.seed) == (1000, 0)
    assert ours.overall == cli.confidence_intervals.overall
    assert "1000 resamples, seed 0" in window.agreement.numbers.text()


def test_every_queue_column_is_in_view_at_the_default_size(window: CuratorWindow) -> None:
    """Regression: the "Adjudicated" column hid behind a scrollbar at the default window size."""
    view = window.queue_view
    last = window.model.columnCount() - 1
    assert view.columnViewportPosition(last) + view.columnWidth(last) <= view.viewport().width()
    assert view.columnWidth(last) >= view.horizontalHeader().sectionSizeHint(last)
