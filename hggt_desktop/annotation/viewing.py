"""How the set is viewed, and the time spent on it (Qt-free; a part of ``AnnotationModel``).

Swaps, comparison aids, two-panel mode, zoom and where the annotator looked at 1:1 go into
the set's record; focus, input and the work page being on screen decide what time counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from hggt_desktop.annotation.events import SWAP_NONE
from hggt_desktop.annotation.state import AnnotationState
from hggt_desktop.core.coverage import VisibleRect


class Viewing(AnnotationState):
    """Swap, flicker and A/B counts, two-panel mode, zoom, coverage at 1:1, focus and time."""

    def set_swap(self, mode: str, count: bool = True) -> None:
        """Show the original in place of the selected version or of all (held key), or stop.

        ``count`` False: a flicker frame, counted once per flicker (:meth:`note_aid`), not per swap.
        """
        if count:
            self.note_input()
        if mode == self.swap_mode:
            return
        if count and mode != SWAP_NONE and self.progress.broken_reason is None:
            self.recorder.swapped(self.index)
        self.swap_mode = mode
        self._mark_looked()  # a version the swap hid is back on screen
        self.events.swap_changed(mode)

    def note_aid(self, aid: str) -> None:
        """A comparison aid ("ab_toggle", "flicker", "split") was started on this set: the record counts it."""
        if self.index >= 0 and self.progress.broken_reason is None:
            self.recorder.aid_used(self.index, aid)

    def set_two_panel(self, enabled: bool) -> None:
        self.note_input()
        if enabled != self.two_panel:
            self.two_panel = enabled
            self._mark_looked()
            self.events.two_panel_changed(enabled)

    def step_two_panel(self, step: int = 1) -> None:
        """In two-panel mode, show (and select) the next version."""
        if not self.two_panel:
            self.set_two_panel(True)
        self.select((max(self.selected, 0) + step) % self.version_count)

    def note_zoom(self, zoom: float) -> None:
        if self.index >= 0 and self.progress.broken_reason is None:
            self.recorder.zoomed(self.index, zoom)

    def note_view(self, zoom: float, visible: Mapping[int, VisibleRect]) -> None:
        """The screen shows, per version position, this part of the patch at ``zoom``.

        ``zoom`` is device pixels per patch pixel; rectangles are in patch pixels. The screen
        reports every change (pan, zoom, resize, another set); the model decides what counts.
        """
        self.looked.report(zoom, visible)
        self._mark_looked()

    def set_screen_scale(self, scale: float) -> None:
        self.store.screen_scale = scale

    def set_focused(self, focused: bool) -> None:
        self._focused = focused
        self.recorder.set_focused(focused and self._on_screen)

    def set_on_screen(self, on_screen: bool) -> None:
        """The work page is (or is no longer) the one shown: the first set's clock starts here.

        Without this the first set's ``Time_cost`` included the instructions and practice
        (``Total`` 20 s for a set labelled in 2 s).
        """
        self._on_screen = on_screen
        self.recorder.set_focused(self._focused and on_screen)
        if on_screen and self.index >= 0 and self.progress.broken_reason is None and self.loaded is not None:
            self.recorder.shown(self.index, self.loaded, stamp=True)
            self._mark_looked()

    def is_idle(self) -> bool:
        """True while time is not counted (unfocused, or no input for the idle limit)."""
        return self.recorder.is_idle()

    def seconds_today(self) -> float:
        """Active seconds today: earlier runs plus this one."""
        return self.earlier_today_seconds + self.active_seconds()

    def active_seconds(self) -> float:
        """Active seconds in this session, including time not yet moved into a record."""
        return self.recorder.active_seconds()
