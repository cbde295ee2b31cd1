"""The set under review in the annotator app's synchronised viewer, with everyone's labels.

Panel 0 is the original, panels 1.. the versions in folder order (the curator is not blinded).
Each version's caption lists every annotator's label; its badge shows the effective label with
its votes, or "adjudicated"; the versions at the set's worst severity are framed.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hggt_desktop.core.images import ImageError, read_image
from hggt_desktop.core.labels import Label
from hggt_desktop.core.palette import LABEL_COLOURS
from hggt_desktop.gui.curator.session import CuratorSession
from hggt_desktop.gui.viewer.grid import PatchGrid
from hggt_desktop.gui.viewer.transform import ONE_TO_ONE, ViewTransform

LABEL_QCOLOURS = {label: QColor(colour) for label, colour in LABEL_COLOURS.items()}
LETTER = {Label.POSITIVE: "P", Label.SIMILAR: "S", Label.NEGATIVE: "N"}


class SetReviewView(QWidget):
    """Shows the session's current set; holds nothing the session does not."""

    def __init__(self, session: CuratorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.transform = ViewTransform(self)
        self.grid = PatchGrid(self.transform)
        self.heading = QLabel("Choose a set in the queue")
        self.heading.setWordWrap(True)
        self.heading.setContentsMargins(6, 4, 6, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Shown instead of the viewer while no set is chosen: what to do, or why there is nothing.
        self.placeholder = QLabel()
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("QLabel { color: #52606d; font-size: 15px; padding: 40px; }")
        layout.addWidget(self.heading)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.placeholder, 1)
        session.current_changed.connect(self._on_current_changed)
        session.set_changed.connect(self._on_set_changed)
        # The panels are small beside the queue: a click shows every panel at true 1:1 (drag
        # to pan, all together), a second click fits again.
        self.grid.panel_clicked.connect(self._on_panel_clicked)
        self._on_current_changed("")

    def _on_panel_clicked(self, _index: int) -> None:
        if self.transform.mode == ONE_TO_ONE:
            self.transform.fit()
        else:
            self.transform.one_to_one()

    def _on_current_changed(self, stem: str) -> None:
        self.grid.setVisible(bool(stem))
        self.heading.setVisible(bool(stem))
        self.placeholder.setVisible(not stem)
        if not stem:
            if self._session.dataset is None:
                text = "Open an images folder with its labels: File > Open dataset… (Ctrl+O)."
            else:
                text = self._session.notice or "Choose a set in the queue on the left."
            self.placeholder.setText(text)
            return
        image_set = self._session.sets[stem]
        panels = self.grid.set_panel_count(len(image_set.versions) + 1)
        first = True
        for panel, path in zip(panels, image_set.paths(), strict=True):
            try:
                image = read_image(path)
            except ImageError as exc:
                panel.set_image(None, exc.reason)
                continue
            if first:
                # A new set may have a new size: tell the shared transform before any panel.
                self.transform.set_image_size(image.shape[1], image.shape[0])
                first = False
            panel.set_image(image)
        self._show_labels(stem)

    def _on_set_changed(self, stem: str) -> None:
        if stem == self._session.current:
            self._show_labels(stem)

    def _show_labels(self, stem: str) -> None:
        image_set = self._session.sets[stem]
        panels = self.grid.panels()
        labels = self._session.labels_of(stem)
        raters = self._session.dataset.raters if self._session.dataset else ()
        effective = self._session.effective_of(stem)
        entry = next((e for e in self._session.queue if e.stem == stem), None)
        worst = set(entry.worst_versions) if entry else set()
        panels[0].set_caption("Original")
        panels[0].set_badge(None)
        panels[0].set_selected(False)
        # Many versions (narrow panels) or many raters: letters in rater order, explained in the
        # heading, so the captions are not cut off half-way through the annotators.
        compact = len(image_set.versions) > 4 or len(raters) > 3
        for panel, version in zip(panels[1:], image_set.version_ids, strict=True):
            # Every rater, so a missing label file shows as "C –" instead of silently shrinking.
            letters = [
                LETTER[labels[name][version]] if version in labels.get(name, {}) else "–" for name in raters
            ]
            if compact:
                panel.set_caption(f"{version}  {''.join(letters)}")
            else:
                panel.set_caption(
                    f"{version}   " + "  ".join(f"{n} {x}" for n, x in zip(raters, letters, strict=True))
                )
            found = effective.get(version)
            if found is None:
                panel.set_badge("unlabelled")
            else:
                # "curator", not "adjudicated": a long badge cut the annotators' labels off.
                how = "curator" if found.adjudicated else f"{found.votes}/{found.raters}"
                if not found.adjudicated and found.votes == 0:
                    how = "no majority"  # the consensus rule's fallback, not anybody's vote
                name = LETTER[found.label] if compact else found.label.value
                panel.set_badge(f"{name} · {how}", LABEL_QCOLOURS[found.label])
            panel.set_selected(version in worst)
        reason = self._session.reason_of(stem)
        heading = f"<b>{escape(stem)}</b>" + (f" — {entry.severity_name}" if entry else " — agreed")
        if reason:
            heading += f" — adjudicated: <i>{escape(reason)}</i>"
        if compact:
            heading += f" — captions: labels of {escape(', '.join(raters))} in that order"
        error = self._session.record_error_of(stem)
        if error:
            heading += f"<br><span style='color:#a12f2b'>{escape(error)}</span>"
        self.heading.setText(heading)
