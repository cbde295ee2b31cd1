"""How a set is laid out on a given screen: 1:1 unless it cannot be, and the window mode it needs.

HGGT's artifacts (halos, false texture, over-sharpening) are judged at pixel level, so the
default is true 1:1 in device pixels, never a resampled fit. The rule, in order of preference:

1. every panel (original + versions) at 1:1 in a maximised window (work area, less the title,
   menu and status bars);
2. every panel at 1:1 in full screen (menu and status bars hidden: their messages go to the
   controls);
3. two panels (the original beside one version) at 1:1, maximised, then full screen;
4. every panel at fit zoom, maximised (a screen too small even for two panels at 1:1).

Where a grid has a spare cell large enough, the controls (progress, messages, buttons) go there
and captions go in a strip beside each image, so on a 1920x1080 screen (100% or 125%) five
512 px panels fill a 3x2 grid at 1:1 with the controls in the sixth cell, never over the pixels.
Everything is computed in logical pixels, the images rounded up (``ceil(patch / scale)``), so a
1:1 image always fits its area whatever the scaling. Pure: no Qt, tested from a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAXIMISED = "maximised"
FULL_SCREEN = "full_screen"
CONTROLS_CELL = "cell"
CONTROLS_BELOW = "below"


@dataclass(frozen=True)
class Chrome:
    """The room around the images, in logical pixels (what the screen's widgets need)."""

    caption: int = 80  # strip beside each image: its letter and its label
    frame: int = 3  # around each image (coloured when selected)
    spacing: int = 4  # between panels
    controls_below: int = 112  # progress, message and two rows of buttons under the grid
    controls_cell: tuple[int, int] = (300, 280)  # smallest spare cell that holds the controls
    window_bars: int = 50  # menu bar and status bar (hidden in full screen)
    title_bar: int = 30  # the window's title bar (absent in full screen)
    taskbar: int = 40  # reserved by the desktop when no work area is known


@dataclass(frozen=True)
class ScreenLayout:
    """The rule's answer: which panels, in what grid, at what zoom, in what kind of window."""

    columns: int
    rows: int
    two_panel: bool
    one_to_one: bool  # False: fit (the screen is too small even for two panels at 1:1)
    window: str  # MAXIMISED or FULL_SCREEN
    controls: str  # CONTROLS_CELL (in the grid's spare cell) or CONTROLS_BELOW

    @property
    def full_screen(self) -> bool:
        """Whether the window must be full screen for this layout."""
        return self.window == FULL_SCREEN


def choose_layout(
    screen: tuple[int, int],
    scale: float,
    patch: tuple[int, int],
    versions: int,
    work_area: tuple[int, int] | None = None,
    chrome: Chrome = Chrome(),
) -> ScreenLayout:
    """The layout for a ``patch`` (w, h) set of ``versions`` on a ``screen`` (w, h, device pixels).

    ``scale`` is the display scaling (1.25 for Windows' 125%); ``work_area`` the screen less
    the taskbar in device pixels (default: ``chrome.taskbar`` logical pixels less in height).
    """
    if scale <= 0 or min(screen) <= 0 or min(patch) <= 0 or versions < 0:
        raise ValueError(f"no layout for screen {screen}, scale {scale}, patch {patch}, {versions} versions")
    screen_logical = (math.floor(screen[0] / scale), math.floor(screen[1] / scale))
    if work_area is None:
        work_logical = (screen_logical[0], screen_logical[1] - chrome.taskbar)
    else:
        work_logical = (math.floor(work_area[0] / scale), math.floor(work_area[1] / scale))
    windows = (
        (MAXIMISED, (work_logical[0], work_logical[1] - chrome.title_bar - chrome.window_bars)),
        (FULL_SCREEN, screen_logical),
    )
    image = (math.ceil(patch[0] / scale), math.ceil(patch[1] / scale))
    panel_counts = (versions + 1, 2) if versions > 1 else (versions + 1,)
    for panels in panel_counts:
        for window, area in windows:
            found = _best_grid(panels, image, area, chrome)
            if found is not None:
                columns, rows, controls = found
                two_panel = panels < versions + 1
                return ScreenLayout(columns, rows, two_panel, True, window, controls)
    columns = math.ceil(math.sqrt(versions + 1))
    rows = math.ceil((versions + 1) / columns)
    return ScreenLayout(columns, rows, False, False, MAXIMISED, CONTROLS_BELOW)


def _best_grid(
    panels: int, image: tuple[int, int], area: tuple[int, int], chrome: Chrome
) -> tuple[int, int, str] | None:
    """The grid (columns, rows, where the controls go) that holds ``panels`` images at 1:1."""
    cell_w = image[0] + chrome.caption + 2 * chrome.frame
    cell_h = image[1] + 2 * chrome.frame
    controls_fit_cell = cell_w >= chrome.controls_cell[0] and cell_h >= chrome.controls_cell[1]
    candidates = []
    for columns in range(1, panels + 2):
        for rows in {math.ceil(panels / columns), math.ceil((panels + 1) / columns)}:
            spare = columns * rows - panels
            if spare < 0 or spare >= columns:
                continue  # a whole empty row or column: a smaller grid does better
            in_cell = spare >= 1 and controls_fit_cell
            width = columns * cell_w + (columns - 1) * chrome.spacing
            height = rows * cell_h + (rows - 1) * chrome.spacing
            if not in_cell:
                height += chrome.controls_below
            if width <= area[0] and height <= area[1]:
                controls = CONTROLS_CELL if in_cell else CONTROLS_BELOW
                # Fewest holes beyond the controls' cell, then fewer rows (images level with
                # each other), then the controls in a cell (the images get the height).
                holes = spare - (1 if in_cell else 0)
                candidates.append(((holes, rows, not in_cell), (columns, rows, controls)))
    return min(candidates)[1] if candidates else None
