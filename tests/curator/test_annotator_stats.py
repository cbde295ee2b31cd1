"""Per-annotator figures: straight-lining, position bias from records, agreement with the others."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.labels import Label
from hggt_desktop.core.record import SetRecord, record_path, write_record
from tests.datagen import make_dataset

VERSIONS = ("01", "02", "03", "04")


def lazy_a(stem: str, annotator: str, version: str) -> Label:
    """A always says Positive; B and C agree with each other (Negative for 01, else Similar)."""
    if annotator == "A":
        return Label.POSITIVE
    return Label.NEGATIVE if version == "01" else Label.SIMILAR


def test_straight_lining_and_agreement_with_the_others(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_sets=5, size=8, label=lazy_a)
    summary = summarize_agreement(load_dataset(tmp_path), resamples=0).to_json()
    a, b = summary["per_annotator"]["A"], summary["per_annotator"]["B"]
    assert a["straight_lining"] == {
        "most_frequent": "Positive",
        "share_most_frequent": 1.0,
        "share_sets_one_label": 1.0,
        "longest_run": 20,
    }
    assert a["agreement_with_majority_of_others"] == 0.0
    # B's others (A and C) never agree with each other: no majority to compare B with.
    assert b["agreement_with_majority_of_others"] is None and b["items_with_majority_of_others"] == 0
    assert b["mean_cohen_kappa_with_others"] is not None
    assert b["straight_lining"]["longest_run"] == 3  # N S S S | N S S S ...
    assert a["seconds_per_set"]["median"] == 42.0


def test_position_bias_reads_the_screen_order_from_the_records(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_sets=4, size=8, label=lazy_a)
    labels = tmp_path / "labels"
    for i in range(4):
        stem = f"{i:04d}-{16 * i}-{8 * i}"
        # B sees version 01 (its only Negative) first on screen in every set.
        write_record(record_path(labels, "B", stem), SetRecord(stem, "B", ["01", "03", "02", "04"]))
    write_record(record_path(labels, "C", "0000-0-0"), SetRecord("0000-0-0", "C", ["04", "03", "02", "01"]))
    (labels / ".hggt" / "records" / "C" / "0001-16-8.json").write_text("garbage", encoding="utf-8")
    summary = summarize_agreement(load_dataset(tmp_path), resamples=0).to_json()
    bias = summary["per_annotator"]["B"]["position_bias"]
    assert [p["mean_rank"] for p in bias["by_position"]] == [0.0, 1.0, 1.0, 1.0]
    assert bias["mean_rank_spread"] == 1.0 and bias["items"] == 16
    assert summary["per_annotator"]["C"]["position_bias"]["items"] == 4
    assert summary["per_annotator"]["A"]["position_bias"] is None  # no records at all
    assert summary["problems"]["count"] == 1  # the unreadable record, reported


@pytest.mark.slow
def test_hggt_desktop_review_opens_and_closes(tmp_path: Path) -> None:
    # In its own process: quitting the real event loop inside the test run's shared
    # QApplication made every later event loop (qtbot.waitSignal) return at once.
    make_dataset(tmp_path, n_sets=3, size=8)
    code = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from hggt_desktop.gui.app import run_review\n"
        "app = QApplication(sys.argv[:1])\n"
        "QTimer.singleShot(500, app.quit)\n"
        f"sys.exit(run_review({str(tmp_path)!r}))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
