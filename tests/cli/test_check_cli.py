"""``hggt-data check`` on the bundled demo data, on damaged copies of it, and on bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hggt_desktop.cli.data import main
from hggt_desktop.core.dataset import load_dataset
from hggt_desktop.core.images import read_image
from hggt_desktop.core.labels import Label, read_label_file
from hggt_desktop.resources import resource_path

DEMO = resource_path("demo")
PRACTICE = resource_path("practice")
REPO = Path(__file__).resolve().parents[2]


def run_check(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, to see exactly what a user sees on the terminal."""
    command = [sys.executable, "-m", "hggt_desktop.cli.data", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    return copy


@pytest.mark.parametrize("target", [DEMO, DEMO / "images"], ids=["dataset root", "images folder"])
def test_demo_data_checks_clean(capsys: pytest.CaptureFixture[str], target: Path) -> None:
    code, out, _ = run_check(capsys, target)
    assert code == 0, out
    assert "no problems found" in out
    assert "sets:       8" in out
    for annotator in ("A", "B", "C"):
        assert f"annotator {annotator}: 8 labelled, 0 unlabelled" in out


@pytest.mark.slow
def test_demo_check_as_a_real_command_exits_0() -> None:
    result = run_cli("check", DEMO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_json_summary_has_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_check(capsys, DEMO, "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["sets"] == 8
    assert summary["versions"] == ["01", "02", "03", "04"]
    assert summary["annotators"] == {a: {"labelled": 8, "unlabelled": 0, "flagged": 0} for a in "ABC"}
    assert summary["problems"] == []


def _set_label_field(path: Path, picture: str, field: str, value: str) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc[picture][field] = value
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")


def delete_version(root: Path) -> Path:
    target = root / "images" / "02" / "chelsea-16-0_02.png"
    target.unlink()
    return target


def truncate_png(root: Path) -> Path:
    target = root / "images" / "03" / "coffee-128-0_03.png"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def unknown_label(root: Path) -> Path:
    target = root / "labels" / "A" / "rocket-160-0.json"
    _set_label_field(target, "Picture_2", "Label", "Great")
    return target


def escaping_name(root: Path) -> Path:
    target = root / "labels" / "B" / "astronaut-32-48.json"
    _set_label_field(target, "Picture_3", "Name", "../x.png")
    return target


def not_json(root: Path) -> Path:
    target = root / "labels" / "C" / "chelsea-0-192.json"
    target.write_text("this is not JSON {", encoding="utf-8")
    return target


DAMAGES: dict[str, Callable[[Path], Path]] = {
    "deleted version": delete_version,
    "truncated PNG": truncate_png,
    "unknown label 'Great'": unknown_label,
    "Name '../x.png'": escaping_name,
    "not JSON": not_json,
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_each_damage_is_reported_with_its_file(
    capsys: pytest.CaptureFixture[str], demo_copy: Path, damage: Callable[[Path], Path]
) -> None:
    damaged = damage(demo_copy)
    code, out, err = run_check(capsys, demo_copy)
    assert code == 1, out
    problem_lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert any(str(damaged) in line for line in problem_lines), out
    assert "Traceback" not in err


@pytest.mark.slow
def test_all_damages_at_once_are_all_named_without_a_traceback(demo_copy: Path) -> None:
    damaged = [damage(demo_copy) for damage in DAMAGES.values()]
    result = run_cli("check", demo_copy, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    reported = {problem["path"] for problem in summary["problems"]}
    for path in damaged:
        assert str(path) in reported, (path, summary["problems"])
    # The other sets and files are still counted: one bad file does not stop the check.
    assert summary["sets"] == 8
    reasons = " ".join(problem["reason"] for problem in summary["problems"])
    assert "Great" in reasons and "../x.png" in reasons


def test_missing_path_is_a_usage_error_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    result = run_cli("check", missing)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert str(missing) in message


def test_non_ascii_path_checks_clean(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    copy = tmp_path / "Daten-ÄÖÜ-数据"
    shutil.copytree(DEMO, copy)
    code, out, _ = run_check(capsys, copy, "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert "Daten-ÄÖÜ-数据" in summary["images_dir"]
    assert summary["sets"] == 8 and summary["problems"] == []


def test_demo_labels_show_the_cases_the_tools_must_handle() -> None:
    dataset = load_dataset(DEMO)
    assert tuple(dataset.annotators) == ("A", "B", "C")
    conflicts = all_different = two_one = rich_sets = 0
    for image_set in dataset.sets:
        files = dataset.files_for(image_set.stem)
        effective = dataset.effective(image_set.stem)
        for version in image_set.version_ids:
            votes = [files[a].label_map[version] for a in "ABC"]
            conflicts += Label.POSITIVE in votes and Label.NEGATIVE in votes
            all_different += len(set(votes)) == 3
            two_one += effective[version].votes == 2
        rich_sets += sum(e.label == Label.POSITIVE for e in effective.values()) >= 2
        for annotator in "ABC":
            cost = files[annotator].time_cost
            assert cost is not None and 25 <= cost.total <= 60
            assert cost.total <= (cost.end - cost.start).total_seconds() <= cost.total + 120
    assert conflicts >= 1 and all_different >= 1 and two_one >= 2 and rich_sets >= 2


def test_practice_block_is_a_clean_images_folder_with_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_check(capsys, PRACTICE, "--json")
    assert code == 0, out
    summary = json.loads(out)
    answers = json.loads((PRACTICE / "answers.json").read_text(encoding="utf-8"))
    sets = load_dataset(PRACTICE).sets
    assert {s.stem for s in sets} == set(answers)
    for image_set in sets:
        entry = answers[image_set.stem]
        assert set(image_set.version_ids) == set(entry) - {"why"}
        assert set(entry["why"]) == set(image_set.version_ids)
        labels = {v: Label(entry[v]) for v in image_set.version_ids}
        # A version answered Similar because it *is* the original must really be identical.
        for version, label in labels.items():
            why = entry["why"][version]
            if "pixel for pixel" in why:
                assert label == Label.SIMILAR
                original = read_image(image_set.original)
                assert (read_image(image_set.version_path(version)) == original).all()
    assert summary["sets"] == 4


@pytest.mark.slow
def test_committed_demo_data_is_what_the_script_makes(tmp_path: Path) -> None:
    """Regenerating from the photos gives the committed labels and (within 1 level) pixels."""
    shutil.copytree(resource_path("photos"), tmp_path / "photos")
    script = REPO / "scripts" / "make_demo_data.py"
    result = subprocess.run(
        [sys.executable, str(script), "--resources", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for folder in ("demo", "practice"):
        committed = sorted(p.relative_to(resource_path(folder)) for p in resource_path(folder).rglob("*.*"))
        made = sorted(p.relative_to(tmp_path / folder) for p in (tmp_path / folder).rglob("*.*"))
        assert [p for p in committed if p.name != "README.md"] == made
    for json_path in (tmp_path / "demo" / "labels").rglob("*.json"):
        relative = json_path.relative_to(tmp_path / "demo")
        assert read_label_file(json_path) == read_label_file(DEMO / relative)
    assert (tmp_path / "practice" / "answers.json").read_text(encoding="utf-8") == (
        PRACTICE / "answers.json"
    ).read_text(encoding="utf-8")
    for png in (tmp_path / "demo" / "images").rglob("*.png"):
        made_pixels = read_image(png).astype(int)
        committed_pixels = read_image(DEMO / png.relative_to(tmp_path / "demo"))
        assert abs(made_pixels - committed_pixels).max() <= 1, png
