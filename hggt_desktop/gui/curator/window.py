"""The curator's window: the disagreement queue, the set under review, agreement, exports.

``hggt-desktop review PATH`` calls :func:`run_review`. Menus, actions and layout live here; the
panels live in their own modules and talk only to the :class:`CuratorSession`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hggt_desktop.core.labels import is_plain_file_name
from hggt_desktop.core.layout import LayoutError
from hggt_desktop.core.output_file import OutputRefused
from hggt_desktop.core.sets import SetLayoutError
from hggt_desktop.gui.application import close_on_signals, make_application
from hggt_desktop.gui.curator.adjudication_panel import AdjudicationPanel
from hggt_desktop.gui.curator.charts import AgreementView
from hggt_desktop.gui.curator.queue_model import LABELS_COLUMN, DisagreementTableModel
from hggt_desktop.gui.curator.session import CuratorSession, QueueFilter
from hggt_desktop.gui.curator.set_view import SetReviewView

log = logging.getLogger(__name__)
ALL = "all"
NOTE_STYLE = "QLabel { background: #fff8e1; border: 1px solid #f0d58a; border-radius: 4px; padding: 6px; }"


class CuratorWindow(QMainWindow):
    """Queue on the left, the set (viewer + decision) or the agreement charts on the right."""

    def __init__(self, session: CuratorSession) -> None:
        super().__init__()
        self.session = session
        self.setWindowTitle("HGGT curator")
        self.model = DisagreementTableModel(session)
        self.queue_view = QTableView()
        self.queue_view.setModel(self.model)
        self.queue_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Every column at its contents' width (short severity names, reasons shortened in the
        # cell) but the labels per version, which takes what is left: with nine versions it is
        # elided (the set view shows every label) instead of pushing the other columns behind
        # a scrollbar, as the "Adjudicated" column once was at the default size.
        header = self.queue_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LABELS_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.queue_view.setWordWrap(False)
        self.queue_view.verticalHeader().setDefaultSectionSize(22)
        self.queue_view.verticalHeader().hide()  # row numbers say nothing; the room goes to the columns
        self.queue_view.resizeColumnsToContents()  # headers readable before any dataset opens
        self.queue_view.selectionModel().currentRowChanged.connect(self._on_row_changed)

        self.version_filter = QComboBox()
        self.annotator_filter = QComboBox()
        self.pattern_filter = QLineEdit()
        self.pattern_filter.setPlaceholderText("labels, e.g. PPN")
        self.hide_adjudicated = QCheckBox("hide adjudicated")
        self.flagged_only = QCheckBox("flagged only")
        self.flagged_only.setToolTip('Only sets a rater flagged "can\'t judge" (with who and why)')
        for signal in (self.version_filter.currentIndexChanged, self.annotator_filter.currentIndexChanged):
            signal.connect(self._on_filter_edited)
        self.pattern_filter.editingFinished.connect(self._on_filter_edited)
        self.hide_adjudicated.toggled.connect(self._on_filter_edited)
        self.flagged_only.toggled.connect(self._on_filter_edited)
        filters = QHBoxLayout()
        for text, widget in (("version", self.version_filter), ("annotator", self.annotator_filter)):
            filters.addWidget(QLabel(text))
            filters.addWidget(widget)
        filters.addWidget(self.pattern_filter)
        filters.addWidget(self.hide_adjudicated)
        filters.addWidget(self.flagged_only)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(filters)
        # Says why the queue is empty (no labels yet, one annotator, filters, all agreed).
        self.queue_note = QLabel()
        self.queue_note.setWordWrap(True)
        self.queue_note.setStyleSheet(NOTE_STYLE)
        self.queue_note.hide()
        left_layout.addWidget(self.queue_note)
        left_layout.addWidget(self.queue_view)

        self.set_view = SetReviewView(session)
        self.adjudication = AdjudicationPanel(session)
        set_page = QSplitter(Qt.Orientation.Vertical)
        set_page.addWidget(self.set_view)
        set_page.addWidget(self.adjudication)
        set_page.setStretchFactor(0, 4)
        set_page.setCollapsible(1, False)
        self.adjudication.setMinimumHeight(self.adjudication.sizeHint().height() + 110)
        self.agreement = AgreementView(session)
        self.tabs = QTabWidget()
        self.tabs.addTab(set_page, "Set")
        self.tabs.addTab(self.agreement, "Agreement")
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)
        # Room for every queue column (the labels and "Adjudicated" were cut off at 1500 px).
        splitter.setSizes([690, 810])
        self._build_menus()
        self.dataset_status = QLabel(session.status_text())
        self.statusBar().addPermanentWidget(self.dataset_status)
        session.dataset_loaded.connect(self._on_dataset_loaded)
        session.queue_changed.connect(self._on_queue_changed)
        session.message.connect(self._on_message)
        self.resize(1500, 900)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, slot, shortcut in (
            ("&Open dataset…", self._on_open_triggered, QKeySequence.StandardKey.Open),
            ("Write &report (HTML)…", self._on_report_triggered, None),
            ("Export &labels (CSV)…", self._on_csv_triggered, None),
            ("Export HDF5 &training pack…", self._on_pack_triggered, None),
            ("Export still-&contested sets as a package…", self._on_contested_triggered, None),
            ("&Quit", self.close, QKeySequence.StandardKey.Quit),
        ):
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)
            file_menu.addAction(action)
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = QAction("&Undo last decision on this set", self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.triggered.connect(self._on_undo_triggered)
        edit_menu.addAction(undo)
        edit_menu.addSeparator()
        for text, slot in (
            ("E&xclude a rater…", self._on_exclude_triggered),
            ("Count an excluded rater a&gain…", self._on_include_triggered),
        ):
            action = QAction(text, self)
            action.triggered.connect(slot)
            edit_menu.addAction(action)

    # --- session -> view ------------------------------------------------------------------

    def _on_dataset_loaded(self) -> None:
        dataset = self.session.dataset
        assert dataset is not None
        self.setWindowTitle(f"HGGT curator — {dataset.images_dir}")
        for combo, items in (
            (self.version_filter, dataset.scan.version_folders),
            (self.annotator_filter, dataset.raters),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ALL, *items])
            combo.blockSignals(False)

    def _on_queue_changed(self) -> None:
        self.queue_view.resizeColumnsToContents()
        # The model was reset: select the set under review again if it is still listed.
        row = self.model.row_of(self.session.current or "")
        if row >= 0:
            self.queue_view.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.dataset_status.setText(self.session.status_text())
        self.queue_note.setText(self._queue_note())
        self.queue_note.setVisible(bool(self.queue_note.text()))

    def _queue_note(self) -> str:
        """Why the queue is empty, or "" when it is not (or no dataset is open)."""
        if self.session.dataset is None or self.model.rowCount():
            return ""
        if self.session.notice:
            return self.session.notice
        if self.session.filter != QueueFilter():
            return "No contested set matches these filters."
        return "No contested sets: every version labelled by two or more annotators is agreed on."

    def _on_message(self, text: str) -> None:
        log.info(text)
        self.statusBar().showMessage(text, 15000)

    # --- view -> session ------------------------------------------------------------------

    def _on_row_changed(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        if current.isValid():
            stem = self.model.entry(current.row()).stem
            if stem != self.session.current:
                self.session.select(stem)

    def _on_filter_edited(self, *_args: object) -> None:
        version, annotator = self.version_filter.currentText(), self.annotator_filter.currentText()
        pattern = self.pattern_filter.text().strip()
        if set(pattern.upper()) - set("PSN ,"):
            # Say so rather than silently show an empty queue.
            self.statusBar().showMessage(
                f"A label pattern uses only P, S and N (for example PPN); {pattern!r} is ignored", 15000
            )
            pattern = ""
        self.session.set_filter(
            QueueFilter(
                version=None if version in ("", ALL) else version,
                annotator=None if annotator in ("", ALL) else annotator,
                pattern=pattern or None,
                include_adjudicated=not self.hide_adjudicated.isChecked(),
                flagged_only=self.flagged_only.isChecked(),
            )
        )

    def _on_undo_triggered(self) -> None:
        if self.session.current:
            self.session.undo(self.session.current)

    def _on_exclude_triggered(self) -> None:
        raters = list(self.session.dataset.raters) if self.session.dataset else []
        if not raters:
            return
        rater, ok = QInputDialog.getItem(
            self, "Exclude a rater", "Leave out the labels of:", raters, 0, False
        )
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "Exclude a rater", f"Why is {rater} left out?")
        if ok:
            self._run_export(lambda: self.session.exclude_rater(rater, reason))

    def _on_include_triggered(self) -> None:
        excluded = list(self.session.dataset.excluded) if self.session.dataset else []
        if not excluded:
            self.warn("No rater is excluded.")
            return
        rater, ok = QInputDialog.getItem(self, "Count a rater again", "Count again:", excluded, 0, False)
        if ok:
            self._run_export(lambda: self.session.include_rater(rater))

    def _on_open_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open an images folder or dataset")
        if folder:
            self.open_dataset(Path(folder))

    def _save_path(self, title: str, name: str, pattern: str) -> Path | None:
        start = str(self.session.dataset.images_dir.parent / name) if self.session.dataset else name
        path, _ = QFileDialog.getSaveFileName(self, title, start, pattern)
        return Path(path) if path else None

    def _on_report_triggered(self) -> None:
        path = self._save_path("Write the HTML report", "report.html", "HTML (*.html)")
        if path:
            self._run_export(lambda: self.session.write_report(path))

    def _on_csv_triggered(self) -> None:
        path = self._save_path("Export every label", "labels.csv", "CSV (*.csv)")
        if path:
            self._run_export(lambda: self.session.write_labels_csv(path))

    def _on_pack_triggered(self) -> None:
        path = self._save_path("Write the HDF5 training pack", "hggt-pack.h5", "HDF5 (*.h5)")
        if path:
            self._run_export(lambda: self.session.write_training_pack(path))

    def _on_contested_triggered(self) -> None:
        count = len(self.session.contested_stems())
        names, ok = QInputDialog.getText(
            self,
            "Send contested sets out again",
            f"{count} contested sets (as the queue is filtered, adjudicated ones left out).\n"
            "Annotator ids of the extra raters, separated by commas:",
        )
        annotators = [a.strip() for a in names.split(",") if a.strip()]
        if not ok or not annotators:
            return
        if any(not is_plain_file_name(a) or a.startswith((".", "_")) for a in annotators):
            self.warn(f"Annotator ids must be plain names (no slashes, no leading dot): {names}")
            return
        folder = QFileDialog.getExistingDirectory(self, "An empty folder for the packages")
        if folder:
            self._run_export(lambda: self.session.write_contested_package(Path(folder), annotators))

    def _run_export(self, export) -> None:  # type: ignore[no-untyped-def]
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            export()
        except OutputRefused as exc:  # a refusal, not a failure: no traceback in the log
            self.warn(f"Not written: {exc}")
        except Exception as exc:
            log.exception("export failed")
            self.warn(f"The export failed: {exc}")
        finally:
            QApplication.restoreOverrideCursor()

    def warn(self, text: str) -> None:
        """Say so in the status bar and in a message box that does not block."""
        self.statusBar().showMessage(text, 30000)
        box = QMessageBox(QMessageBox.Icon.Warning, "HGGT curator", text, parent=self)
        box.open()

    def _show_open_failure(self, text: str) -> None:
        self.warn(text)
        if self.session.dataset is None:
            self.queue_note.setText(f"{text}\n\nOpen an images folder with File > Open dataset… (Ctrl+O).")
            self.queue_note.show()

    def open_dataset(self, path: Path) -> bool:
        """Open ``path`` in the session; a folder that is not a dataset is reported, not fatal."""
        try:
            self.session.open(path)
        except (LayoutError, SetLayoutError, OSError) as exc:
            self._show_open_failure(str(exc))
            return False
        except Exception as exc:  # a bug must not take the window down with a traceback
            log.exception("opening %s failed", path)
            self._show_open_failure(
                f"Could not open {path}: {type(exc).__name__}: {exc} (details in the log)"
            )
            return False
        if self.model.rowCount():
            self.queue_view.selectRow(0)
        return True


def run_review(path: Path) -> int:
    """Create the QApplication if needed, open ``path`` and run the curator window."""
    app = make_application()
    session = CuratorSession()
    window = CuratorWindow(session)
    close_on_signals(window)
    window.show()
    window.open_dataset(Path(path))
    return int(app.exec())
