"""True 1:1 at 100-200% display scaling: the grabbed screen holds the source pixels exactly.

Qt reads QT_SCALE_FACTOR once, when QApplication starts, so each factor runs this file as a
script in its own process (``python test_viewer_exact.py 1.25``); the script prints one JSON
line with what it found and the test checks it. Drawing in logical pixels fails this test at
every factor but 1 (the image is resampled to 80, 96, 112 or 128 pixels).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

FACTORS = ("1", "1.25", "1.5", "1.75", "2")


def find_exact(screen: np.ndarray, image: np.ndarray) -> tuple[int, int] | None:
    """Top-left (row, column) where ``image`` appears pixel for pixel in ``screen``, or None."""
    height, width = image.shape[:2]
    rows, columns = np.nonzero(np.all(screen == image[0, 0], axis=2))
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        window = screen[row : row + height, column : column + width]
        if window.shape == image.shape and np.array_equal(window, image):
            return row, column
    return None


def _measure() -> dict[str, object]:
    """Show a noise image at 1:1 (and 2x) in a panel at an odd offset; report what is found."""
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication, QWidget

    from hggt_desktop.gui.viewer.panel import ImagePanel
    from hggt_desktop.gui.viewer.qimage import from_qimage
    from hggt_desktop.gui.viewer.transform import ViewTransform

    app = QApplication([])
    noise = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    window = QWidget()
    window.resize(301, 243)
    transform = ViewTransform()
    panel = ImagePanel(transform, window)
    # An odd logical offset puts the panel on a fractional device pixel at 125% and 175%.
    panel.setGeometry(3, 5, 291, 231)
    panel.set_image(noise)
    transform.set_image_size(64, 64)
    window.show()
    transform.one_to_one()
    transform.pan_by(QPointF(7, -3))  # an off-centre view must stay exact too
    app.processEvents()
    panel_grab = panel.grab()
    window_shot = from_qimage(window.grab().toImage())
    result: dict[str, object] = {
        "ratio": panel.devicePixelRatioF(),
        "grab_ratio": panel_grab.devicePixelRatio(),
        "panel": find_exact(from_qimage(panel_grab.toImage()), noise),
        "window": find_exact(window_shot, noise),
    }
    result["split"] = _split_exact(app, window, panel, noise, result["window"])
    area = panel.image_area_device_size()
    transform.zoom_about(QPointF(area.width() / 2, area.height() / 2), 2.0, area)
    app.processEvents()
    doubled = np.repeat(np.repeat(noise, 2, axis=0), 2, axis=1)
    result["zoom2"] = find_exact(from_qimage(window.grab().toImage()), doubled)
    return result


def _split_exact(app, window, panel, noise: np.ndarray, found: object) -> bool:
    """The split view at 1:1: whole columns of the original, the divider, then the version's."""
    from hggt_desktop.gui.viewer.display_image import DisplayImage
    from hggt_desktop.gui.viewer.qimage import from_qimage
    from hggt_desktop.gui.viewer.split import LINE_WIDTH, Split

    if not isinstance(found, tuple | list):
        return False
    original = np.random.default_rng(4).integers(0, 256, noise.shape, dtype=np.uint8)
    panel.set_split(Split(DisplayImage.from_array(original), 0.5, "Original", "A"))
    app.processEvents()
    row, column = found
    height, width = noise.shape[:2]
    shown = from_qimage(window.grab().toImage())[row : row + height, column : column + width]
    panel.set_split(None)
    cut = 0
    while cut < width and np.array_equal(shown[:, cut], original[:, cut]):
        cut += 1
    line = max(1, round(LINE_WIDTH * panel.devicePixelRatioF()))
    return 0 < cut < width - line and np.array_equal(shown[:, cut + line :], noise[:, cut + line :])


@pytest.mark.slow
@pytest.mark.parametrize("factor", FACTORS)
def test_one_to_one_is_exact_at_display_scaling(factor: str) -> None:
    env = dict(os.environ, QT_SCALE_FACTOR=factor, QT_QPA_PLATFORM="offscreen")
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), factor],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["ratio"] == pytest.approx(float(factor))
    assert found["grab_ratio"] == pytest.approx(float(factor))
    assert found["panel"] is not None, f"1:1 image not found pixel-exact in the panel at {factor}"
    assert found["window"] is not None, f"1:1 image not found pixel-exact in the window at {factor}"
    assert found["split"], f"split view not pixel-exact on both sides of the divider at {factor}"
    assert found["zoom2"] is not None, f"2x image not found as exact 2x2 blocks at {factor}"


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    print(json.dumps(_measure()))
