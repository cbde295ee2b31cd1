"""Flags in returned packages: a flagged catch trial is not answered, a flagged set is one rater fewer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.agreement_summary import summarize_agreement
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.record import SetRecord, record_path, write_record
from tests.tools.test_packages import label_packages, packaged  # noqa: F401 (the fixture)

CATCH_KINDS = ("hidden_reference", "degraded")


def _first_catch_trial(out: Path) -> tuple[Path, str, str, str]:
    """(package labels folder, item stem, annotator, kind) of the first catch trial packaged."""
    key = json.loads((out / ".curator" / "key.json").read_text())
    for manifest_path in sorted(out.glob("*/package.json")):
        manifest = json.loads(manifest_path.read_text())
        annotator, items = manifest["annotator"], key["packages"][manifest["package"]]["items"]
        for stem, item in items.items():
            if item["kind"] in CATCH_KINDS:
                return manifest_path.parent / manifest["labels_dir"], stem, annotator, item["kind"]
    raise AssertionError("the packages hold no catch trial")


def _tally(images: Path, annotator: str, kind: str):  # type: ignore[no-untyped-def]
    trials = summarize_agreement(load_dataset(images), resamples=0).per_annotator[annotator].trials
    assert trials is not None
    return getattr(trials, kind)


@pytest.mark.slow
def test_a_flagged_catch_trial_is_not_answered(
    packaged: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    images, out = packaged
    label_packages(out)
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    assert main(["merge", *packages, "--into", str(images)]) == 0
    capsys.readouterr()
    labels_dir, stem, annotator, kind = _first_catch_trial(out)
    answered = _tally(images, annotator, kind)
    # The annotator's X: no label file, the flag in the record.
    (labels_dir / annotator / f"{stem}.json").unlink()
    record = SetRecord(stem, annotator, ["01", "02", "03", "04"], flag="broken image")
    write_record(record_path(labels_dir, annotator, stem), record)

    # Merged again into a fresh copy of the labels: the flagged trial is no answer.
    labels = images.parent / "labels"
    for path in sorted((labels / ".hggt" / "trials").rglob("*.json")):
        path.unlink()
    assert main(["merge", *packages, "--into", str(images)]) == 0
    printed = capsys.readouterr().out
    assert f'{kind.replace("_", " ")} 1 flagged "can\'t judge" (not answered)' in printed
    tally = _tally(images, annotator, kind)
    assert tally.flagged == 1 and answered.flagged == 0
    assert tally.trials == answered.trials - 1  # not counted as a trial at all
    assert tally.as_expected in (answered.as_expected, answered.as_expected - 1)
    assert sum(tally.answers.values()) == tally.trials
    assert main(["agreement", str(images)]) == 0
    assert "+1 flagged" in capsys.readouterr().out


@pytest.mark.slow
def test_a_set_flagged_in_a_package_is_one_rater_fewer_after_merge(
    packaged: tuple[Path, Path],  # noqa: F811
) -> None:
    """Merge brings the flag back; agreement counts it and the set's consensus is the others'."""
    images, out = packaged
    label_packages(out)
    key = json.loads((out / ".curator" / "key.json").read_text())
    manifest_path = sorted(out.glob("*/package.json"))[0]
    manifest = json.loads(manifest_path.read_text())
    annotator, items = manifest["annotator"], key["packages"][manifest["package"]]["items"]
    stem = next(s for s, item in items.items() if item["kind"] == "set")
    labels_dir = manifest_path.parent / manifest["labels_dir"]
    (labels_dir / annotator / f"{stem}.json").unlink()
    record = SetRecord(stem, annotator, ["01", "02", "03", "04"], flag="versions identical")
    write_record(record_path(labels_dir, annotator, stem), record)
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    assert main(["merge", *packages, "--into", str(images)]) == 0

    source = items[stem]["source"]
    dataset = load_dataset(images)
    assert dataset.flags[source] == {annotator: "versions identical"}
    assert annotator not in dataset.files_for(source) and len(dataset.files_for(source)) == 2
    assert {e.raters for e in dataset.effective(source).values()} == {2}
    summary = summarize_agreement(dataset, resamples=0)
    assert summary.counts.sets_flagged == 1 and summary.per_annotator[annotator].sets_flagged == 1
    assert source not in dataset.unlabelled_by()[annotator]  # flagged, not missing


@pytest.mark.slow
def test_a_package_with_only_flags_makes_its_annotator_a_rater(
    packaged: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The annotator flagged every item: no label file comes back, yet their flags are merged and counted."""
    images, out = packaged
    label_packages(out)
    key = json.loads((out / ".curator" / "key.json").read_text())
    annotator = json.loads(sorted(out.glob("*/package.json"))[0].read_text())["annotator"]
    sources = set()
    for manifest_path in sorted(out.glob("*/package.json")):
        manifest = json.loads(manifest_path.read_text())
        if manifest["annotator"] != annotator:
            continue
        items = key["packages"][manifest["package"]]["items"]
        sources |= {item["source"] for item in items.values() if item["kind"] == "set"}
        labels_dir = manifest_path.parent / manifest["labels_dir"]
        for stem in items:
            (labels_dir / annotator / f"{stem}.json").unlink()
            record = SetRecord(stem, annotator, ["01", "02", "03", "04"], flag="broken image")
            write_record(record_path(labels_dir, annotator, stem), record)
        (labels_dir / annotator).rmdir()
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    assert main(["merge", *packages, "--into", str(images)]) == 0
    assert not (images.parent / "labels" / annotator).exists()  # no label file came back
    capsys.readouterr()

    dataset = load_dataset(images)
    assert annotator in dataset.raters
    assert {s for s, by_rater in dataset.flags.items() if annotator in by_rater} == sources
    summary = summarize_agreement(dataset, resamples=0)
    figures = summary.per_annotator[annotator]
    assert (figures.sets_labelled, figures.sets_flagged, figures.sets_missing) == (0, len(sources), 0)
    assert main(["check", str(images), "--quick"]) == 0
    unassigned = 24 - len(sources)  # check counts every set of the folder, assigned or not
    expected = f'{annotator}: 0 labelled, {unassigned} unlabelled, {len(sources)} flagged "can\'t judge"'
    assert expected in capsys.readouterr().out
