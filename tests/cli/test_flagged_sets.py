"""A set one of three raters flagged "can't judge": every tool takes the other two by the one rule.

The flag lives in the rater's record and the set has no label file of that rater, so it must be
treated exactly like a set that 2 of 3 raters labelled (core/consensus.py, any number of raters):
the same effective labels and pack, the same agreement figures, but counted as flagged, not missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.consensus import effective_label
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.labels import read_label_file
from hggt_desktop.core.record import SetRecord, record_path, write_record
from tests.datagen import make_dataset

FLAGGED = "0001-16-8"
REASON = "other: the crops show different scenes"


def flag_set(labels_dir: Path, annotator: str, stem: str, reason: str) -> None:
    """Do what the annotator's X does: the labels move into the record, the label file goes."""
    label_file = labels_dir / annotator / f"{stem}.json"
    labels = read_label_file(label_file).label_map
    record = SetRecord(stem, annotator, sorted(labels), pending_labels=dict(labels), flag=reason)
    write_record(record_path(labels_dir, annotator, stem), record)
    label_file.unlink()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """The same dataset twice: C flagged one set in the first, C's file is simply gone in the second."""
    flagged = make_dataset(tmp_path / "flagged", n_sets=6, seed=4)
    missing = tmp_path / "missing" / "images"
    shutil.copytree(flagged.parent, missing.parent)
    flag_set(flagged.parent / "labels", "C", FLAGGED, REASON)
    (missing.parent / "labels" / "C" / f"{FLAGGED}.json").unlink()
    return flagged, missing


def test_consensus_over_the_two_remaining_raters_follows_the_rule(pair: tuple[Path, Path]) -> None:
    flagged, _ = pair
    dataset = load_dataset(flagged)
    assert dataset.flags == {FLAGGED: {"C": REASON}}
    assert FLAGGED not in dataset.unlabelled_by()["C"]  # flagged is not missing
    files = dataset.files_for(FLAGGED)
    assert set(files) == {"A", "B"}
    for version, found in dataset.effective(FLAGGED).items():
        label, votes = effective_label([files["A"].label_map[version], files["B"].label_map[version]])
        assert (found.label, found.votes, found.raters) == (label, votes, 2)


def test_agreement_counts_the_flag_and_leaves_it_out_of_the_figures(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    flagged, missing = pair
    with_flag = summarize_agreement(load_dataset(flagged), resamples=50)
    without = summarize_agreement(load_dataset(missing), resamples=50)
    assert with_flag.counts.sets_flagged == 1 and without.counts.sets_flagged == 0
    assert with_flag.per_annotator["C"].sets_flagged == 1
    assert with_flag.per_annotator["C"].sets_missing == 0 and without.per_annotator["C"].sets_missing == 1
    assert with_flag.overall == without.overall  # the flag is in no coefficient
    assert with_flag.confidence_intervals == without.confidence_intervals
    assert with_flag.problems.unlabelled_by["C"] == 0

    assert main(["agreement", str(flagged)]) == 0
    printed = capsys.readouterr().out
    assert '1 set flagged "can\'t judge" (C 1)' in printed
    assert "excluded from the agreement figures" in printed
    assert "Sets without a valid label file" not in printed
    assert main(["agreement", str(flagged), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["sets_flagged"] == 1 and doc["per_annotator"]["C"]["sets_flagged"] == 1


def test_check_says_flagged_apart_from_unlabelled(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    flagged, _ = pair
    assert main(["check", str(flagged), "--quick"]) == 0
    assert 'annotator C: 5 labelled, 0 unlabelled, 1 flagged "can\'t judge"' in capsys.readouterr().out


def test_report_counts_flagged_sets_per_annotator_and_in_total(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    flagged, _ = pair
    out = tmp_path / "report.html"
    assert main(["report", str(flagged), "--out", str(out), "--bootstrap", "20"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "1 set flagged &quot;can&#x27;t judge&quot; (C 1)" in html
    assert "excluded from the agreement figures" in html
    assert "<th>flagged “can't judge”</th>" in html


@pytest.mark.parametrize("subset", ["ori", "posneg"])
def test_pack_of_a_flagged_set_equals_the_pack_with_that_file_missing(
    pair: tuple[Path, Path], tmp_path: Path, subset: str
) -> None:
    flagged, missing = pair
    packs = []
    for name, images in (("flagged", flagged), ("missing", missing)):
        pack = tmp_path / f"{name}-{subset}.h5"
        assert main(["pack", str(images), str(pack), "--subset", subset]) == 0
        packs.append(pack)
    with h5py.File(packs[0]) as a, h5py.File(packs[1]) as b:
        for name in ("labels", "effective", "votes", "raters"):
            np.testing.assert_array_equal(a[name][()], b[name][()], err_msg=name)
        stems = [s.decode() if isinstance(s, bytes) else str(s) for s in a["names"][()]]
        assert FLAGGED in stems  # 2 of 3 raters is a complete set for every subset's rule
        assert set(a["raters"][stems.index(FLAGGED)].tolist()) == {2}
