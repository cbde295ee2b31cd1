"""A catch trial flagged "can't judge" is not answered: in no tally, so it neither passes nor fails."""

from __future__ import annotations

import json
from pathlib import Path

from hggt_desktop.core.agreement_figures import CatchTally
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.rater_alerts import catch_cell, catch_verdict
from hggt_desktop.core.rating_table import rating_table
from hggt_desktop.core.trial_answers import trial_answers, trials_dir
from tests.datagen import make_dataset


def _trial(folder: Path, name: str, answer: str | None, flag: str = "") -> None:
    doc = {"kind": "degraded", "catch_version": "02", "expected": "Negative", "stem": "0000-0-0"}
    doc |= {"labels": {"02": answer} if answer else {}, "labels_by_version": {}}
    if flag:
        doc["flag"] = flag
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")


def test_flagged_catch_trials_are_counted_apart_and_never_as_answers(tmp_path: Path) -> None:
    images = make_dataset(tmp_path, n_sets=2, annotators=("A", "B"), size=8)
    labels = images.parent / "labels"
    folder = trials_dir(labels, "A")
    _trial(folder, "p-1", "Negative")
    _trial(folder, "p-2", "Negative")
    _trial(folder, "p-3", "Positive")
    for i in range(4):  # an annotator who flags the damaged copies instead of answering them
        _trial(folder, f"p-flag-{i}", None, flag="broken image")
    answers, problems = trial_answers(labels, rating_table(load_dataset(images)))
    assert problems == []
    degraded = answers["A"]["degraded"]
    assert degraded["trials"] == 3 and degraded["as_expected"] == 2 and degraded["flagged"] == 4
    assert sum(degraded["answers"].values()) == 3
    assert degraded["percent_as_expected"] == 100.0 * 2 / 3


def test_a_flag_neither_passes_nor_fails_the_rater() -> None:
    tally = CatchTally(trials=2, as_expected=2, answers={}, flagged=5, percent_as_expected=100.0)
    assert catch_verdict(tally.as_expected, tally.trials).startswith("too few")  # 2 answered, not 7
    assert catch_cell(tally) == "2/2 too few +5 flagged"
    nothing = CatchTally(trials=0, as_expected=0, answers={}, flagged=3, percent_as_expected=None)
    assert catch_cell(nothing) == "none answered +3 flagged"
    assert catch_cell(None) == "n/a"
