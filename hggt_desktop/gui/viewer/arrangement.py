"""Where the original and its versions go: equal cells, the original apart on the left or top.

All cells have the same size so one shared fit zoom shows each image whole and equally large;
the layout (original beside or above the versions, how many columns) is the one that makes the
images largest for the widget's shape and the images' aspect ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize

MAX_PANELS = 10
SPACING = 4


@dataclass(frozen=True)
class _Plan:
    grid_columns: int
    grid_rows: int
    version_columns: int
    original_left: bool


def arrange_cells(
    count: int,
    width: int,
    height: int,
    aspect: float = 1.0,
    chrome: QSize | None = None,
    spacing: int = SPACING,
) -> list[QRect]:
    """Rectangles for ``count`` panels (index 0 = original) in a ``width`` x ``height`` area.

    ``aspect`` is the images' width / height; ``chrome`` the part of a panel that is not image
    (frame and caption bar). Rectangles never overlap and, in an area large
    enough to hold them, all have a positive size.
    """
    if not 1 <= count <= MAX_PANELS:
        raise ValueError(f"a set has 1 to {MAX_PANELS} panels (original + versions), got {count}")
    if count == 1:
        return [QRect(0, 0, max(width, 1), max(height, 1))]
    extra = chrome if chrome is not None else QSize(0, 0)

    def score(plan: _Plan) -> tuple[float, int, bool]:
        return _score(plan, count - 1, QSize(width, height), extra, aspect, spacing)

    plan = max(_plans(count - 1), key=score)
    cell_w = max((width - (plan.grid_columns - 1) * spacing) // plan.grid_columns, 1)
    cell_h = max((height - (plan.grid_rows - 1) * spacing) // plan.grid_rows, 1)
    # Centre the whole grid; integer cell sizes leave a few pixels over.
    left = max((width - plan.grid_columns * cell_w - (plan.grid_columns - 1) * spacing) // 2, 0)
    top = max((height - plan.grid_rows * cell_h - (plan.grid_rows - 1) * spacing) // 2, 0)

    def cell(column: int, row: int) -> QRect:
        return QRect(left + column * (cell_w + spacing), top + row * (cell_h + spacing), cell_w, cell_h)

    versions_w = plan.version_columns * cell_w + (plan.version_columns - 1) * spacing
    if plan.original_left:
        grid_h = plan.grid_rows * cell_h + (plan.grid_rows - 1) * spacing
        original = QRect(left, top + (grid_h - cell_h) // 2, cell_w, cell_h)
        offset = (1, 0)
    else:
        original = QRect(left + (versions_w - cell_w) // 2, top, cell_w, cell_h)
        offset = (0, 1)
    rects = [original]
    for index in range(count - 1):
        row, column = divmod(index, plan.version_columns)
        rects.append(cell(column + offset[0], row + offset[1]))
    return rects


def _plans(versions: int) -> list[_Plan]:
    plans = []
    for columns in range(1, versions + 1):
        rows = math.ceil(versions / columns)
        if (rows - 1) * columns >= versions:
            continue  # an empty last row: the same plan with fewer rows is better
        plans.append(_Plan(columns + 1, rows, columns, original_left=True))
        plans.append(_Plan(columns, rows + 1, columns, original_left=False))
    return plans


def _score(
    plan: _Plan, versions: int, area: QSize, chrome: QSize, aspect: float, spacing: int
) -> tuple[float, int, bool]:
    cell_w = (area.width() - (plan.grid_columns - 1) * spacing) / plan.grid_columns
    cell_h = (area.height() - (plan.grid_rows - 1) * spacing) / plan.grid_rows
    image_scale = min((cell_w - chrome.width()) / aspect, cell_h - chrome.height())
    empty_cells = plan.version_columns * math.ceil(versions / plan.version_columns) - versions
    # Largest images first; then fewer holes; then the original on the left (reading order).
    return (round(image_scale, 6), -empty_cells, plan.original_left)
