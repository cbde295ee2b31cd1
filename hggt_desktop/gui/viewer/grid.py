"""The original and its versions side by side, all on one shared view transform.

Two ways to lay the panels out: a fixed plan from the layout rule (cells exactly one 1:1 image
plus a caption strip, the controls in the spare cell or under the grid), used while the plan
fits the widget and shows the panels on screen; otherwise cells that share the room equally
(``arrangement.py``) with the controls under them. The controls (progress, messages, buttons)
are one widget the grid places, so they never cover the pixels being judged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QEvent, QObject, QRect, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QWidget

from hggt_desktop.gui.viewer.arrangement import MAX_PANELS, SPACING, arrange_cells
from hggt_desktop.gui.viewer.palette import CHROME_COLOR
from hggt_desktop.gui.viewer.panel import CAPTION_BESIDE, FRAME, ImagePanel
from hggt_desktop.gui.viewer.transform import ViewTransform


@dataclass(frozen=True)
class GridPlan:
    """The rule's grid: ``columns`` x ``rows`` cells holding ``image`` (w, h device px) at 1:1."""

    columns: int
    rows: int
    image: tuple[int, int]
    controls_in_cell: bool


class PatchGrid(QWidget):
    """Panel 0 is the original, panels 1..9 the versions; a click reports the panel's index."""

    panel_clicked = Signal(int)
    divider_dragged = Signal(int, float)  # panel index, divider as a share of its image area's width

    def __init__(self, transform: ViewTransform, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._transform = transform
        self._panels: list[ImagePanel] = []
        self._two_panel = False
        self._two_panel_version = 1
        self._aspect = 1.0
        self._plan: GridPlan | None = None
        self._controls: QWidget | None = None
        self._fit_controls: Callable[[int], None] = lambda _width: None
        self._arranging = False
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
            panel.divider_dragged.connect(partial(self.divider_dragged.emit, len(self._panels)))
            self._panels.append(panel)
        if self._two_panel_version >= count:
            self._two_panel_version = 1
        self._arrange()
        return list(self._panels)

    def set_controls(self, controls: QWidget, fit_width: Callable[[int], None]) -> None:
        """The widget of controls this grid places in its spare cell or under the panels.

        ``fit_width`` re-flows the controls for a width (logical pixels) before the grid asks
        for their height; a change in their size (a reminder shown) re-lays the grid out.
        """
        controls.setParent(self)
        controls.installEventFilter(self)
        self._controls = controls
        self._fit_controls = fit_width
        self._arrange()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-lay out when the controls' contents change size."""
        if watched is self._controls and event.type() == QEvent.Type.LayoutRequest:
            self._arrange()
        return False

    def set_plan(self, plan: GridPlan | None) -> None:
        """Lay the panels out on the rule's grid (None: share the room equally)."""
        self._plan = plan
        self._arrange()

    def plan_in_use(self) -> bool:
        """Whether the panels sit on the rule's fixed grid (not on cells sharing the room)."""
        return self._fixed_cells(self._shown()) is not None

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

    def _shown(self) -> list[int]:
        if self._two_panel and len(self._panels) > 1:
            return [0, self._two_panel_version]
        return list(range(len(self._panels)))

    def _fixed_cells(self, shown: list[int]) -> tuple[list[QRect], QRect] | None:
        """The plan's cells and the controls' rectangle, or None where the plan does not apply."""
        plan, controls = self._plan, self._controls
        if plan is None or controls is None or plan.columns * plan.rows < len(shown) + plan.controls_in_cell:
            return None
        ratio = self.devicePixelRatioF()
        # Whole logical pixels that hold the whole 1:1 image at any scaling.
        cell_w = math.ceil(plan.image[0] / ratio) + CAPTION_BESIDE + 2 * FRAME
        cell_h = math.ceil(plan.image[1] / ratio) + 2 * FRAME
        below = 0 if plan.controls_in_cell else controls.sizeHint().height()
        width = plan.columns * cell_w + (plan.columns - 1) * SPACING
        height = plan.rows * cell_h + (plan.rows - 1) * SPACING
        if width > self.width() or height + below > self.height():
            return None
        left, top = (self.width() - width) // 2, max((self.height() - below - height) // 2, 0)
        cells = [
            QRect(left + column * (cell_w + SPACING), top + row * (cell_h + SPACING), cell_w, cell_h)
            for row in range(plan.rows)
            for column in range(plan.columns)
        ]
        if plan.controls_in_cell:
            spare = cells[len(shown) :]
            # The spare cells at the end of the grid, and the side margin beside them.
            box = spare[0].united(spare[-1]).adjusted(0, 0, self.width() - left - width, 0)
        else:
            box = QRect(0, self.height() - below, self.width(), below)
        return cells[: len(shown)], box

    def _arrange(self) -> None:
        if not self._panels or self._arranging:
            return
        self._arranging = True
        try:
            self._arrange_now()
        finally:
            self._arranging = False

    def _arrange_now(self) -> None:
        self._fit_controls(self.width())
        shown = self._shown()
        self._aspect = self._image_aspect()
        fixed = self._fixed_cells(shown)
        for panel in self._panels:
            panel.set_caption_beside(fixed is not None)
        if fixed is not None:
            cells, box = fixed
        else:
            below = self._controls.sizeHint().height() if self._controls is not None else 0
            # Caption bars and frames take room: make the image areas, not the panels, largest.
            chrome = self._panels[0].chrome_size()
            height = max(self.height() - below, 1)
            cells = arrange_cells(len(shown), self.width(), height, self._aspect, chrome=chrome)
            box = QRect(0, height, self.width(), below)
        if self._controls is not None:
            self._fit_controls(box.width())
            self._controls.setGeometry(box)
            self._controls.show()
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
