"""A rater who flagged every set they were given has no label file, maybe no label folder at all.

They are still a rater: every tool lists them with 0 sets labelled and their flags counted, their
flags reach the curator's queue, and no figure of theirs divides by their zero labels.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.disagreement import disagreement_queue
from hggt_desktop.core.rating_table import rating_table
from tests.cli.test_flagged_sets import flag_set
from tests.datagen import make_dataset

REASON = "misaligned"


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """A, B label all 6 sets; C flagged every one, and C's emptied label folder is gone."""
    images = make_dataset(tmp_path, n_sets=6, seed=4)
    labels = images.parent / "labels"
    for label_file in sorted((labels / "C").glob("*.json")):
        flag_set(labels, "C", label_file.stem, REASON)
    (labels / "C").rmdir()
    return images


def test_the_dataset_makes_a_rater_of_records_that_only_flag(images: Path) -> None:
    dataset = load_dataset(images)
    assert dataset.raters == ("A", "B", "C")
    assert all(by_rater == {"C": REASON} for by_rater in dataset.flags.values())
    assert len(dataset.flags) == 6 and dataset.unlabelled_by()["C"] == []


def test_records_without_a_flag_make_no_rater(images: Path) -> None:
    records = images.parent / "labels" / ".hggt" / "records"
    shutil.rmtree(records / "C")
    (records / "D").mkdir()
    assert load_dataset(images).raters == ("A", "B")


def test_check_lists_the_rater_with_0_labelled(images: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(images), "--quick"]) == 0
    assert 'annotator C: 0 labelled, 0 unlabelled, 6 flagged "can\'t judge"' in capsys.readouterr().out


def test_agreement_counts_the_flags_and_says_there_are_no_labels(
    images: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = summarize_agreement(load_dataset(images), resamples=20)
    c = summary.per_annotator["C"]
    assert (c.sets_labelled, c.sets_flagged, c.sets_missing) == (0, 6, 0)
    assert c.agreement_with_majority_of_others is None and c.mean_cohen_kappa_with_others is None
    assert summary.counts.sets_flagged == 6

    assert main(["agreement", str(images)]) == 0
    printed = capsys.readouterr().out
    assert '6 sets flagged "can\'t judge" (C 6)' in printed
    assert 'C labelled no set (6 flagged "can\'t judge"): no agreement figures for C' in printed
    row = next(line for line in printed.splitlines() if line.startswith("C "))
    assert row.split()[:3] == ["C", "0", "n/a"]  # no 0/0/0 label shares made of nothing
    assert main(["agreement", str(images), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["per_annotator"]["C"]["sets_flagged"] == 6 and doc["per_annotator"]["C"]["sets_labelled"] == 0


def test_report_lists_the_rater_and_their_flags(images: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(images), "--out", str(out), "--bootstrap", "20"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "6 sets flagged &quot;can&#x27;t judge&quot; (C 6)" in html
    assert "C labelled no set (6 flagged &quot;can&#x27;t judge&quot;): no agreement figures for C" in html
    assert "3 annotators (A, B, C)" in html


def test_the_curator_queue_lists_every_flag(images: Path) -> None:
    table = rating_table(load_dataset(images))
    assert "C" in table.raters
    flagged = disagreement_queue(table, annotator="C", flagged_only=True)
    assert len(flagged) == 6 and all(e.flags == (("C", REASON),) for e in flagged)


def test_report_panels_are_1_to_1_for_256_px_sets_and_mark_flags(images: Path, tmp_path: Path) -> None:
    """Each image of a worst set is its own 256 px panel (they wrap, never run off the page)."""
    import base64
    import re

    import cv2
    import numpy as np

    out = tmp_path / "report.html"
    assert main(["report", str(images), "--out", str(out), "--bootstrap", "0"]) == 0
    html = out.read_text(encoding="utf-8")
    first = html.index('<div class="set">')
    uris = re.findall(
        r'<figure class="panel"><img src="data:image/png;base64,([^"]+)" width="256" height="256"', html
    )
    assert uris and len(uris) % 5 == 0  # original + 4 versions per set shown
    panel = cv2.imdecode(np.frombuffer(base64.b64decode(uris[0]), np.uint8), cv2.IMREAD_COLOR)
    assert panel.shape[:2] == (256, 256)
    assert "C ?" in html[first:]  # flagged, not "C –" (missing)
    assert "C flagged “can't judge”: misaligned" in html[first:]
    assert ".panel { width: 136px; }" in html  # print: five across an A4 page
