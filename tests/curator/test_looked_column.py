""" "Looked at 1:1" per annotator in `hggt-data agreement`, the report and the curator's table.

A rater who had every patch at 1:1, one who never zoomed to pixel level (0%, shown plainly),
and one whose records come from an app version that did not keep it ("not recorded", never 0%).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.coverage import Coverage, VisibleRect
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.record import SetRecord, record_path, write_record
from hggt_desktop.gui.curator.annotator_table import annotators_html
from tests.datagen import make_dataset

ORDER = ["01", "02", "03", "04"]
STEMS = [f"{i:04d}-{16 * i}-{8 * i}" for i in range(3)]
EXPECTED = {"A": "100% (2 sets)", "B": "0% (3 sets)", "C": "not recorded"}


def _write_records(labels: Path) -> None:
    everything = Coverage()
    for version in ORDER:
        everything.mark(version, VisibleRect(0, 0, 8, 8), 8, 8)
    for stem in STEMS[:2]:  # A: every patch whole at 1:1; its third set has no record at all
        write_record(record_path(labels, "A", stem), SetRecord(stem, "A", ORDER, looked_1to1=everything))
    for stem in STEMS:  # B: kept, but never at 1:1
        write_record(record_path(labels, "B", stem), SetRecord(stem, "B", ORDER, looked_1to1=Coverage()))
    for stem in STEMS:  # C: records as an earlier app version wrote them
        old = {"format": "hggt-desktop-record/1", "stem": stem, "annotator": "C", "screen_order": ORDER}
        path = record_path(labels, "C", stem)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(old), encoding="utf-8")


@pytest.fixture
def dataset_root(tmp_path: Path) -> Path:
    make_dataset(tmp_path, n_sets=3, size=8)
    _write_records(tmp_path / "labels")
    return tmp_path


def test_the_summary_says_the_mean_share_and_how_many_sets_it_rests_on(dataset_root: Path) -> None:
    rows = summarize_agreement(load_dataset(dataset_root), resamples=0).per_annotator
    assert rows["A"].looked_1to1 is not None and rows["A"].looked_1to1.mean_percent == 100.0
    assert rows["B"].looked_1to1 is not None and rows["B"].looked_1to1.mean_percent == 0.0
    assert rows["C"].looked_1to1 is not None and rows["C"].looked_1to1.mean_percent is None
    assert {name: row.looked_1to1.describe() for name, row in rows.items() if row.looked_1to1} == EXPECTED


def test_agreement_and_the_report_show_it_per_annotator(dataset_root: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from hggt_desktop.cli.data import main

    main(["agreement", str(dataset_root), "--bootstrap", "0"])
    table = capsys.readouterr().out
    assert "looked at 1:1" in table
    for name, cell in EXPECTED.items():
        assert any(line.startswith(f"{name} ") and cell in line for line in table.splitlines()), name
    out = dataset_root / "r.html"
    assert main(["report", str(dataset_root), "--out", str(out), "--bootstrap", "0"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "looked at 1:1" in html
    for cell in EXPECTED.values():
        assert f"<td>{cell}</td>" in html


def test_the_curator_table_shows_it_per_annotator(dataset_root: Path) -> None:
    html = annotators_html(summarize_agreement(load_dataset(dataset_root), resamples=0))
    assert "looked at<br>1:1" in html
    for name, cell in EXPECTED.items():
        row = next(r for r in html.split("<tr") if f"<b>{name}</b>" in r)
        assert f">{cell}</td>" in row, name
