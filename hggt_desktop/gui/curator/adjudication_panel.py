"""The curator's decision for the set under review: P / S / N per version, a reason, undo."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hggt_desktop.core.labels import Label
from hggt_desktop.gui.curator.session import CuratorSession

CHOICES = (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE)


class AdjudicationPanel(QWidget):
    """A form that calls the session; the choices start at the effective labels of the set."""

    def __init__(self, session: CuratorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._groups: dict[str, QButtonGroup] = {}
        self._grid = QGridLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason (kept with the decision), e.g. 'ringing on the edges in 03'")
        self.save_button = QPushButton("Save decision")
        self.undo_button = QPushButton("Undo last decision")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.undo_button.clicked.connect(self._on_undo_clicked)
        self.reason.returnPressed.connect(self._on_save_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("<b>Decision</b> (written as the annotator 'adjudicated'; it overrides the vote)")
        )
        layout.addLayout(self._grid)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        session.current_changed.connect(self._on_current_changed)
        session.set_changed.connect(self._on_set_changed)
        self._on_current_changed("")

    def choose(self, version: str, label: Label) -> None:
        """Tick ``label`` for ``version`` (what a click on its button does)."""
        self._groups[version].button(CHOICES.index(label)).setChecked(True)

    def chosen(self) -> dict[str, Label]:
        """Version -> the ticked label (versions with nothing ticked are left out)."""
        return {
            version: CHOICES[group.checkedId()]
            for version, group in self._groups.items()
            if group.checkedId() >= 0
        }

    def _clear(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._groups.clear()

    def _on_current_changed(self, stem: str) -> None:
        self._clear()
        enabled = bool(stem)
        for widget in (self.reason, self.save_button, self.undo_button):
            widget.setEnabled(enabled)
        if not stem:
            return
        effective = self._session.effective_of(stem)
        # One column per version, Positive / Similar / Negative downwards: compact under the viewer.
        for column, version in enumerate(self._session.sets[stem].version_ids):
            self._grid.addWidget(QLabel(f"<b>{version}</b>"), 0, column)
            group = QButtonGroup(self)
            for row, label in enumerate(CHOICES):
                button = QRadioButton(label.value)
                group.addButton(button, row)
                self._grid.addWidget(button, row + 1, column)
            found = effective.get(version)
            if found is not None:
                group.button(CHOICES.index(found.label)).setChecked(True)
            self._groups[version] = group
        self.reason.setText(self._session.reason_of(stem) or "")
        self.undo_button.setEnabled(self._session.can_undo(stem))

    def _on_set_changed(self, stem: str) -> None:
        if stem == self._session.current:
            self._on_current_changed(stem)

    def _on_save_clicked(self) -> None:
        stem = self._session.current
        if stem and self._session.adjudicate(stem, self.chosen(), self.reason.text()):
            # Out of the text field, so Ctrl+Z undoes the decision rather than the typing.
            self.reason.clearFocus()

    def _on_undo_clicked(self) -> None:
        stem = self._session.current
        if stem:
            self._session.undo(stem)
