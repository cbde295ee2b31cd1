"""The layout rule: 1:1 unless the screen cannot show it, on the screens volunteers have."""

from __future__ import annotations

import math

import pytest

from hggt_desktop.annotation.screen_layout import (
    CONTROLS_BELOW,
    CONTROLS_CELL,
    FULL_SCREEN,
    MAXIMISED,
    Chrome,
    ScreenLayout,
    choose_layout,
)

# screen (device px), scale, patch, versions -> columns, rows, two-panel, 1:1, window, controls
CASES = [
    # The case: 3x2 is 1536x1024 device pixels, so only full screen holds it, at 100% and 125%.
    ((1920, 1080), 1.0, 512, 4, (3, 2, False, True, FULL_SCREEN, CONTROLS_CELL)),
    ((1920, 1080), 1.25, 512, 4, (3, 2, False, True, FULL_SCREEN, CONTROLS_CELL)),
    # A 1366x768 laptop cannot show five 512 px panels: original beside one version, at 1:1.
    ((1366, 768), 1.0, 512, 4, (2, 1, True, True, MAXIMISED, CONTROLS_BELOW)),
    # 256 px demo sets fit whole at 1:1 on the laptop, maximised.
    ((1366, 768), 1.0, 256, 4, (3, 2, False, True, MAXIMISED, CONTROLS_BELOW)),
    ((1920, 1080), 1.0, 256, 4, (5, 1, False, True, MAXIMISED, CONTROLS_BELOW)),
    ((1920, 1080), 1.0, 256, 9, (5, 2, False, True, MAXIMISED, CONTROLS_BELOW)),
    ((2560, 1440), 1.0, 512, 4, (3, 2, False, True, MAXIMISED, CONTROLS_CELL)),
    ((2560, 1440), 1.0, 512, 9, (3, 1, True, True, MAXIMISED, CONTROLS_CELL)),
    ((1366, 768), 1.25, 512, 4, (2, 1, True, True, FULL_SCREEN, CONTROLS_BELOW)),
    ((1366, 768), 1.0, 256, 9, (2, 1, True, True, MAXIMISED, CONTROLS_BELOW)),
    ((3840, 2160), 1.5, 512, 4, (5, 1, False, True, MAXIMISED, CONTROLS_BELOW)),
    ((3840, 2160), 1.5, 512, 9, (5, 2, False, True, MAXIMISED, CONTROLS_BELOW)),
    ((3840, 2160), 2.0, 512, 9, (5, 2, False, True, MAXIMISED, CONTROLS_BELOW)),
    ((3840, 2160), 1.0, 512, 9, (5, 2, False, True, MAXIMISED, CONTROLS_BELOW)),
    # Too small even for two panels at 1:1: fit, never a cut-off image.
    ((1024, 600), 1.0, 1024, 4, (3, 2, False, False, MAXIMISED, CONTROLS_BELOW)),
]


@pytest.mark.parametrize(("screen", "scale", "patch", "versions", "expected"), CASES)
def test_layout_rule(
    screen: tuple[int, int], scale: float, patch: int, versions: int, expected: tuple[object, ...]
) -> None:
    assert choose_layout(screen, scale, (patch, patch), versions) == ScreenLayout(*expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(("screen", "scale", "patch", "versions", "expected"), CASES)
def test_a_one_to_one_layout_fits_its_window(
    screen: tuple[int, int], scale: float, patch: int, versions: int, expected: tuple[object, ...]
) -> None:
    """Whatever the rule picks at 1:1, its images (rounded up to logical pixels) fit the screen."""
    chrome = Chrome()
    layout = choose_layout(screen, scale, (patch, patch), versions)
    if not layout.one_to_one:
        return
    image = math.ceil(patch / scale)
    width = (
        layout.columns * (image + chrome.caption + 2 * chrome.frame) + (layout.columns - 1) * chrome.spacing
    )
    height = layout.rows * (image + 2 * chrome.frame) + (layout.rows - 1) * chrome.spacing
    assert width <= screen[0] / scale
    assert height <= screen[1] / scale
    panels = 2 if layout.two_panel else versions + 1
    assert layout.columns * layout.rows >= panels + (layout.controls == CONTROLS_CELL)


def test_the_work_area_given_by_the_desktop_is_used() -> None:
    """A taller taskbar than the default pushes a layout that just fits into full screen."""
    roomy = choose_layout((2560, 1440), 1.0, (512, 512), 4)
    cramped = choose_layout((2560, 1440), 1.0, (512, 512), 4, work_area=(2560, 1100))
    assert (roomy.window, cramped.window) == (MAXIMISED, FULL_SCREEN)


def test_bad_input_is_refused_with_the_figures() -> None:
    with pytest.raises(ValueError, match="scale 0"):
        choose_layout((1920, 1080), 0, (512, 512), 4)
