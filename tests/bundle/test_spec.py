"""build_windows.spec, read and run with stand-in PyInstaller classes (no build: that is scripts/bundle_check.sh)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hggt_desktop.version import __version__

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build_windows.spec"


def load_spec(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Execute the spec; without ``SPECPATH`` in ``extra`` it only defines its constants and functions."""
    namespace: dict[str, Any] = {"__name__": "build_windows_spec", "__file__": str(SPEC)}
    namespace.update(extra or {})
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return namespace


class Recorder:
    """Stand-ins for PyInstaller's Analysis/PYZ/EXE/COLLECT that record their arguments."""

    def __init__(self) -> None:
        self.analyses: list[SimpleNamespace] = []
        self.exes: list[dict[str, Any]] = []
        self.collects: list[dict[str, Any]] = []

    def globals(self, tmp_path: Path) -> dict[str, Any]:
        def analysis(scripts: list[str], **kwargs: Any) -> SimpleNamespace:
            record = SimpleNamespace(scripts=scripts, pure=[], **kwargs)
            self.analyses.append(record)
            return record

        def exe(*args: Any, **kwargs: Any) -> str:
            self.exes.append(kwargs)
            return kwargs["name"]

        def collect(*args: Any, **kwargs: Any) -> None:
            self.collects.append({"parts": args, **kwargs})

        return {
            "SPECPATH": str(ROOT),
            "workpath": str(tmp_path / "work"),
            "Analysis": analysis,
            "PYZ": lambda pure: "pyz",
            "EXE": exe,
            "COLLECT": collect,
        }


