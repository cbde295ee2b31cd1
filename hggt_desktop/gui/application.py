"""The one QApplication of the desktop apps (annotator, curator, smoke run), and how they end.

QSettings and QStandardPaths file everything under the organisation and application names,
so every app must set them before it reads a setting: made here, once, for all of them. (The
curator made its own QApplication without them before, but it saved no settings: there is
nothing under an old location to carry over.)
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Protocol

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from hggt_desktop.version import __version__

log = logging.getLogger(__name__)

ORGANISATION = "hggt"
APPLICATION = "hggt-desktop"


def make_application() -> QApplication:
    """The QApplication (made on first use) with the names QSettings and QStandardPaths use."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    return app


class _Manager(Protocol):
    def allowsInteraction(self) -> bool: ...


def close_window(window: QWidget) -> None:
    """Close ``window`` as its close button would, for good: pending work saved, locks released.

    A window may refuse the first close (the annotator does while a label could not be saved,
    to say so); when the app has to end anyway, the second close goes through.
    """
    window.close()
    if window.isVisible():
        window.close()


def commit_data(window: QWidget, manager: _Manager) -> None:
    """The session manager asks for everything to be saved (Windows logoff or shutdown)."""
    log.info("the session is ending (interaction allowed: %s): closing", manager.allowsInteraction())
    close_window(window)


def close_on_signals(window: QWidget) -> None:
    """Ctrl+C, SIGTERM (and Ctrl+Break on Windows) and logoff close ``window`` cleanly, then quit.

    Install it before the window opens work, so that a signal can never meet the default
    handler (a traceback, nothing saved).
    """
    app = QApplication.instance()
    assert app is not None

    def close(number: int, _frame: object) -> None:
        log.info("%s received: closing", signal.Signals(number).name)
        close_window(window)
        app.quit()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl+Break in a Windows console
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, close)
    # Python runs signal handlers only between bytecodes: wake it up now and then.
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)
    if isinstance(app, QGuiApplication):
        app.commitDataRequest.connect(lambda manager: commit_data(window, manager))
