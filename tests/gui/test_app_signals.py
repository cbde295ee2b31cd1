"""The annotator and the curator close cleanly on Ctrl+C, SIGTERM and logoff (hole 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hggt_desktop.core.layout import find_labels_dir, lock_path
from hggt_desktop.core.record import record_path
from hggt_desktop.gui.application import commit_data
from tests.datagen import make_dataset
from tests.gui.annotator_setup import ANNOTATOR, make_images, open_window, type_keys

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc to see handlers")


def _catches(pid: int, number: int) -> bool:
    """True once process ``pid`` has its own handler for signal ``number`` (Linux /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(mask >> (number - 1) & 1)


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    app = subprocess.Popen(
        [sys.executable, "-m", "hggt_desktop.gui.app", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    # Python catches SIGINT from the start; SIGTERM only once the app installed its handlers.
    while not _catches(app.pid, signal.SIGTERM):
        assert app.poll() is None, app.communicate()
        assert time.monotonic() < deadline, "the app never installed its signal handlers"
        time.sleep(0.1)
    time.sleep(1.0)  # let it open its work and enter the event loop
    return app


def _stop(app: subprocess.Popen[str], number: int) -> tuple[int, str]:
    app.send_signal(number)
    try:
        _, err = app.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        _, err = app.communicate()
        pytest.fail(f"{signal.Signals(number).name} did not close the app: {err}")
    return app.returncode, err


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_hole12_review_closes_on_ctrl_c_and_sigterm(tmp_path: Path, number: int) -> None:
    images = make_dataset(tmp_path, n_sets=3, annotators=("A", "B"), size=16)
    code, err = _stop(_start("review", str(images.parent), cwd=tmp_path), number)
    assert code == 0, err
    assert "Traceback" not in err


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_hole12_annotator_closes_on_ctrl_c_and_sigterm_saving_and_unlocking(
    tmp_path: Path, number: int
) -> None:
    images = make_images(tmp_path)
    app = _start("annotate", str(images), "--annotator", ANNOTATOR, "--no-instructions", cwd=tmp_path)
    labels = find_labels_dir(images)
    assert lock_path(labels, ANNOTATOR).exists()
    code, err = _stop(app, number)
    assert code == 0, err
    assert "Traceback" not in err
    assert not lock_path(labels, ANNOTATOR).exists(), "the lock is released"
    assert record_path(labels, ANNOTATOR, "0000-0-0").exists(), "the set on screen has its record"


class _LogoffManager:
    def allowsInteraction(self) -> bool:
        return False


def test_hole12_logoff_saves_and_unlocks(qtbot, tmp_path: Path) -> None:
    images = make_images(tmp_path)
    window, session = open_window(qtbot, images)
    type_keys(qtbot, window, "ps")
    commit_data(window, _LogoffManager())
    assert not window.isVisible()
    labels = find_labels_dir(images)
    assert not lock_path(labels, ANNOTATOR).exists()
    assert record_path(labels, ANNOTATOR, session.progress.stem).exists()
