"""hggt-data agreement and report from the command line, and the trial answers they include."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.record import SetRecord, record_path, write_record
from tests.datagen import make_dataset

TOP_LEVEL = (
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "krippendorff_alpha_ordinal",
    "gwet_ac1",
    "percent_unanimous",
    "percent_all_different",
)


def test_agreement_json_has_the_overall_values_at_the_top(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_dataset(tmp_path, n_sets=10, size=8)
    assert main(["agreement", str(tmp_path), "--json", "--bootstrap", "50", "--seed", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in TOP_LEVEL:
        assert isinstance(doc[key], float)
    assert set(doc["per_version"]) == {"01", "02", "03", "04"}
    assert set(doc["per_pair"]) == {"A-B", "A-C", "B-C"}
    assert doc["confidence_intervals"]["resamples"] == 50
    assert doc["per_annotator"]["A"]["trials"] is None  # no packages, no trial figures


def test_agreement_table_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_dataset(tmp_path, n_sets=6, size=8)
    (tmp_path / "labels" / "B" / "0001-16-8.json").write_text("not json", encoding="utf-8")
    assert main(["agreement", str(tmp_path), "--bootstrap", "20"]) == 1
    out = capsys.readouterr().out
    assert "Krippendorff alpha (ordinal)" in out and "1 problems" in out and "0001-16-8.json" in out
    assert main(["agreement", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_report_is_one_offline_html_file_with_charts_and_thumbnails(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=5, size=12)
    labels = tmp_path / "labels"
    for stem in ("0000-0-0", "0001-16-8"):
        write_record(
            record_path(labels, "A", stem), SetRecord(stem, "A", ["03", "01", "04", "02"], complete=True)
        )
    trials = labels / ".hggt" / "trials" / "A"
    trials.mkdir(parents=True)
    trial = {"kind": "degraded", "stem": "0002-32-16", "catch_version": "02", "expected": "Negative",
             "labels": {"01": "Similar", "02": "Negative"}, "labels_by_version": {}}  # fmt: skip
    (trials / "A-000007.json").write_text(json.dumps(trial), encoding="utf-8")
    out = tmp_path / "report.html"
    csv = tmp_path / "labels.csv"
    assert main(["report", str(images), "--out", str(out), "--csv", str(csv), "--bootstrap", "30"]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") >= 6 and "data:image/png;base64," in html
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "Mean label by on-screen position" in html
    assert "1 / 1 (100%)" in html  # the degraded trial answered Negative
    assert csv.read_text(encoding="utf-8").startswith("set,version,A,B,C,effective,votes")
