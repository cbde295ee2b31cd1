"""The first screen when no folder was given: which folder to label, and who is labelling."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class StartScreen(QWidget):
    """Asks for the folder and annotator id; the window remembers them between runs."""

    open_requested = Signal(str, str)
    demo_requested = Signal()

    def __init__(self, folder: str = "", annotator: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("<h1>HGGT annotator</h1>")
        # A separate plain label in a fixed-width box: a wrapped rich-text label whose width
        # the layout decides later is given the height of a wider line and cut off.
        self.sentence = QLabel(
            "Choose the folder you were given to label (a work package, or an images folder) "
            "and type your annotator id."
        )
        self.sentence.setWordWrap(True)
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setPlaceholderText("e.g. C:\\Users\\you\\Documents\\package-07")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.annotator_edit = QLineEdit(annotator)
        self.annotator_edit.setPlaceholderText("your id, e.g. A or your initials")
        self.annotator_edit.returnPressed.connect(self._on_start)
        form = QFormLayout()
        form.addRow("Folder", folder_row)
        form.addRow("Annotator id", self.annotator_edit)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        start = QPushButton("Start labelling")
        start.setDefault(True)
        start.clicked.connect(self._on_start)
        demo = QPushButton("Try the demo")
        demo.clicked.connect(self.demo_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(demo)
        buttons.addWidget(start)
        box = QWidget()
        box.setFixedWidth(600)
        column = QVBoxLayout(box)
        column.addWidget(title)
        column.addWidget(self.sentence)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to label", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _on_start(self) -> None:
        folder, annotator = self.folder_edit.text().strip(), self.annotator_edit.text().strip()
        if not folder:
            self.show_error("Choose the folder to label first.")
            return
        self.open_requested.emit(folder, annotator)
