"""End to end under Xvfb: the real app, real X key events (xdotool), a label file on disk."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hggt_desktop.core.labels import read_label_file
from hggt_desktop.core.screen_order import screen_order
from hggt_desktop.gui.annotate.demo import demo_images_source

REPO = Path(__file__).resolve().parents[2]
MISSING = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"needs {' and '.join(MISSING)} (apt install xvfb xdotool)"
)


def _free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between :90 and :199")


@contextlib.contextmanager
def _xvfb() -> Iterator[str]:
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"Xvfb :{number} did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _xdotool(display: str, *args: str) -> str:
    result = subprocess.run(
        ["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=30
    )
    return result.stdout.strip()


def _wait_for(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_real_key_events_label_a_demo_set(tmp_path: Path) -> None:
    images = tmp_path / "images"
    shutil.copytree(demo_images_source(), images)
    stem = sorted(p.stem for p in (images / "original").iterdir())[0]
    label_file = tmp_path / "labels" / "T" / f"{stem}.json"
    with _xvfb() as display:
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
        app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hggt_desktop.gui.app",
                "annotate",
                str(images),
                "--annotator",
                "T",
                "--no-instructions",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            if not _wait_for(lambda: bool(_xdotool(display, "search", "--name", "HGGT annotator")), 60):
                app.kill()
                pytest.fail(f"the app window did not appear: {app.communicate()[0][-2000:]}")
            window = _xdotool(display, "search", "--name", "HGGT annotator").splitlines()[0]
            _xdotool(display, "windowfocus", "--sync", window)
            time.sleep(0.5)
            for key in ("1", "p", "2", "n", "3", "s", "4", "p"):
                _xdotool(display, "key", "--delay", "50", key)
            assert _wait_for(label_file.exists, 10), "no label file after real key presses"
            _xdotool(display, "key", "Right")
            time.sleep(0.3)
            assert app.poll() is None, "the app stopped"
        finally:
            app.terminate()  # SIGTERM: the app closes cleanly and releases its lock
            with contextlib.suppress(subprocess.TimeoutExpired):
                app.wait(timeout=10)
            if app.poll() is None:
                app.kill()
    order = screen_order(("01", "02", "03", "04"), "T", stem)
    expected = dict(zip(order, ("Positive", "Negative", "Similar", "Positive"), strict=True))
    labels = {v: label.value for v, label in read_label_file(label_file).labels}
    assert labels == expected
    assert app.returncode == 0, "SIGTERM must close the app cleanly"
    assert not (tmp_path / "labels" / ".hggt" / "locks" / "T.lock").exists()
