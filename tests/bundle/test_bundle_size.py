"""scripts/bundle_size.py: the spec's rules applied to tiny fake wheels, and the printed reports."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build_windows.spec"


def load_bundle_size() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_size", ROOT / "scripts" / "bundle_size.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bundle_size"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bundle_size = load_bundle_size()


def make_wheel(folder: Path, name: str, files: dict[str, int]) -> Path:
    """A wheel whose files hold the given numbers of bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / name
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, size in files.items():
            archive.writestr(path, b"x" * size)
    return wheel


# A Windows PySide6/OpenCV/scipy in miniature: one file for each way the spec keeps or drops one.
FAKE_FILES = {
    "PySide6/Qt6Core.dll": 5000,  # kept
    "PySide6/QtCore.pyd": 3000,  # kept
    "PySide6/Qt6WebEngineCore.dll": 7000,  # DROP_PATTERNS
    "PySide6/opengl32sw.dll": 6000,  # DROP_PATTERNS
    "PySide6/QtNetwork.pyd": 2000,  # excludes_for: PySide6.QtNetwork
    "PySide6/designer.exe": 900,  # never collected
    "PySide6/QtCore.pyi": 800,  # never collected
    "PySide6/resources/icudtl.dat": 700,  # never collected (WebEngine's data)
    "fake-1.0.dist-info/RECORD": 100,  # never collected
    "cv2/cv2.pyd": 4000,  # kept
    "cv2/opencv_videoio_ffmpeg4100_64.dll": 3500,  # DROP_PATTERNS
    "scipy/__init__.py": 50,  # excludes_for: scipy
    "scipy.libs/libopenblas.dll": 4500,  # belongs to scipy
}


def wheel_parts(result: object) -> dict[str, int]:
    return {part.path: part.size for part in result.kept if part.origin == "fake 1.0"}  # type: ignore[attr-defined]


def test_the_estimate_keeps_what_the_spec_keeps_and_sorts_the_rest_by_reason(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "fake-1.0-cp311-cp311-win_amd64.whl", FAKE_FILES)
    result = bundle_size.estimate([wheel], bundle_size.load_spec_rules(SPEC))
    assert wheel_parts(result) == {
        "PySide6/Qt6Core.dll": 5000,
        "PySide6/QtCore.pyd": 3000,
        "cv2/cv2.pyd": 4000,
    }
    by_kind = {reason.split(" ")[0]: size for reason, size in result.left_out.items()}
    assert by_kind == {
        "dropped": 7000 + 6000 + 3500,
        "module": 2000 + 50 + 4500,
        "never": 900 + 800 + 700 + 100,
    }
    # The bundle also gets the spec's resources and Python, which no wheel carries.
    paths = {part.path for part in result.kept}
    assert any(path.startswith("resources/demo/") for path in paths)
    assert "(Python 3.11 runtime, allowance)" in paths


def test_the_rules_are_read_from_the_spec_not_restated(tmp_path: Path) -> None:
    changed = tmp_path / "build_windows.spec"
    text = SPEC.read_text(encoding="utf-8")
    changed.write_text(text + '\nDROP_PATTERNS.append(r"qt6core")\nCOMMON_EXCLUDES.remove("scipy")\n')
    wheel = make_wheel(tmp_path / "wheels", "fake-1.0-cp311-cp311-win_amd64.whl", FAKE_FILES)
    kept = wheel_parts(bundle_size.estimate([wheel], bundle_size.load_spec_rules(changed)))
    assert "PySide6/Qt6Core.dll" not in kept
    assert kept["scipy.libs/libopenblas.dll"] == 4500


def test_windows_estimate_says_it_is_an_upper_bound_and_fails_above_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = {f"PySide6/Qt6Part{n:02d}.dll": 1_000_000 + n for n in range(12)}
    make_wheel(tmp_path, "fake-1.0-cp311-cp311-win_amd64.whl", {**FAKE_FILES, **big})
    assert bundle_size.main(["windows", "--wheels", str(tmp_path), "--limit-mb", "250"]) == 0
    out = capsys.readouterr().out
    assert "upper bound of what build_windows.spec keeps" in out
    assert "not PyInstaller's analysis" in out
    largest = out.split("ten largest:\n")[1].splitlines()[:10]
    assert "(Python 3.11 runtime, allowance)" in largest[0]
    assert [line.split()[2] for line in largest[1:4]] == [
        "PySide6/Qt6Part11.dll",
        "PySide6/Qt6Part10.dll",
        "PySide6/Qt6Part09.dll",
    ]
    assert "FAIL" not in out
    # The repeated bytes deflate to almost nothing; the zip is then about the allowance and resources.
    zipped = int(out.split("zipped, at most about ")[1].split()[0])
    total = float(out.split("Windows annotator bundle (estimate): ")[1].split()[0])
    assert 22 < zipped < total - 11

    assert bundle_size.main(["windows", "--wheels", str(tmp_path), "--limit-mb", "20"]) == 1
    assert "over the 20 MB limit" in capsys.readouterr().out


