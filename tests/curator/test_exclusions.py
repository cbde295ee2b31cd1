"""Excluding a rater: left out of consensus, packs and agreement, files kept, fully reversible."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.exclusions import exclusions_path, read_exclusions
from hggt_desktop.resources import resource_path


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(resource_path("demo"), root)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_exclusion_round_trip_gives_identical_agreement(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = run(capsys, "agreement", demo, "--json", "--bootstrap", "50")
    files_before = sorted(p.relative_to(demo) for p in (demo / "labels").rglob("*.json"))
    assert run(capsys, "exclude", demo, "C", "--reason", "agreement near chance")[0] == 0
    excluded = json.loads(run(capsys, "agreement", demo, "--json", "--bootstrap", "50")[1])
    assert excluded["counts"]["raters"] == ["A", "B"] and excluded["excluded_raters"] == {
        "C": "agreement near chance"
    }
    assert (demo / "labels" / "C").is_dir()  # never deleted
    code, out, _ = run(capsys, "agreement", demo)
    assert "Left out: C" in out
    assert run(capsys, "exclude", demo, "C", "--undo")[0] == 0
    assert run(capsys, "agreement", demo, "--json", "--bootstrap", "50") == before
    assert [h["action"] for h in read_exclusions(demo / "labels").history] == ["exclude", "include"]
    files_after = {p.relative_to(demo) for p in (demo / "labels").rglob("*.json")}
    assert files_after == {*files_before, exclusions_path(demo / "labels").relative_to(demo)}


def test_an_excluded_rater_is_left_out_of_the_pack(
    demo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import h5py

    assert run(capsys, "exclude", demo, "B", "--reason", "straight-lining")[0] == 0
    assert run(capsys, "pack", demo, tmp_path / "p.h5")[0] == 0
    with h5py.File(tmp_path / "p.h5") as h5:
        assert list(h5.attrs["annotators"]) == ["A", "C"]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("exclude", "{demo}", "C"), "give a reason"),
        (("exclude", "{demo}", "Z", "--reason", "x"), "no such rater folder"),
        (("exclude", "{demo}", "adjudicated", "--reason", "x"), "cannot be excluded"),
        (("exclude", "{demo}", "A", "--undo"), "is not excluded"),
    ],
)
def test_exclude_refuses_what_makes_no_sense(
    demo: Path, capsys: pytest.CaptureFixture[str], argv, said: str
) -> None:
    code, _, err = run(capsys, *(a.format(demo=demo) for a in argv))
    assert code == 2 and said in err and "Traceback" not in err


def test_a_damaged_exclusions_file_is_reported_and_nobody_is_left_out(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = exclusions_path(demo / "labels")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[1, 2", encoding="utf-8")
    code, out, _ = run(capsys, "agreement", demo)
    assert code == 1 and "(A, B, C)" in out and str(path) in out
