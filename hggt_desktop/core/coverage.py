"""Where an annotator looked at pixel level: a coarse grid of each version's patch (pure, Qt-free).

HGGT's artifacts (halos, false texture, over-sharpening) are judged at 1:1 or closer, so the
record keeps, per version, which cells of a ``GRID`` x ``GRID`` grid over the patch were on
screen while the zoom was at least one device pixel per patch pixel. A cell counts once its
centre has been inside the visible part of the panel for any moment the set was shown: the
share is then accurate to half a cell at each edge, whatever the panel size. Each version's
cells are one integer bit mask (bit ``row * GRID + column``), written as hexadecimal so a
record stays small and readable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GRID = 8  # cells per side: 64 cells, one bit each
# Zooms are compared with this slack: 1:1 computed through the shared view is exactly 1.0,
# but a zoom reached by stepping may carry rounding.
ZOOM_SLACK = 1e-9


@dataclass(frozen=True)
class VisibleRect:
    """The part of a patch shown in a panel, in patch pixels (may reach past the patch)."""

    left: float
    top: float
    right: float
    bottom: float


def covered_cells(rect: VisibleRect, width: int, height: int, grid: int = GRID) -> int:
    """The bit mask of grid cells whose centre lies inside ``rect`` on a ``width`` x ``height`` patch.

    Cell ``c``'s centre ``(c + 0.5) * width / grid`` is in ``[left, right)`` exactly for
    ``ceil(left * grid / width - 0.5) <= c < ceil(right * grid / width - 0.5)``: arithmetic,
    not a loop over cells, since the screen reports on every step of a drag.
    """
    if width <= 0 or height <= 0:
        return 0
    first_column, end_column = _cell_span(rect.left, rect.right, width, grid)
    first_row, end_row = _cell_span(rect.top, rect.bottom, height, grid)
    if end_column <= first_column or end_row <= first_row:
        return 0
    columns = ((1 << (end_column - first_column)) - 1) << first_column
    # One bit at the start of each covered row; times ``columns`` (under ``grid`` bits, so no
    # carries) puts the columns into every covered row.
    rows = sum(1 << (row * grid) for row in range(first_row, end_row))
    return columns * rows


def _cell_span(low: float, high: float, length: int, grid: int) -> tuple[int, int]:
    """The cells (first, end) along one axis whose centres lie in ``[low, high)``."""
    first = max(math.ceil(low * grid / length - 0.5), 0)
    end = min(math.ceil(high * grid / length - 0.5), grid)
    return first, end


def counts_as_one_to_one(zoom: float) -> bool:
    """Whether a view at ``zoom`` (device pixels per patch pixel) shows the patch at pixel level."""
    return zoom >= 1.0 - ZOOM_SLACK


@dataclass
class Coverage:
    """The cells of each version seen at 1:1 or closer (mutable: the annotation model marks it)."""

    grid: int = GRID
    cells: dict[str, int] = field(default_factory=dict)

    def mark(self, version: str, rect: VisibleRect, width: int, height: int) -> bool:
        """Add the cells ``rect`` shows of ``version``; True when a cell was new."""
        before = self.cells.get(version, 0)
        after = before | covered_cells(rect, width, height, self.grid)
        if after == before:
            return False
        self.cells[version] = after
        return True

    def share(self, version: str) -> float:
        """The share (0-1) of ``version``'s patch seen at 1:1 or closer."""
        return self.cells.get(version, 0).bit_count() / (self.grid * self.grid)

    def mean_share(self, versions: Iterable[str]) -> float | None:
        """The mean share over ``versions`` (None when there are none)."""
        shares = [self.share(v) for v in versions]
        return sum(shares) / len(shares) if shares else None

    def to_json(self, versions: Iterable[str]) -> dict[str, Any]:
        """The record's spelling: the grid, every version's cells (hex) and the share derived from them."""
        names = sorted(set(versions) | set(self.cells))
        return {
            "grid": self.grid,
            "cells": {v: f"{self.cells.get(v, 0):0{self.grid * self.grid // 4}x}" for v in names},
            "share": {v: round(self.share(v), 4) for v in names},
        }

    @classmethod
    def from_json(cls, doc: Any) -> Coverage:
        """Read :meth:`to_json`'s spelling; the shares are derived again from the cells.

        Raises ``ValueError`` (or ``TypeError``/``AttributeError``) on a malformed value.
        """
        grid = int(doc["grid"])
        if not 1 <= grid <= 64:
            raise ValueError(f"coverage grid {grid} is not between 1 and 64")
        cells = {str(v): int(str(bits), 16) for v, bits in doc["cells"].items()}
        if any(not 0 <= bits < 1 << (grid * grid) for bits in cells.values()):
            raise ValueError(f"coverage cells do not fit a {grid}x{grid} grid")
        # Versions never seen are written for the reader's sake; in memory they are absent.
        return cls(grid=grid, cells={v: bits for v, bits in cells.items() if bits})
