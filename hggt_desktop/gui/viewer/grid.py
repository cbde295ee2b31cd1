"""The original and its versions side by side, all on one shared view transform."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QWidget

from hggt_desktop.gui.viewer.arrangement import MAX_PANELS, arrange_cells
from hggt_desktop.gui.viewer.palette import CHROME_COLOR
from hggt_desktop.gui.viewer.panel import ImagePanel
from hggt_desktop.gui.viewer.transform import ViewTransform


class PatchGrid(QWidget):
    """Panel 0 is the original, panels 1..9 the versions; a click reports the panel's index."""

    panel_clicked = Signal(int)

    def __init__(self, transform: ViewTransform, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._transform = transform
        self._panels: list[ImagePanel] = []
        self._two_panel = False
        self._two_panel_version = 1
        self._aspect = 1.0
        self.setMinimumSize(200, 150)
        transform.changed.connect(self._on_transform_changed)

    def set_panel_count(self, count: int) -> list[ImagePanel]:
        """Have ``count`` panels (1 original + up to 9 versions), reusing existing ones."""
        if not 1 <= count <= MAX_PANELS:
            raise ValueError(f"a set has 1 to {MAX_PANELS} panels (original + versions), got {count}")
        while len(self._panels) > count:
            panel = self._panels.pop()
            panel.hide()
            panel.deleteLater()
        while len(self._panels) < count:
            panel = ImagePanel(self._transform, self)
            panel.clicked.connect(partial(self._on_panel_clicked, len(self._panels)))
            self._panels.append(panel)
        if self._two_panel_version >= count:
            self._two_panel_version = 1
        self._arrange()
        return list(self._panels)

    def panels(self) -> list[ImagePanel]:
        """The panels in index order (0 = original)."""
        return list(self._panels)

    def set_two_panel(self, enabled: bool, version_index: int = 1) -> None:
        """Show only the original beside one version, both large; or every panel again."""
        if enabled and not 1 <= version_index < len(self._panels):
            raise ValueError(f"no version panel {version_index}: there are {len(self._panels) - 1} versions")
        self._two_panel = enabled
        if enabled:
            self._two_panel_version = version_index
        self._arrange()

    def is_two_panel(self) -> bool:
        """Whether only the original and one version are shown."""
        return self._two_panel

    def two_panel_version(self) -> int:
        """The version index shown beside the original in two-panel mode."""
        return self._two_panel_version

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-lay the panels out for the new size."""
        super().resizeEvent(event)
        self._arrange()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Gaps between panels in the quiet chrome colour."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), CHROME_COLOR)
        painter.end()

    def _arrange(self) -> None:
        if not self._panels:
            return
        shown = (
            [0, self._two_panel_version]
            if self._two_panel and len(self._panels) > 1
            else list(range(len(self._panels)))
        )
        self._aspect = self._image_aspect()
        # Caption bars and frames take room: make the image areas, not the panels, largest.
        chrome = self._panels[0].chrome_size()
        cells = arrange_cells(len(shown), self.width(), self.height(), self._aspect, chrome=chrome)
        for index, panel in enumerate(self._panels):
            if index in shown:
                panel.setGeometry(cells[shown.index(index)])
                panel.show()
            else:
                panel.hide()

    def _image_aspect(self) -> float:
        image = self._transform.image_size()
        return image.width() / image.height() if not image.isEmpty() else 1.0

    def _on_transform_changed(self) -> None:
        # Wide images want panels side by side, tall ones stacked: re-lay out on a new shape.
        if self._image_aspect() != self._aspect:
            self._arrange()

    def _on_panel_clicked(self, index: int) -> None:
        self.panel_clicked.emit(index)
