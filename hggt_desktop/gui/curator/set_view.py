"""The set under review in the annotator app's synchronised viewer, with everyone's labels.

Panel 0 is the original, panels 1.. the versions in folder order (the curator is not blinded).
Each version's caption lists every annotator's label; its badge shows the effective label with
its votes, or "adjudicated"; the versions at the set's worst severity are framed.
"""

from __future__ import annotations

from collections.abc import Collection
from html import escape

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from hggt_desktop.core.consensus import Effective
from hggt_desktop.core.images import ImageError, read_image
from hggt_desktop.core.labels import Label
from hggt_desktop.core.palette import LABEL_COLOURS
from hggt_desktop.gui.curator.session import CuratorSession
from hggt_desktop.gui.curator.thumbnail_size import minimum_grid_size
from hggt_desktop.gui.preview_window import PreviewWindow
from hggt_desktop.gui.viewer.grid import PatchGrid
from hggt_desktop.gui.viewer.panel import FRAME, ImagePanel
from hggt_desktop.gui.viewer.transform import ViewTransform

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
        # The grid is never smaller than its panels at 1:1 or 256 px (thumbnail_size.py): a
        # window too small for that scrolls instead of shrinking the pixels being judged.
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.grid)
        self.scroll.installEventFilter(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.placeholder, 1)
        # Qt deletes children in order, and each panel tells the transform it is gone as it is
        # destroyed: the transform must come after the scroll area that holds the panels.
        self.transform.setParent(None)
        self.transform.setParent(self)
        session.current_changed.connect(self._on_current_changed)
        session.set_changed.connect(self._on_set_changed)
        # A click opens that version (or the original) alone at true 1:1 in its own window.
        self.one_to_one_view: PreviewWindow | None = None
        # What the captions say, in full and as letters (_apply_captions picks what fits).
        self._texts: dict[bool, list[tuple[str, str, QColor | None]]] = {False: [], True: []}
        self._compact = False
        self._heading_parts = ("", "")
        self._heading_error = ""
        self.grid.panel_clicked.connect(self._on_panel_clicked)
        self._on_current_changed("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keep the grid's minimum size right for the room the scroll area has."""
        if watched is self.scroll and event.type() == QEvent.Type.Resize:
            self._fit_grid_minimum()
        elif isinstance(watched, ImagePanel) and event.type() == QEvent.Type.Resize:
            self._apply_captions()  # full names or letters: what fits the new width
        return False

    def _fit_grid_minimum(self) -> None:
        panels = self.grid.panels()
        size = self.transform.image_size()
        if not panels or size.isEmpty():
            self.grid.setMinimumSize(200, 150)
            return
        image = QSize(round(size.width()), round(size.height()))
        chrome, ratio = panels[0].chrome_size(), self.devicePixelRatioF()
        # Measured without the vertical scrollbar first: once shown, it takes width that would
        # push the panels into fewer columns and keep itself needed.
        width = self.scroll.width()
        minimum = minimum_grid_size(len(panels), width, image, chrome, ratio)
        if minimum.height() > self.scroll.height():
            width -= self.scroll.verticalScrollBar().sizeHint().width()
            minimum = minimum_grid_size(len(panels), width, image, chrome, ratio)
        self.grid.setMinimumSize(minimum)

    def _on_panel_clicked(self, index: int) -> None:
        stem = self._session.current
        if not stem:
            return
        image_set = self._session.sets[stem]
        path = image_set.paths()[index]
        name = "the original" if index == 0 else f"version {image_set.version_ids[index - 1]}"
        if self.one_to_one_view is None:
            self.one_to_one_view = PreviewWindow(self, title="Curator: one image at 1:1")
        self.one_to_one_view.show_image(path, caption=f"{stem}: {name} at 1:1 ({path})")

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
        for panel in panels:
            panel.installEventFilter(self)  # installing twice keeps one filter
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
        self._fit_grid_minimum()
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
        for panel, version in zip(panels[1:], image_set.version_ids, strict=True):
            panel.set_selected(version in worst)
        reason = self._session.reason_of(stem)
        heading = f"<b>{escape(stem)}</b>" + (f" — {entry.severity_name}" if entry else " — agreed")
        if reason:
            heading += f" — adjudicated: <i>{escape(reason)}</i>"
        flagged = self._session.flags_of(stem)
        for rater, why in sorted(flagged.items()):
            heading += f" — <b>{escape(rater)} flagged “can't judge”</b>: <i>{escape(why)}</i>"
        self._heading_parts = (heading, escape(", ".join(raters)))
        error = self._session.record_error_of(stem)
        self._heading_error = f"<br><span style='color:#a12f2b'>{escape(error)}</span>" if error else ""
        self._texts = {
            compact: [
                self._version_texts(v, labels, raters, flagged, effective.get(v), compact)
                for v in image_set.version_ids
            ]
            for compact in (False, True)
        }
        self._apply_captions()

    def captions(self) -> list[tuple[str, str]]:
        """(caption, badge) of each version's panel, as shown now."""
        panels = self.grid.panels()[1:]
        if len(panels) != len(self._texts[False]):
            return []
        return [(caption, badge) for caption, badge, _ in self._texts[self._compact]]

    def _apply_captions(self) -> None:
        """Names and labels in full where they fit beside the badge; otherwise (narrow panels,
        many raters) letters in rater order, explained in the heading, never cut off."""
        panels = self.grid.panels()[1:]
        if len(panels) != len(self._texts[False]):
            return
        compact = not all(
            caption_fits(panel, caption, badge)
            for panel, (caption, badge, _) in zip(panels, self._texts[False], strict=True)
        )
        self._compact = compact
        for panel, (caption, badge, colour) in zip(panels, self._texts[compact], strict=True):
            panel.set_caption(caption)
            panel.set_badge(badge, colour)
        heading, raters = self._heading_parts
        if compact and raters:
            heading += f" — captions: labels of {raters} in that order"
        self.heading.setText(heading + self._heading_error)

    @staticmethod
    def _version_texts(
        version: str,
        labels: dict[str, dict[str, Label]],
        raters: tuple[str, ...],
        flagged: Collection[str],
        found: Effective | None,
        compact: bool,
    ) -> tuple[str, str, QColor | None]:
        """Caption, badge and badge colour of one version's panel."""
        # Every rater, so a missing label file shows as "C –" instead of silently shrinking,
        # and a rater who flagged the set "can't judge" as "C ?" (the heading says why).
        letters = [
            LETTER[labels[name][version]]
            if version in labels.get(name, {})
            else "?"
            if name in flagged
            else "–"
            for name in raters
        ]
        if compact:
            caption = f"{version}  {''.join(letters)}"
        else:
            caption = f"{version}   " + "  ".join(f"{n} {x}" for n, x in zip(raters, letters, strict=True))
        if found is None:
            return caption, "unlabelled", None
        # "curator", not "adjudicated": a long badge cut the annotators' labels off.
        how = "curator" if found.adjudicated else f"{found.votes}/{found.raters}"
        if not found.adjudicated and found.votes == 0:
            how = "no majority"  # the consensus rule's fallback, not anybody's vote
        name = LETTER[found.label] if compact else found.label.value
        return caption, f"{name} · {how}", LABEL_QCOLOURS[found.label]


def caption_fits(panel: ImagePanel, caption: str, badge: str) -> bool:
    """Whether caption and badge fit the panel's caption bar side by side (as panel.py draws it)."""
    font = QFont(panel.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    room = panel.width() - 2 * FRAME - 12 - (metrics.horizontalAdvance(badge) + 14 + 3)
    return metrics.horizontalAdvance(caption) <= room