def build(target: str, platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Run the spec as ``pyinstaller build_windows.spec -- --target <target>`` would, on ``platform``."""
    recorder = Recorder()
    monkeypatch.setattr(sys, "argv", [str(SPEC), "--target", target])
    monkeypatch.setattr(sys, "platform", platform)
    load_spec(recorder.globals(tmp_path))
    return recorder


def test_annotator_bundle_leaves_out_the_ml_stack_and_unused_qt() -> None:
    spec = load_spec()
    excludes = spec["excludes_for"]("annotator")
    for name in ("torch", "onnxruntime", "enhance", "train", "tensorboard", "tkinter", "pytest", "scipy"):
        assert name in excludes
    for name in (
        "PySide6.QtNetwork",
        "PySide6.QtQml",
        "PySide6.QtQuick",
        "PySide6.QtWebEngineCore",
        "PySide6.QtPdf",
    ):
        assert name in excludes
    # What the GUI and the curator export need must stay in.
    for name in (
        "PySide6.QtCore",
        "PySide6.QtGui",
        "PySide6.QtWidgets",
        "numpy",
        "cv2",
        "h5py",
        "hggt_desktop",
    ):
        assert name not in excludes


def test_workstation_bundle_adds_onnxruntime_but_never_torch() -> None:
    excludes = load_spec()["excludes_for"]("workstation")
    assert "torch" in excludes
    assert "onnxruntime" not in excludes
    assert "enhance" not in excludes


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
        "PySide6/Qt6WebEngineCore.dll",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt6Network.dll",
        "PySide6/Qt6OpenGLWidgets.dll",
        "PySide6/Qt/lib/libQt6QuickControls2.so.6",
        "cv2/qt/plugins/platforms/libqxcb.so",
        "torch/lib/libtorch_cpu.so",
        "PySide6/Qt/translations/qt_help_de.qm",
        "PySide6/translations/qtdeclarative_de.qm",
        "PySide6/opengl32sw.dll",
        "cv2/opencv_videoio_ffmpeg500_64.dll",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
    ],
)
def test_unused_libraries_are_dropped(dest: str) -> None:
    assert not load_spec()["keep_entry"]((dest, "/src", "BINARY"))


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",  # the Wayland EGL plugins link it
        "PySide6/Qt6Gui.dll",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/plugins/styles/qmodernwindowsstyle.dll",
        "PySide6/Qt/translations/qt_de.qm",
        "PySide6/Qt/translations/qt_zh_CN.qm",
        "PySide6/translations/qtbase_ja.qm",
        "cv2/cv2.abi3.so",
        "cv2/cv2.pyd",
        "numpy.libs/libscipy_openblas64_-32a4b2a6.so",
        "resources/demo/images/original/a.png",
    ],
)
def test_needed_libraries_are_kept(dest: str) -> None:
    assert load_spec()["keep_entry"]((dest, "/src", "BINARY"))


def test_target_comes_from_the_spec_argument_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    read_target = load_spec()["read_target"]
    monkeypatch.delenv("HGGT_BUNDLE_TARGET", raising=False)
    assert read_target([]) == "annotator"
    assert read_target(["--target", "workstation"]) == "workstation"
    monkeypatch.setenv("HGGT_BUNDLE_TARGET", "workstation")
    assert read_target([]) == "workstation"
    with pytest.raises(SystemExit):
        read_target(["--target", "everything"])


def test_windows_annotator_build_is_windowed_with_icon_version_and_console_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = build("annotator", "win32", tmp_path, monkeypatch)
    exes = {exe["name"]: exe for exe in recorder.exes}
    assert set(exes) == {"hggt-desktop", "hggt-desktop-console"}
    assert exes["hggt-desktop"]["console"] is False
    assert exes["hggt-desktop-console"]["console"] is True
    for exe in exes.values():
        assert Path(exe["icon"]).is_file()
        assert exe["upx"] is False
        version_text = Path(exe["version"]).read_text(encoding="utf-8")
        ast.parse(version_text, mode="eval")  # PyInstaller eval()s this file
        assert f"'FileVersion', '{__version__}'" in version_text
        assert f"'OriginalFilename', '{exe['name']}.exe'" in version_text
    (collect,) = recorder.collects
    assert collect["name"] == "hggt-desktop-annotator"
    (analysis,) = recorder.analyses
    assert "torch" in analysis.excludes and "onnxruntime" in analysis.excludes


def test_resources_are_bundled_and_the_entry_scripts_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = build("annotator", "linux", tmp_path, monkeypatch)
    (analysis,) = recorder.analyses
    assert [Path(script).name for script in analysis.scripts] == ["bundle_entry.py"]
    assert all(Path(script).is_file() for script in analysis.scripts)
    dests = {dest for _src, dest in analysis.datas}
    assert "resources/icons" in {d.replace("\\", "/") for d in dests}
    assert any(d.replace("\\", "/").startswith("resources/demo") for d in dests)
    assert not any(Path(src).name == "version_info.txt" for src, _dest in analysis.datas)
    assert [exe["name"] for exe in recorder.exes] == ["hggt-desktop"]  # no console twin off Windows


def test_workstation_build_adds_the_runner_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = build("workstation", "win32", tmp_path, monkeypatch)
    names = [exe["name"] for exe in recorder.exes]
    assert names == ["hggt-desktop", "hggt-desktop-console", "hggt-enhance"]
    runner = recorder.exes[-1]
    assert runner["console"] is True  # a CLI: its progress and errors go to the console
    assert [Path(a.scripts[0]).name for a in recorder.analyses] == [
        "bundle_entry.py",
        "bundle_entry_enhance.py",
    ]
    assert all("torch" in a.excludes and "onnxruntime" not in a.excludes for a in recorder.analyses)
    (collect,) = recorder.collects
    assert collect["name"] == "hggt-desktop-workstation"


@pytest.mark.parametrize("script", ["scripts/bundle_entry.py", "scripts/bundle_entry_enhance.py"])
def test_entry_scripts_install_the_network_guard_before_anything_else(script: str) -> None:
    tree = ast.parse((ROOT / script).read_text(encoding="utf-8"))
    assert ast.get_docstring(tree) is not None
    first_import, first_call = tree.body[1], tree.body[2]  # body[0] is the docstring
    assert isinstance(first_import, ast.ImportFrom) and first_import.module == "hggt_desktop.offline"
    assert ast.unparse(first_call) == "install_network_guard()"


def test_gtk_theme_plugin_goes_with_the_libraries_only_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    links = {
        "libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6"],
        "libgtk-3.so.0": ["libcairo.so.2", "libfreetype.so.6"],
        "libcairo.so.2": ["libfreetype.so.6"],
        "libQt6Gui.so.6": ["libfreetype.so.6"],
        "libfreetype.so.6": [],
    }
    monkeypatch.setattr(
        "PyInstaller.depend.bindepend.get_imports",
        lambda src, search_paths=None: {(name, f"/usr/lib/{name}") for name in links[Path(src).name]},
    )
    dests = {
        "libqgtk3.so": "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "libgtk-3.so.0": "libgtk-3.so.0",
        "libcairo.so.2": "libcairo.so.2",
        "libQt6Gui.so.6": "PySide6/Qt/lib/libQt6Gui.so.6",
        "libfreetype.so.6": "libfreetype.so.6",
    }
    binaries = [(dest, f"/usr/lib/{name}", "BINARY") for name, dest in dests.items()]
    kept = [dest for dest, _src, _type in load_spec()["drop_with_dependencies"](binaries)]
    assert kept == ["PySide6/Qt/lib/libQt6Gui.so.6", "libfreetype.so.6"]
