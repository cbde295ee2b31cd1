"""An Xvfb display of a given size with openbox as the window manager and a reserved taskbar."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

MISSING = [tool for tool in ("Xvfb", "openbox") if shutil.which(tool) is None]

# openbox's margins keep maximised windows off the bottom strip, as a Windows taskbar does.
RC_XML = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <margins><top>0</top><bottom>{taskbar}</bottom><left>0</left><right>0</right></margins>
  <applications><application class="*"><decor>yes</decor></application></applications>
</openbox_config>
"""


def _free_display() -> int:
    for number in range(300, 400):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number between :300 and :399")


@contextlib.contextmanager
def xvfb_desktop(width: int, height: int, taskbar: int, workdir: Path) -> Iterator[str]:
    """DISPLAY of a ``width`` x ``height`` screen, openbox running, ``taskbar`` px reserved."""
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    manager = None
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb :{number} did not start")
            time.sleep(0.05)
        rc = workdir / "rc.xml"
        rc.write_text(RC_XML.format(taskbar=taskbar), encoding="utf-8")
        env = {**os.environ, "DISPLAY": f":{number}"}
        manager = subprocess.Popen(
            ["openbox", "--config-file", str(rc)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # openbox takes the screen and publishes the work area
        yield f":{number}"
    finally:
        for process in (manager, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
