"""The entry point: --smoke, opening work packages, bad input, keys, timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import find_labels_dir
from hggt_desktop.core.screen_order import screen_order
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.app import main
from tests.datagen import make_dataset
from tests.gui.annotator_setup import ANNOTATOR, make_images, read_json

REPO = Path(__file__).resolve().parents[2]


def _run_app(*args: str, cwd: Path, scale: str = "1") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), "QT_SCALE_FACTOR": scale}
    return subprocess.run(
        [sys.executable, "-m", "hggt_desktop.gui.app", *args],
        cwd=cwd,  # not the repository: resources must be found without the CWD
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize("scale", ["1", "1.25"])
def test_smoke_exits_0_and_writes_a_png_screenshot(tmp_path: Path, scale: str) -> None:
    # --smoke itself checks that the original's pixels are on screen unchanged at 1:1.
    shot = tmp_path / "shot.png"
    result = _run_app("--smoke", "--screenshot", str(shot), cwd=tmp_path, scale=scale)
    assert result.returncode == 0, result.stderr
    assert str(shot) in result.stdout
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_bad_paths_exit_2_with_a_reason(tmp_path: Path, capsys) -> None:
    assert main(["annotate", str(tmp_path / "nowhere"), "--annotator", "A"]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["annotate", str(tmp_path / "empty"), "--annotator", "A"]) == 2
    assert "not an images folder" in capsys.readouterr().err
    images = make_images(tmp_path)
    assert main(["annotate", str(images), "--annotator", "../x"]) == 2
    assert "cannot be an annotator id" in capsys.readouterr().err


def test_review_without_the_curator_module_exits_2_with_a_reason(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "hggt_desktop.gui.curator.window", None)  # import fails
    assert main(["review", str(tmp_path)]) == 2
    assert "curator app is not available" in capsys.readouterr().err


def test_a_work_package_gives_the_default_annotator_and_salts_the_order(tmp_path: Path) -> None:
    package = tmp_path / "package-07"
    make_dataset(package / "tmp", n_sets=2, annotators=(), size=16)
    (package / "tmp" / "images").rename(package / "images0-2")
    (package / "package.json").write_text(json.dumps({"annotator": "R7", "seed": 1234}), encoding="utf-8")
    workspace = open_workspace(package)
    assert workspace.annotator == "R7" and workspace.package_seed == 1234
    assert workspace.labels_dir == package / "labels0-2"
    assert open_workspace(package / "images0-2").annotator == "R7"  # opened by its images folder
    session = AnnotationSession(workspace, prefetch=False, use_lock=False)
    stem = workspace.sets[0].stem
    assert session.model.store.sets[0].order == screen_order(("01", "02", "03", "04"), "R7", stem, 1234)


def test_keys_can_be_remapped_from_a_keys_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps({"positive": ["J"], "next_set": ["D", "Right"], "bogus": ["X"]}), encoding="utf-8"
    )
    keymap = KeyMap.from_file(keys)
    press = lambda key, mods=Qt.KeyboardModifier.NoModifier: QKeyEvent(QEvent.Type.KeyPress, key, mods)  # noqa: E731
    assert keymap.action_for(press(Qt.Key.Key_J)) == "positive"
    assert keymap.action_for(press(Qt.Key.Key_P)) is None
    assert keymap.action_for(press(Qt.Key.Key_D)) == "next_set"
    assert keymap.action_for(press(Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)) == "help"
    assert keymap.action_for(press(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)) == "undo"
    assert any("bogus" in p for p in keymap.problems)


def test_time_cost_is_active_time_with_start_first_shown_and_end_last_label(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    now = [0.0]
    wall = [datetime(2026, 3, 1, 9, 0, 0)]
    session = AnnotationSession(
        open_workspace(images, ANNOTATOR),
        prefetch=False,
        clock=lambda: now[0],
        wall_clock=lambda: wall[0],
    )
    session.start()
    session.set_focused(True)
    for step, label in enumerate([Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE, Label.POSITIVE]):
        now[0] += 10.0 if step != 2 else 500.0  # a 500 s pause counts only 30 s
        wall[0] = datetime(2026, 3, 1, 9, 0, 10 * (step + 1))
        session.give_label(label)
    doc = read_json(find_labels_dir(images) / ANNOTATOR / f"{session.progress.stem}.json")
    assert doc["Time_cost"] == {"Start": "2026-03-01 09:00:00", "End": "2026-03-01 09:00:40", "Total": 60}
    record = session.model.store.record(0)
    assert round(sum(record.version_seconds.values())) == 60
    session.close()
