"""A long viewing session does not crash the process (regression: PySide6 6.12.0 refcounts).

PySide6/shiboken6 6.12.0 drop one reference to ``None`` on every call of a method returning
void (``update()``, ``resize()``, every ``QPainter.draw*``) and one reference to ``True`` on every
``Signal.emit()``. On CPython 3.11 ``None`` and ``True`` are not immortal, so after a few
thousand calls the interpreter aborts with "none_dealloc: deallocating None" or
"bool_dealloc: deallocating True or False": the annotator's app would die after a minute of
panning. 6.11.3 does not have the bug. The session runs in its own process so the abort is
reported as a failure instead of killing the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PANS = 4000
REPAINTS = 400


def _view_for_a_while() -> None:
    """Pan and repaint a five-panel grid as a user would over a few minutes."""
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from hggt_desktop.gui.viewer.grid import PatchGrid
    from hggt_desktop.gui.viewer.transform import ViewTransform

    app = QApplication([])
    transform = ViewTransform()
    transform.set_image_size(32, 32)
    grid = PatchGrid(transform)
    grid.resize(400, 300)
    for index, panel in enumerate(grid.set_panel_count(5)):
        panel.set_image(np.full((32, 32, 3), 40 * index, np.uint8))
        panel.set_caption(f"panel {index}")
    grid.show()
    transform.one_to_one()
    for step in range(PANS):
        transform.pan_by(QPointF(1 if step % 2 else -1, 0))
        if step % (PANS // REPAINTS) == 0:
            grid.repaint()
    app.processEvents()
    print("survived")


@pytest.mark.slow
def test_a_long_session_of_panning_does_not_crash() -> None:
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0 and "survived" in run.stdout, (
        f"the viewer process died (exit {run.returncode}); PySide6 6.12.0 is known to do this: "
        f"pin PySide6-Essentials 6.11.3\n{run.stderr[-2000:]}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    _view_for_a_while()
