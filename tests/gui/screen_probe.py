"""Run inside Xvfb by test_screens_xvfb.py: open the annotator as a volunteer would, check it.

Prints one JSON object: the layout the rule chose, the screen, and every problem found (a
control outside the screen, text cut off, a control over a panel, a panel whose pixels are not
the source's where the rule says 1:1). Saves a screenshot of the whole screen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from hggt_desktop.annotation.workspace import open_workspace
from hggt_desktop.gui.annotate.keymap import KeyMap
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.main_window import MainWindow
from hggt_desktop.gui.smoke import contains_exactly
from tests.datagen import make_dataset


def _settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _global(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def _text_problems(window: QWidget, screen_rect: QRect) -> list[str]:
    problems = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, QAbstractButton | QLabel):
            continue
        name = widget.text()[:40] if widget.text() else type(widget).__name__
        if not screen_rect.contains(_global(widget)):
            problems.append(f"{name!r} at {_global(widget)} is not inside the screen {screen_rect}")
        hint = widget.sizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            if widget.heightForWidth(widget.width()) > widget.height():
                problems.append(f"{name!r} is cut off: needs {widget.heightForWidth(widget.width())} px high")
        elif hint.width() > widget.width() + 1:
            problems.append(f"{name!r} is cut off: {widget.width()} px wide, needs {hint.width()}")
    return problems


def _screen_array(app: QApplication) -> tuple[object, QImage]:
    import numpy as np

    image = app.primaryScreen().grabWindow(0).toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy(), image


def _photo_sets(images: Path, photo: Path, patch: int, versions: list[str]) -> None:
    """Replace the random sets with crops of a photo (a screenshot a person can read)."""
    import numpy as np

    from hggt_desktop.core.images import read_image, write_image

    picture = read_image(photo)
    for original_path in sorted((images / "original").glob("*.png")):
        stem = original_path.stem
        top = (picture.shape[0] - patch) // 2
        crop = picture[top : top + patch, :patch]
        write_image(original_path, crop)
        for k, version in enumerate(versions, start=1):
            changed = np.clip(crop.astype(np.int16) + (k - len(versions) // 2) * 6, 0, 255).astype(np.uint8)
            write_image(images / version / f"{stem}_{version}.png", changed)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patch", type=int, required=True)
    parser.add_argument("--versions", type=int, required=True)
    parser.add_argument("--screenshot", type=Path, required=True)
    parser.add_argument("--photo", type=Path, help="a photo to cut the sets from (docs screenshots)")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="hggt-screen-"))
    versions = [f"{k:02d}" for k in range(1, args.versions + 1)]
    images = make_dataset(tmp, n_sets=2, annotators=(), size=args.patch, versions=versions)
    if args.photo:
        _photo_sets(images, args.photo, args.patch, versions)
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(keymap=KeyMap(), break_interval_min=0, settings=settings)
    session = AnnotationSession(open_workspace(images, "probe"), prefetch=False)
    window.attach_session(session)
    window.place_on_screen()
    _settle(app, 1.5)
    view = window.view
    assert view is not None and view.screen_layout is not None
    screen = window.screen()
    screen_rect = screen.geometry()
    problems = _text_problems(window, screen_rect)
    # Qt rounds the frame's device pixels to logical ones (2081 px at 200% reads as 1041): one
    # logical pixel of slack, so only a frame really past the work area counts.
    work = screen.availableGeometry().adjusted(0, 0, 1, 1)
    if not window.isFullScreen() and not work.contains(window.frameGeometry()):
        problems.append(
            f"window frame {window.frameGeometry()} outside the work area {screen.availableGeometry()}"
        )
    shown = [panel for panel in view.grid.panels() if panel.isVisible()]
    controls = _global(view.controls)
    for panel in shown:
        if _global(panel).intersects(controls):
            problems.append(f"the controls {controls} overlap a panel at {_global(panel)}")
    pixels, image = _screen_array(app)
    layout = view.screen_layout
    exact = 0
    if layout.one_to_one:
        for index, panel in enumerate(view.grid.panels()):
            if not panel.isVisible():
                continue
            folder = "original" if index == 0 else session.version_at(index - 1)
            source = session.loaded.images[folder] if session.loaded else None
            if source is not None and contains_exactly(pixels, source):
                exact += 1
            else:
                problems.append(f"panel {index} ({folder}) is not the source pixel for pixel")
    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(args.screenshot), "PNG")
    print(
        json.dumps(
            {
                "layout": layout.__dict__,
                "full_screen": window.isFullScreen(),
                "screen": [screen_rect.width(), screen_rect.height(), screen.devicePixelRatio()],
                "work_area": screen.availableGeometry().getRect(),
                "panels_shown": len(shown),
                "panels_exact": exact,
                "problems": problems,
            }
        )
    )
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
