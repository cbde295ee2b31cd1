"""package assigns fairly and hides its trials; merge reconstructs the labels exactly and safely."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, to_json_text, write_label_file
from hggt_desktop.core.record import SetRecord, write_record
from hggt_desktop.tools.assignment import SET, assign_sets, plan_packages
from tests.datagen import make_dataset, random_labels

ANNOTATORS = [f"R{i:02d}" for i in range(60)]


@pytest.mark.slow
def test_20193_sets_for_60_annotators_overlap_3_are_balanced() -> None:
    stems = [f"{i:04d}-{i % 97}-{i % 13}" for i in range(20193)]
    assigned = assign_sets(stems, ANNOTATORS, 3, random.Random(0))
    per_set = Counter(stem for own in assigned.values() for stem in own)
    assert set(per_set) == set(stems) and set(per_set.values()) == {3}
    assert all(len(set(own)) == len(own) for own in assigned.values())  # three *distinct* annotators
    loads = [len(own) for own in assigned.values()]
    assert max(loads) - min(loads) <= 1 and sum(loads) == 3 * 20193


@pytest.mark.slow
def test_packages_respect_the_size_limit_and_keep_every_assignment() -> None:
    versions = {f"{i:05d}": ("01", "02", "03", "04") for i in range(20193)}
    plans = plan_packages(
        versions, ANNOTATORS, 3, per_annotator=300, seed=5, catch_rate=0.05, repeat_rate=0.05
    )
    assert all(len(p.items) <= 300 for p in plans)
    real = Counter((p.annotator, it.source) for p in plans for it in p.items if it.kind == SET)
    assert set(real.values()) == {1}
    per_set = Counter(source for _, source in real)
    assert set(per_set.values()) == {3} and len(per_set) == 20193
    for plan in plans:  # a repeat comes well after its set, with its versions in other folders
        position = {}
        for index, item in enumerate(plan.items):
            if item.kind == SET:
                position[item.source] = index
            elif item.kind == "repeat":
                assert item.source in position and item.slots != versions[item.source]
                assert index - position[item.source] > len(plan.items) // 5


_TRUTH = random_labels(0)
TIME = TimeCost(datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 5, 0), 50)


def label_packages(out: Path) -> None:
    """Play the annotators: label every item of every package as the app would write it."""
    key = json.loads((out / ".curator" / "key.json").read_text())
    for manifest_path in sorted(out.glob("*/package.json")):
        manifest = json.loads(manifest_path.read_text())
        annotator, items = manifest["annotator"], key["packages"][manifest["package"]]["items"]
        labels_dir = manifest_path.parent / manifest["labels_dir"]
        for stem in items:
            item = items[stem]
            slots = [f"{i:02d}" for i in range(1, len(item["slots"]) + 1)]
            if item["kind"] == SET:
                labels = {
                    s: _TRUTH(item["source"], annotator, real)
                    for s, real in zip(slots, item["slots"], strict=True)
                }
                record = SetRecord(stem=stem, annotator=annotator, screen_order=slots[::-1])
                write_record(labels_dir / ".hggt" / "records" / annotator / f"{stem}.json", record)
            else:
                labels = dict.fromkeys(slots, Label.SIMILAR)
            write_label_file(labels_dir / annotator / f"{stem}.json", make_label_file(stem, labels, TIME))


def expected_labels(out: Path) -> dict[str, dict[str, str]]:
    key = json.loads((out / ".curator" / "key.json").read_text())
    expected: dict[str, dict[str, str]] = {}
    for entry in key["packages"].values():
        for item in entry["items"].values():
            if item["kind"] == SET:
                labels = {v: _TRUTH(item["source"], entry["annotator"], v) for v in item["slots"]}
                text = to_json_text(make_label_file(item["source"], labels, TIME))
                expected.setdefault(entry["annotator"], {})[f"{item['source']}.json"] = text
    return expected


def labels_tree(labels: Path) -> dict[str, dict[str, str]]:
    return {
        d.name: {f.name: f.read_text() for f in sorted(d.glob("*.json"))}
        for d in sorted(labels.iterdir())
        if d.is_dir() and not d.name.startswith(".")
    }


@pytest.fixture
def packaged(tmp_path: Path) -> tuple[Path, Path]:
    images = make_dataset(tmp_path / "data", n_sets=24, annotators=(), size=8)
    out = tmp_path / "packages"
    args = [
        "--overlap",
        "3",
        "--per-annotator",
        "8",
        "--seed",
        "3",
        "--catch-rate",
        "0.25",
        "--repeat-rate",
        "0.15",
    ]
    assert main(["package", str(images), str(out), "--annotators", "A,B,C,D,E", *args]) == 0
    return images, out


def test_catch_trials_do_not_reveal_themselves(packaged: tuple[Path, Path]) -> None:
    _, out = packaged
    key = json.loads((out / ".curator" / "key.json").read_text())
    kinds = Counter(it["kind"] for p in key["packages"].values() for it in p["items"].values())
    assert kinds["hidden_reference"] + kinds["degraded"] > 0 and kinds["repeat"] > 0
    shipped = [p for p in out.iterdir() if not p.name.startswith(".")]
    real_stems = {it["source"] for p in key["packages"].values() for it in p["items"].values()}
    for package in shipped:
        manifest_text = (package / "package.json").read_text()
        manifest = json.loads(manifest_text)
        assert manifest["annotator"] in "ABCDE" and isinstance(manifest["seed"], int)
        assert not any(word in manifest_text for word in ("hidden", "degrad", "repeat", "catch", "expected"))
        assert not any(stem in manifest_text for stem in real_stems)  # real names would single out trials
        names = [p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()]
        images_dir = manifest["images_dir"]
        stems = [line.strip()[:-4] for line in next(package.glob("img_info_*.txt")).read_text().splitlines()]
        assert all(re.fullmatch(r"\d{6}", s) for s in stems) and len(set(stems)) == len(stems)
        expected_files = {f"{images_dir}/original/{s}.png" for s in stems}
        expected_files |= {f"{images_dir}/{v}/{s}_{v}.png" for s in stems for v in ("01", "02", "03", "04")}
        assert set(names) == expected_files | {"package.json", f"img_info_{images_dir[6:]}.txt"}
        assert set(manifest["images"]) == expected_files


@pytest.mark.slow
def test_package_label_merge_round_trip(packaged: tuple[Path, Path], capsys) -> None:
    images, out = packaged
    label_packages(out)
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    assert main(["merge", *packages, "--into", str(images)]) == 0
    labels = images.parent / "labels"
    assert labels_tree(labels) == expected_labels(out)
    trials = list((labels / ".hggt" / "trials").rglob("*.json"))
    assert trials and all(json.loads(t.read_text())["kind"] != SET for t in trials)
    record = next((labels / ".hggt" / "records").rglob("*.json"))
    assert json.loads(record.read_text())["stem"] == record.stem  # mapped back to the real stem
    assert "every packaged set has all its annotators' labels" in capsys.readouterr().out

    before = {p: p.read_bytes() for p in labels.rglob("*") if p.is_file()}
    assert main(["merge", *packages, "--into", str(images)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert {p: p.read_bytes() for p in labels.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_tampered_images_are_refused_by_name(packaged: tuple[Path, Path], capsys) -> None:
    images, out = packaged
    label_packages(out)
    key = json.loads((out / ".curator" / "key.json").read_text())
    package = sorted(p for p in out.iterdir() if not p.name.startswith("."))[0]
    manifest = json.loads((package / "package.json").read_text())
    items = key["packages"][manifest["package"]]["items"]
    stem = next(s for s, it in items.items() if it["kind"] == SET)
    tampered = package / manifest["images_dir"] / "02" / f"{stem}_02.png"
    tampered.write_bytes(tampered.read_bytes()[:-1] + b"\x00")
    assert main(["merge", str(package), "--into", str(images)]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and str(tampered) in err
    source = items[stem]["source"]
    assert not (images.parent / "labels" / manifest["annotator"] / f"{source}.json").exists()

    # A dataset image changed after packaging is refused too.
    other = next(s for s, it in items.items() if it["kind"] == SET and s != stem)
    changed = images / "original" / f"{items[other]['source']}.png"
    changed.write_bytes(changed.read_bytes() + b"\x00")
    assert main(["merge", str(package), "--into", str(images)]) == 1
    assert str(changed) in capsys.readouterr().err


@pytest.mark.slow
def test_a_different_existing_label_is_kept_unless_prefer_newer(packaged: tuple[Path, Path], capsys) -> None:
    images, out = packaged
    label_packages(out)
    package = sorted(p for p in out.iterdir() if not p.name.startswith("."))[0]
    manifest = json.loads((package / "package.json").read_text())
    assert main(["merge", str(package), "--into", str(images)]) == 0
    target = next((images.parent / "labels" / manifest["annotator"]).glob("*.json"))
    older = TimeCost(datetime(2023, 1, 1), datetime(2023, 1, 1, 0, 1), 60)
    write_label_file(
        target, make_label_file(target.stem, dict.fromkeys(("01", "02", "03", "04"), Label.NEGATIVE), older)
    )
    edited = target.read_text()
    assert main(["merge", str(package), "--into", str(images)]) == 1
    assert "conflict" in capsys.readouterr().err and target.read_text() == edited
    assert main(["merge", str(package), "--into", str(images), "--prefer-newer"]) == 0
    assert target.read_text() != edited


@pytest.mark.slow
def test_merge_into_a_folder_that_does_not_exist_creates_the_dataset(
    packaged: tuple[Path, Path], capsys
) -> None:
    # Regression (issue 14): the README's 'merge Packages/* --into Dataset' failed with
    # "Dataset: does not exist"; now Dataset is made from the packaged sets' images.
    images, out = packaged
    label_packages(out)
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    dataset = images.parent.parent / "Dataset"
    assert main(["merge", *packages, "--into", str(dataset)]) == 0
    assert f"created {dataset} with the images of 24 sets" in capsys.readouterr().out
    copied = sorted(p.relative_to(dataset / "images") for p in (dataset / "images").rglob("*.png"))
    assert copied == sorted(p.relative_to(images) for p in images.rglob("*.png"))
    assert labels_tree(dataset / "labels") == expected_labels(out)
    assert not list(dataset.parent.glob(".*.partial"))


@pytest.mark.slow
def test_merge_lists_flagged_sets_apart_from_missing_ones(packaged: tuple[Path, Path], capsys) -> None:
    """A set flagged "can't judge" has no label file by design: merge says so, not "missing"."""
    images, out = packaged
    label_packages(out)
    key = json.loads((out / ".curator" / "key.json").read_text())
    manifest_path = sorted(out.glob("*/package.json"))[0]
    manifest = json.loads(manifest_path.read_text())
    annotator, items = manifest["annotator"], key["packages"][manifest["package"]]["items"]
    stem = next(s for s, item in items.items() if item["kind"] == SET)
    labels_dir = manifest_path.parent / manifest["labels_dir"]
    (labels_dir / annotator / f"{stem}.json").unlink()
    record_file = labels_dir / ".hggt" / "records" / annotator / f"{stem}.json"
    record = json.loads(record_file.read_text())
    record["flag"] = "misaligned"
    record_file.write_text(json.dumps(record))
    packages = [str(p) for p in sorted(out.iterdir()) if not p.name.startswith(".")]
    assert main(["merge", *packages, "--into", str(images)]) == 0
    printed = capsys.readouterr().out
    assert "1 sets flagged" in printed
    assert f"  {items[stem]['source']}: {annotator}: misaligned" in printed
    assert "every packaged set has all its annotators' labels" in printed
