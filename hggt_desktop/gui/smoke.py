"""``hggt-desktop --smoke``: prove a build works by opening the demo at 1:1 and grabbing it.

Used by CI on the frozen bundle, offscreen and without network: it loads the resources the
way an annotator's start does, opens a fresh copy of the demo set in the annotator screen,
switches to true 1:1, checks that the original's pixels are on screen unchanged, and saves a
screenshot. Any failure exits non-zero with the reason.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

WINDOW_SIZE = (1600, 1000)


class SmokeError(Exception):
    """The smoke test found something wrong; the message says what."""


def grab_to_array(widget: QWidget) -> np.ndarray:
    """The widget as drawn, as an HxWx3 uint8 RGB array in device pixels."""
    from PySide6.QtGui import QImage

    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def contains_exactly(haystack: np.ndarray, block: np.ndarray) -> bool:
    """True when ``block`` appears pixel for pixel somewhere in ``haystack``."""
    bh, bw = block.shape[:2]
    first = block[0, 0]
    ys, xs = np.nonzero(np.all(haystack == first, axis=2))
    for y, x in zip(ys, xs, strict=True):
        if y + bh <= haystack.shape[0] and x + bw <= haystack.shape[1]:
            if np.array_equal(haystack[y : y + bh, x : x + bw], block):
                return True
    return False


def _settle(app: QCoreApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def smoke(screenshot: Path) -> Path:
    """Run the smoke test; return the screenshot path or raise :class:`SmokeError`."""
    from hggt_desktop.core.labels import ORIGINAL_FOLDER
    from hggt_desktop.gui.annotate.demo import prepare_demo
    from hggt_desktop.gui.annotate.keymap import KeyMap
    from hggt_desktop.gui.application import make_application
    from hggt_desktop.gui.main_window import OPEN_ERRORS, MainWindow

    app = make_application()
    with tempfile.TemporaryDirectory(prefix="hggt-smoke-") as tmp:
        images = prepare_demo(Path(tmp))
        # Its own settings file: a smoke run leaves the person's settings as they were.
        settings = QSettings(str(Path(tmp) / "smoke.ini"), QSettings.Format.IniFormat)
        window = MainWindow(keymap=KeyMap(), break_interval_min=0, settings=settings)
        try:
            window.open_work(images, "smoke", instructions=False)
        except OPEN_ERRORS as exc:
            raise SmokeError(str(exc)) from exc
        try:
            window.resize(*WINDOW_SIZE)
            window.show()
            _settle(app)
            view = window.view
            assert view is not None and window.session is not None
            view.transform.one_to_one()
            _settle(app)
            original = window.session.loaded.images.get(ORIGINAL_FOLDER) if window.session.loaded else None
            if original is None:
                raise SmokeError(f"the first demo set did not load: {window.session.broken_reason()}")
            panel = view.grid.panels()[0]
            shown = grab_to_array(panel)
            h, w = original.shape[:2]
            block = original[h // 2 - 8 : h // 2 + 8, w // 2 - 8 : w // 2 + 8]
            if not contains_exactly(shown, block):
                raise SmokeError("the original is not drawn pixel for pixel at 1:1")
            pixmap = window.grab()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if pixmap.isNull() or not pixmap.save(str(screenshot), "PNG"):
                raise SmokeError(f"cannot save the screenshot to {screenshot}")
        finally:
            window.close()
            window.deleteLater()
            _settle(app, 0.05)
    return screenshot


def run_smoke(screenshot: Path) -> int:
    """CLI wrapper: 0 and the path printed, or 1 and the reason."""
    try:
        path = smoke(Path(screenshot))
    except Exception as exc:
        log.debug("smoke failed", exc_info=True)
        print(f"hggt-desktop --smoke: FAILED: {exc}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return 1
    print(f"hggt-desktop --smoke: ok, screenshot saved to {path}")
    return 0
