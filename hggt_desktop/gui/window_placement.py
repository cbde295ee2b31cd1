"""Where the annotator's window goes: the layout rule's window mode, on the screen it is on.

Full screen where 1:1 needs it (menu and status bars hidden: messages are in the controls),
otherwise maximised within the work area or, when this screen has a remembered geometry, that
geometry pulled back inside the work area, so no control is ever off-screen. F11 toggles.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QMainWindow

from hggt_desktop.annotation.screen_layout import ScreenLayout, choose_layout


def layout_for(screen: QScreen, patch: tuple[int, int], versions: int) -> ScreenLayout:
    """The layout rule for ``screen`` (its size and scaling taken from Qt)."""
    ratio = screen.devicePixelRatio()
    whole, work = screen.geometry(), screen.availableGeometry()
    return choose_layout(
        (round(whole.width() * ratio), round(whole.height() * ratio)),
        ratio,
        patch,
        versions,
        work_area=(round(work.width() * ratio), round(work.height() * ratio)),
    )


def screen_key(screen: QScreen) -> str:
    """A QSettings key naming this screen by name, size and scaling."""
    size = screen.geometry().size()
    name = "".join(c if c.isalnum() else "_" for c in screen.name()) or "screen"
    return f"window/{name}_{size.width()}x{size.height()}_{screen.devicePixelRatio():g}"


def set_full_screen(window: QMainWindow, full: bool) -> None:
    """Full screen without menu and status bars, or back to a window that fits the work area."""
    window.menuBar().setVisible(not full)
    window.statusBar().setVisible(not full)
    if full:
        window.showFullScreen()
    else:
        window.showNormal()
        window.showMaximized()


def restore_geometry(window: QMainWindow, settings: QSettings) -> bool:
    """Put the window where it was last on this screen, inside the work area; False if never."""
    screen = window.screen()
    saved = settings.value(screen_key(screen))
    if not isinstance(saved, QByteArray) or not window.restoreGeometry(saved):
        return False
    window.menuBar().setVisible(True)
    window.statusBar().setVisible(True)
    keep_inside(window, screen.availableGeometry())
    return True


def remember_geometry(window: QMainWindow, settings: QSettings) -> None:
    """Remember the window's geometry for the screen it is on (full screen is the rule's, not kept)."""
    if not window.isFullScreen():
        settings.setValue(screen_key(window.screen()), window.saveGeometry())


def keep_inside(window: QMainWindow, work: QRect) -> None:
    """Shrink and move the window so its frame lies inside ``work``."""
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), work.width() - extra_w)
    height = min(window.height(), work.height() - extra_h)
    window.resize(max(width, 1), max(height, 1))
    frame = window.frameGeometry()
    x = min(max(frame.x(), work.x()), work.right() + 1 - frame.width())
    y = min(max(frame.y(), work.y()), work.bottom() + 1 - frame.height())
    window.move(x, y)
