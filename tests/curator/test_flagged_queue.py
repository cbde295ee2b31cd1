"""Sets flagged "can't judge" in the curator's queue: who flagged them and why, and a filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.disagreement import AGREED, OPPOSED, disagreement_queue
from hggt_desktop.core.rating_table import rating_table
from hggt_desktop.gui.curator.queue_model import FLAGGED_COLUMN
from hggt_desktop.gui.curator.session import CuratorSession
from hggt_desktop.gui.curator.window import CuratorWindow
from tests.cli.test_flagged_sets import flag_set
from tests.curator.test_queue_adjudication import _stem, scripted
from tests.datagen import make_dataset

AGREED_SET, NOW_AGREED, STILL_OPPOSED = _stem(0), _stem(4), _stem(3)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The scripted sets; C flags set 0 (agreed) and set 4 (N N P: A and B agree without C), B set 3."""
    make_dataset(tmp_path, n_sets=6, size=8, versions=("01", "02"), label=scripted)
    flag_set(tmp_path / "labels", "C", AGREED_SET, "versions identical")
    flag_set(tmp_path / "labels", "C", NOW_AGREED, "misaligned")
    flag_set(tmp_path / "labels", "B", STILL_OPPOSED, "other: a seam across the sky")
    return tmp_path


def test_the_queue_lists_flagged_sets_with_who_and_why(root: Path) -> None:
    table = rating_table(load_dataset(root))
    plain = {e.stem: e for e in disagreement_queue(table)}
    # The other raters' labels decide by the rule: without C's P, set 4 is agreed (N N).
    assert NOW_AGREED not in plain and AGREED_SET not in plain
    assert plain[STILL_OPPOSED].severity == OPPOSED  # P against N between A and C
    assert plain[STILL_OPPOSED].flags == (("B", "other: a seam across the sky"),)

    listed = {e.stem: e for e in disagreement_queue(table, include_flagged=True)}
    assert listed[NOW_AGREED].flags == (("C", "misaligned"),)
    assert listed[NOW_AGREED].severity == AGREED and listed[NOW_AGREED].worst_versions == ()
    assert listed[AGREED_SET].flags == (("C", "versions identical"),)
    assert list(listed)[-2:] == [AGREED_SET, NOW_AGREED]  # after every contested set

    only = [e.stem for e in disagreement_queue(table, flagged_only=True)]
    assert only == [STILL_OPPOSED, AGREED_SET, NOW_AGREED]
    assert [e.stem for e in disagreement_queue(table, annotator="C", flagged_only=True)] == [
        AGREED_SET,
        NOW_AGREED,
    ]
    # A flagged nothing: the annotator filter adds none of the others' flags.
    assert disagreement_queue(table, annotator="A", include_flagged=True) == disagreement_queue(
        table, annotator="A"
    )


def test_the_curator_window_shows_the_flags_and_filters_on_them(qtbot, root: Path) -> None:  # type: ignore[no-untyped-def]
    window = CuratorWindow(CuratorSession())
    qtbot.addWidget(window)
    window.show()
    assert window.open_dataset(root)
    model = window.model

    def flagged_cells() -> dict[str, str]:
        return {
            model.data(model.index(r, 0)): model.data(model.index(r, FLAGGED_COLUMN))
            for r in range(model.rowCount())
        }

    cells = flagged_cells()
    assert cells[NOW_AGREED] == "C: misaligned" and cells[AGREED_SET] == "C: versions identical"
    assert cells[STILL_OPPOSED] == "B: other: a seam across…"  # shortened; the tooltip has it all
    tooltip = model.data(model.index(model.row_of(STILL_OPPOSED), 0), Qt.ItemDataRole.ToolTipRole)
    assert 'flagged "can\'t judge" by B: other: a seam across the sky' in tooltip
    assert '3 flagged "can\'t judge"' in window.dataset_status.text()

    window.flagged_only.setChecked(True)
    assert list(flagged_cells()) == [STILL_OPPOSED, AGREED_SET, NOW_AGREED]
    window.queue_view.selectRow(model.row_of(NOW_AGREED))
    assert window.session.current == NOW_AGREED
    heading = window.set_view.heading.text()
    assert "C flagged “can't judge”</b>: <i>misaligned</i>" in heading
    # C's label is "?" (flagged), not "–" (missing), in every caption.
    assert all(caption.endswith(("C ?", "?")) for caption, _ in window.set_view.captions())
    window.flagged_only.setChecked(False)
    assert len(flagged_cells()) > 3
