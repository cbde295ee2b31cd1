"""The main window: menus, the page stack (start, instructions, practice, work) and opening work.

Pages live in their own modules; this file only wires them: it opens a workspace into an
:class:`AnnotationSession`, refuses a second copy on the same labels with a clear message,
and shows failed saves in the status bar and a dialog.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, QStandardPaths, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QStackedWidget, QWidget

from hggt_desktop.annotation.screen_layout import ScreenLayout
from hggt_desktop.annotation.workspace import WorkspaceError, open_workspace
from hggt_desktop.core.instance_lock import InstanceLockError
from hggt_desktop.gui.annotate.actions import ACTIONS_BY_NAME, VIEW_MENU
from hggt_desktop.gui.annotate.annotator_view import AnnotatorView
from hggt_desktop.gui.annotate.demo import DEMO_ANNOTATOR, DemoError, prepare_demo
from hggt_desktop.gui.annotate.instructions import InstructionsPage
from hggt_desktop.gui.annotate.keymap import KEYS_FILE, KeyMap
from hggt_desktop.gui.annotate.practice import PracticeMaterial, load_practice
from hggt_desktop.gui.annotate.session import AnnotationSession
from hggt_desktop.gui.annotate.start_screen import StartScreen
from hggt_desktop.gui.window_placement import remember_geometry, restore_geometry, set_full_screen
from hggt_desktop.version import __version__

log = logging.getLogger(__name__)

APP_TITLE = "HGGT annotator"
# QSettings key: the keys-file clashes with new default keys already told (each is told once).
CLASHES_TOLD_KEY = "keys/clashes_told"
# What opening work can fail with; each message names the path and what to do.
OPEN_ERRORS = (WorkspaceError, InstanceLockError, DemoError)


def config_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation))


def demo_root() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "demo"


class MainWindow(QMainWindow):
    """One window; the pages are swapped in a stack."""

    def __init__(
        self,
        keymap: KeyMap | None = None,
        break_interval_min: float = 30.0,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.keymap = keymap or KeyMap.from_file(config_dir() / KEYS_FILE)
        self.break_interval_min = break_interval_min
        self.settings = settings or QSettings()
        self.session: AnnotationSession | None = None
        self.view: AnnotatorView | None = None
        self.practice_session: AnnotationSession | None = None
        self.practice: PracticeMaterial | None = None
        self._error_box: QMessageBox | None = None
        self._close_anyway = False
        # Set by place_on_screen(): from then on the layout rule decides full screen or not.
        self._placed = False
        self._full_screen_wanted = False
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.start_screen = StartScreen(
            str(self.settings.value("start/folder", "")), str(self.settings.value("start/annotator", ""))
        )
        self.start_screen.open_requested.connect(self._on_open_requested)
        self.start_screen.demo_requested.connect(self.open_demo)
        self.stack.addWidget(self.start_screen)
        self._build_menus()
        self.setWindowTitle(APP_TITLE)
        self.resize(1500, 950)
        # Said in the status bar now and under the images of the first set opened, where it
        # is seen in full screen too (the status bar is hidden there).
        self._keys_notice = self._keys_problems()
        if self._keys_notice:
            self.statusBar().showMessage(self._keys_notice, 15000)

    def _keys_problems(self) -> str:
        """The keys file's problems in one line; a clash with a new default only the first time."""
        try:
            told = set(json.loads(str(self.settings.value(CLASHES_TOLD_KEY, "[]"))))
        except ValueError:
            told = set()
        problems = self.keymap.to_report(told)
        if not told.issuperset(self.keymap.clashes):
            self.settings.setValue(CLASHES_TOLD_KEY, json.dumps(sorted(told | set(self.keymap.clashes))))
        return "Keys file: " + " | ".join(problems) if problems else ""

    # --- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._add(file_menu, "Open a folder…", lambda: self._show_page(self.start_screen))
        self._add(file_menu, "Open the demo", self.open_demo)
        file_menu.addSeparator()
        # Window keys, not annotation keys: they work on every page, so they are not in keys.json.
        quit_action = self._add(file_menu, "Quit", self.close)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        view_menu = self.menuBar().addMenu("&View")
        for name in VIEW_MENU:
            self._add_action(view_menu, name)
        view_menu.addSeparator()
        self.full_screen_action = self._add(view_menu, "Full screen", self.toggle_full_screen)
        self.full_screen_action.setShortcut(QKeySequence("F11"))
        # The menu bar is hidden in full screen, so the window itself must hold the shortcuts.
        self.addAction(quit_action)
        self.addAction(self.full_screen_action)
        self._add_tools_menu()
        help_menu = self.menuBar().addMenu("&Help")
        self._add_action(help_menu, "help")
        self._add(help_menu, "Instructions and practice", self.show_instructions)
        self._add(help_menu, "Open the keys file folder", self._open_keys_folder)
        self._add(help_menu, "About", self._about)

    def _add(self, menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
        # No shortcuts here: the key map owns the keys, so remapping them stays in one place.
        action = menu.addAction(text)
        action.triggered.connect(slot)
        return action

    def _add_tools_menu(self) -> None:
        try:
            from hggt_desktop.gui.enhance_dialog import EnhanceDialog
        except ImportError:
            return  # this copy of the app has no enhancement runner
        tools = self.menuBar().addMenu("&Tools")
        self._add(tools, "Enhance a folder…", lambda: EnhanceDialog(self).show())

    def _add_action(self, menu: QMenu, name: str) -> QAction:
        """A menu entry for an action of the annotator's action table, with its keys shown."""
        title = ACTIONS_BY_NAME[name].title
        return self._add(menu, f"{title}\t{self.keymap.describe(name)}", lambda: self._view_call(name))

    def _view_call(self, name: str) -> None:
        if self.view is not None and self.stack.currentWidget() is self.view:
            self.view.trigger(name)

    # --- opening work ----------------------------------------------------------------------

    def _on_open_requested(self, folder: str, annotator: str) -> None:
        if self.open_path(Path(folder), annotator or None):
            self.settings.setValue("start/folder", folder)
            self.settings.setValue(
                "start/annotator", self.session.workspace.annotator if self.session else annotator
            )

    def open_demo(self) -> bool:
        """Open a fresh copy of the demo set; False (with the reason shown) when it cannot be."""
        try:
            self.open_demo_work()
        except OPEN_ERRORS as exc:
            self.show_error(str(exc))
            return False
        return True

    def open_demo_work(self) -> None:
        """Open a fresh copy of the demo set; raise one of :data:`OPEN_ERRORS`."""
        self.open_work(prepare_demo(demo_root()), DEMO_ANNOTATOR)

    def open_path(self, path: Path, annotator: str | None, instructions: bool | None = None) -> bool:
        """Open ``path`` for ``annotator``; False (with the reason shown) when it cannot be."""
        try:
            self.open_work(path, annotator, instructions)
        except OPEN_ERRORS as exc:
            self.show_error(str(exc))
            if self.view is None:
                self._show_page(self.start_screen)
            return False
        return True

    def open_work(self, path: Path, annotator: str | None, instructions: bool | None = None) -> None:
        """Open ``path`` for ``annotator``; raise one of :data:`OPEN_ERRORS` with the reason."""
        session = AnnotationSession(open_workspace(path, annotator))
        self.start_session(session, show=False)
        if instructions or (instructions is None and not session.has_any_label()):
            self.show_instructions()
        elif self.view is not None:
            self._show_page(self.view)

    def attach_session(self, session: AnnotationSession) -> bool:
        """Start ``session`` (locking its labels) and show it; False (reason shown) when refused."""
        try:
            self.start_session(session)
        except InstanceLockError as exc:
            self.show_error(str(exc))
            self._show_page(self.start_screen)
            return False
        return True

    def start_session(self, session: AnnotationSession, show: bool = True) -> None:
        """Start ``session`` (locking its labels) and show it; raise ``InstanceLockError`` when refused."""
        # Close what is open first: reopening the same labels must not meet our own lock.
        self.close_session()
        session.set_on_screen(False)  # the first set's clock starts when the work page shows
        problems = session.start()
        session.set_earlier_today(float(str(self.settings.value(self._today_key(session), 0.0) or 0.0)))
        session.set_screen_scale(self.devicePixelRatioF())
        session.set_focused(self.isActiveWindow())
        self.session = session
        self.view = AnnotatorView(session, self.keymap, break_interval_min=self.break_interval_min)
        session.save_failed.connect(self._on_save_failed)
        # Session messages go to the line under the images only: one place, cleared per set.
        session.lock_lost.connect(self.show_error)
        self.view.layout_chosen.connect(self._on_layout_chosen)
        if self.view.screen_layout is not None:
            self._on_layout_chosen(self.view.screen_layout)
        if self._keys_notice:
            self.view.show_notice(self._keys_notice)
            self._keys_notice = ""
        self.stack.addWidget(self.view)
        if show:
            self._show_page(self.view)
        workspace = session.workspace
        self.setWindowTitle(f"{APP_TITLE} - {workspace.annotator} - {workspace.images_dir}")
        for problem in problems:
            log.warning("%s", problem)
        if problems:
            self.statusBar().showMessage(f"{len(problems)} problem(s): {problems[0]}", 20000)

    @staticmethod
    def _today_key(session: AnnotationSession) -> str:
        """QSettings key of today's active seconds for this annotator (for "time today")."""
        return f"time_today/{session.workspace.annotator}/{date.today().isoformat()}"

    def close_session(self) -> None:
        if self.session is not None:
            self.settings.setValue(self._today_key(self.session), self.session.seconds_today())
        for attr in ("session", "practice_session"):
            session = getattr(self, attr)
            if session is not None:
                session.close()
                setattr(self, attr, None)
        for widget in [self.stack.widget(i) for i in range(self.stack.count())]:
            if isinstance(widget, AnnotatorView | InstructionsPage):
                self.stack.removeWidget(widget)
                widget.deleteLater()
        self.view = None

    def _show_page(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        page.setFocus()
        if self.session is not None:
            self.session.set_on_screen(page is self.view)

    # --- instructions and practice -------------------------------------------------------

    def show_instructions(self) -> None:
        if self.session is None:
            return
        if self.practice is None:
            self.practice = load_practice(self.session.workspace.annotator)
        page = InstructionsPage(self.practice, self.keymap)
        page.practice_requested.connect(self.start_practice)
        page.work_requested.connect(self.back_to_work)
        self.stack.addWidget(page)
        self._show_page(page)

    def start_practice(self) -> None:
        if self.session is None:
            return
        # A fresh temporary labels folder every time: a second practice starts from scratch.
        self.practice = load_practice(self.session.workspace.annotator)
        if self.practice is None:
            self.show_error("This copy of the app has no practice sets.")
            return
        session = AnnotationSession(
            self.practice.workspace,
            answers=self.practice.answers,
            reasons=self.practice.reasons,
            use_lock=False,
        )
        session.start()
        view = AnnotatorView(session, self.keymap, practice=True)
        view.practice_finished.connect(self.back_to_work)
        self.practice_session = session
        self.stack.addWidget(view)
        self._show_page(view)

    def back_to_work(self) -> None:
        """Leave instructions or practice (practice labels are dropped with their temp folder)."""
        if self.practice_session is not None:
            self.practice_session.close()
            self.practice_session = None
        current = self.stack.currentWidget()
        if self.view is not None:
            self._show_page(self.view)
        if current is not None and current is not self.view and current is not self.start_screen:
            self.stack.removeWidget(current)
            current.deleteLater()

    # --- messages --------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        """Status bar, and the start screen when it is shown, else one non-blocking dialog."""
        self.statusBar().showMessage(text, 30000)
        self.start_screen.show_error(text)
        if self.stack.currentWidget() is self.start_screen:
            return  # said once, under the fields it is about (a dialog too said it twice)
        if self._error_box is None or not self._error_box.isVisible():
            self._error_box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, text, parent=self)
            self._error_box.open()
        else:
            self._error_box.setText(text)

    def _on_save_failed(self, text: str) -> None:
        self.show_error(text)

    def _open_keys_folder(self) -> None:
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        self.statusBar().showMessage(f"Put {KEYS_FILE} in {folder} to change the keys.", 15000)

    def _about(self) -> None:
        QMessageBox.about(self, APP_TITLE, f"hggt-desktop {__version__}: offline HGGT annotation.")

    # --- where the window goes -------------------------------------------------------------

    def place_on_screen(self) -> None:
        """Show the window in the layout rule's mode: full screen, or maximised / as last time."""
        self._placed = True
        self._place()

    def toggle_full_screen(self) -> None:
        """F11: full screen (menu and status bars hidden) or back to a window in the work area."""
        set_full_screen(self, not self.isFullScreen())

    def _on_layout_chosen(self, layout: ScreenLayout) -> None:
        self._full_screen_wanted = layout.full_screen
        if self._placed:
            self._place()

    def _place(self) -> None:
        if self._full_screen_wanted:
            set_full_screen(self, True)
        elif not restore_geometry(self, self.settings):
            set_full_screen(self, False)
        else:
            self.show()

    # --- window events ---------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange:
            for session in (self.session, self.practice_session):
                if session is not None:
                    session.set_focused(self.isActiveWindow())

    def closeEvent(self, event: QCloseEvent) -> None:
        session = self.session
        if session is not None and not session.retry_saves() and not self._close_anyway:
            # Closing would drop labels that are only on screen: say so once, close the next time.
            self._close_anyway = True
            self.show_error(
                f"{len(session.unsaved_sets())} set(s) could not be saved: {session.save_error} "
                "Close the window again to quit without them."
            )
            event.ignore()
            return
        if self._placed:
            remember_geometry(self, self.settings)
        self.close_session()
        super().closeEvent(event)
