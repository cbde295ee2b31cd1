"""Active-time accounting: seconds of real work, charged to whatever is on screen.

The HGGT ``Time_cost.Total`` is active work, not wall time: a person who walks away, or
switches to another window, is not labelling. The rule here:

- time counts only while the window has focus;
- after the last input event, time keeps counting for at most ``idle_limit_s`` (looking at
  the images is work), then stops until the next input event;
- each counted second is charged to one account key (the app uses ``(stem, version)``, with
  version ``None`` while no version is selected).

Pure and clock-injected: every method takes ``now`` (seconds, monotonic), so tests use a fake
clock and the GUI passes ``time.monotonic()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

DEFAULT_IDLE_LIMIT_S = 30.0


class ActiveTime:
    """Charges focused, non-idle seconds to the current account key."""

    def __init__(self, now: float, idle_limit_s: float = DEFAULT_IDLE_LIMIT_S) -> None:
        if idle_limit_s <= 0:
            raise ValueError(f"idle_limit_s must be positive, got {idle_limit_s}")
        self.idle_limit_s = idle_limit_s
        self._focused = True
        self._last_input = now
        self._counted_until = now
        self._key: Hashable = None
        self._totals: dict[Hashable, float] = defaultdict(float)

    @property
    def key(self) -> Hashable:
        return self._key

    @property
    def focused(self) -> bool:
        return self._focused

    def flush(self, now: float) -> None:
        """Charge the active time up to ``now`` to the current key (safe to call any time)."""
        if self._focused:
            end = min(now, self._last_input + self.idle_limit_s)
            if end > self._counted_until:
                self._totals[self._key] += end - self._counted_until
        self._counted_until = max(self._counted_until, now)

    def record_input(self, now: float) -> None:
        """The user did something (key, click, wheel, drag): the idle window starts again."""
        self.flush(now)
        self._last_input = now
        self._counted_until = now

    def charge_to(self, key: Hashable, now: float) -> None:
        """From ``now`` on, charge active time to ``key`` (time so far stays with the old key)."""
        self.flush(now)
        self._key = key

    def set_focused(self, focused: bool, now: float) -> None:
        """Window focus changed; regaining focus counts as input."""
        self.flush(now)
        self._focused = focused
        if focused:
            self._last_input = now
            self._counted_until = now

    def is_idle(self, now: float) -> bool:
        """True when time is not being counted at ``now`` (unfocused, or idle past the limit)."""
        return not self._focused or now - self._last_input >= self.idle_limit_s

    def seconds(self, key: Hashable) -> float:
        """Active seconds charged to ``key`` so far (call :meth:`flush` first for the latest)."""
        return self._totals.get(key, 0.0)

    def take(self, key: Hashable) -> float:
        """Remove and return the seconds charged to ``key`` (moved into a record)."""
        return self._totals.pop(key, 0.0)

    def keys(self) -> list[Hashable]:
        """Every key with seconds charged."""
        return list(self._totals)

    def total(self) -> float:
        """Active seconds charged to all keys."""
        return sum(self._totals.values())

    def totals(self) -> dict[Hashable, float]:
        """A copy of every key's seconds."""
        return dict(self._totals)
