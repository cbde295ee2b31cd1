"""``hggt-data export-labels`` against an independent implementation of the published rule."""

from __future__ import annotations

import csv
import itertools
import shutil
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.labels import Label
from hggt_desktop.resources import resource_path
from tests.datagen import VERSIONS, make_dataset

NAMES = ("Positive", "Similar", "Negative")
COMBINATIONS = list(itertools.product(NAMES, repeat=3))  # all 27 (A, B, C) label triples
N_SETS = len(COMBINATIONS)


def published_rule(votes: tuple[str, str, str]) -> tuple[str, int]:
    """hggt-format.md: the most common label wins with its count; all three differ -> Similar, 1."""
    counts = {name: votes.count(name) for name in NAMES}
    best = max(counts.values())
    if best == 1:
        return "Similar", 1
    return next(name for name in NAMES if counts[name] == best), best


def combination(stem: str, version: str) -> tuple[str, str, str]:
    # Set i, version k gets triple (i + 7k) mod 27: across the 27 sets every version sees all 27.
    index = int(stem.split("-")[0])
    return COMBINATIONS[(index + 7 * int(version)) % N_SETS]


def label_of(stem: str, annotator: str, version: str) -> Label:
    return Label(combination(stem, version)["ABC".index(annotator)])


@pytest.fixture
def released_train(tmp_path: Path) -> Path:
    """``Train/images/0-20193/{original,01..04}`` beside ``Train/labels/0-20193/{A,B,C}``."""
    work = tmp_path / "work"
    make_dataset(work, n_sets=N_SETS, annotators=("A", "B", "C"), size=16, label=label_of)
    train = tmp_path / "Train"
    (train / "images").mkdir(parents=True)
    (train / "labels").mkdir()
    shutil.move(work / "images", train / "images" / "0-20193")
    shutil.move(work / "labels", train / "labels" / "0-20193")
    return train


def export(capsys: pytest.CaptureFixture[str], source: Path, out: Path) -> tuple[int, str, list[dict]]:
    code = main(["export-labels", str(source), "--out", str(out)])
    capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return code, text.splitlines()[0], rows


@pytest.mark.slow
def test_every_row_follows_the_published_rule(
    capsys: pytest.CaptureFixture[str], released_train: Path, tmp_path: Path
) -> None:
    code, header, rows = export(capsys, released_train / "images" / "0-20193", tmp_path / "x.csv")
    assert code == 0
    assert header == "set,version,A,B,C,effective,votes"
    stems = sorted({row["set"] for row in rows})
    assert len(stems) == N_SETS
    assert sorted((row["set"], row["version"]) for row in rows) == sorted(itertools.product(stems, VERSIONS))
    seen: dict[str, set[tuple[str, str, str]]] = {v: set() for v in VERSIONS}
    for row in rows:
        votes = (row["A"], row["B"], row["C"])
        assert votes == combination(row["set"], row["version"]), row
        assert (row["effective"], int(row["votes"])) == published_rule(votes), row
        seen[row["version"]].add(votes)
    # The dataset really exercised every combination for every version.
    assert all(len(triples) == 27 for triples in seen.values())


def test_the_split_root_gives_the_same_csv(
    capsys: pytest.CaptureFixture[str], released_train: Path, tmp_path: Path
) -> None:
    export(capsys, released_train / "images" / "0-20193", tmp_path / "a.csv")
    code, _, _ = export(capsys, released_train, tmp_path / "b.csv")
    assert code == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_demo_csv_has_one_row_per_set_and_version(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    demo = resource_path("demo")
    code, header, rows = export(capsys, demo, tmp_path / "demo.csv")
    assert code == 0
    assert header == "set,version,A,B,C,effective,votes"
    stems = sorted(p.stem for p in (demo / "images" / "original").glob("*.png"))
    assert len(stems) == 8
    assert sorted((row["set"], row["version"]) for row in rows) == sorted(itertools.product(stems, VERSIONS))
    for row in rows:
        votes = (row["A"], row["B"], row["C"])
        assert (row["effective"], int(row["votes"])) == published_rule(votes), row


@pytest.mark.slow
def test_problems_are_reported_and_the_rest_exported(
    capsys: pytest.CaptureFixture[str], released_train: Path, tmp_path: Path
) -> None:
    bad = released_train / "labels" / "0-20193" / "B" / "0003-48-24.json"
    bad.write_text("{not json", encoding="utf-8")
    code = main(["export-labels", str(released_train), "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code == 1
    assert str(bad) in err
    rows = list(csv.DictReader((tmp_path / "x.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == N_SETS * len(VERSIONS)
    unlabelled = [row for row in rows if row["set"] == "0003-48-24"]
    assert all(row["B"] == "" for row in unlabelled)