def test_a_broken_wheel_is_named_with_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    assert bundle_size.main(["windows", "--wheels", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "broken-1.0-py3-none-any.whl: not a readable wheel" in err
    assert "delete it and run again" in err


def test_measure_prints_the_ten_largest_files_and_fails_above_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "hggt-desktop-annotator"
    for n in range(12):
        path = bundle / "_internal" / f"lib{n:02d}.so"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (100_000 * (n + 1)))
    assert bundle_size.main(["measure", str(bundle), "--limit-mb", "400"]) == 0
    out = capsys.readouterr().out
    assert "7.8 MB in 12 files, limit 400 MB" in out
    largest = out.split("ten largest:\n")[1].splitlines()
    assert len(largest) == 10
    assert largest[0].split()[2] == "_internal/lib11.so" and largest[-1].split()[2] == "_internal/lib02.so"

    assert bundle_size.main(["measure", str(bundle), "--limit-mb", "7"]) == 1
    assert "FAIL: bundle" in capsys.readouterr().out
    assert bundle_size.main(["measure", str(tmp_path / "missing"), "--limit-mb", "7"]) == 2
    assert "no such bundle folder" in capsys.readouterr().err


def make_tinypkg_wheel(folder: Path) -> Path:
    """A pure-Python wheel pip accepts: the metadata files it reads and an empty package."""
    info = "tinypkg-1.0.dist-info"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "tinypkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tinypkg/__init__.py", "")
        archive.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return wheel


@pytest.mark.slow
def test_wheels_in_the_cache_are_used_without_going_to_the_index(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    make_tinypkg_wheel(cache)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("tinypkg==1.0\n", encoding="utf-8")
    dest = tmp_path / "dest"
    dest.mkdir()
    source = bundle_size.fetch_wheels(["tinypkg"], constraints, cache, dest)
    assert source == f"cache {cache}"
    assert [wheel.name for wheel in dest.glob("*.whl")] == ["tinypkg-1.0-py3-none-any.whl"]
    assert bundle_size.unpinned(dest.glob("*.whl"), constraints) == []
    constraints.write_text("numpy==2.4.6\n", encoding="utf-8")
    assert bundle_size.unpinned(dest.glob("*.whl"), constraints) == ["tinypkg-1.0-py3-none-any.whl"]


def test_the_windows_workflow_builds_with_the_spec_and_checks_the_same_limit() -> None:
    workflow = (ROOT / ".github" / "workflows" / "windows-bundle.yml").read_text(encoding="utf-8")
    assert "runs-on: windows-latest" in workflow
    assert "pyinstaller build_windows.spec --noconfirm --clean -- --target annotator" in workflow
    assert "hggt-desktop-console.exe --smoke --screenshot" in workflow
    limit = f"scripts/bundle_size.py measure dist/hggt-desktop-annotator --limit-mb {bundle_size.WINDOWS_LIMIT_MB}"
    assert limit in workflow
    assert "python -m pip install -c constraints.txt" in workflow


@pytest.mark.slow  # three pip runs
def test_wheels_neither_cached_nor_downloadable_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index with nothing in it stands in for PyPI out of reach.
    empty = tmp_path / "empty-index"
    empty.mkdir()
    monkeypatch.setenv("PIP_INDEX_URL", empty.as_uri())
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("tinypkg==1.0\n", encoding="utf-8")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(bundle_size.SizeError) as error:
        bundle_size.fetch_wheels(["tinypkg"], constraints, tmp_path / "cache", dest)
    message = str(error.value)
    assert "could not download the win_amd64 wheels of tinypkg" in message
    assert "check the connection to PyPI" in message
    assert "tinypkg" in message.split("\n", 1)[1]  # pip's own reason follows
