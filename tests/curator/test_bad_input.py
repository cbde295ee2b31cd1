"""Bad input from the command line: reported, counted, never a traceback (issue 4, 'Bad input')."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.agreement import (
    coefficients_of_counts,
    common_rater_count,
    item_counts_used,
    item_statistics,
)
from hggt_desktop.core.annotator_stats import annotator_statistics
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.labels import Label
from hggt_desktop.core.rating_table import rating_table
from tests.curator.bad_datasets import BAD, no_labels, only_adjudicated
from tests.datagen import make_dataset

# Exit status and a phrase the curator must see, per dataset (None: no notice expected).
EXPECTED = {
    "one_annotator": (1, "Only A has labelled sets so far"),
    "zero_valid_files": (1, "No valid labels yet"),
    "empty_annotator_folders": (1, "No valid labels yet"),
    "missing_version": (1, None),
    "invalid_and_partial": (1, None),
    "nine_versions": (0, None),
    "two_versions": (0, None),
}


def test_annotator_statistics_on_zero_raters_is_empty_not_a_reshape_error(tmp_path: Path) -> None:
    # Regression: reshape(-1, 0) raised "cannot reshape array of size 0" and 'review' died.
    table = rating_table(load_dataset(no_labels(tmp_path)))
    assert table.ratings.shape == (3, 4, 0)
    assert annotator_statistics(table) == {}


def test_fleiss_counts_no_items_when_nothing_is_rated_twice() -> None:
    # Regression: with no item rated twice, every unrated item counted as "rated by exactly 0"
    # and the table printed "-12 others are left out".
    counts = np.zeros((12, 3), dtype=int)
    counts[:4, 0] = 1
    fleiss_raters = common_rater_count(counts)
    used = item_counts_used(item_statistics(counts, fleiss_raters).sum(axis=0))
    assert (fleiss_raters, used["items_fleiss"], used["items_pairable"]) == (0, 0, 0)
    assert all(np.isnan(value) for value in coefficients_of_counts(counts).values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_agreement_json_on_bad_datasets(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    BAD[name](tmp_path)
    status, phrase = EXPECTED[name]
    assert main(["agreement", str(tmp_path), "--json", "--bootstrap", "20"]) == status
    doc = json.loads(capsys.readouterr().out)
    assert doc["notice"] is None if phrase is None else phrase in doc["notice"]
    assert doc["counts"]["items_left_out_of_fleiss"] >= 0
    assert set(doc["per_version"]) == set(load_dataset(tmp_path).scan.version_folders)


def test_agreement_table_counts_missing_files_and_lists_invalid_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    BAD["invalid_and_partial"](tmp_path)
    assert main(["agreement", str(tmp_path), "--bootstrap", "20"]) == 1
    out = capsys.readouterr().out
    assert "Sets without a valid label file: A 1, B 1, C 2 (of 6)" in out
    assert "3 problems (files skipped)" in out and "9999-0-0.json" in out
    assert "Krippendorff alpha (ordinal)" in out


def test_agreement_with_one_annotator_says_so_instead_of_a_table_of_na(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    BAD["one_annotator"](tmp_path)
    assert main(["agreement", str(tmp_path), "--bootstrap", "20"]) == 1
    out = capsys.readouterr().out
    assert "Note: Only A has labelled sets so far" in out
    assert "Krippendorff" not in out and "A                 4" in out


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (no_labels, "No labels yet: there is no labels folder"),
        (only_adjudicated, "holds only the curator's decisions"),
    ],
)
@pytest.mark.parametrize("command", ["agreement", "report"])
def test_no_annotators_labels_exit_2_with_what_to_do(
    make, phrase: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path / "d")
    extra = ["--out", str(tmp_path / "r.html")] if command == "report" else []
    assert main([command, str(tmp_path / "d"), *extra]) == 2
    err = capsys.readouterr().err
    assert phrase in err and "hggt-data merge" in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", ["agreement", "report"])
def test_a_file_or_a_missing_path_is_a_usage_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    extra = ["--out", str(tmp_path / "r.html")] if command == "report" else []
    assert main([command, str(tmp_path / "notes.txt"), *extra]) == 2
    assert "is not an images folder" in capsys.readouterr().err
    assert main([command, str(tmp_path / "nowhere"), *extra]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["one_annotator", "zero_valid_files", "missing_version", "nine_versions"])
def test_report_on_bad_datasets_is_written_and_says_why(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    BAD[name](tmp_path / "d")
    out = tmp_path / "report.html"
    status, phrase = EXPECTED[name]
    assert main(["report", str(tmp_path / "d"), "--out", str(out), "--bootstrap", "10"]) == status
    html = out.read_text(encoding="utf-8")
    if phrase:
        assert phrase in html and "Nothing to compare yet" in html
        assert "None yet: no version of a set is labelled by two annotators" in html
    else:
        assert "Agreement by version" in html
    if name == "zero_valid_files":
        assert "Sets without a valid label file: A 3, B 3 (of 3)" in html
    if name == "nine_versions":  # ten thumbnails shrink to the page instead of overflowing it
        widths = [int(w) for w in re.findall(r'<img src="data:[^"]*" width="(\d+)"', html)]
        assert widths and max(widths) <= 1120


def test_report_heatmap_with_hyphenated_annotator_ids(tmp_path: Path) -> None:
    # Regression: the heatmap split pair names at the first "-", so "anno-1"/"anno-2" showed n/a.
    make_dataset(tmp_path, n_sets=6, size=8, annotators=("anno-1", "anno-2"))
    out = tmp_path / "report.html"
    assert main(["report", str(tmp_path), "--out", str(out), "--bootstrap", "5"]) == 0
    html = out.read_text(encoding="utf-8")
    heatmap = html[html.index("kappa per pair</title>") :]
    heatmap = heatmap[: heatmap.index("</svg>")]
    assert "n/a" not in heatmap


def test_every_label_the_same_explains_the_undefined_coefficients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_dataset(tmp_path, n_sets=3, size=8, label=lambda *_: Label.POSITIVE)
    assert main(["agreement", str(tmp_path), "--bootstrap", "10"]) == 0
    out = capsys.readouterr().out
    assert "% unanimous                        100.0" in out
    assert "n/a: undefined here, e.g. every rating has the same label" in out
