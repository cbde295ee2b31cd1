"""The curator's Agreement tab names a flagged rater with the evidence; excluding them is undoable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hggt_desktop.core.labels import Label
from hggt_desktop.gui.curator.annotator_table import FLAGGED_ROW
from hggt_desktop.gui.curator.session import CuratorSession
from hggt_desktop.gui.curator.window import CuratorWindow
from tests.datagen import make_dataset

LABELS = (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE)


def careful_or_similar(stem: str, annotator: str, version: str) -> Label:
    """A, B and C mostly agree on a varied truth; X says Similar to everything."""
    if annotator == "X":
        return Label.SIMILAR
    truth = int(hashlib.sha256(f"{stem}{version}".encode()).hexdigest(), 16) % 3
    slip = int(hashlib.sha256(f"{stem}{version}{annotator}".encode()).hexdigest(), 16) % 10 == 0
    return LABELS[(truth + slip) % 3]


@pytest.fixture
def window(qtbot, tmp_path: Path) -> CuratorWindow:  # type: ignore[no-untyped-def]
    make_dataset(tmp_path, n_sets=12, size=8, annotators=("A", "B", "C", "X"), label=careful_or_similar)
    window = CuratorWindow(CuratorSession())
    qtbot.addWidget(window)
    assert window.open_dataset(tmp_path)
    return window


def test_a_flagged_rater_is_highlighted_with_the_evidence(window: CuratorWindow) -> None:
    html = window.agreement.numbers.text()
    assert "Check rater X" in html and "Similar 100% of the time" in html
    assert html.count(f"bgcolor='{FLAGGED_ROW}'") == 1
    assert "position<br>spread" in html and "hidden ref" in html and "% sets<br>one label" in html


def test_excluding_the_flagged_rater_is_recorded_and_undone(window: CuratorWindow, tmp_path: Path) -> None:
    before = window.agreement.numbers.text()
    window.session.exclude_rater("X", "always Similar")
    html = window.agreement.numbers.text()
    assert "Check rater X" not in html and "Left out: <b>X</b>" in html
    assert (tmp_path / "labels" / "X").is_dir()
    window.session.include_rater("X")
    assert window.agreement.numbers.text() == before


def test_the_report_and_the_table_name_the_flagged_rater(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from hggt_desktop.cli.data import main

    make_dataset(tmp_path, n_sets=12, size=8, annotators=("A", "B", "C", "X"), label=careful_or_similar)
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html"), "--bootstrap", "0"]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count('class="rater-alert"') == 1 and "Check rater X" in html and "evidence:" in html
    capsys.readouterr()
    main(["agreement", str(tmp_path), "--bootstrap", "0"])
    table = capsys.readouterr().out
    assert "X: gives Similar 100% of the time (straight-lining)" in table
    assert [line.split()[-1] for line in table.splitlines() if line.startswith(("A ", "B ", "C "))][-3:] == [
        "-"
    ] * 3
