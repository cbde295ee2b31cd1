"""The one QApplication of the desktop apps (annotator, curator, smoke run).

QSettings and QStandardPaths file everything under the organisation and application names,
so every app must set them before it reads a setting: made here, once, for all of them. (The
curator made its own QApplication without them before, but it saved no settings: there is
nothing under an old location to carry over.)
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from hggt_desktop.version import __version__

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
